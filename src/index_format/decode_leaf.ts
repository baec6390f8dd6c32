/**
 * Decode a leaf of a cloudfits binary index (docs/index-format.md): its file records, each with its
 * HDU records (`decode_hdu.ts`), and its deflated header text; pure functions over its bytes.
 *
 * @module
 */

import { CloudFitsError } from "../errors.ts";
import { paddedSize } from "../fits/layout.ts";
import { crc32c } from "./_crc32c.ts";
import { inflateRaw } from "./_deflate.ts";
import { compareBytes, FileFlag } from "./_layout.ts";
import { keyOfPath, pathOfKey, readPathKey } from "./_path_keys.ts";
import { ByteReader } from "./_varint.ts";
import { readGzip, type RecordedGzip } from "./gzip_points.ts";
import type { LeafEntry } from "./decode.ts";
import { decodeHduRecord, type HduRecord } from "./decode_hdu.ts";
import type { FileSummary } from "./types.ts";

/** Smallest possible file and HDU records, to bound counts by the bytes present. */
const MIN_FILE_RECORD = 7;
const MIN_HDU_RECORD = 13;
/** deflate cannot expand more than about 1032:1. */
const MAX_INFLATE_RATIO = 1032;
const KNOWN_FILE_FLAGS = 31;

/** One file record of a leaf, decoded but with its header text still to be rebuilt. */
export interface FileRecord {
  key: Uint8Array;
  summary: FileSummary;
  hdus: HduRecord[];
  /** Where this file's text starts in its leaf's inflated text, and its length. */
  textOffset: number;
  textLength: number;
  where: string;
  /** The whole-file gzip part, windows still deflated. */
  gzip?: RecordedGzip;
}

/** A decoded leaf: its file records and its compressed header text. */
export interface Leaf {
  /** Its number in path order, for messages. */
  index: number;
  /** Its offset in the index. */
  offset: number;
  records: FileRecord[];
  /** The leaf's deflate-raw header text and its inflated length. */
  text: Uint8Array;
  textLength: number;
}

/**
 * Check a leaf's CRC-32C and decode its file records.
 *
 * @param bytes The leaf's bytes.
 * @param i The leaf's number, for messages.
 * @param entry Its directory entry.
 * @param nextKey The next leaf's first path, if any.
 * @param indexer The index's default indexer name.
 * @param name The index's name, for messages.
 * @returns The leaf.
 * @throws {CloudFitsError} `BAD_INDEX` for a damaged leaf.
 *
 * @example
 * ```ts ignore
 * import { parseLeaf } from "./decode_leaf.ts";
 *
 * const leaf = parseLeaf(bytes, 0, head.leaves[0], head.leaves[1]?.firstKey, head.indexer, "cubes.fci");
 * ```
 */
export function parseLeaf(
  bytes: Uint8Array,
  i: number,
  entry: LeafEntry,
  nextKey: Uint8Array | undefined,
  indexer: string,
  name: string,
): Leaf {
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
    nextKey,
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
 * import { inflateLeafText } from "./decode_leaf.ts";
 *
 * const text = await inflateLeafText(leaf, "cubes.fci", leaf.offset);
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
    const key = readPathKey(reader, previous);
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
  return { index, offset: entry.offset, records, text: reader.bytes(reader.remaining), textLength };
}

function decodeFileRecord(
  reader: ByteReader,
  key: Uint8Array,
  defaultIndexer: string,
  textOffset: number,
): FileRecord {
  const path = pathOfKey(key, reader);
  const where = `'${path}'`;
  const flags = reader.varint();
  if (flags & ~KNOWN_FILE_FLAGS) throw reader.fail(`unknown flags 0x${flags.toString(16)} on file ${where}`);
  const size = reader.varint();
  const etag = flags & FileFlag.ETAG ? reader.string() : undefined;
  const lastModified = flags & FileFlag.LAST_MODIFIED ? reader.varint() : undefined;
  const indexer = flags & FileFlag.INDEXER ? reader.string() : defaultIndexer;
  const headerComplete = (flags & FileFlag.HEADER_COMPLETE) !== 0;
  const gzip = flags & FileFlag.GZIP ? readGzip(reader, where, size) : undefined;
  const hduCount = reader.count(`HDU count of ${where}`, Math.floor(reader.remaining / MIN_HDU_RECORD));
  const hdus: HduRecord[] = [];
  let expectedOffset = 0;
  let segments = 0;
  for (let index = 0; index < hduCount; index++) {
    const record = decodeHduRecord(reader, index, expectedOffset, gzip?.size ?? size, where);
    hdus.push(record);
    segments += record.textLength;
    expectedOffset = record.summary.dataOffset + paddedSize(record.summary.dataSize);
  }
  const summary: FileSummary = { path, size, indexer, headerComplete, hdus: hdus.map((hdu) => hdu.summary) };
  if (etag !== undefined) summary.etag = etag;
  if (lastModified !== undefined) summary.lastModified = lastModified;
  if (gzip === undefined) return { key, summary, hdus, textOffset, textLength: segments, where };
  summary.gzip = { size: gzip.size, points: gzip.points.length };
  return { key, summary, hdus, textOffset, textLength: segments, where, gzip };
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
 * import { recordFor } from "./decode_leaf.ts";
 *
 * const record = recordFor(leaf, "tess-s0026-4-1-cube.fits");
 * ```
 */
export function recordFor(leaf: Leaf, path: string): FileRecord | undefined {
  const key = keyOfPath(path);
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
