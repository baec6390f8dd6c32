/**
 * Decode the open region of a cloudfits binary index (FCI v1, docs/index-format.md): the fixed
 * header, the section table, META and the DIRECTORY of leaves; pure functions over its bytes. Leaves
 * are `decode_leaf.ts`, headers rebuilt from them `materialize.ts`. The reading — one read for the
 * open region, one per leaf on demand — is `src/read/index.ts`.
 *
 * @module
 */

import { CloudFitsError } from "../errors.ts";
import { crc32c } from "./_crc32c.ts";
import {
  Codec,
  compareBytes,
  FIRST_READ,
  FIXED_HEADER_SIZE,
  KNOWN_REQUIRED_FEATURES,
  MAGIC,
  MAJOR_VERSION,
  MAX_SECTIONS,
  RequiredFeature,
  SECTION_ENTRY_SIZE,
  SECTION_REQUIRED,
  SectionType,
} from "./_layout.ts";
import { keyOfPath, pathOfKey, readPathKey } from "./_path_keys.ts";
import { ByteReader } from "./_varint.ts";

/** What the fixed header says: how much of the index to read before anything can be planned. */
export interface IndexFrame {
  /** Total length of the index. */
  total: number;
  /** Bytes from the start that hold the section table and the hot sections. */
  openLength: number;
}

/** The hot part of an index, decoded: metadata and the directory of leaves (or of pages, for a catalog). */
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
  /** Where each leaf of file records lies (empty for a catalog: see `pages`). */
  leaves: LeafEntry[];
  /** A catalog's ROOT: where each directory page lies (each page is a directory of leaves). */
  pages?: LeafEntry[];
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
 * ```ts
 * import { parseIndexFrame } from "./decode.ts";
 * import { encodeIndex } from "./encode.ts";
 *
 * const bytes = await encodeIndex([], { indexer: "demo" });
 * console.log(parseIndexFrame(bytes, "empty.fci", bytes.length)); // { total: 136, openLength: 136 }
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
  if (requiredFlags & ~KNOWN_REQUIRED_FEATURES) {
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
 * ```ts
 * import { decodeIndexHead, parseIndexFrame } from "./decode.ts";
 * import { encodeIndex } from "./encode.ts";
 *
 * const bytes = await encodeIndex([], { indexer: "demo" });
 * const frame = parseIndexFrame(bytes, "empty.fci", bytes.length);
 * const head = decodeIndexHead(bytes.subarray(0, frame.openLength), frame, "empty.fci");
 * console.log(head.fileCount, head.indexer); // 0 demo
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

  const catalog = (view.getUint32(12, true) & RequiredFeature.CATALOG) !== 0;
  const directoryType = catalog ? SectionType.ROOT : SectionType.DIRECTORY;
  const payloads = new Map<number, Uint8Array>();
  let pagesSpan: { offset: number; end: number } | undefined;
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
    if (catalog && type === SectionType.PAGES) {
      if (pagesSpan) throw fail("the PAGES section appears twice", base);
      if (codec !== Codec.NONE) throw fail(`the PAGES section has unknown codec ${codec}`, base + 2);
      pagesSpan = { offset, end: offset + stored }; // Each page is checked by its own CRC when read.
      continue;
    }
    const known = type === SectionType.META || type === directoryType;
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
  const directoryBytes = payloads.get(directoryType);
  if (!metaBytes || !directoryBytes) {
    throw fail(`the META or ${sectionLabel(directoryType)} section is missing`);
  }
  if (catalog && !pagesSpan) throw fail("the PAGES section of the catalog is missing");
  const metaOffset = metaBytes.byteOffset - head.byteOffset;
  const directoryOffset = directoryBytes.byteOffset - head.byteOffset;

  const meta = new ByteReader(metaBytes, `the META section of ${name}`, metaOffset);
  const metaFlags = meta.varint();
  if (metaFlags > 1) throw meta.fail(`unknown flags ${metaFlags}`);
  const dataUrl = metaFlags & 1 ? meta.string() : undefined;
  const indexer = meta.string();

  const reader = new ByteReader(
    directoryBytes,
    `the ${sectionLabel(directoryType)} section of ${name}`,
    directoryOffset,
  );
  const common = {
    dataUrl,
    indexer,
    createdMs: safeNumber(headView.getBigInt64(40, true)) ?? 0,
    version: `${major}.${minor}`,
  };
  if (!pagesSpan) return { ...common, ...decodeDirectory(reader, { offset: 0, end: total }, "leaf") };
  const root = decodeDirectory(reader, pagesSpan, "page");
  return { ...common, fileCount: root.fileCount, leaves: [], pages: root.leaves };
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

/** Smallest possible directory entry, to bound the leaf count by the bytes present. */
const MIN_LEAF_ENTRY = 8;

/**
 * Decode a catalog's directory page: the leaves of the files from its first path (its ROOT entry's) up
 * to the next page's first path.
 *
 * @param bytes The page's bytes.
 * @param page Its ROOT entry.
 * @param nextKey The next page's first path, if any.
 * @param total The index's total length.
 * @param name The index's name, for messages.
 * @returns The page's leaves.
 * @throws {CloudFitsError} `BAD_INDEX` for a damaged page.
 */
export function decodePage(
  bytes: Uint8Array,
  page: LeafEntry,
  nextKey: Uint8Array | undefined,
  total: number,
  name: string,
): LeafEntry[] {
  const reader = new ByteReader(bytes, `the directory page at ${page.offset} of ${name}`, page.offset);
  if (crc32c(bytes) !== page.crc) throw reader.fail("fails its CRC-32C");
  const { fileCount, leaves } = decodeDirectory(reader, { offset: 0, end: total }, "leaf");
  if (fileCount !== page.fileCount) {
    throw reader.fail(`holds ${fileCount} files, the ROOT says ${page.fileCount}`);
  }
  if (leaves.length === 0 || compareBytes(leaves[0].firstKey, page.firstKey) !== 0) {
    throw reader.fail("does not start at the path the ROOT gives it");
  }
  if (nextKey && compareBytes(leaves[leaves.length - 1].firstKey, nextKey) >= 0) {
    throw reader.fail("reaches into the next page");
  }
  return leaves;
}

function decodeDirectory(
  reader: ByteReader,
  span: { offset: number; end: number },
  what: string,
): { fileCount: number; leaves: LeafEntry[] } {
  const fileCount = reader.varint();
  const leafCount = reader.count("leaf count", Math.floor(reader.remaining / MIN_LEAF_ENTRY));
  const leaves: LeafEntry[] = [];
  let previous = new Uint8Array(0);
  let files = 0;
  for (let i = 0; i < leafCount; i++) {
    const key = readPathKey(reader, previous);
    if (i > 0 && compareBytes(previous, key) >= 0) throw reader.fail(`${what} ${i} is out of path order`);
    const leafFiles = reader.varint();
    const offset = reader.varint();
    const length = reader.varint();
    const crc = reader.u32();
    if (leafFiles === 0) throw reader.fail(`${what} ${i} holds no files`);
    if (offset < span.offset || offset + length > span.end) {
      throw reader.fail(
        `${what} ${i} at ${offset} (+${length}) lies outside the ${
          what === "leaf" ? "index" : "PAGES section"
        }`,
      );
    }
    leaves.push({
      firstPath: pathOfKey(key, reader),
      firstKey: key,
      fileCount: leafFiles,
      offset,
      length,
      crc,
    });
    files += leafFiles;
    previous = key;
  }
  if (files !== fileCount) throw reader.fail(`${what}s hold ${files} files, the directory says ${fileCount}`);
  if (reader.remaining !== 0) throw reader.fail(`${reader.remaining} unexpected trailing bytes`);
  return { fileCount, leaves };
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
 * import { leafFor } from "./decode.ts";
 *
 * const i = leafFor(head.leaves, "tess-s0026-4-1-cube.fits");
 * ```
 */
export function leafFor(leaves: readonly LeafEntry[], path: string): number {
  const key = keyOfPath(path);
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

function safeNumber(value: bigint): number | undefined {
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(value)
    : undefined;
}

function sectionLabel(type: number): string {
  const names: Record<number, string> = {
    [SectionType.META]: "META",
    [SectionType.DIRECTORY]: "DIRECTORY",
    [SectionType.ROOT]: "ROOT",
    [SectionType.PAGES]: "PAGES",
  };
  return names[type] ?? `type-${type}`;
}
