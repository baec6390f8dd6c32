/**
 * A wrapper that counts the reads reaching a source, for tests, benchmarks and `--verbose` output.
 *
 * @module
 */
import type { ByteSource } from "./types.ts";
import { wrapSource } from "./_wrap.ts";

/** Reads that reached the wrapped source. */
export interface TrafficStats {
  /** Number of `read` calls. */
  requests: number;
  /** Bytes returned by completed reads. */
  bytes: number;
  /** Every range asked for, in call order. */
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
 * @example Counting reads of a memory source
 * ```ts
 * import { countingSource, memorySource } from "@cloudfits/core";
 *
 * const source = countingSource(memorySource(new Uint8Array(100)));
 * await source.read(10, 20);
 * console.log(source.stats); // { requests: 1, bytes: 20, ranges: [ { offset: 10, length: 20 } ] }
 * ```
 */
export function countingSource(source: ByteSource): CountingSource {
  const stats: TrafficStats = { requests: 0, bytes: 0, ranges: [] };
  const counted = wrapSource(source, async (offset, length, options) => {
    stats.requests++;
    stats.ranges.push({ offset, length });
    const bytes = await source.read(offset, length, options);
    stats.bytes += bytes.length;
    return bytes;
  });
  return Object.assign(counted, { stats });
}
