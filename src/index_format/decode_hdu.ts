/**
 * Decode the HDU records of a cloudfits binary index (docs/index-format.md): an HDU's kind, place,
 * shape and keywords, and the columns of its table.
 *
 * @module
 */

import { binaryFieldWidth } from "./_columns.ts";
import { headerSizeForCards } from "./_header_text.ts";
import { ColumnFlag, HDU_KINDS, HduFlag } from "./_layout.ts";
import type { ByteReader } from "./_varint.ts";
import type { ColumnSummary, HduSummary } from "./types.ts";

/** Smallest possible column record, to bound the column count by the bytes present. */
const MIN_COLUMN_RECORD = 3;
const KNOWN_HDU_FLAGS = 511;
const KNOWN_COLUMN_FLAGS = 255;
const VALID_BITPIX = new Set([8, 16, 32, 64, -32, -64]);

/** One HDU record plus what rebuilding its header needs. */
export interface HduRecord {
  summary: HduSummary;
  cardCount: number;
  textLength: number;
  raw: boolean;
}

/**
 * Decode one HDU record of a file record, with its columns when it is a table.
 *
 * @param reader The leaf's reader, at the record.
 * @param index The HDU's number in its file.
 * @param expectedOffset Where the HDU starts unless the record says otherwise: the end of the previous one.
 * @param fileSize The file's size, to bound offsets and sizes.
 * @param where The file's path, quoted, for messages.
 * @returns The HDU's summary and what rebuilding its header needs.
 * @throws {CloudFitsError} `BAD_INDEX` for anything out of bounds, unknown or inconsistent.
 *
 * @example A primary array of 10 × 10 bytes after one header block
 * ```ts
 * import { decodeHduRecord } from "./decode_hdu.ts";
 * import { ByteReader } from "./_varint.ts";
 *
 * // kind, flags, cards, data size, BITPIX (zigzag), NAXIS, axes, PCOUNT, GCOUNT, header CRC, text length
 * const bytes = new Uint8Array([0, 0, 6, 100, 16, 2, 10, 10, 0, 1, 0, 0, 0, 0, 0]);
 * const record = decodeHduRecord(new ByteReader(bytes, "a leaf", 0), 0, 0, 5760, "'a.fits'");
 * console.log(record.summary.type, record.summary.axes, record.summary.dataOffset); // PRIMARY [ 10, 10 ] 2880
 * ```
 */
export function decodeHduRecord(
  reader: ByteReader,
  index: number,
  expectedOffset: number,
  fileSize: number,
  where: string,
): HduRecord {
  const what = `HDU ${index} of ${where}`;
  const kind = reader.u8();
  if (kind >= HDU_KINDS.length) throw reader.fail(`unknown kind ${kind} of ${what}`);
  const flags = reader.varint();
  if (flags & ~KNOWN_HDU_FLAGS) throw reader.fail(`unknown flags 0x${flags.toString(16)} on ${what}`);
  const headerOffset = flags & HduFlag.HEADER_OFFSET ? reader.varint() : expectedOffset;
  if (headerOffset < expectedOffset) {
    throw reader.fail(`${what} starts at ${headerOffset}, inside the previous HDU`);
  }
  const cardCount = reader.count(`card count of ${what}`, Math.floor(fileSize / 80));
  const headerSize = headerSizeForCards(cardCount);
  const dataSize = reader.count(`data size of ${what}`, fileSize);
  const dataOffset = headerOffset + headerSize;
  if (dataOffset + dataSize > fileSize) {
    throw reader.fail(`${what} ends at byte ${dataOffset + dataSize}, beyond the file's ${fileSize} bytes`);
  }
  const bitpix = reader.signed();
  if (!VALID_BITPIX.has(bitpix)) throw reader.fail(`invalid BITPIX ${bitpix} of ${what}`);
  const naxis = reader.count(`NAXIS of ${what}`, Math.min(999, reader.remaining));
  const axes: number[] = [];
  for (let i = 0; i < naxis; i++) axes.push(reader.varint());
  const pcount = reader.varint();
  const gcount = reader.varint();
  const summary: HduSummary = {
    index,
    type: HDU_KINDS[kind],
    headerOffset,
    headerSize,
    dataOffset,
    dataSize,
    bitpix,
    axes,
    pcount,
    gcount,
    extname: null,
    extver: null,
    headerCrc: 0,
    columns: [],
  };
  if (flags & HduFlag.BSCALE) summary.bscale = reader.f64();
  if (flags & HduFlag.BZERO) summary.bzero = reader.f64();
  if (flags & HduFlag.BLANK) summary.blank = reader.signedBig();
  if (flags & HduFlag.EXTNAME) summary.extname = reader.string();
  if (flags & HduFlag.EXTVER) summary.extver = reader.signed();
  if (flags & HduFlag.THEAP) summary.theap = reader.varint();
  summary.headerCrc = reader.u32();
  const textLength = reader.varint();
  if (flags & HduFlag.COLUMNS) {
    const ascii = summary.type === "TABLE";
    const count = reader.count(
      `column count of ${what}`,
      Math.min(999, Math.floor(reader.remaining / MIN_COLUMN_RECORD)),
    );
    let offset = 0;
    for (let n = 1; n <= count; n++) {
      const column = decodeColumn(reader, ascii, offset, `column ${n} of ${what}`);
      offset += ascii ? 0 : column.width;
      summary.columns.push(column);
    }
    if (!ascii && offset !== (axes[0] ?? 0)) {
      throw reader.fail(`columns of ${what} add up to ${offset} bytes per row, not NAXIS1 ${axes[0] ?? 0}`);
    }
  }
  return { summary, cardCount, textLength, raw: (flags & HduFlag.RAW_HEADER) !== 0 };
}

function decodeColumn(reader: ByteReader, ascii: boolean, offset: number, what: string): ColumnSummary {
  const flags = reader.varint();
  if (flags & ~KNOWN_COLUMN_FLAGS) throw reader.fail(`unknown flags 0x${flags.toString(16)} on ${what}`);
  const type = String.fromCharCode(reader.u8());
  let column: ColumnSummary;
  if (ascii) {
    if (!"AIFED".includes(type)) throw reader.fail(`unknown type code '${type}' of ${what}`);
    const width = reader.varint();
    column = { name: null, type, repeat: 1, offset: reader.varint(), width };
  } else {
    if (!"LXBIJKAEDCMPQ".includes(type)) throw reader.fail(`unknown type code '${type}' of ${what}`);
    const repeat = reader.varint();
    column = { name: null, type, repeat, offset, width: binaryFieldWidth(type, repeat) };
    if (type === "P" || type === "Q") {
      const element = String.fromCharCode(reader.u8());
      if (!"LXBIJKAEDCM".includes(element)) {
        throw reader.fail(`unknown array element type '${element}' of ${what}`);
      }
      column.vlaType = element;
    }
  }
  if (flags & ColumnFlag.NAME) column.name = reader.string();
  if (flags & ColumnFlag.SCALE) column.scale = reader.f64();
  if (flags & ColumnFlag.ZERO) column.zero = reader.f64();
  if (flags & ColumnFlag.NULL) column.null = ascii ? reader.string() : reader.signedBig();
  if (flags & ColumnFlag.DIM) column.dim = reader.string();
  if (flags & ColumnFlag.UNIT) column.unit = reader.string();
  if (flags & ColumnFlag.VLA_MAX) column.vlaMax = reader.varint();
  if (flags & ColumnFlag.DECIMALS) column.decimals = reader.varint();
  return column;
}
