/**
 * A wrapper that counts the reads reaching a source, for tests, benchmarks and `--verbose` output.
 *
 * @module
 */
import type { ByteSource, WrappedSource } from "./types.ts";
import { wrapSource } from "./_wrap.ts";

/** Reads that reached the wrapped source. */
export interface TrafficStats {
  /** Number of `read` calls. */
  requests: number;
  /** Bytes returned by completed reads. */
  bytes: number;
  /**
   * Every range asked for, in call order. A suffix read (`readSuffix`) counts as one request; its offset
   * is where its bytes start, once they arrive (−1 before, or when the source did not answer it).
   */
  ranges: { offset: number; length: number }[];
}

/** A source that counts its reads in `stats`. */
export interface CountingSource extends ByteSource {
  /** Live counters; reset them by assigning new values. */
  readonly stats: TrafficStats;
}

/**
 * Count the reads, ranges and bytes that pass through to a source.
 *
 * @param source The source to observe.
 * @returns The same source with a `stats` object that updates as reads happen.
 *
 * @example Counting what opening a file costs
 * ```ts
 * import assert from "node:assert/strict";
 * import { countingSource, openFits } from "@cloudfits/core";
 * import { openFileSource } from "@cloudfits/core/file";
 *
 * await using file = await openFileSource("testdata/mef_images.fits");
 * const source = countingSource(file);
 * const fits = await openFits(source);
 * assert.equal(fits.hdus.length, 16);
 * assert.equal(source.stats.requests, 3, "16 headers in three reads");
 *
 * source.stats.ranges.length = 0;
 * const row = await fits.hdu("INT16").section([1, [1, 4]]);
 * assert.equal(row.data.length, 3);
 * // The walk's reads already hold these bytes: nothing more is fetched.
 * assert.deepEqual(source.stats.ranges, [], "served from the header walk's bytes");
 * ```
 */
export function countingSource<S extends ByteSource>(source: S): CountingSource & WrappedSource<S> {
  const stats: TrafficStats = { requests: 0, bytes: 0, ranges: [] };
  const readSuffix = source.readSuffix?.bind(source);
  const counted = wrapSource(
    source,
    async (offset, length, options) => {
      stats.requests++;
      stats.ranges.push({ offset, length });
      const bytes = await source.read(offset, length, options);
      stats.bytes += bytes.length;
      return bytes;
    },
    undefined,
    readSuffix && (async (length, options) => {
      stats.requests++;
      const range = { offset: -1, length };
      stats.ranges.push(range);
      const suffix = await readSuffix(length, options);
      if (suffix !== undefined) {
        range.offset = suffix.offset;
        stats.bytes += suffix.bytes.length;
      }
      return suffix;
    }),
  );
  return Object.assign(counted, { stats }) as CountingSource & WrappedSource<S>;
}
