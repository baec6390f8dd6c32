/**
 * The whole-file gzip part of a file record (FCI v1.1, file flag bit 4 GZIP; docs/index-format.md): the
 * inflated size, and the access points a reader starts inflating at (zran-style: a compressed bit
 * offset, an uncompressed offset, the member's CRC so far and the 32 KiB window, stored deflated).
 *
 * @module
 */
import type { AccessPoint } from "../gzip/inflate.ts";
import { inflateRawSync, WINDOW_SIZE } from "../gzip/inflate.ts";
import { deflateRaw } from "./_deflate.ts";
import type { ByteReader, ByteWriter } from "./_varint.ts";
import type { GzipIndex } from "./types.ts";

/** A gzip part with its windows deflated, ready to write. */
export interface StoredGzip {
  /** The part. */
  gzip: GzipIndex;
  /** Each point's window, deflate-raw. */
  windows: Uint8Array[];
}

/** A gzip part as read from a record: windows still deflated (inflated when the file is opened). */
export interface RecordedGzip {
  /** Inflated size. */
  size: number;
  /** Points, their windows deflated. */
  points: (Omit<AccessPoint, "window"> & { stored: Uint8Array })[];
}

/**
 * Deflate the windows of a gzip part.
 *
 * @param gzip The part.
 * @returns The part and its deflated windows.
 */
export async function storeGzip(gzip: GzipIndex): Promise<StoredGzip> {
  return { gzip, windows: await Promise.all(gzip.points.map((p) => deflateRaw(p.window))) };
}

/**
 * The length a point's window must have: the 32 KiB before it, or the member's output before it when
 * that is shorter.
 *
 * @param point The point.
 * @returns The window length.
 */
function windowLength(point: Omit<AccessPoint, "window">): number {
  return Math.min(WINDOW_SIZE, point.out - point.memberOut);
}

/**
 * Write the gzip part of a file record.
 *
 * @param writer The record's writer.
 * @param stored The part, windows deflated.
 * @param where The file, for messages.
 * @param compressedSize The file's stored size.
 */
export function writeGzip(
  writer: ByteWriter,
  stored: StoredGzip,
  where: string,
  compressedSize: number,
): void {
  const { gzip, windows } = stored;
  if (!Number.isSafeInteger(gzip.size) || gzip.size < 0) {
    throw new TypeError(`Cannot index ${where}: inflated size ${gzip.size} is not a non-negative integer`);
  }
  writer.varint(gzip.size);
  writer.varint(gzip.points.length);
  let bit = 0;
  let out = 0;
  gzip.points.forEach((point, i) => {
    const valid = point.bit > bit && point.out > out && point.out <= gzip.size &&
      point.bit <= compressedSize * 8 && point.memberOut <= point.out &&
      point.window.length === windowLength(point);
    if (!valid) {
      throw new TypeError(`Cannot index ${where}: access point ${i} is out of order or inconsistent`);
    }
    writer.varint(point.bit - bit);
    writer.varint(point.out - out);
    writer.varint(point.out - point.memberOut);
    writer.u32(point.crc);
    writer.varint(windows[i].length);
    writer.bytes(windows[i]);
    bit = point.bit;
    out = point.out;
  });
}

/**
 * Read the gzip part of a file record, checking that every point lies inside the file.
 *
 * @param reader The record's reader.
 * @param where The file, for messages.
 * @param compressedSize The file's stored size.
 * @returns The part, windows still deflated.
 */
export function readGzip(reader: ByteReader, where: string, compressedSize: number): RecordedGzip {
  const size = reader.varint();
  // A point takes at least 8 bytes: three varints, a CRC and a stored-length varint.
  const count = reader.count(`access point count of ${where}`, Math.floor(reader.remaining / 8));
  const points: RecordedGzip["points"] = [];
  let bit = 0;
  let out = 0;
  for (let i = 0; i < count; i++) {
    const bitStep = reader.varint();
    const outStep = reader.varint();
    bit += bitStep;
    out += outStep;
    const memberOut = out - reader.varint();
    const crc = reader.u32();
    const stored = reader.bytes(reader.count(`window length of ${where}`, reader.remaining));
    if (bitStep === 0 || outStep === 0 || out > size || bit > compressedSize * 8 || memberOut < 0) {
      throw reader.fail(`access point ${i} of ${where} is out of order or outside the file`);
    }
    points.push({ bit, out, memberOut, crc, stored });
  }
  return { size, points };
}

/**
 * Inflate the windows of a recorded gzip part.
 *
 * @param recorded The part as read.
 * @returns The part with its access points, or the reason a window is damaged.
 */
export function inflateGzip(recorded: RecordedGzip): GzipIndex | string {
  const points: AccessPoint[] = [];
  for (const [i, { stored, ...point }] of recorded.points.entries()) {
    const window = inflateRawSync(stored, windowLength(point));
    if (typeof window === "string") return `the window of access point ${i} ${window}`;
    points.push({ ...point, window });
  }
  return { size: recorded.size, points };
}
