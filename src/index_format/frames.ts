/**
 * The FRAMES section (type 5, optional, after the leaves): for each TESS FFI cube in the index, a
 * compact summary of its frame table (HDU 2) — the times, corrections, quality and FFI names of every
 * frame, and the keywords of the row whose WCS describes the cube — so that a light curve or target
 * pixel file reads only pixels from the cube. Old readers skip the section; without it, readers read
 * the frame table itself. Layout: docs/index-format.md.
 *
 * @module
 */

import { CloudFitsError } from "../errors.ts";
import { crc32c, crc32cCombine } from "./_crc32c.ts";
import { deflateRaw, inflateRaw } from "./_deflate.ts";
import { compareBytes, SectionType, type StreamedSection } from "./_layout.ts";
import { keyOfPath, pathOfKey, readPathKey, writePathKey } from "./_path_keys.ts";
import { ByteReader, ByteWriter } from "./_varint.ts";

/** What light curves and target pixel files need of a TESS cube's frame table, one entry per frame. */
export interface FrameSummary {
  /** TSTART of each frame (BTJD). */
  tstart: Float64Array;
  /** TSTOP of each frame. */
  tstop: Float64Array;
  /** BARYCORR of each frame (days), when the table has that column. */
  barycorr?: Float64Array;
  /** DQUALITY of each frame. */
  quality: Int32Array;
  /** FFI_FILE of each frame, in full. */
  ffiFiles: string[];
  /** The row whose WCS describes the cube (astrocut's choice), 0-based. */
  wcsRow: number;
  /** That row's numeric and text columns, by upper-case name (text with trailing spaces removed). */
  wcsKeywords: Record<string, number | string>;
}

/** A summary decoded from an index, with the size of the file it was made from. */
export interface StoredFrameSummary extends FrameSummary {
  /** Size of the cube the summary describes; a reader checks it against the file's record. */
  fileSize: number;
}

/** Version of the FRAMES payload; a reader refuses another rather than misread it. */
const FRAMES_VERSION = 1;
/** Block flag: the BARYCORR array follows. */
const HAS_BARYCORR = 1;
/** Keyword value kinds. */
const NUMBER = 0;
const TEXT = 1;
/** deflate cannot expand more than 1032:1. */
const MAX_INFLATE_RATIO = 1032;

/**
 * Encode one cube's summary as a stored block: the inflated length, then one deflate-raw stream. The
 * float arrays are byte-shuffled (all first bytes, then all second bytes …) so that the slowly varying
 * sign, exponent and high mantissa bytes of neighbouring times compress.
 *
 * @param summary The frame summary.
 * @param fileSize The cube's size in bytes.
 * @returns The block, as `IndexedFile.frames` carries it.
 *
 * @example A summary survives the round trip
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeFrameBlock, encodeFrameBlock } from "./frames.ts";
 *
 * const summary = {
 *   tstart: new Float64Array([1325.3, 1325.32]), tstop: new Float64Array([1325.32, 1325.34]),
 *   quality: new Int32Array([0, 32]), ffiFiles: ["a-0001-s_ffic.fits", "a-0002-s_ffic.fits"],
 *   wcsRow: 1, wcsKeywords: { CTYPE2: "DEC--TAN-SIP", CRVAL1: 35.2 },
 * };
 * const block = await encodeFrameBlock(summary, 5760);
 * assert.deepEqual(await decodeFrameBlock(block, "x.cfidx"), { ...summary, fileSize: 5760 });
 * ```
 */
export async function encodeFrameBlock(summary: FrameSummary, fileSize: number): Promise<Uint8Array> {
  const frames = summary.tstart.length;
  if (summary.quality.length !== frames || summary.ffiFiles.length !== frames) {
    throw new RangeError("Every frame array needs one value per frame");
  }
  const writer = new ByteWriter();
  writer.varint(fileSize);
  writer.varint(frames);
  writer.varint(summary.barycorr ? HAS_BARYCORR : 0);
  for (const array of [summary.tstart, summary.tstop, ...(summary.barycorr ? [summary.barycorr] : [])]) {
    if (array.length !== frames) throw new RangeError("Every frame array needs one value per frame");
    writer.bytes(shuffle(array));
  }
  for (const flag of summary.quality) writer.signed(flag);
  let previous: Uint8Array = new Uint8Array(0);
  for (const name of summary.ffiFiles) {
    const key = keyOfPath(name);
    writePathKey(writer, previous, key);
    previous = key;
  }
  writer.varint(summary.wcsRow);
  const keywords = Object.entries(summary.wcsKeywords);
  writer.varint(keywords.length);
  for (const [name, value] of keywords) {
    writer.string(name);
    if (typeof value === "number") {
      writer.u8(NUMBER);
      writer.f64(value);
    } else {
      writer.u8(TEXT);
      writer.string(value);
    }
  }
  const raw = writer.finish();
  const stored = new ByteWriter();
  stored.varint(raw.length);
  stored.bytes(await deflateRaw(raw));
  return stored.finish();
}

/**
 * Decode a stored block (after its CRC-32C has been checked against the FRAMES table).
 *
 * @param block The stored block.
 * @param name The index's name, for messages.
 * @param offset The block's offset in the index, for messages.
 * @returns The summary and the size of the file it describes.
 * @throws {CloudFitsError} `BAD_INDEX` for a damaged block.
 */
export async function decodeFrameBlock(
  block: Uint8Array,
  name: string,
  offset = 0,
): Promise<StoredFrameSummary> {
  const context = `the FRAMES section of ${name}`;
  const head = new ByteReader(block, context, offset);
  const rawLength = head.count("inflated frame summary length", head.remaining * MAX_INFLATE_RATIO);
  const raw = await inflateRaw(block.subarray(head.position), rawLength);
  if (typeof raw === "string") throw head.fail(`a frame summary ${raw}`);
  const reader = new ByteReader(raw, `${context} (inflated block at ${offset})`, 0);
  const fileSize = reader.varint();
  const frames = reader.count("frames", Math.floor(reader.remaining / 16));
  const flags = reader.varint();
  if (flags & ~HAS_BARYCORR) throw reader.fail(`unknown block flags ${flags}`);
  const floats = () => unshuffle(reader.bytes(frames * 8), frames);
  const tstart = floats();
  const tstop = floats();
  const barycorr = flags & HAS_BARYCORR ? floats() : undefined;
  const quality = Int32Array.from({ length: frames }, () => reader.signed());
  const ffiFiles: string[] = [];
  let previous: Uint8Array = new Uint8Array(0);
  for (let i = 0; i < frames; i++) {
    previous = readPathKey(reader, previous);
    ffiFiles.push(pathOfKey(previous, reader));
  }
  const wcsRow = reader.varint();
  if (frames > 0 && wcsRow >= frames) throw reader.fail(`WCS row ${wcsRow} of ${frames} frames`);
  const wcsKeywords: Record<string, number | string> = {};
  const count = reader.count("keywords", Math.floor(reader.remaining / 3));
  for (let i = 0; i < count; i++) {
    const keyword = reader.string();
    const kind = reader.u8();
    if (kind === NUMBER) wcsKeywords[keyword] = reader.f64();
    else if (kind === TEXT) wcsKeywords[keyword] = reader.string();
    else throw reader.fail(`unknown keyword kind ${kind}`);
  }
  if (reader.remaining !== 0) throw reader.fail(`${reader.remaining} bytes after the frame summary`);
  return {
    fileSize,
    tstart,
    tstop,
    ...(barycorr ? { barycorr } : {}),
    quality,
    ffiFiles,
    wcsRow,
    wcsKeywords,
  };
}

function shuffle(values: Float64Array): Uint8Array {
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const view = new DataView(values.buffer, values.byteOffset, values.byteLength);
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < values.length; i++) {
    // Little-endian regardless of the platform: the byte of significance b goes to plane b.
    const little = new Uint8Array(8);
    new DataView(little.buffer).setFloat64(0, view.getFloat64(i * 8, true), true);
    for (let b = 0; b < 8; b++) out[b * values.length + i] = little[b];
  }
  return out;
}

function unshuffle(bytes: Uint8Array, count: number): Float64Array {
  const out = new Float64Array(count);
  const little = new Uint8Array(8);
  const view = new DataView(little.buffer);
  for (let i = 0; i < count; i++) {
    for (let b = 0; b < 8; b++) little[b] = bytes[b * count + i];
    out[i] = view.getFloat64(0, true);
  }
  return out;
}

/** One cube's block as the FRAMES table lists it. */
export interface FrameTableRow {
  /** The file's path in the index. */
  path: string;
  /** The stored block's length. */
  length: number;
  /** Its CRC-32C. */
  crc: number;
}

/**
 * Encode the FRAMES section: a table (its length as u32 first) of paths and where each block lies in
 * the section, with its own CRC-32C so that a reader may read the table alone, then the blocks. The
 * blocks are streamed when the index is written, and not read here: the section's CRC-32C combines
 * the table's with theirs.
 *
 * @param rows One row per cube, in path order.
 * @param blocks The stored blocks, back to back in the rows' order.
 * @param blocksCrc The CRC-32C of the blocks back to back.
 * @returns The section, optional, for the writer to place after the leaves.
 */
export function framesSection(
  rows: readonly FrameTableRow[],
  blocks: () => AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  blocksCrc: number,
): StreamedSection {
  const keys = rows.map((row) => keyOfPath(row.path));
  // Block offsets are relative to the section and follow the table, whose length depends on them.
  for (let tableLength = 0;;) {
    const table = new ByteWriter();
    table.varint(FRAMES_VERSION);
    table.varint(rows.length);
    let previous: Uint8Array = new Uint8Array(0);
    let at = 4 + tableLength + 4; // the length, the table, its CRC-32C
    for (const [i, row] of rows.entries()) {
      if (i > 0 && compareBytes(previous, keys[i]) >= 0) {
        throw new RangeError("FRAMES rows come in path order");
      }
      writePathKey(table, previous, keys[i]);
      table.varint(at);
      table.varint(row.length);
      table.u32(row.crc);
      at += row.length;
      previous = keys[i];
    }
    const body = table.finish();
    if (body.length !== tableLength) {
      tableLength = body.length;
      continue;
    }
    const head = new ByteWriter();
    head.u32(tableLength);
    head.bytes(body);
    head.u32(crc32c(body));
    const prefix = head.finish();
    return {
      type: SectionType.FRAMES,
      flags: 0,
      length: at,
      crc: crc32cCombine(crc32c(prefix), blocksCrc, at - prefix.length),
      chunks: async function* () {
        yield prefix;
        yield* blocks();
      },
    };
  }
}

/** Where one cube's block lies. */
export interface FrameTableEntry {
  /** Offset of the block from the start of the section. */
  offset: number;
  /** Stored length of the block. */
  length: number;
  /** CRC-32C of the stored block. */
  crc: number;
}

/**
 * Bytes from the start of the FRAMES section through the end of its table.
 *
 * @param start At least the first 4 bytes of the section.
 * @param sectionLength The section's stored length.
 * @param name The index's name, for messages.
 * @param offset The section's offset in the index, for messages.
 * @returns The table's end.
 * @throws {CloudFitsError} `BAD_INDEX` when the table would run past the section.
 */
export function framesTableEnd(
  start: Uint8Array,
  sectionLength: number,
  name: string,
  offset: number,
): number {
  const reader = new ByteReader(start, `the FRAMES section of ${name}`, offset);
  const end = 4 + reader.u32() + 4;
  if (end > sectionLength) {
    throw reader.fail(`its table ends at ${end}, past the section's ${sectionLength} bytes`);
  }
  return end;
}

/**
 * Decode the FRAMES table.
 *
 * @param bytes The section's first `framesTableEnd` bytes (or more).
 * @param sectionLength The section's stored length.
 * @param name The index's name, for messages.
 * @param offset The section's offset in the index.
 * @returns Where each cube's block lies, by path.
 * @throws {CloudFitsError} `BAD_INDEX` for a damaged table or an unknown version.
 */
export function decodeFramesTable(
  bytes: Uint8Array,
  sectionLength: number,
  name: string,
  offset: number,
): Map<string, FrameTableEntry> {
  const end = framesTableEnd(bytes, sectionLength, name, offset);
  const body = bytes.subarray(4, end - 4);
  if (crc32c(body) !== new DataView(bytes.buffer, bytes.byteOffset + end - 4, 4).getUint32(0, true)) {
    throw new CloudFitsError(
      "BAD_INDEX",
      `Cannot decode the FRAMES section of ${name}: its table fails its CRC-32C`,
      {
        url: name,
        offset,
      },
    );
  }
  const reader = new ByteReader(body, `the FRAMES section of ${name}`, offset + 4);
  const version = reader.varint();
  if (version !== FRAMES_VERSION) throw reader.fail(`unknown FRAMES version ${version}`);
  const count = reader.count("cubes", Math.floor(reader.remaining / 8));
  const entries = new Map<string, FrameTableEntry>();
  let previous: Uint8Array = new Uint8Array(0);
  for (let i = 0; i < count; i++) {
    const key = readPathKey(reader, previous);
    if (i > 0 && compareBytes(previous, key) >= 0) throw reader.fail("paths are not in ascending order");
    const entry = { offset: reader.varint(), length: reader.varint(), crc: reader.u32() };
    if (entry.offset < end || entry.offset + entry.length > sectionLength) {
      throw reader.fail(`a block at ${entry.offset} (${entry.length} bytes) lies outside the section`);
    }
    entries.set(pathOfKey(key, reader), entry);
    previous = key;
  }
  return entries;
}

/**
 * Check a block against its table entry (length and CRC-32C).
 *
 * @param block The stored block.
 * @param entry Its table entry.
 * @param name The index's name, for messages.
 * @param offset The block's offset in the index.
 * @returns The block.
 * @throws {CloudFitsError} `BAD_INDEX` for a damaged block.
 */
export function checkFrameBlock(
  block: Uint8Array,
  entry: FrameTableEntry,
  name: string,
  offset: number,
): Uint8Array {
  if (block.length !== entry.length || crc32c(block) !== entry.crc) {
    throw new CloudFitsError(
      "BAD_INDEX",
      `Cannot decode the FRAMES section of ${name}: a block fails its CRC-32C`,
      {
        url: name,
        offset,
      },
    );
  }
  return block;
}

/**
 * Check a block's CRC-32C and decode it.
 *
 * @param block The stored block.
 * @param entry Its table entry.
 * @param name The index's name, for messages.
 * @param offset The block's offset in the index.
 * @returns The summary.
 * @throws {CloudFitsError} `BAD_INDEX` for a damaged block.
 */
export async function checkedFrameBlock(
  block: Uint8Array,
  entry: FrameTableEntry,
  name: string,
  offset: number,
): Promise<StoredFrameSummary> {
  return await decodeFrameBlock(checkFrameBlock(block, entry, name, offset), name, offset);
}
