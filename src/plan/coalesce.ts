/**
 * Turn the byte ranges a read needs into the requests to send: merge ranges that lie close together
 * (a cost model: one request is worth `maxGap` bytes) and cut long spans so they can run in parallel.
 * Everything here streams, so a plan of millions of ranges holds one request at a time.
 *
 * @module
 */
import type { ByteRange } from "./types.ts";

/** Settings for {@linkcode coalesceRanges} and {@linkcode planRequests}. */
export interface CoalesceOptions {
  /**
   * What one request costs, in bytes (default 32 KiB, the gap zarrita.js and Rust's object_store merge
   * across). Two ranges separated by at most this many bytes are fetched as one request, since reading
   * the gap costs less than another request; a larger value buys fewer requests with more bytes.
   */
  maxGap?: number;
  /** Never let one request exceed this many bytes (default 8 MiB), so that big reads run in parallel. */
  maxSpan?: number;
}

/** Default request cost of the planner, in bytes: 32 KiB. */
export const DEFAULT_MAX_GAP: number = 32 * 1024;
/** Default cap on one request's span: 8 MiB. */
export const DEFAULT_MAX_SPAN: number = 8 * 1024 * 1024;

/** The part of a needed range that one request delivers. */
export interface RangePiece {
  /** Offset of the piece in the object. */
  offset: number;
  /** Bytes in the piece. */
  length: number;
  /** Where the piece goes in the concatenation of the needed ranges, in the order they were listed. */
  at: number;
}

/** One request to send: a span of the object and the pieces of needed ranges it carries. */
export interface PlannedRequest extends ByteRange {
  /** The needed bytes inside the span, ascending. */
  pieces: RangePiece[];
}

/**
 * Plan the requests for ranges listed in ascending offset order (overlaps allowed): a lazy sequence
 * of spans, each with the pieces of the needed ranges it covers and where each piece goes in the
 * concatenation of the ranges.
 *
 * Ranges separated by at most `maxGap` bytes share a request; a run longer than `maxSpan` is cut into
 * `maxSpan`-sized requests, and a range crossing a cut is delivered in pieces. Zero-length ranges
 * produce nothing.
 *
 * @param ranges The needed ranges, ascending by offset; their concatenation is the read's output.
 * @param options Request cost and span cap.
 * @returns The requests, ascending and disjoint.
 * @throws {RangeError} When the ranges are not in ascending order or the options are invalid.
 *
 * @example Two ranges 10 bytes apart travel together
 * ```ts
 * import assert from "node:assert/strict";
 * import { planRequests } from "./coalesce.ts";
 *
 * const requests = [...planRequests([{ offset: 0, length: 4 }, { offset: 14, length: 2 }])];
 * assert.deepEqual(requests, [{
 *   offset: 0,
 *   length: 16,
 *   pieces: [{ offset: 0, length: 4, at: 0 }, { offset: 14, length: 2, at: 4 }],
 * }]);
 * ```
 */
export function* planRequests(
  ranges: Iterable<ByteRange>,
  options: CoalesceOptions = {},
): Generator<PlannedRequest, void, undefined> {
  const { maxGap, maxSpan } = checkedOptions(options);
  let start = 0;
  let end = 0;
  let pieces: RangePiece[] = [];
  let open = false;
  let at = 0;
  let previous = -Infinity;
  for (const { offset, length } of ranges) {
    if (offset < previous) {
      throw new RangeError(`Cannot plan requests: range at offset ${offset} follows one at ${previous}`);
    }
    previous = offset;
    if (length <= 0) continue;
    const rangeEnd = offset + length;
    // Overlapping ranges always share a request; others only while the request stays within maxSpan.
    if (open && offset - end <= maxGap && (rangeEnd - start <= maxSpan || offset < end)) {
      end = Math.max(end, rangeEnd);
      pieces.push({ offset, length, at });
    } else {
      if (open) yield* cut(start, end, pieces, maxSpan);
      open = true;
      start = offset;
      end = rangeEnd;
      pieces = [{ offset, length, at }];
    }
    at += length;
  }
  if (open) yield* cut(start, end, pieces, maxSpan);
}

/** Cut one merged run into requests of at most `maxSpan` bytes, splitting the pieces at the cuts. */
function* cut(start: number, end: number, pieces: RangePiece[], maxSpan: number): Generator<PlannedRequest> {
  if (end - start <= maxSpan) {
    yield { offset: start, length: end - start, pieces };
    return;
  }
  // Only a single long range or overlapping ranges make a run this long, so the pieces are few.
  for (let offset = start; offset < end; offset += maxSpan) {
    const stop = Math.min(end, offset + maxSpan);
    const inside: RangePiece[] = [];
    for (const piece of pieces) {
      const from = Math.max(piece.offset, offset);
      const to = Math.min(piece.offset + piece.length, stop);
      if (to > from) inside.push({ offset: from, length: to - from, at: piece.at + from - piece.offset });
    }
    yield { offset, length: stop - offset, pieces: inside };
  }
}

function checkedOptions(options: CoalesceOptions): { maxGap: number; maxSpan: number } {
  const maxGap = options.maxGap ?? DEFAULT_MAX_GAP;
  const maxSpan = options.maxSpan ?? DEFAULT_MAX_SPAN;
  if (!(maxSpan > 0) || !(maxGap >= 0)) {
    throw new RangeError(
      `Cannot coalesce ranges: need maxGap >= 0 and maxSpan > 0, got ${maxGap} and ${maxSpan}`,
    );
  }
  return { maxGap, maxSpan };
}

/**
 * Merge byte ranges that lie close together into fewer, larger spans: the requests to send.
 *
 * Ranges are sorted first; the spans are those of {@linkcode planRequests}: disjoint, ascending, no
 * longer than `maxSpan`, and covering every requested byte.
 *
 * @param ranges Requested ranges, in any order; zero-length ranges are dropped.
 * @param options Request cost and span cap.
 * @returns Disjoint spans in ascending order that cover every requested byte.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { coalesceRanges } from "./coalesce.ts";
 *
 * const spans = coalesceRanges([{ offset: 0, length: 10 }, { offset: 20, length: 10 }, { offset: 1e6, length: 5 }]);
 * assert.deepEqual(spans, [{ offset: 0, length: 30 }, { offset: 1e6, length: 5 }]);
 * ```
 */
export function coalesceRanges(ranges: readonly ByteRange[], options: CoalesceOptions = {}): ByteRange[] {
  const sorted = ranges.toSorted((a, b) => a.offset - b.offset);
  return Array.from(planRequests(sorted, options), ({ offset, length }) => ({ offset, length }));
}
