/**
 * What a gzip source is, and how to tell one: apart from the inflater (`gzip.ts`), so that code which only
 * asks whether a source inflates (the CLI's `ls` and `plan`) does not load it.
 *
 * @module
 */
import type { AccessPoint } from "../gzip/inflate.ts";
import type { ByteSource, ReadOptions } from "./types.ts";

/** Requests and bytes sent to the compressed object. */
export interface CompressedTraffic {
  /** Reads of the compressed object. */
  requests: number;
  /** Compressed bytes read. */
  bytes: number;
}

/** A source of the uncompressed bytes of a gzip object. */
export interface GzipSource extends ByteSource {
  /** The compressed object. */
  readonly compressed: ByteSource;
  /** Access points known so far: given, and recorded while inflating (at most 1,024 are kept). */
  readonly points: readonly AccessPoint[];
  /** What reads have taken from the compressed object so far. */
  readonly stats: CompressedTraffic;
  /**
   * What reading uncompressed bytes `[start, end)` would take from the compressed object: from the
   * nearest access point at or before `start` to the first one at or after `end` (or the end of the
   * file; before the file's size is known, the inflated bytes from that point to `end`).
   */
  transferOf(start: number, end: number): CompressedTraffic;
  /** Inflate to the end of the file (checking every member's CRC-32), recording access points; the size. */
  inflateToEnd(options?: ReadOptions): Promise<number>;
  /**
   * Refuse (`COST_LIMIT`) to read more than this many compressed bytes in all, until lifted with
   * `undefined`: a header walk, which no plan measures, is held to the read limit this way.
   */
  limitReads(maxBytes: number | undefined): void;
}

const gzipSources = new WeakSet<ByteSource>();

/**
 * Record a source made by `gzipSource`, for {@linkcode isGzipSource}.
 *
 * @param source The new gzip source.
 */
export function markGzipSource(source: GzipSource): void {
  gzipSources.add(source);
}

/**
 * Whether a source is a `gzipSource`: the inflated bytes of a whole-file gzip object.
 *
 * @param source Any source.
 * @returns True for a gzip source.
 */
export function isGzipSource(source: ByteSource): source is GzipSource {
  return gzipSources.has(source);
}
