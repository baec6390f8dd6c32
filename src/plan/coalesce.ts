import type { ByteRange } from "./types.ts";

/** Settings for {@linkcode coalesceRanges}. */
export interface CoalesceOptions {
  /**
   * Merge two ranges when the bytes between them are at most this many (default 32 KiB, the gap that
   * zarrita.js and Rust's object_store use). A gap costs bytes; a request costs a round trip.
   */
  maxGap?: number;
  /** Never let one request exceed this many bytes (default 8 MiB), so that big reads run in parallel. */
  maxSpan?: number;
}

/** Default gap budget of the planner: 32 KiB. */
export const DEFAULT_MAX_GAP: number = 32 * 1024;
/** Default cap on one request's span: 8 MiB. */
export const DEFAULT_MAX_SPAN: number = 8 * 1024 * 1024;

/**
 * Merge byte ranges that lie close together into fewer, larger spans: the requests to send.
 *
 * Ranges are sorted; overlapping or touching ranges always merge; ranges separated by at most `maxGap`
 * bytes merge while the span stays within `maxSpan`. Spans never overlap, and a span longer than
 * `maxSpan` is split into `maxSpan`-sized pieces so that it can be fetched in parallel.
 *
 * @param ranges Requested ranges, in any order; zero-length ranges are dropped.
 * @param options Gap budget and span cap.
 * @returns Disjoint spans in ascending order that cover every requested byte.
 *
 * @example
 * ```ts
 * import { coalesceRanges } from "@cloudfits/core";
 *
 * const spans = coalesceRanges([{ offset: 0, length: 10 }, { offset: 20, length: 10 }, { offset: 1e6, length: 5 }]);
 * console.log(spans); // [{ offset: 0, length: 30 }, { offset: 1000000, length: 5 }]
 * ```
 */
export function coalesceRanges(ranges: readonly ByteRange[], options: CoalesceOptions = {}): ByteRange[] {
  const maxGap = options.maxGap ?? DEFAULT_MAX_GAP;
  const maxSpan = options.maxSpan ?? DEFAULT_MAX_SPAN;
  if (!(maxSpan > 0) || !(maxGap >= 0)) {
    throw new RangeError(
      `Cannot coalesce ranges: need maxGap >= 0 and maxSpan > 0, got ${maxGap} and ${maxSpan}`,
    );
  }
  const sorted = ranges.filter((r) => r.length > 0).sort((a, b) => a.offset - b.offset);
  // First merge by gap into runs, then cut each run into pieces of at most maxSpan.
  const runs: { start: number; end: number }[] = [];
  for (const { offset, length } of sorted) {
    const last = runs.at(-1);
    const end = offset + length;
    if (last && offset - last.end <= maxGap && (end - last.start <= maxSpan || offset <= last.end)) {
      last.end = Math.max(last.end, end);
    } else {
      runs.push({ start: offset, end });
    }
  }
  const spans: ByteRange[] = [];
  for (const { start, end } of runs) {
    for (let offset = start; offset < end; offset += maxSpan) {
      spans.push({ offset, length: Math.min(maxSpan, end - offset) });
    }
  }
  return spans;
}
