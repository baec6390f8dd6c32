/**
 * Encode one file record of a cloudfits index (docs/index-format.md): the record body (flags, size,
 * validators, gzip part, HDU and column records) and its header text, still to be deflated with the
 * rest of its leaf; and the checks on paths and data URLs.
 *
 * @module
 */

import { paddedSize } from "../fits/layout.ts";
import type { Hdu } from "../fits/layout.ts";
import { describeColumns, numberValue } from "./_columns.ts";
import { crc32c } from "./_crc32c.ts";
import {
  countCardsBeforeEnd,
  encodeFullHeader,
  encodeStructuralHeader,
  headerSizeForCards,
} from "./_header_text.ts";
import { ColumnFlag, FileFlag, HDU_KINDS, HduFlag } from "./_layout.ts";
import { type StoredGzip, storeGzip, writeGzip } from "./gzip_points.ts";
import { ByteWriter } from "./_varint.ts";
import type { ColumnSummary, IndexedFile } from "./types.ts";
import { concatBytes } from "../_bytes.ts";

const SIGNED_QUERY = /[?&](x-amz-|x-goog-|sig=|se=|sv=|sp=|signature=|awsaccesskeyid=|expires=|token=)/i;

/** A file's record without its path: the body, and the header text that goes into its leaf's stream. */
export interface EncodedFile {
  body: Uint8Array;
  text: Uint8Array;
}

/**
 * Encode a file's record body and header text.
 *
 * @param file The file.
 * @param indexer The index's default indexer.
 * @param fullText Keep the whole header text (false: structural cards only).
 * @returns The body and text.
 * @throws {TypeError} For sizes or HDUs that disagree.
 */
export async function encodeFileRecord(
  file: IndexedFile,
  indexer: string,
  fullText: boolean,
): Promise<EncodedFile> {
  return encodeFileBody(file, indexer, fullText, file.gzip && await storeGzip(file.gzip));
}

function encodeFileBody(
  file: IndexedFile,
  indexer: string,
  fullText: boolean,
  gzip: StoredGzip | undefined,
): EncodedFile {
  const where = `'${file.path}'`;
  if (!Number.isSafeInteger(file.size) || file.size < 0) {
    throw new TypeError(`Cannot index ${where}: size ${file.size} is not a non-negative integer`);
  }
  const writer = new ByteWriter();
  const complete = fullText && file.headerComplete !== false;
  const fileIndexer = file.indexer ?? indexer;
  let flags = complete ? FileFlag.HEADER_COMPLETE : 0;
  if (file.etag !== undefined) flags |= FileFlag.ETAG;
  if (file.lastModified !== undefined) flags |= FileFlag.LAST_MODIFIED;
  if (fileIndexer !== indexer) flags |= FileFlag.INDEXER;
  if (gzip !== undefined) flags |= FileFlag.GZIP;
  writer.varint(flags);
  writer.varint(file.size);
  if (file.etag !== undefined) writer.string(file.etag);
  if (file.lastModified !== undefined) {
    if (!Number.isSafeInteger(file.lastModified) || file.lastModified < 0) {
      throw new TypeError(
        `Cannot index ${where}: lastModified ${file.lastModified} is not a Unix time in ms`,
      );
    }
    writer.varint(file.lastModified);
  }
  if (flags & FileFlag.INDEXER) writer.string(fileIndexer);
  if (gzip !== undefined) writeGzip(writer, gzip, where, file.size);
  // HDU offsets are in the bytes a reader sees: inflated for a gzip file.
  const size = gzip?.gzip.size ?? file.size;

  const segments: Uint8Array[] = [];
  const hdus = new ByteWriter();
  let expectedOffset = 0;
  for (const hdu of file.hdus) {
    if (hdu.dataOffset + hdu.dataSize > size) {
      throw new TypeError(
        `Cannot index HDU ${hdu.index} of ${where}: its data ends at byte ${
          hdu.dataOffset + hdu.dataSize
        }, beyond the file's ${size} bytes`,
      );
    }
    const segment = encodeHdu(hdus, hdu, expectedOffset, complete, where);
    segments.push(segment);
    expectedOffset = hdu.dataOffset + paddedSize(hdu.dataSize);
  }
  writer.varint(file.hdus.length);
  writer.bytes(hdus.finish());
  return { body: writer.finish(), text: concatBytes(segments) };
}

/** Write one HDU record; returns its header segment (card text or raw bytes). */
function encodeHdu(
  writer: ByteWriter,
  hdu: Hdu,
  expectedOffset: number,
  complete: boolean,
  where: string,
): Uint8Array {
  const bytes = hdu.header.bytes;
  const cardCount = countCardsBeforeEnd(bytes);
  if (cardCount < 0 || headerSizeForCards(cardCount) !== bytes.length || bytes.length !== hdu.headerSize) {
    throw new TypeError(
      `Cannot index HDU ${hdu.index} of ${where}: header of ${bytes.length} bytes does not end with END in its last block or disagrees with headerSize ${hdu.headerSize}`,
    );
  }
  if (hdu.dataOffset !== hdu.headerOffset + hdu.headerSize || hdu.headerOffset < expectedOffset) {
    throw new TypeError(`Cannot index HDU ${hdu.index} of ${where}: offsets overlap or disagree`);
  }
  let segment: Uint8Array;
  let raw = false;
  if (complete) {
    const full = encodeFullHeader(bytes, cardCount);
    segment = full.bytes;
    raw = full.raw;
  } else {
    segment = encodeStructuralHeader(bytes, cardCount).bytes;
  }

  const header = hdu.header;
  const bscale = numberValue(header.get("BSCALE"));
  const bzero = numberValue(header.get("BZERO"));
  const blankValue = header.get("BLANK");
  const blank = typeof blankValue === "number" && Number.isInteger(blankValue)
    ? BigInt(blankValue)
    : typeof blankValue === "bigint"
    ? blankValue
    : undefined;
  const theapValue = header.get("THEAP");
  const theap = typeof theapValue === "number" && Number.isSafeInteger(theapValue) && theapValue >= 0
    ? theapValue
    : undefined;
  const columns = tableColumns(hdu);

  let flags = 0;
  if (bscale !== undefined) flags |= HduFlag.BSCALE;
  if (bzero !== undefined) flags |= HduFlag.BZERO;
  if (blank !== undefined) flags |= HduFlag.BLANK;
  if (hdu.extname !== null) flags |= HduFlag.EXTNAME;
  if (hdu.extver !== null) flags |= HduFlag.EXTVER;
  if (raw) flags |= HduFlag.RAW_HEADER;
  if (theap !== undefined) flags |= HduFlag.THEAP;
  if (hdu.headerOffset !== expectedOffset) flags |= HduFlag.HEADER_OFFSET;
  if (columns !== undefined) flags |= HduFlag.COLUMNS;

  writer.u8(HDU_KINDS.indexOf(hdu.type));
  writer.varint(flags);
  if (flags & HduFlag.HEADER_OFFSET) writer.varint(hdu.headerOffset);
  writer.varint(cardCount);
  writer.varint(hdu.dataSize);
  writer.signed(hdu.bitpix);
  writer.varint(hdu.axes.length);
  for (const axis of hdu.axes) writer.varint(axis);
  writer.varint(hdu.pcount);
  writer.varint(hdu.gcount);
  if (bscale !== undefined) writer.f64(bscale);
  if (bzero !== undefined) writer.f64(bzero);
  if (blank !== undefined) writer.signedBig(blank);
  if (hdu.extname !== null) writer.string(hdu.extname);
  if (hdu.extver !== null) writer.signed(hdu.extver);
  if (theap !== undefined) writer.varint(theap);
  writer.u32(crc32c(bytes));
  writer.varint(segment.length);
  if (columns !== undefined) {
    writer.varint(columns.length);
    for (const column of columns) encodeColumn(writer, column, hdu.type === "TABLE");
  }
  return segment;
}

/** Column descriptors of a table HDU, or undefined when it has none we can describe exactly. */
function tableColumns(hdu: Hdu): ColumnSummary[] | undefined {
  if (hdu.type !== "BINTABLE" && hdu.type !== "TABLE" && hdu.type !== "COMPRESSED_IMAGE") return undefined;
  const ascii = hdu.type === "TABLE";
  let columns: ColumnSummary[];
  try {
    columns = describeColumns(hdu.header, ascii);
  } catch {
    return undefined; // An odd TFORM must not fail the index; readers fall back to the header text.
  }
  if (!ascii && columns.reduce((sum, column) => sum + column.width, 0) !== (hdu.axes[0] ?? 0)) {
    return undefined;
  }
  return columns;
}

function encodeColumn(writer: ByteWriter, column: ColumnSummary, ascii: boolean): void {
  let flags = 0;
  if (column.name !== null) flags |= ColumnFlag.NAME;
  if (column.scale !== undefined) flags |= ColumnFlag.SCALE;
  if (column.zero !== undefined) flags |= ColumnFlag.ZERO;
  if (column.null !== undefined) flags |= ColumnFlag.NULL;
  if (column.dim !== undefined) flags |= ColumnFlag.DIM;
  if (column.unit !== undefined) flags |= ColumnFlag.UNIT;
  if (column.vlaMax !== undefined) flags |= ColumnFlag.VLA_MAX;
  if (column.decimals !== undefined) flags |= ColumnFlag.DECIMALS;
  writer.varint(flags);
  writer.u8(column.type.charCodeAt(0));
  if (ascii) {
    writer.varint(column.width);
    writer.varint(column.offset);
  } else {
    writer.varint(column.repeat);
    if (column.vlaType !== undefined) writer.u8(column.vlaType.charCodeAt(0));
  }
  if (column.name !== null) writer.string(column.name);
  if (column.scale !== undefined) writer.f64(column.scale);
  if (column.zero !== undefined) writer.f64(column.zero);
  if (column.null !== undefined) {
    if (typeof column.null === "string") writer.string(column.null);
    else writer.signedBig(column.null);
  }
  if (column.dim !== undefined) writer.string(column.dim);
  if (column.unit !== undefined) writer.string(column.unit);
  if (column.vlaMax !== undefined) writer.varint(column.vlaMax);
  if (column.decimals !== undefined) writer.varint(column.decimals);
}

/**
 * Refuse a data URL that carries a query string, a fragment or user credentials.
 *
 * @param url The data URL.
 * @throws {TypeError} When it does.
 */
export function checkDataUrl(url: string): void {
  if (/[?#]/.test(url)) {
    throw new TypeError(
      "Cannot store the data URL in an index: it has a query string or fragment (signatures and SAS tokens are never stored)",
    );
  }
  if (/^[a-z][a-z0-9+.-]*:\/\/[^/]*@/i.test(url)) {
    throw new TypeError("Cannot store the data URL in an index: it carries user credentials");
  }
}

/**
 * Refuse an absolute path, `.` or `..` segments, and a signed query string.
 *
 * @param path The path.
 * @throws {TypeError} When it has one.
 */
export function checkPath(path: string): void {
  if (path === "" || path.startsWith("/") || path.split("/").some((part) => part === ".." || part === ".")) {
    throw new TypeError(`Cannot index path '${path}': paths are relative to the data root, without . or ..`);
  }
  if (SIGNED_QUERY.test(path)) {
    throw new TypeError(
      "Cannot index a path that carries a signed query string (credentials are never stored)",
    );
  }
}
