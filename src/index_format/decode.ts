/**
 * Decode a cloudfits binary index (FCI v1, docs/index-format.md): pure functions over its bytes. The
 * reading — one read for the open region, one per leaf on demand — is `src/read/index.ts`.
 *
 * @module
 */

import { CloudFitsError } from "../errors.ts";
import { parseHeader } from "../fits/header.ts";
import { describeHdu, type Hdu, paddedSize } from "../fits/layout.ts";
import { binaryFieldWidth } from "./_columns.ts";
import { crc32c } from "./_crc32c.ts";
import { inflateRaw } from "./_deflate.ts";
import { headerSizeForCards, rebuildHeader } from "./_header_text.ts";
import {
  Codec,
  ColumnFlag,
  compareBytes,
  FileFlag,
  FIRST_READ,
  FIXED_HEADER_SIZE,
  HDU_KINDS,
  HduFlag,
  MAGIC,
  MAJOR_VERSION,
  MAX_SECTIONS,
  SECTION_ENTRY_SIZE,
  SECTION_REQUIRED,
  SectionType,
} from "./_layout.ts";
import { ByteReader } from "./_varint.ts";
import type { ColumnSummary, FileSummary, HduSummary, IndexedFile } from "./types.ts";

/** What the fixed header says: how much of the index to read before anything can be planned. */
export interface IndexFrame {
  /** Total length of the index. */
  total: number;
  /** Bytes from the start that hold the section table and the hot sections. */
  openLength: number;
}

/** The hot part of an index, decoded: metadata and the directory of leaves. */
export interface IndexHead {
  /** Data root the paths are relative to, when recorded. */
  dataUrl: string | undefined;
  /** Indexer name and version. */
  indexer: string;
  /** Creation time, Unix milliseconds. */
  createdMs: number;
  /** Format version as `major.minor`. */
  version: string;
  /** Number of files. */
  fileCount: number;
  /** Where each leaf of file records lies. */
  leaves: LeafEntry[];
}

/**
 * Check the fixed header of an index (magic, version, flags, CRC-32C, lengths) in its first bytes.
 *
 * @param head The first bytes of the index (at least `FIRST_READ`, or the whole index when smaller).
 * @param name The index's name, for messages.
 * @param objectSize The object's size when known, to detect truncation.
 * @returns The total length and how many bytes the open region needs.
 * @throws {CloudFitsError} `BAD_INDEX` for anything damaged, truncated or of an unknown version.
 *
 * @example
 * ```ts ignore
 * const frame = parseIndexFrame(await source.read(0, 16384), source.name, source.size);
 * ```
 */
export function parseIndexFrame(head: Uint8Array, name: string, objectSize: number | undefined): IndexFrame {
  const fail = failure(name);
  if (head.length < FIXED_HEADER_SIZE) {
    throw fail(`got ${head.length} bytes, fewer than the ${FIXED_HEADER_SIZE}-byte fixed header`, 0);
  }
  if (!MAGIC.every((byte, i) => head[i] === byte)) throw fail("not a cloudfits index (bad magic)", 0);
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  if (crc32c(head.subarray(0, 60)) !== view.getUint32(60, true)) {
    throw fail("the fixed header fails its CRC-32C", 0);
  }
  const major = view.getUint16(8, true);
  const minor = view.getUint16(10, true);
  if (major !== MAJOR_VERSION) {
    throw fail(`unsupported major version ${major}.${minor} (this reader knows ${MAJOR_VERSION})`, 8);
  }
  const requiredFlags = view.getUint32(12, true);
  if (requiredFlags !== 0) {
    throw fail(`unknown required feature flags 0x${requiredFlags.toString(16)}`, 12);
  }
  const sectionCount = view.getUint32(20, true);
  const total = safeNumber(view.getBigUint64(24, true));
  const openLength = view.getUint32(32, true);
  const tableEnd = FIXED_HEADER_SIZE + sectionCount * SECTION_ENTRY_SIZE;
  if (sectionCount < 2 || sectionCount > MAX_SECTIONS) {
    throw fail(`section count ${sectionCount} is invalid`, 20);
  }
  if (total === undefined) throw fail("total length exceeds 2^53 - 1", 24);
  if (objectSize !== undefined && objectSize !== total) {
    throw fail(`the object is ${objectSize} bytes but the index says ${total} (truncated or damaged)`, 24);
  }
  if (head.length < Math.min(FIRST_READ, total)) {
    throw fail(`truncated: got ${head.length} bytes of ${total}`, head.length);
  }
  if (openLength < tableEnd || openLength > total) {
    throw fail(`open length ${openLength} is outside ${tableEnd} to ${total}`, 32);
  }
  return { total, openLength };
}

/**
 * Decode the open region of an index: the section table, META and DIRECTORY.
 *
 * @param head The first `openLength` bytes of the index.
 * @param frame What {@linkcode parseIndexFrame} returned.
 * @param name The index's name, for messages.
 * @returns Metadata and the directory of leaves.
 * @throws {CloudFitsError} `BAD_INDEX` for anything damaged.
 *
 * @example
 * ```ts ignore
 * const head = decodeIndexHead(bytes.subarray(0, frame.openLength), frame, "cubes.fci");
 * console.log(head.fileCount);
 * ```
 */
export function decodeIndexHead(head: Uint8Array, frame: IndexFrame, name: string): IndexHead {
  const fail = failure(name);
  const { total, openLength } = frame;
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const major = view.getUint16(8, true);
  const minor = view.getUint16(10, true);
  const sectionCount = view.getUint32(20, true);
  const tableEnd = FIXED_HEADER_SIZE + sectionCount * SECTION_ENTRY_SIZE;
  const headView = view;
  if (crc32c(head.subarray(FIXED_HEADER_SIZE, tableEnd)) !== headView.getUint32(36, true)) {
    throw fail("the section table fails its CRC-32C", FIXED_HEADER_SIZE);
  }

  const payloads = new Map<number, Uint8Array>();
  for (let i = 0; i < sectionCount; i++) {
    const base = FIXED_HEADER_SIZE + i * SECTION_ENTRY_SIZE;
    const type = headView.getUint16(base, true);
    const codec = headView.getUint8(base + 2);
    const flags = headView.getUint8(base + 3);
    const offset = safeNumber(headView.getBigUint64(base + 8, true));
    const stored = safeNumber(headView.getBigUint64(base + 16, true));
    const label = sectionLabel(type);
    if (offset === undefined || stored === undefined || offset + stored > total || offset < tableEnd) {
      throw fail(`the ${label} section lies outside the index`, base);
    }
    const known = type === SectionType.META || type === SectionType.DIRECTORY;
    if (!known) {
      if (flags & SECTION_REQUIRED) throw fail(`unknown required section type ${type}`, base);
      continue; // Optional sections of later minor versions are skipped unread.
    }
    if (codec !== Codec.NONE) throw fail(`the ${label} section has unknown codec ${codec}`, base + 2);
    if (payloads.has(type)) throw fail(`the ${label} section appears twice`, base);
    if (offset + stored > openLength) throw fail(`the ${label} section lies outside the open region`, base);
    const payload = head.subarray(offset, offset + stored);
    if (crc32c(payload) !== headView.getUint32(base + 24, true)) {
      throw fail(`the ${label} section fails its CRC-32C`, offset);
    }
    payloads.set(type, payload);
  }
  const metaBytes = payloads.get(SectionType.META);
  const directoryBytes = payloads.get(SectionType.DIRECTORY);
  if (!metaBytes || !directoryBytes) throw fail("the META or DIRECTORY section is missing");
  const metaOffset = metaBytes.byteOffset - head.byteOffset;
  const directoryOffset = directoryBytes.byteOffset - head.byteOffset;

  const meta = new ByteReader(metaBytes, `the META section of ${name}`, metaOffset);
  const metaFlags = meta.varint();
  if (metaFlags > 1) throw meta.fail(`unknown flags ${metaFlags}`);
  const dataUrl = metaFlags & 1 ? meta.string() : undefined;
  const indexer = meta.string();

  const directory = decodeDirectory(
    new ByteReader(directoryBytes, `the DIRECTORY section of ${name}`, directoryOffset),
    total,
  );
  return {
    dataUrl,
    indexer,
    createdMs: safeNumber(headView.getBigInt64(40, true)) ?? 0,
    version: `${major}.${minor}`,
    ...directory,
  };
}

function failure(name: string): (message: string, offset?: number) => CloudFitsError {
  return (message, offset) =>
    new CloudFitsError("BAD_INDEX", `Cannot open index ${name}: ${message}`, { url: name, offset });
}

/** Where one leaf of file records lies, and the first path it holds. */
export interface LeafEntry {
  firstPath: string;
  firstKey: Uint8Array;
  fileCount: number;
  offset: number;
  length: number;
  crc: number;
}

const UTF8 = new TextEncoder();
const UTF8_DECODER = new TextDecoder("utf-8", { fatal: true });
/** Smallest possible directory entry and file record, to bound counts by the bytes present. */
const MIN_LEAF_ENTRY = 8;
const MIN_FILE_RECORD = 7;
const MIN_HDU_RECORD = 13;
const MIN_COLUMN_RECORD = 3;
/** deflate cannot expand more than about 1032:1. */
const MAX_INFLATE_RATIO = 1032;
const KNOWN_FILE_FLAGS = 15;
const KNOWN_HDU_FLAGS = 511;
const KNOWN_COLUMN_FLAGS = 255;
const VALID_BITPIX = new Set([8, 16, 32, 64, -32, -64]);

function decodeDirectory(reader: ByteReader, total: number): { fileCount: number; leaves: LeafEntry[] } {
  const fileCount = reader.varint();
  const leafCount = reader.count("leaf count", Math.floor(reader.remaining / MIN_LEAF_ENTRY));
  const leaves: LeafEntry[] = [];
  let previous = new Uint8Array(0);
  let files = 0;
  for (let i = 0; i < leafCount; i++) {
    const shared = reader.count("shared path prefix", previous.length);
    const suffix = reader.bytes(reader.varint());
    const key = new Uint8Array(shared + suffix.length);
    key.set(previous.subarray(0, shared));
    key.set(suffix, shared);
    if (i > 0 && compareBytes(previous, key) >= 0) throw reader.fail(`leaf ${i} is out of path order`);
    const leafFiles = reader.varint();
    const offset = reader.varint();
    const length = reader.varint();
    const crc = reader.u32();
    if (leafFiles === 0) throw reader.fail(`leaf ${i} holds no files`);
    if (offset + length > total) {
      throw reader.fail(`leaf ${i} at ${offset} (+${length}) lies outside the index`);
    }
    leaves.push({
      firstPath: decodeUtf8(key, reader),
      firstKey: key,
      fileCount: leafFiles,
      offset,
      length,
      crc,
    });
    files += leafFiles;
    previous = key;
  }
  if (files !== fileCount) throw reader.fail(`leaves hold ${files} files, the directory says ${fileCount}`);
  if (reader.remaining !== 0) throw reader.fail(`${reader.remaining} unexpected trailing bytes`);
  return { fileCount, leaves };
}

/** One HDU record plus what rebuilding its header needs. */
interface HduRecord {
  summary: HduSummary;
  cardCount: number;
  textLength: number;
  raw: boolean;
}

/** One file record of a leaf, decoded but with its header text still to be rebuilt. */
export interface FileRecord {
  key: Uint8Array;
  summary: FileSummary;
  hdus: HduRecord[];
  /** Where this file's text starts in its leaf's inflated text, and its length. */
  textOffset: number;
  textLength: number;
  where: string;
}

/** A decoded leaf: its file records and its compressed header text. */
export interface Leaf {
  index: number;
  records: FileRecord[];
  /** The leaf's deflate-raw header text and its inflated length. */
  text: Uint8Array;
  textLength: number;
}

function decodeLeaf(
  reader: ByteReader,
  index: number,
  entry: LeafEntry,
  nextKey: Uint8Array | undefined,
  indexer: string,
): Leaf {
  const count = reader.count("file count", Math.floor(reader.remaining / MIN_FILE_RECORD));
  if (count !== entry.fileCount) {
    throw reader.fail(`holds ${count} files, the directory says ${entry.fileCount}`);
  }
  const textLength = reader.count("inflated header text length", reader.remaining * MAX_INFLATE_RATIO);
  const records: FileRecord[] = [];
  let previous = new Uint8Array(0);
  let textOffset = 0;
  for (let i = 0; i < count; i++) {
    const shared = reader.count("shared path prefix", previous.length);
    const suffix = reader.bytes(reader.varint());
    const key = new Uint8Array(shared + suffix.length);
    key.set(previous.subarray(0, shared));
    key.set(suffix, shared);
    if (i === 0 ? compareBytes(key, entry.firstKey) !== 0 : compareBytes(previous, key) >= 0) {
      throw reader.fail(`file ${i} is out of path order`);
    }
    if (nextKey && compareBytes(key, nextKey) >= 0) throw reader.fail(`file ${i} belongs to a later leaf`);
    records.push(decodeFileRecord(reader, key, indexer, textOffset));
    textOffset += records[i].textLength;
    previous = key;
  }
  if (textOffset !== textLength) {
    throw reader.fail(`file texts add up to ${textOffset} bytes, not ${textLength}`);
  }
  if (textLength === 0 && reader.remaining !== 0) {
    throw reader.fail(`${reader.remaining} unexpected trailing bytes`);
  }
  return { index, records, text: reader.bytes(reader.remaining), textLength };
}

function decodeFileRecord(
  reader: ByteReader,
  key: Uint8Array,
  defaultIndexer: string,
  textOffset: number,
): FileRecord {
  const path = decodeUtf8(key, reader);
  const where = `'${path}'`;
  const flags = reader.varint();
  if (flags & ~KNOWN_FILE_FLAGS) throw reader.fail(`unknown flags 0x${flags.toString(16)} on file ${where}`);
  const size = reader.varint();
  const etag = flags & FileFlag.ETAG ? reader.string() : undefined;
  const lastModified = flags & FileFlag.LAST_MODIFIED ? reader.varint() : undefined;
  const indexer = flags & FileFlag.INDEXER ? reader.string() : defaultIndexer;
  const headerComplete = (flags & FileFlag.HEADER_COMPLETE) !== 0;
  const hduCount = reader.count(`HDU count of ${where}`, Math.floor(reader.remaining / MIN_HDU_RECORD));
  const hdus: HduRecord[] = [];
  let expectedOffset = 0;
  let segments = 0;
  for (let index = 0; index < hduCount; index++) {
    const record = decodeHduRecord(reader, index, expectedOffset, size, where);
    hdus.push(record);
    segments += record.textLength;
    expectedOffset = record.summary.dataOffset + paddedSize(record.summary.dataSize);
  }
  const summary: FileSummary = { path, size, indexer, headerComplete, hdus: hdus.map((hdu) => hdu.summary) };
  if (etag !== undefined) summary.etag = etag;
  if (lastModified !== undefined) summary.lastModified = lastModified;
  return { key, summary, hdus, textOffset, textLength: segments, where };
}

function decodeHduRecord(
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

/** Rebuild one file's HDU records from its header text, checking them against the summary. */
/**
 * Rebuild one file's HDUs, headers included, from its record and its leaf's inflated header text.
 *
 * @param record The file record.
 * @param leafText The leaf's inflated header text.
 * @param indexName The index's name, for messages.
 * @returns The file with its HDUs.
 *
 * @example
 * ```ts ignore
 * const file = materialize(record, await inflateLeafText(leaf, name, offset), name);
 * ```
 */
export function materialize(record: FileRecord, leafText: Uint8Array, indexName: string): IndexedFile {
  const fail = (message: string, cause?: unknown): CloudFitsError =>
    new CloudFitsError(
      "BAD_INDEX",
      `Cannot decode header text of ${record.where} in index ${indexName}: ${message}`,
      {
        url: indexName,
        cause,
      },
    );
  const text = leafText.subarray(record.textOffset, record.textOffset + record.textLength);
  const complete = record.summary.headerComplete;
  const hdus: Hdu[] = [];
  let at = 0;
  for (const { summary, cardCount, textLength, raw } of record.hdus) {
    const segment = text.subarray(at, at + textLength);
    at += textLength;
    let bytes: Uint8Array | string;
    if (raw) {
      bytes = segment.length === summary.headerSize
        ? segment.slice()
        : `raw header of HDU ${summary.index} has ${segment.length} bytes, not ${summary.headerSize}`;
    } else {
      const cards = complete ? cardCount : countLines(segment);
      bytes = rebuildHeader(segment, cards, complete ? summary.headerSize : headerSizeForCards(cards));
    }
    if (typeof bytes === "string") throw fail(bytes);
    if (complete && crc32c(bytes) !== summary.headerCrc) {
      throw fail(`header of HDU ${summary.index} fails its CRC-32C`);
    }
    let hdu: Hdu;
    try {
      hdu = describeHdu(
        parseHeader(bytes, { offset: summary.headerOffset, name: record.summary.path }),
        summary.index,
        summary.headerOffset,
      );
    } catch (cause) {
      throw fail(`header of HDU ${summary.index} does not parse`, cause);
    }
    if (!complete) hdu = { ...hdu, headerSize: summary.headerSize, dataOffset: summary.dataOffset };
    const mismatch = compareHdu(hdu, summary);
    if (mismatch) throw fail(`HDU ${summary.index} disagrees with its header: ${mismatch}`);
    hdus.push(hdu);
  }
  const { path, size, etag, lastModified, indexer, headerComplete } = record.summary;
  const file: IndexedFile = { path, size, indexer, headerComplete, hdus };
  if (etag !== undefined) file.etag = etag;
  if (lastModified !== undefined) file.lastModified = lastModified;
  return file;
}

function compareHdu(hdu: Hdu, summary: HduSummary): string | undefined {
  const pairs: [string, unknown, unknown][] = [
    ["type", hdu.type, summary.type],
    ["headerSize", hdu.headerSize, summary.headerSize],
    ["dataOffset", hdu.dataOffset, summary.dataOffset],
    ["dataSize", hdu.dataSize, summary.dataSize],
    ["bitpix", hdu.bitpix, summary.bitpix],
    ["axes", hdu.axes.join(","), summary.axes.join(",")],
    ["pcount", hdu.pcount, summary.pcount],
    ["gcount", hdu.gcount, summary.gcount],
    ["extname", hdu.extname, summary.extname],
    ["extver", hdu.extver, summary.extver],
  ];
  const wrong = pairs.find(([, a, b]) => a !== b);
  return wrong && `${wrong[0]} ${String(wrong[1])} in the header, ${String(wrong[2])} in the record`;
}

function countLines(text: Uint8Array): number {
  let lines = 0;
  for (const byte of text) if (byte === 0x0a) lines++;
  return lines;
}

function decodeUtf8(bytes: Uint8Array, reader: ByteReader): string {
  try {
    return UTF8_DECODER.decode(bytes);
  } catch {
    throw reader.fail("a path is not valid UTF-8");
  }
}

function safeNumber(value: bigint): number | undefined {
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(value)
    : undefined;
}

function sectionLabel(type: number): string {
  return type === SectionType.META ? "META" : type === SectionType.DIRECTORY ? "DIRECTORY" : `type-${type}`;
}

/**
 * Check a leaf's CRC-32C and decode its file records.
 *
 * @param bytes The leaf's bytes.
 * @param i The leaf's number.
 * @param leaves The directory.
 * @param indexer The index's default indexer name.
 * @param name The index's name, for messages.
 * @returns The leaf.
 * @throws {CloudFitsError} `BAD_INDEX` for a damaged leaf.
 *
 * @example
 * ```ts ignore
 * const leaf = parseLeaf(bytes, 0, head.leaves, head.indexer, "cubes.fci");
 * ```
 */
export function parseLeaf(
  bytes: Uint8Array,
  i: number,
  leaves: readonly LeafEntry[],
  indexer: string,
  name: string,
): Leaf {
  const entry = leaves[i];
  if (crc32c(bytes) !== entry.crc) {
    throw new CloudFitsError(
      "BAD_INDEX",
      `Cannot decode index ${name}: leaf ${i} at offset ${entry.offset} fails its CRC-32C`,
      { url: name, offset: entry.offset },
    );
  }
  return decodeLeaf(
    new ByteReader(bytes, `leaf ${i} of ${name}`, entry.offset),
    i,
    entry,
    leaves[i + 1]?.firstKey,
    indexer,
  );
}

/**
 * Inflate a leaf's header text.
 *
 * @param leaf The leaf.
 * @param name The index's name, for messages.
 * @param offset The leaf's offset in the index, for messages.
 * @returns The inflated text.
 * @throws {CloudFitsError} `BAD_INDEX` when the text does not inflate to its recorded length.
 *
 * @example
 * ```ts ignore
 * const text = await inflateLeafText(leaf, "cubes.fci", head.leaves[0].offset);
 * ```
 */
export async function inflateLeafText(leaf: Leaf, name: string, offset: number): Promise<Uint8Array> {
  const inflated = await inflateRaw(leaf.text, leaf.textLength);
  if (typeof inflated !== "string") return inflated;
  throw new CloudFitsError(
    "BAD_INDEX",
    `Cannot decode index ${name}: the header text of leaf ${leaf.index} ${inflated}`,
    { url: name, offset },
  );
}

/**
 * The leaf that would hold a path: the last one whose first path is at or before it.
 *
 * @param leaves The directory.
 * @param path The path.
 * @returns The leaf's number, or -1 when the path sorts before every leaf.
 *
 * @example
 * ```ts ignore
 * const i = leafFor(head.leaves, "tess-s0026-4-1-cube.fits");
 * ```
 */
export function leafFor(leaves: readonly LeafEntry[], path: string): number {
  const key = UTF8.encode(path);
  let low = 0;
  let high = leaves.length - 1;
  let found = -1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if (compareBytes(leaves[middle].firstKey, key) <= 0) {
      found = middle;
      low = middle + 1;
    } else high = middle - 1;
  }
  return found;
}

/**
 * A path's record in a leaf.
 *
 * @param leaf The leaf.
 * @param path The path.
 * @returns The record, or undefined.
 *
 * @example
 * ```ts ignore
 * const record = recordFor(leaf, "tess-s0026-4-1-cube.fits");
 * ```
 */
export function recordFor(leaf: Leaf, path: string): FileRecord | undefined {
  const key = UTF8.encode(path);
  const records = leaf.records;
  let low = 0;
  let high = records.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const order = compareBytes(records[middle].key, key);
    if (order === 0) return records[middle];
    if (order < 0) low = middle + 1;
    else high = middle - 1;
  }
  return undefined;
}
