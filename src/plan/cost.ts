/**
 * What a planned read costs, and the guard that stops an expensive read before it starts.
 *
 * @module
 */
import { humanBytes } from "../_bytes.ts";
import { CloudFitsError } from "../errors.ts";
import { type CoalesceOptions, planRequests } from "./coalesce.ts";
import type { ByteRange } from "./types.ts";

/** The figures of a planned read. */
export interface PlanFigures {
  /** Requests it sends. */
  requests: number;
  /** Bytes those requests fetch, gaps included. */
  bytesToRead: number;
  /** Bytes the read actually uses. */
  bytesNeeded: number;
}

/** What {@linkcode measurePlan} counts: the figures, and how far into the object the read reaches. */
export interface MeasuredPlan extends PlanFigures {
  /** One past the last byte fetched (0 for an empty read). */
  end: number;
}

/** Requests and bytes taken from the stored object. */
export interface Transfer {
  /** Requests sent. */
  requests: number;
  /** Bytes read. */
  bytes: number;
}

/**
 * What reading the bytes `[start, end)` takes from the stored object, when that is not the bytes
 * themselves: a whole-file gzip source inflates from an access point (`ByteSource.transferOf`).
 */
export type TransferEstimate = (start: number, end: number) => Transfer;

/** Options of {@linkcode measurePlan}: how requests are coalesced, and what the stored object costs. */
export interface MeasureOptions extends CoalesceOptions {
  /** Replace the requests and bytes to read by what the stored object costs (gzip sources). */
  transfer?: TransferEstimate;
}

/** Prices a read is estimated at (defaults: S3 list prices, us-east-1). */
export interface Prices {
  /** Dollars per 1,000 GET requests (default 0.0004). */
  perThousandRequests?: number;
  /** Dollars per GB (10⁹ bytes) transferred out (default 0.09). */
  perGigabyte?: number;
}

/** An estimated cost in dollars. */
export interface CostEstimate {
  /** For the requests. */
  requests: number;
  /** For the bytes. */
  transfer: number;
  /** Both. */
  total: number;
}

/**
 * Limits on one read. A read that would exceed them fails with `COST_LIMIT` before any byte is fetched.
 *
 * Without `maxRead`, a read may fetch at most 1 GiB, and at most 100× the bytes it uses when it
 * fetches more than 64 MiB. An explicit `maxRead` replaces both rules; `maxRead: 0` lifts every limit.
 */
export interface CostLimits {
  /** Most bytes one read may fetch (default 1 GiB; 0 lifts every limit). */
  maxRead?: number;
  /** Most requests one read may send (default 10,000; 0 lifts this limit). */
  maxRequests?: number;
  /** Prices for the estimate in the message. */
  prices?: Prices;
}

/** Default limit on the bytes one read fetches: 1 GiB. */
export const DEFAULT_MAX_READ: number = 2 ** 30;
/** Default limit on the requests one read sends: 10,000. */
export const DEFAULT_MAX_REQUESTS: number = 10_000;
/** Above this many bytes, a read with the default limits may fetch at most 100× what it uses. */
const AMPLIFICATION_FLOOR = 64 * 2 ** 20;
const MAX_AMPLIFICATION = 100;

/**
 * Count the requests and bytes a read of these ranges would cost, without fetching anything.
 *
 * @param ranges The needed ranges, ascending by offset (as planners list them).
 * @param options Request cost and span cap, as the read will use them; for a compressed object, what
 *   its reads cost (the requests and bytes to read are then those of the compressed object).
 * @returns Requests, bytes to read, bytes needed, and the end of the last request.
 *
 * @example Two ranges far apart cost two requests
 * ```ts
 * import assert from "node:assert/strict";
 * import { measurePlan } from "./cost.ts";
 *
 * const figures = measurePlan([{ offset: 0, length: 10 }, { offset: 1e6, length: 10 }]);
 * assert.deepEqual(figures, { requests: 2, bytesToRead: 20, bytesNeeded: 20, end: 1_000_010 });
 * ```
 */
export function measurePlan(ranges: Iterable<ByteRange>, options: MeasureOptions = {}): MeasuredPlan {
  const figures: MeasuredPlan = { requests: 0, bytesToRead: 0, bytesNeeded: 0, end: 0 };
  let start = 0;
  for (const request of planRequests(ranges, options)) {
    if (figures.requests++ === 0) start = request.offset;
    figures.bytesToRead += request.length;
    figures.end = request.offset + request.length;
    for (const piece of request.pieces) figures.bytesNeeded += piece.length;
  }
  if (options.transfer !== undefined && figures.requests > 0) {
    const { requests, bytes } = options.transfer(start, figures.end);
    figures.requests = requests;
    figures.bytesToRead = bytes;
  }
  return figures;
}

/**
 * The figures of two reads made one after the other, as one read: a read planned in phases (a
 * compressed image's descriptors, then its tiles; table rows, then their heap) is held to its limits
 * as a whole.
 *
 * @param first The figures of the first phase.
 * @param second The figures of the next one.
 * @returns Their sum.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { addFigures } from "./cost.ts";
 *
 * const total = addFigures({ requests: 1, bytesToRead: 10, bytesNeeded: 8 }, { requests: 2, bytesToRead: 5, bytesNeeded: 5 });
 * assert.deepEqual(total, { requests: 3, bytesToRead: 15, bytesNeeded: 13 });
 * ```
 */
export function addFigures(first: PlanFigures, second: PlanFigures): PlanFigures {
  return {
    requests: first.requests + second.requests,
    bytesToRead: first.bytesToRead + second.bytesToRead,
    bytesNeeded: first.bytesNeeded + second.bytesNeeded,
  };
}

/**
 * Estimate what a read costs in dollars: requests plus bytes out.
 *
 * @param figures The plan's figures.
 * @param prices Prices (default: S3 list prices, $0.0004 per 1,000 GETs and $0.09 per GB).
 * @returns The estimate.
 *
 * @example 4.4 million tiny requests cost more in GETs than in bytes
 * ```ts
 * import assert from "node:assert/strict";
 * import { estimateCost } from "@cloudfits/core";
 *
 * const cost = estimateCost({ requests: 4_438_608, bytesToRead: 17_754_432, bytesNeeded: 17_754_432 });
 * assert.equal(cost.requests.toFixed(2), "1.78");
 * assert.equal(cost.transfer.toFixed(4), "0.0016");
 * assert.equal(cost.total, cost.requests + cost.transfer);
 * ```
 */
export function estimateCost(figures: PlanFigures, prices: Prices = {}): CostEstimate {
  const requests = figures.requests / 1000 * (prices.perThousandRequests ?? 0.0004);
  const transfer = figures.bytesToRead / 1e9 * (prices.perGigabyte ?? 0.09);
  return { requests, transfer, total: requests + transfer };
}

/**
 * Describe a plan in one line: requests, bytes to read, bytes needed and the estimated cost.
 *
 * @param figures The plan's figures.
 * @param prices Prices for the estimate.
 * @returns The description.
 *
 * @example One line for a log or a refusal
 * ```ts
 * import assert from "node:assert/strict";
 * import { describePlan } from "@cloudfits/core";
 *
 * assert.equal(
 *   describePlan({ requests: 5, bytesToRead: 247_800, bytesNeeded: 247_800 }),
 *   "5 requests, 247.8 kB to read, 247.8 kB needed (1.00×), est. $0.000024",
 * );
 * ```
 */
export function describePlan(figures: PlanFigures, prices: Prices = {}): string {
  const { requests, bytesToRead, bytesNeeded } = figures;
  const ratio = bytesNeeded > 0 ? `${formatRatio(bytesToRead / bytesNeeded)}×` : "n/a";
  return `${requests.toLocaleString("en-US")} request${requests === 1 ? "" : "s"}, ${
    humanBytes(bytesToRead)
  } to read, ${humanBytes(bytesNeeded)} needed (${ratio}), est. ${
    formatDollars(estimateCost(figures, prices).total)
  }`;
}

/** Why a plan exceeds the limits, and the flags that would let it go on. */
export interface LimitExcess {
  /** Each limit exceeded, e.g. "more than the 1 GiB read limit". */
  reasons: string[];
  /** Flags that would allow the read, e.g. "--max-read 42G". */
  advice: string[];
}

/**
 * Tell whether a plan exceeds the limits, without throwing: what `checkPlanCost` refuses.
 *
 * @param figures The plan's figures.
 * @param limits The limits (see {@linkcode CostLimits} for the defaults).
 * @returns The excess, or undefined when the plan is within the limits.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { exceededLimits } from "./cost.ts";
 *
 * const excess = exceededLimits({ requests: 20_000, bytesToRead: 80_000, bytesNeeded: 80_000 }, {});
 * assert.deepEqual(excess, { reasons: ["more than 10,000 requests"], advice: ["--max-requests 20000"] });
 * ```
 */
export function exceededLimits(
  figures: PlanFigures,
  limits: CostLimits = {},
): LimitExcess | undefined {
  const { maxRead, maxRequests = DEFAULT_MAX_REQUESTS } = limits;
  if (maxRead === 0) return undefined;
  const readLimit = maxRead ?? DEFAULT_MAX_READ;
  const excess: LimitExcess = { reasons: [], advice: [] };
  const amplified = maxRead === undefined && figures.bytesToRead > AMPLIFICATION_FLOOR &&
    figures.bytesToRead > MAX_AMPLIFICATION * figures.bytesNeeded;
  if (figures.bytesToRead > readLimit) {
    excess.reasons.push(`more than the ${limitText(readLimit)} read limit`);
  } else if (amplified) excess.reasons.push(`more than ${MAX_AMPLIFICATION}× the bytes it needs`);
  if (excess.reasons.length > 0) {
    excess.advice.push(`--max-read ${roundedUp(figures.bytesToRead)}`);
  }
  if (maxRequests > 0 && figures.requests > maxRequests) {
    excess.reasons.push(`more than ${maxRequests.toLocaleString("en-US")} requests`);
    excess.advice.push(`--max-requests ${figures.requests}`);
  }
  return excess.reasons.length > 0 ? excess : undefined;
}

/**
 * Stop a read whose plan exceeds the limits, before anything is fetched.
 *
 * @param figures The plan's figures.
 * @param limits The limits (see {@linkcode CostLimits} for the defaults).
 * @param what What is being read, for the message.
 * @throws {CloudFitsError} `COST_LIMIT`, with one line stating the figures, the cost and how to go on.
 *
 * @example A full TESS frame scattered over a 44 GB cube is refused
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkPlanCost } from "./cost.ts";
 *
 * assert.throws(
 *   () => checkPlanCost({ requests: 6144, bytesToRead: 41.5e9, bytesNeeded: 16.8e6 }, {}, "HDU 1"),
 *   /Refusing to read HDU 1: 6,144 requests, 41.5 GB to read, 16.8 MB needed .*--max-read 42G/,
 * );
 * ```
 */
export function checkPlanCost(
  figures: PlanFigures,
  limits: CostLimits = {},
  what = "the selection",
): void {
  const excess = exceededLimits(figures, limits);
  if (excess === undefined) return;
  throw new CloudFitsError(
    "COST_LIMIT",
    `Refusing to read ${what}: ${describePlan(figures, limits.prices)}; that is ${
      excess.reasons.join(" and ")
    }. To go on, raise the limit: ${
      excess.advice.join(" ")
    } (maxRead, maxRequests in the library), or --max-read 0 for no limit`,
  );
}

/**
 * Parse a byte count as people write it: `1000`, `64K`, `1.5G`, `50GB`, `1GiB` (K, M, G, T are powers
 * of 1000; Ki, Mi, Gi, Ti powers of 1024).
 *
 * @param text The count.
 * @returns Bytes.
 * @throws {CloudFitsError} `USAGE` for anything else.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseByteCount } from "./cost.ts";
 *
 * assert.deepEqual([parseByteCount("50G"), parseByteCount("1GiB"), parseByteCount("0")], [50e9, 2 ** 30, 0]);
 * ```
 */
export function parseByteCount(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([KMGT]i?)?B?\s*$/i.exec(text);
  if (!match) {
    throw new CloudFitsError("USAGE", `Invalid byte count '${text}': expected e.g. 0, 500M, 50G or 1GiB`);
  }
  const unit = (match[2] ?? "").toUpperCase();
  const power = " KMGT".indexOf(unit[0] ?? " ");
  const base = unit.endsWith("I") ? 1024 : 1000;
  return Math.round(Number(match[1]) * base ** Math.max(0, power));
}

/** A byte count rounded up in the largest unit it reaches, as `--max-read` takes it: 41.5e9 → "42G". */
function roundedUp(bytes: number): string {
  for (const [unit, size] of [["G", 1e9], ["M", 1e6], ["K", 1e3]] as const) {
    if (bytes >= size) return `${Math.ceil(bytes / size)}${unit}`;
  }
  return String(bytes);
}

function limitText(bytes: number): string {
  return bytes % 2 ** 30 === 0 ? `${bytes / 2 ** 30} GiB` : humanBytes(bytes);
}

function formatRatio(ratio: number): string {
  return ratio < 10 ? ratio.toFixed(2) : Math.round(ratio).toLocaleString("en-US");
}

function formatDollars(dollars: number): string {
  if (dollars >= 0.01 || dollars === 0) return `$${dollars.toFixed(2)}`;
  return `$${dollars.toFixed(Math.min(12, 1 - Math.floor(Math.log10(dollars))))}`;
}
