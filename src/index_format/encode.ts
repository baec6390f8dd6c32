/**
 * Encode a cloudfits binary index (FCI v1, docs/index-format.md).
 *
 * @module
 */

import { paddedSize } from "../fits/layout.ts";
import type { Hdu } from "../fits/layout.ts";
import { describeColumns, numberValue } from "./_columns.ts";
import { crc32c } from "./_crc32c.ts";
import { deflateRaw } from "./_deflate.ts";
import {
  countCardsBeforeEnd,
  encodeFullHeader,
  encodeStructuralHeader,
  headerSizeForCards,
} from "./_header_text.ts";
import {
  assembleIndex,
  ColumnFlag,
  compareBytes,
  FileFlag,
  FIRST_READ,
  HDU_KINDS,
  HduFlag,
  type IndexParts,
  type LeafPayload,
  placeDirectory,
  RequiredFeature,
  type SectionPayload,
  sharedPrefix,
} from "./_layout.ts";
import { type StoredGzip, storeGzip, writeGzip } from "./gzip_points.ts";
import { ByteWriter } from "./_varint.ts";
import { shardSection } from "./shard.ts";
import { type FootprintRecord, SkyDirectoryBuilder } from "./sky_cells.ts";
import { framesSection } from "./frames.ts";
import type { ColumnSummary, EncodeIndexOptions, IndexedFile } from "./types.ts";
import { concatBytes } from "../_bytes.ts";

/** Default leaf size; doubled until the directory fits in the first read. */
const LEAF_TARGET_BYTES = 64 * 1024;
const UTF8 = new TextEncoder();
const SIGNED_QUERY = /[?&](x-amz-|x-goog-|sig=|se=|sv=|sp=|signature=|awsaccesskeyid=|expires=|token=)/i;

/**
 * Encode indexed files as a cloudfits binary index (FCI v1).
 *
 * Files are sorted by path (UTF-8 byte order) and grouped into leaves; the fixed header, the section
 * table, META and the DIRECTORY are kept within the first 16,384 bytes so a reader opens the index with
 * one read. Each leaf's header text is one deflate-raw stream, so finding a file inflates only its
 * leaf's text and parses only its own headers.
 *
 * @param files The files, each with the HDUs `walkHdus` produced (headers included).
 * @param options Data root, creation time, indexer name, and `headerText: false` to keep only the
 * structural cards.
 * @returns The index bytes.
 * @throws {TypeError} For duplicate or unsafe paths, a data URL with credentials or a query string, or
 * HDU records whose header bytes disagree with their sizes.
 *
 * @example Indexing two local files, with and without their full header text
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeIndex, encodeIndex, type IndexedFile, walkHdus } from "@cloudfits/core";
 * import { openFileSource } from "@cloudfits/core/file";
 *
 * const files: IndexedFile[] = [];
 * for (const path of ["tess_cube.fits", "mef_images.fits"]) {
 *   await using source = await openFileSource(`testdata/${path}`);
 *   files.push({ path, size: source.size, hdus: (await walkHdus(source)).hdus });
 * }
 * const full = await encodeIndex(files, { dataUrl: "s3://my-bucket/fits", indexer: "demo" });
 * const lean = await encodeIndex(files, { headerText: false });
 * assert.ok(lean.length < full.length);
 *
 * const index = await decodeIndex(full);
 * assert.deepEqual([index.fileCount, index.dataUrl, index.indexer], [2, "s3://my-bucket/fits", "demo"]);
 * const cube = await index.findFile("tess_cube.fits");
 * assert.equal(cube?.hdus[1].dataOffset, 5760);
 * assert.deepEqual(cube?.hdus[2].header.bytes, files[0].hdus[2].header.bytes, "byte-exact headers");
 * ```
 */
export async function encodeIndex(
  files: readonly IndexedFile[],
  options: EncodeIndexOptions = {},
): Promise<Uint8Array> {
  const indexer = options.indexer ?? "cloudfits";
  const createdMs = options.createdMs ?? Date.now();
  if (!Number.isSafeInteger(createdMs)) throw new TypeError(`Cannot encode creation time ${createdMs}`);
  if (options.dataUrl !== undefined) checkDataUrl(options.dataUrl);
  const fullText = options.headerText ?? true;

  const sorted = files.map((file) => ({ file, key: UTF8.encode(file.path) })).sort((a, b) =>
    compareBytes(a.key, b.key)
  );
  for (let i = 0; i < sorted.length; i++) {
    checkPath(sorted[i].file.path);
    if (i > 0 && compareBytes(sorted[i - 1].key, sorted[i].key) === 0) {
      throw new TypeError(`Cannot index '${sorted[i].file.path}' twice`);
    }
  }
  const records = await Promise.all(
    sorted.map(async ({ file }) =>
      encodeFileBody(file, indexer, fullText, file.gzip && await storeGzip(file.gzip))
    ),
  );

  const framedFiles = files.flatMap((file) => file.frames ? [{ path: file.path, block: file.frames }] : []);
  const meta = new ByteWriter();
  meta.varint(options.dataUrl === undefined ? 0 : 1);
  if (options.dataUrl !== undefined) meta.string(options.dataUrl);
  meta.string(indexer);

  const parts: IndexParts = {
    createdMs,
    requiredFlags: files.some((file) => file.gzip !== undefined) ? RequiredFeature.GZIP : 0,
    optionalFlags: 0,
    meta: meta.finish(),
    leaves: [],
    fileCount: files.length,
    extraSections: [
      ...(options.shard ? [shardSection(options.shard)] : []),
      ...(options.footprints ? await skySections(options.footprints) : []),
      ...framedFiles.length > 0 ? [framesSection(framedFiles)] : [],
    ],
  };
  for (let target = LEAF_TARGET_BYTES;; target *= 2) {
    parts.leaves = await buildLeaves(sorted.map((entry) => entry.key), records, target);
    // Keep the open region in the first read; past ~100 MB of leaves per 300 entries, accept more.
    if (placeDirectory(parts).leavesStart <= FIRST_READ || parts.leaves.length <= 1) break;
  }
  return assembleIndex(parts);
}

async function skySections(footprints: Iterable<FootprintRecord>): Promise<SectionPayload[]> {
  const builder = new SkyDirectoryBuilder();
  for (const footprint of footprints) builder.add(footprint);
  return await builder.finish();
}

interface EncodedFile {
  path: string;
  body: Uint8Array;
  text: Uint8Array;
}

/** Assumed deflate ratio of header text, to size leaves before compressing them. */
const ASSUMED_TEXT_RATIO = 6;

async function buildLeaves(
  keys: readonly Uint8Array[],
  records: readonly EncodedFile[],
  target: number,
): Promise<LeafPayload[]> {
  const leaves: Promise<LeafPayload>[] = [];
  let start = 0;
  while (start < records.length) {
    let end = start;
    let bytes = 0;
    while (end < records.length && (end === start || bytes < target)) {
      bytes += records[end].body.length + records[end].text.length / ASSUMED_TEXT_RATIO + keys[end].length;
      end++;
    }
    leaves.push(encodeLeaf(keys, records, start, end));
    start = end;
  }
  return await Promise.all(leaves);
}

/** One leaf: file count, inflated text length, file records, then one deflate-raw stream of their text. */
async function encodeLeaf(
  keys: readonly Uint8Array[],
  records: readonly EncodedFile[],
  start: number,
  end: number,
): Promise<LeafPayload> {
  const text = concatBytes(records.slice(start, end).map((record) => record.text));
  const writer = new ByteWriter();
  writer.varint(end - start);
  writer.varint(text.length);
  for (let i = start; i < end; i++) {
    const shared = i === start ? 0 : sharedPrefix(keys[i - 1], keys[i]);
    writer.varint(shared);
    writer.varint(keys[i].length - shared);
    writer.bytes(keys[i].subarray(shared));
    writer.bytes(records[i].body);
  }
  if (text.length > 0) writer.bytes(await deflateRaw(text));
  return { firstPath: records[start].path, fileCount: end - start, bytes: writer.finish() };
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
  return { path: file.path, body: writer.finish(), text: concatBytes(segments) };
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

function checkDataUrl(url: string): void {
  if (/[?#]/.test(url)) {
    throw new TypeError(
      "Cannot store the data URL in an index: it has a query string or fragment (signatures and SAS tokens are never stored)",
    );
  }
  if (/^[a-z][a-z0-9+.-]*:\/\/[^/]*@/i.test(url)) {
    throw new TypeError("Cannot store the data URL in an index: it carries user credentials");
  }
}

function checkPath(path: string): void {
  if (path === "" || path.startsWith("/") || path.split("/").some((part) => part === ".." || part === ".")) {
    throw new TypeError(`Cannot index path '${path}': paths are relative to the data root, without . or ..`);
  }
  if (SIGNED_QUERY.test(path)) {
    throw new TypeError(
      "Cannot index a path that carries a signed query string (credentials are never stored)",
    );
  }
}
