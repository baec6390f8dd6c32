/**
 * The one place bytes are fetched for a plan: requests go out in bounded waves, and each response is
 * copied into the output as it arrives and then dropped, so memory stays at the output plus a fixed
 * window whatever the shape of the selection.
 *
 * @module
 */
import { CloudFitsError } from "../errors.ts";
import { type PlannedRequest, planRequests } from "../plan/coalesce.ts";
import {
  addFigures,
  checkPlanCost,
  type CostLimits,
  type MeasureOptions,
  measurePlan,
  type PlanFigures,
} from "../plan/cost.ts";
import type { ByteRange } from "../plan/types.ts";
import { type ByteSource, isReadInto } from "../source/types.ts";

/** Settings for {@linkcode fetchRanges} and {@linkcode readRanges}. */
export interface ReadRangesOptions extends MeasureOptions {
  /** Requests in flight at once (default 16). */
  concurrency?: number;
  /** Most bytes of responses held at once (default 64 MiB; one request may exceed it alone). */
  window?: number;
  /** Abort every request of the plan. */
  signal?: AbortSignal;
  /** Stop before fetching when the plan exceeds these limits (see `CostLimits`; defaults apply). */
  limits?: CostLimits;
  /** What is being read, for messages (default: the source's name). */
  what?: string;
  /**
   * The figures of earlier phases of the same read (a table's rows before their heap): the limits
   * hold for them and this read together.
   */
  spent?: PlanFigures;
}

/** What a fetch did, and the bytes it gathered. */
export interface FetchResult {
  /** The needed ranges' bytes, concatenated in the order listed. */
  bytes: Uint8Array;
  /** Requests sent. */
  requests: number;
  /** Bytes received. */
  bytesRead: number;
  /** Most response bytes held at once. */
  peakBytesInFlight: number;
}

/** Default bound on response bytes held at once: 64 MiB. */
export const DEFAULT_WINDOW: number = 64 * 2 ** 20;
/** Default number of requests one read keeps in flight. */
export const DEFAULT_CONCURRENCY = 16;

/**
 * The error for a read that came back short: the object ends inside the bytes asked for.
 *
 * @param source The source read.
 * @param offset Where the read started.
 * @param length The bytes asked for.
 * @param received The bytes that came back.
 * @returns A `TRUNCATED` error naming where the object ends.
 */
export function shortRead(
  source: ByteSource,
  offset: number,
  length: number,
  received: number,
): CloudFitsError {
  return new CloudFitsError(
    "TRUNCATED",
    `Cannot read ${length} bytes at offset ${offset} of ${source.name}: the object ends after ${
      offset + received
    } bytes`,
    { url: source.name, offset: offset + received },
  );
}

/**
 * Fetch byte ranges into one buffer: their concatenation, in the order listed.
 *
 * The plan is measured and checked before the first request and before the output is allocated: a
 * plan over the cost limits is refused, and one that runs past the end of an object of known size is
 * `TRUNCATED`. Then requests (coalesced as {@linkcode planRequests} plans them) go out with bounded
 * concurrency, never holding more than `window` bytes of responses, and each response is copied into
 * the output as it arrives — or, for a request that is all one piece, read straight into its place in
 * the output by sources that take the `into` read option (local files, HTTP bodies).
 *
 * @param source Where the bytes live.
 * @param ranges The needed ranges, ascending by offset (a list that can be iterated twice).
 * @param options Request cost, span cap, concurrency, window, limits and abort signal.
 * @returns The bytes and what was sent and received.
 * @throws {CloudFitsError} `COST_LIMIT` before fetching when the plan exceeds the limits; `TRUNCATED`
 *   when a range runs past the end of the object; whatever the source throws.
 *
 * @example Gather two ranges in one request
 * ```ts
 * import assert from "node:assert/strict";
 * import { memorySource } from "@cloudfits/core";
 * import { fetchRanges } from "./read_ranges.ts";
 *
 * const source = memorySource(new Uint8Array([0, 1, 2, 3, 4, 5, 6, 7]));
 * const result = await fetchRanges(source, [{ offset: 1, length: 2 }, { offset: 5, length: 2 }]);
 * assert.deepEqual([[...result.bytes], result.requests, result.bytesRead], [[1, 2, 5, 6], 1, 6]);
 * ```
 */
export async function fetchRanges(
  source: ByteSource,
  ranges: Iterable<ByteRange>,
  options: ReadRangesOptions = {},
): Promise<FetchResult> {
  // A gzip source's reads are measured in compressed requests and bytes, from the nearest access point.
  const figures = measurePlan(ranges, {
    ...options,
    transfer: options.transfer ?? source.transferOf?.bind(source),
  });
  const whole = options.spent ? addFigures(options.spent, figures) : figures;
  checkPlanCost(whole, options.limits, options.what ?? source.name);
  const size = source.size;
  if (size !== undefined && figures.end > size) {
    throw new CloudFitsError(
      "TRUNCATED",
      `Cannot read ${
        options.what ?? source.name
      }: it needs bytes up to offset ${figures.end} but the object ends after ${size} bytes`,
      { url: source.name, offset: size },
    );
  }
  const dest = new Uint8Array(figures.bytesNeeded);
  const concurrency = Math.max(1, options.concurrency ?? DEFAULT_CONCURRENCY);
  const window = Math.max(1, options.window ?? DEFAULT_WINDOW);
  const stats: FetchResult = { bytes: dest, requests: 0, bytesRead: 0, peakBytesInFlight: 0 };
  const controller = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, controller.signal]) : controller.signal;
  const requests = planRequests(ranges, options);

  return await new Promise<FetchResult>((resolve, reject) => {
    let inFlight = 0;
    let bytesInFlight = 0;
    let next: PlannedRequest | undefined;
    let exhausted = false;
    let failed = false;
    const fail = (error: unknown): void => {
      if (failed) return;
      failed = true;
      controller.abort(error);
      reject(error);
    };
    const deliver = (request: PlannedRequest, bytes: Uint8Array, into: Uint8Array | undefined): void => {
      if (bytes.length !== request.length) {
        throw shortRead(source, request.offset, request.length, bytes.length);
      }
      if (into !== undefined && isReadInto(bytes, into)) return; // already in place
      for (const piece of request.pieces) {
        const from = piece.offset - request.offset;
        dest.set(bytes.subarray(from, from + piece.length), piece.at);
      }
    };
    /** Where a request that is all one piece can be read to: its place in the output. */
    const placeOf = (request: PlannedRequest): Uint8Array | undefined => {
      if (request.pieces.length !== 1) return undefined;
      const piece = request.pieces[0];
      if (piece.offset !== request.offset || piece.length !== request.length) return undefined;
      return dest.subarray(piece.at, piece.at + piece.length);
    };
    const pump = (): void => {
      try {
        while (!failed && inFlight < concurrency) {
          if (next === undefined && !exhausted) {
            const step = requests.next();
            if (step.done) exhausted = true;
            else next = step.value;
          }
          if (next === undefined || (inFlight > 0 && bytesInFlight + next.length > window)) break;
          const request = next;
          next = undefined;
          inFlight++;
          bytesInFlight += request.length;
          stats.requests++;
          stats.peakBytesInFlight = Math.max(stats.peakBytesInFlight, bytesInFlight);
          const into = placeOf(request);
          source.read(request.offset, request.length, { signal, into }).then((bytes) => {
            if (failed) return;
            stats.bytesRead += bytes.length;
            deliver(request, bytes, into);
            inFlight--;
            bytesInFlight -= request.length;
            pump();
          }).catch(fail);
        }
        if (!failed && exhausted && next === undefined && inFlight === 0) resolve(stats);
      } catch (error) {
        fail(error);
      }
    };
    pump();
  });
}

/**
 * Fetch a set of byte ranges and hand back one array per range, in the order given: ranges may come
 * in any order and overlap. Planned, checked and fetched as {@linkcode fetchRanges} does; the arrays
 * are views into one buffer of the ranges' total length.
 *
 * Every requested byte must exist: a range that runs past the end of the object is a `TRUNCATED`
 * error naming the offset (raised before anything is fetched when the object's size is known).
 *
 * @param source Where the bytes live.
 * @param ranges The ranges the caller needs.
 * @param options Request cost, span cap, concurrency, window, limits and abort signal.
 * @returns The bytes of each requested range.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { countingSource, memorySource } from "@cloudfits/core";
 * import { readRanges } from "./read_ranges.ts";
 *
 * const source = countingSource(memorySource(new Uint8Array([0, 1, 2, 3, 4, 5, 6, 7])));
 * const [a, b] = await readRanges(source, [{ offset: 6, length: 2 }, { offset: 1, length: 2 }]);
 * assert.deepEqual([[...a], [...b]], [[6, 7], [1, 2]]);
 * assert.deepEqual(source.stats.ranges, [{ offset: 1, length: 7 }], "one request across the gap");
 * ```
 */
export async function readRanges(
  source: ByteSource,
  ranges: readonly ByteRange[],
  options: ReadRangesOptions = {},
): Promise<Uint8Array[]> {
  const order = ranges.map((_, i) => i).sort((a, b) => ranges[a].offset - ranges[b].offset);
  const sorted = order.map((i) => ranges[i]);
  const { bytes } = await fetchRanges(source, sorted, options);
  const out = new Array<Uint8Array>(ranges.length);
  let at = 0;
  for (const i of order) {
    out[i] = bytes.subarray(at, at + ranges[i].length);
    at += ranges[i].length;
  }
  return out;
}
