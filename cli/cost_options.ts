import type { ParseArgsConfig } from "node:util";
import { CloudFitsError } from "../src/errors.ts";
import { type CostLimits, parseByteCount } from "../src/plan/cost.ts";

/** The options of every command that reads data: the cost guard's limits and prices. */
export const COST_OPTIONS = {
  "request-cost": { type: "string" },
  "max-read": { type: "string" },
  "max-requests": { type: "string" },
  "price-get": { type: "string" },
  "price-gb": { type: "string" },
} as const satisfies ParseArgsConfig["options"];

/**
 * The cost limits the flags ask for: `--max-read 50G` (0 lifts every limit), `--max-requests N`,
 * `--price-get DOLLARS` per 1,000 GETs, `--price-gb DOLLARS` per GB out.
 *
 * @param values Parsed flags.
 * @returns The limits to pass to every read.
 */
export function costLimitsOf(values: Record<string, unknown>): CostLimits {
  const limits: CostLimits = {};
  if (values["max-read"] !== undefined) limits.maxRead = parseByteCount(String(values["max-read"]));
  if (values["max-requests"] !== undefined) {
    limits.maxRequests = number(values["max-requests"], "--max-requests", Number.isSafeInteger);
  }
  const perThousandRequests = values["price-get"] === undefined
    ? undefined
    : number(values["price-get"], "--price-get", Number.isFinite);
  const perGigabyte = values["price-gb"] === undefined
    ? undefined
    : number(values["price-gb"], "--price-gb", Number.isFinite);
  if (perThousandRequests !== undefined || perGigabyte !== undefined) {
    limits.prices = { perThousandRequests, perGigabyte };
  }
  return limits;
}

/**
 * The planner's request cost, `--request-cost BYTES` (default 32K): ranges closer than this share a
 * request, because reading the gap costs less than another request.
 *
 * @param values Parsed flags.
 * @returns The read settings to pass to every read: `maxGap` and the cost limits.
 */
export function readSettingsOf(values: Record<string, unknown>): { maxGap?: number; limits: CostLimits } {
  const limits = costLimitsOf(values);
  if (values["request-cost"] === undefined) return { limits };
  return { maxGap: parseByteCount(String(values["request-cost"])), limits };
}

function number(value: unknown, flag: string, valid: (n: number) => boolean): number {
  const n = Number(value);
  if (String(value).trim() === "" || !valid(n) || n < 0) {
    throw new CloudFitsError("USAGE", `Invalid ${flag} '${value}': expected a non-negative number`);
  }
  return n;
}
