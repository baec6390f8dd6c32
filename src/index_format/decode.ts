/**
 * Open and decode a cloudfits binary index (FCI v1, docs/index-format.md) from bytes or a byte source.
 *
 * @module
 */

import { CloudFitsError } from "../errors.ts";
import { parseHeader } from "../fits/header.ts";
import { describeHdu, type Hdu, paddedSize } from "../fits/layout.ts";
import { memorySource } from "../source/memory.ts";
import type { ByteSource } from "../source/types.ts";
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

/** Options of {@linkcode decodeIndex}. */
export interface DecodeIndexOptions {
  /** Abort the reads. */
  signal?: AbortSignal;
  /** Largest span fetched at once when iterating over every file (default 8 MiB). */
  maxBatchBytes?: number;
}

/** An opened index: its metadata at once, file records on demand. */
export interface CloudFitsIndex {
  /** Data root the paths are relative to, when recorded. */
  readonly dataUrl: string | undefined;
  /** Creation time, Unix milliseconds. */
  readonly createdMs: number;
  /** Indexer name and version. */
  readonly indexer: string;
  /** Number of files. */
  readonly fileCount: number;
  /** Number of leaves (blocks of file records). */
  readonly leafCount: number;
  /** Format version as `major.minor`. */
  readonly version: string;
  /** Every path, in UTF-8 byte order (loads leaves as it goes). */
  paths(): AsyncIterable<string>;
  /** One file with rebuilt headers, or undefined when absent. Costs at most one read (its leaf). */
  findFile(path: string): Promise<IndexedFile | undefined>;
  /** One file's planning summary, without inflating header text. */
  findSummary(path: string): Promise<FileSummary | undefined>;
  /** Every file with rebuilt headers, in path order. */
  files(): AsyncIterable<IndexedFile>;
  /** Every file's planning summary, in path order. */
  summaries(): AsyncIterable<FileSummary>;
}

/**
 * Open a cloudfits index. Reads the first 16,384 bytes in one read (one more only when the writer let
 * the directory outgrow them), checks magic, version, flags and CRC-32Cs, and returns an object that
 * fetches leaves of file records on demand (one read each, cached).
 *
 * @param input The index bytes, or a source over the index object.
 * @param options Abort signal and iteration batch size.
 * @returns The opened index.
 * @throws {CloudFitsError} `BAD_INDEX` for anything damaged, truncated, of an unknown major version or
 * with unknown required features, naming the part and its offset.
 *
 * @example Opening an index held in memory
 * ```ts ignore
 * import { decodeIndex } from "@cloudfits/core";
 *
 * const index = await decodeIndex(await Deno.readFile("cubes.fci"));
 * const file = await index.findFile("tess-s0026-4-1-cube.fits");
 * console.log(index.fileCount, file?.hdus[1].dataOffset); // 1 5760
 * ```
 */
export async function decodeIndex(
  input: Uint8Array | ByteSource,
  options: DecodeIndexOptions = {},
): Promise<CloudFitsIndex> {
  const source = input instanceof Uint8Array ? memorySource(input, "index bytes") : input;
  const signal = options.signal;
  const name = source.name;
  const fail = (message: string, offset?: number): CloudFitsError =>
    new CloudFitsError("BAD_INDEX", `Cannot open index ${name}: ${message}`, { url: name, offset });

  let head = await source.read(0, FIRST_READ, { signal });
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
  if (source.size !== undefined && source.size !== total) {
    throw fail(`the object is ${source.size} bytes but the index says ${total} (truncated or damaged)`, 24);
  }
  if (head.length < Math.min(FIRST_READ, total)) {
    throw fail(`truncated: got ${head.length} bytes of ${total}`, head.length);
  }
  if (openLength < tableEnd || openLength > total) {
    throw fail(`open length ${openLength} is outside ${tableEnd} to ${total}`, 32);
  }
  if (openLength > head.length) {
    const rest = await source.read(head.length, openLength - head.length, { signal });
    if (rest.length !== openLength - head.length) {
      throw fail(`truncated at byte ${head.length + rest.length}`);
    }
    const joined = new Uint8Array(openLength);
    joined.set(head);
    joined.set(rest, head.length);
    head = joined;
  }
  const headView = new DataView(head.buffer, head.byteOffset, head.byteLength);
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
  return new DecodedIndex({
    source,
    head,
    signal,
    maxBatchBytes: options.maxBatchBytes ?? 8 * 1024 * 1024,
    dataUrl,
    indexer,
    createdMs: safeNumber(headView.getBigInt64(40, true)) ?? 0,
    version: `${major}.${minor}`,
    ...directory,
  });
}

interface LeafEntry {
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

interface FileRecord {
  key: Uint8Array;
  summary: FileSummary;
  hdus: HduRecord[];
  /** Where this file's text starts in its leaf's inflated text, and its length. */
  textOffset: number;
  textLength: number;
  where: string;
}

interface Leaf {
  index: number;
  records: FileRecord[];
  /** The leaf's deflate-raw header text and its inflated length. */
  text: Uint8Array;
  textLength: number;
}

/** Inflated leaf texts kept at once (findFile in the same leaf inflates once). */
const INFLATED_LEAVES_KEPT = 4;

interface DecodedIndexInit {
  source: ByteSource;
  head: Uint8Array;
  signal: AbortSignal | undefined;
  maxBatchBytes: number;
  dataUrl: string | undefined;
  indexer: string;
  createdMs: number;
  version: string;
  fileCount: number;
  leaves: LeafEntry[];
}

class DecodedIndex implements CloudFitsIndex {
  readonly dataUrl: string | undefined;
  readonly createdMs: number;
  readonly indexer: string;
  readonly fileCount: number;
  readonly version: string;
  readonly #init: DecodedIndexInit;
  readonly #leaves = new Map<number, Promise<Leaf>>();
  readonly #inflated = new Map<number, Promise<Uint8Array>>();

  constructor(init: DecodedIndexInit) {
    this.#init = init;
    this.dataUrl = init.dataUrl;
    this.createdMs = init.createdMs;
    this.indexer = init.indexer;
    this.fileCount = init.fileCount;
    this.version = init.version;
  }

  get leafCount(): number {
    return this.#init.leaves.length;
  }

  async *paths(): AsyncIterable<string> {
    for (let i = 0; i < this.#init.leaves.length; i++) {
      for (const record of (await this.#leafForIteration(i)).records) yield record.summary.path;
    }
  }

  async findFile(path: string): Promise<IndexedFile | undefined> {
    const found = await this.#findRecord(path);
    return found && materialize(found.record, await this.#leafText(found.leaf), this.#init.source.name);
  }

  async findSummary(path: string): Promise<FileSummary | undefined> {
    return (await this.#findRecord(path))?.record.summary;
  }

  async *files(): AsyncIterable<IndexedFile> {
    for (let i = 0; i < this.#init.leaves.length; i++) {
      const leaf = await this.#leafForIteration(i);
      const text = await this.#leafText(leaf);
      for (const record of leaf.records) yield materialize(record, text, this.#init.source.name);
    }
  }

  async *summaries(): AsyncIterable<FileSummary> {
    for (let i = 0; i < this.#init.leaves.length; i++) {
      for (const record of (await this.#leafForIteration(i)).records) yield record.summary;
    }
  }

  /** A leaf's inflated header text; the last few are kept. */
  #leafText(leaf: Leaf): Promise<Uint8Array> {
    let text = this.#inflated.get(leaf.index);
    if (!text) {
      const name = this.#init.source.name;
      text = inflateRaw(leaf.text, leaf.textLength).then((inflated) => {
        if (typeof inflated !== "string") return inflated;
        throw new CloudFitsError(
          "BAD_INDEX",
          `Cannot decode index ${name}: the header text of leaf ${leaf.index} ${inflated}`,
          { url: name, offset: this.#init.leaves[leaf.index].offset },
        );
      });
      this.#inflated.set(leaf.index, text);
      if (this.#inflated.size > INFLATED_LEAVES_KEPT) {
        this.#inflated.delete(this.#inflated.keys().next().value!);
      }
    }
    return text;
  }

  async #findRecord(path: string): Promise<{ leaf: Leaf; record: FileRecord } | undefined> {
    const key = UTF8.encode(path);
    const leaves = this.#init.leaves;
    // The last leaf whose first path is at or before the wanted path.
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
    if (found < 0) return undefined;
    const leaf = await this.#leaf(found);
    const records = leaf.records;
    low = 0;
    high = records.length - 1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      const order = compareBytes(records[middle].key, key);
      if (order === 0) return { leaf, record: records[middle] };
      if (order < 0) low = middle + 1;
      else high = middle - 1;
    }
    return undefined;
  }

  #leaf(i: number): Promise<Leaf> {
    let leaf = this.#leaves.get(i);
    if (!leaf) {
      const entry = this.#init.leaves[i];
      leaf = this.#readSpan(entry.offset, entry.length).then((bytes) => this.#parseLeaf(i, bytes));
      this.#leaves.set(i, leaf);
      leaf.catch(() => this.#leaves.delete(i)); // A failed read may be retried.
    }
    return leaf;
  }

  /** Load leaf `i`, fetching it together with the uncached leaves that follow it (one read per batch). */
  #leafForIteration(i: number): Promise<Leaf> {
    const cached = this.#leaves.get(i);
    if (cached) return cached;
    const leaves = this.#init.leaves;
    let end = i + 1;
    while (
      end < leaves.length && !this.#leaves.has(end) &&
      leaves[end].offset === leaves[end - 1].offset + leaves[end - 1].length &&
      leaves[end].offset + leaves[end].length - leaves[i].offset <= this.#init.maxBatchBytes
    ) end++;
    if (end === i + 1) return this.#leaf(i);
    const start = leaves[i].offset;
    const span = this.#readSpan(start, leaves[end - 1].offset + leaves[end - 1].length - start);
    for (let j = i; j < end; j++) {
      const entry = leaves[j];
      const leaf = span.then((bytes) =>
        this.#parseLeaf(j, bytes.subarray(entry.offset - start, entry.offset - start + entry.length))
      );
      this.#leaves.set(j, leaf);
      leaf.catch(() => this.#leaves.delete(j));
    }
    return this.#leaves.get(i)!;
  }

  async #readSpan(offset: number, length: number): Promise<Uint8Array> {
    const { head, source, signal } = this.#init;
    if (offset + length <= head.length) return head.subarray(offset, offset + length);
    const bytes = await source.read(offset, length, { signal });
    if (bytes.length !== length) {
      throw new CloudFitsError(
        "BAD_INDEX",
        `Cannot read index ${source.name} at offset ${offset}: got ${bytes.length} of ${length} bytes (truncated)`,
        { url: source.name, offset },
      );
    }
    return bytes;
  }

  #parseLeaf(i: number, bytes: Uint8Array): Leaf {
    const entry = this.#init.leaves[i];
    const name = this.#init.source.name;
    if (crc32c(bytes) !== entry.crc) {
      throw new CloudFitsError(
        "BAD_INDEX",
        `Cannot decode index ${name}: leaf ${i} at offset ${entry.offset} fails its CRC-32C`,
        { url: name, offset: entry.offset },
      );
    }
    const next = this.#init.leaves[i + 1]?.firstKey;
    return decodeLeaf(
      new ByteReader(bytes, `leaf ${i} of ${name}`, entry.offset),
      i,
      entry,
      next,
      this.#init.indexer,
    );
  }
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
function materialize(record: FileRecord, leafText: Uint8Array, indexName: string): IndexedFile {
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
