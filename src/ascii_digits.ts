/**
 * Decimal digits written as ASCII bytes straight into an output buffer, for text output at millions of
 * numbers a second (no string per number).
 *
 * @module
 */

/** "0". */
export const ZERO = 48;
/** "-". */
export const MINUS = 45;

/** The ASCII digits of 00 … 99, two bytes each. */
const PAIRS = Uint8Array.from({ length: 200 }, (_, i) => ZERO + (i % 2 === 0 ? (i / 20) | 0 : (i >> 1) % 10));

/**
 * Write a non-negative integer as exactly `count` decimal digits, leading zeros kept.
 *
 * @param bytes The output, with `count` bytes free from `at`.
 * @param at Where the digits start.
 * @param value A non-negative integer below 2^31 and below 10^count.
 * @param count How many digits to write.
 * @returns Where the digits end.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { writeDigits } from "./ascii_digits.ts";
 *
 * const bytes = new Uint8Array(4);
 * assert.equal(writeDigits(bytes, 0, 42, 4), 4);
 * assert.equal(new TextDecoder().decode(bytes), "0042");
 * ```
 */
export function writeDigits(bytes: Uint8Array, at: number, value: number, count: number): number {
  const end = at + count;
  let i = end;
  while (i - at >= 2) {
    const quotient = (value / 100) | 0;
    const pair = (value - quotient * 100) << 1;
    bytes[--i] = PAIRS[pair + 1];
    bytes[--i] = PAIRS[pair];
    value = quotient;
  }
  // What is left is one digit (value < 10^count).
  if (i > at) bytes[at] = ZERO + value;
  return end;
}

/**
 * The number of decimal digits of a non-negative integer below 2^31 (1 for 0).
 *
 * @param value A non-negative integer below 2^31.
 * @returns Its digit count.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { digitCount } from "./ascii_digits.ts";
 *
 * assert.deepEqual([0, 9, 10, 2147483647].map(digitCount), [1, 1, 2, 10]);
 * ```
 */
export function digitCount(value: number): number {
  if (value < 100000) return value < 100 ? (value < 10 ? 1 : 2) : value < 1000 ? 3 : value < 10000 ? 4 : 5;
  return value < 10000000 ? (value < 1000000 ? 6 : 7) : value < 100000000 ? 8 : value < 1000000000 ? 9 : 10;
}

/**
 * Write an integer as `String` prints it, for integers up to ±2^53.
 *
 * @param bytes The output, with 17 bytes free from `at`.
 * @param at Where the text starts.
 * @param value A safe integer (not −0).
 * @returns Where the text ends.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { writeInteger } from "./ascii_digits.ts";
 *
 * const bytes = new Uint8Array(17);
 * const end = writeInteger(bytes, 0, -9007199254740991);
 * assert.equal(new TextDecoder().decode(bytes.subarray(0, end)), "-9007199254740991");
 * ```
 */
export function writeInteger(bytes: Uint8Array, at: number, value: number): number {
  if (value < 0) {
    bytes[at++] = MINUS;
    value = -value;
  }
  if (value < 2147483648) return writeDigits(bytes, at, value, digitCount(value));
  // Nine digits at a time: the high part of a safe integer is below 10^8.
  const high = Math.floor(value / 1e9);
  at = writeDigits(bytes, at, high, digitCount(high));
  return writeDigits(bytes, at, value - high * 1e9, 9);
}

/** 10^0 … 10^6, exact. */
const TENS = [1, 10, 100, 1000, 10000, 100000, 1000000];

/**
 * 10^n for n from 0 to 9, as int32 (integer division and remainder stay in integer arithmetic).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { INT_TENS } from "./ascii_digits.ts";
 *
 * assert.equal(INT_TENS[9], 1e9);
 * ```
 */
export const INT_TENS: Int32Array = Int32Array.from({ length: 10 }, (_, n) => 10 ** n);

/**
 * Write a float64 as `String` prints it when it has at most six decimals and fewer than 16 digits
 * (`1000.02`, `0.5`, `-3`): the fewest decimals d for which round(value × 10^d) / 10^d gives the value
 * back. Below 10^9 a float64 is nearer its neighbours than 1.2 × 10^−7, far less than the 10^−6 between
 * decimals of six decimals, so at each d only the decimal nearest the value can read back as it: none
 * with fewer decimals (or digits) does. Other values are left to `String`: returns −1.
 *
 * @param bytes The output, with 24 bytes free from `at`.
 * @param at Where the text starts.
 * @param value A finite, nonzero float64.
 * @returns Where the text ends, or −1 when nothing was written.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { writeShortFloat64 } from "./ascii_digits.ts";
 *
 * const bytes = new Uint8Array(24);
 * const end = writeShortFloat64(bytes, 0, -1000.02);
 * assert.equal(new TextDecoder().decode(bytes.subarray(0, end)), "-1000.02");
 * assert.equal(writeShortFloat64(bytes, 0, 0.1 + 0.2), -1);
 * ```
 */
export function writeShortFloat64(bytes: Uint8Array, at: number, value: number): number {
  const magnitude = value < 0 ? -value : value;
  if (!(magnitude >= 1e-6 && magnitude < 1e9)) return -1;
  for (let decimals = 0; decimals < TENS.length; decimals++) {
    const scale = TENS[decimals];
    const count = Math.round(magnitude * scale);
    if (count / scale !== magnitude) continue;
    if (value < 0) bytes[at++] = MINUS;
    const whole = Math.floor(count / scale);
    at = writeInteger(bytes, at, whole);
    if (decimals === 0) return at;
    bytes[at++] = POINT;
    return writeDigits(bytes, at, count - whole * scale, decimals);
  }
  return -1;
}

/** ".". */
export const POINT = 46;
