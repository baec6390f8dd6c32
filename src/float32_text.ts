/**
 * The shortest decimal that reads back as the same float32 — what numpy prints for `np.float32(0.1)`
 * (`0.1`, where the float64 of the same value prints `0.10000000149011612`) — written as ASCII bytes
 * straight into an output buffer, with no string per value.
 *
 * @module
 */

import { digitCount, INT_TENS, MINUS, POINT, writeDigits, ZERO } from "./ascii_digits.ts";

const bits = new Uint32Array(1);
const single = new Float32Array(bits.buffer);

/** 10^−64 … 10^64 as the float64 nearest each (exact up to 10^22). */
const POWERS = Float64Array.from({ length: 129 }, (_, i) => Number(`1e${i - 64}`));

/** For each biased float32 exponent, the decimal exponent of 2^(exponent − 127): floor(log10(2^e)). */
const DECADES = Int32Array.from({ length: 256 }, (_, biased) => {
  // Counted against the same float64 powers of ten the search compares with.
  const power = 2 ** (biased - 127);
  let exponent = Math.floor((biased - 127) * Math.LOG10E * Math.LN2);
  while (power >= tenTo(exponent + 1)) exponent++;
  while (power < tenTo(exponent)) exponent--;
  return exponent;
});

/** 2^−149 … 2^104, the gaps between neighbouring float32 values. */
const GAPS = Float64Array.from({ length: 254 }, (_, i) => 2 ** (i - 149));

/**
 * The shortest decimal found, as `digits × 10^power` with no trailing zero in `digits`: [digits, power]
 * (an int32 array, not two variables, so that storing them allocates nothing).
 */
const shortest = new Int32Array(2);

/**
 * The shortest text that parses back (as float32) to the same float32, printed as JavaScript prints
 * numbers (`0.1`, `1e-45`, `3.4028235e+38`, `16777216`). Among several shortest candidates the one
 * closest to the value wins, as numpy and Ryu choose. NaN and ±Infinity print as `String` prints them;
 * −0 prints `0` (as `String(-0)` does).
 *
 * @param value A float32 value (a number that `Math.fround` leaves unchanged).
 * @returns Its shortest round-trip decimal.
 *
 * @example The float32 nearest 0.1, and the largest float32
 * ```ts
 * import assert from "node:assert/strict";
 * import { float32Text } from "./float32_text.ts";
 *
 * assert.equal(float32Text(Math.fround(0.1)), "0.1");
 * assert.equal(float32Text(Math.fround(3.4028234663852886e38)), "3.4028235e+38");
 * ```
 */
export function float32Text(value: number): string {
  if (value === 0 || !Number.isFinite(value)) return String(value);
  const end = writeFloat32(scratch, 0, value);
  return String.fromCharCode(...scratch.subarray(0, end));
}

const scratch = new Uint8Array(32);

/**
 * Write the text {@linkcode float32Text} gives for a finite, nonzero float32 as ASCII bytes.
 *
 * @param bytes The output; at least 24 bytes must be free from `at` (the longest text is 22).
 * @param at Where the text starts.
 * @param value A finite, nonzero float32.
 * @returns Where the text ends.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { writeFloat32 } from "./float32_text.ts";
 *
 * const bytes = new Uint8Array(24);
 * const end = writeFloat32(bytes, 0, Math.fround(-1e-7));
 * assert.equal(new TextDecoder().decode(bytes.subarray(0, end)), "-1e-7");
 * ```
 */
export function writeFloat32(bytes: Uint8Array, at: number, value: number): number {
  if (value < 0) {
    bytes[at++] = MINUS;
    value = -value;
  }
  if (!shortestFast(value)) shortestExact(value);
  return writeDecimal(bytes, at, shortest[0], shortest[1]);
}

const LETTER_E = 101;
const PLUS = 43;

/**
 * Find the shortest candidate in float64 arithmetic, into `shortest`; false when a
 * candidate lies so close to an edge of the value's rounding interval (or halfway between two
 * candidates) that float64 error could decide it, or on an edge (whether an edge reads back depends on
 * ties-to-even): the exact search decides.
 *
 * Scaled so that the value has nine digits before the point, the interval is at least 4.5 units wide
 * (2^−24 of the value, or ¾ of that below a power of two) and every decimal of nine or fewer significant
 * digits in it is an integer. With 10^j ≤ width < 10^(j+1), the interval holds at most one multiple of
 * 10^(j+1) — the shortest candidate when there is one (its trailing zeros dropped) — and otherwise some
 * multiple of 10^j, all with as many digits: the nearest to the value wins.
 */
function shortestFast(value: number): boolean {
  single[0] = value;
  const pattern = bits[0];
  const biased = pattern >>> 23;
  // The gap to the next float32 up; below a power of two the gap down is half as wide.
  const gap = twoTo(biased === 0 ? -149 : biased - 150);
  const lowEdge = value - ((pattern & 0x7fffff) === 0 && biased > 1 ? gap / 4 : gap / 2);
  const highEdge = value + gap / 2;
  // [2^e, 2^(e+1)) holds at most one power of ten. Comparing a float32 with the float64 nearest a
  // power of ten orders it as the power itself would.
  let exponent = biased === 0 ? subnormalDecade(value) : DECADES[biased];
  if (value >= tenTo(exponent + 1)) exponent++;
  const shift = 8 - exponent;
  const scale = tenTo(shift < 0 ? -shift : shift);
  const scaled = shift >= 0 ? value * scale : value / scale;
  const low = shift >= 0 ? lowEdge * scale : lowEdge / scale;
  const high = shift >= 0 ? highEdge * scale : highEdge / scale;
  const width = high - low;
  const margin = width * 1e-6;
  // Normal values are 4.5 to 120 units wide; subnormals up to 10^8.
  let stepPower = width < 10 ? 0 : width < 100 ? 1 : 2;
  while (width >= tenTo(stepPower + 1)) stepPower++;
  const step = tenTo(stepPower);
  // A multiple of 10^(j+1): at most one fits.
  const coarse = step * 10;
  const count = Math.ceil(low / coarse);
  if (nearEdge(count * coarse, low, high, margin)) return false;
  if (count * coarse < high) return found(count, stepPower + 1 - shift);
  // The multiple of 10^j nearest the value, or the next one on the far side of the value.
  const nearest = Math.round(scaled / step);
  const offset = scaled - nearest * step;
  if (Math.abs(Math.abs(offset) - step / 2) < margin || nearEdge(nearest * step, low, high, margin)) {
    return false;
  }
  if (nearest * step > low && nearest * step < high) return found(nearest, stepPower - shift);
  const next = offset > 0 ? nearest + 1 : nearest - 1;
  if (nearEdge(next * step, low, high, margin)) return false;
  return next * step > low && next * step < high && found(next, stepPower - shift);
}

function nearEdge(candidate: number, low: number, high: number, margin: number): boolean {
  return Math.abs(candidate - low) < margin || Math.abs(candidate - high) < margin;
}

/** Keep `digits × 10^power` (digits a positive integer below 2^31), without trailing zeros. */
function found(digits: number, power: number): true {
  for (let tenth = (digits / 10) | 0; tenth * 10 === digits; tenth = (digits / 10) | 0) {
    digits = tenth;
    power++;
  }
  shortest[0] = digits;
  shortest[1] = power;
  return true;
}

/** The decimal exponent of a subnormal float32. */
function subnormalDecade(value: number): number {
  let exponent = Math.floor(Math.log10(value));
  while (value >= tenTo(exponent + 1)) exponent++;
  while (value < tenTo(exponent)) exponent--;
  return exponent;
}

/** 2^n, for the gaps of float32 values (n from −149 to 104). */
function twoTo(n: number): number {
  return GAPS[n + 149];
}

/** 10^n as the float64 nearest it, for the decimal exponents of float32 values (−64…64). */
function tenTo(n: number): number {
  return POWERS[n + 64];
}

/**
 * The exact search, in integers, into `shortest`: the value and its rounding interval
 * as multiples of a power of two, each candidate c × 10^n scaled to the same unit. Decides what float64
 * arithmetic cannot: edges (included when the value's last bit is 0, as ties-to-even reads them back)
 * and ties between two candidates (the even one, as numpy).
 */
function shortestExact(value: number): void {
  single[0] = value;
  const pattern = bits[0];
  const biased = pattern >>> 23;
  const fraction = pattern & 0x7fffff;
  const mantissa = BigInt(biased === 0 ? fraction : fraction | 0x800000);
  // value = 4 × mantissa quarter-units; the interval reaches half a gap each way (a quarter below a
  // power of two, where the gap below is half the gap above).
  const unitExponent = (biased === 0 ? -149 : biased - 150) - 2;
  const scaledValue = 4n * mantissa;
  const low = scaledValue - (fraction === 0 && biased > 1 ? 1n : 2n);
  const high = scaledValue + 2n;
  const inclusive = (pattern & 1) === 0;
  const decade = Number(value.toExponential().split("e")[1]);
  for (let digits = 1;; digits++) {
    const power = decade - digits + 1;
    // x × 2^unitExponent against c × 10^power, both as integers over a common denominator.
    const twoScale = 2n ** BigInt(Math.abs(unitExponent));
    const tenScale = 10n ** BigInt(Math.abs(power));
    const binary = (x: bigint) => (unitExponent >= 0 ? x * twoScale : x) * (power < 0 ? tenScale : 1n);
    const decimal = (c: bigint) => (power >= 0 ? c * tenScale : c) * (unitExponent < 0 ? twoScale : 1n);
    const numerator = binary(scaledValue);
    const unit = decimal(1n);
    const floor = numerator / unit;
    const twice = 2n * (numerator - floor * unit);
    const nearest = twice < unit || (twice === unit && floor % 2n === 0n) ? floor : floor + 1n;
    for (const count of [nearest, nearest === floor ? floor + 1n : floor]) {
      const candidate = decimal(count);
      const above = inclusive ? candidate >= binary(low) : candidate > binary(low);
      const below = inclusive ? candidate <= binary(high) : candidate < binary(high);
      if (above && below) {
        found(Number(count), power);
        return;
      }
    }
  }
}

/**
 * Write digits × 10^power (digits < 2^31, no trailing zero) as JavaScript prints numbers
 * (ECMAScript Number::toString, radix 10).
 */
function writeDecimal(bytes: Uint8Array, at: number, digits: number, power: number): number {
  const k = digitCount(digits);
  const n = power + k; // the value is 0.digits × 10^n
  if (k <= n && n <= 21) {
    at = writeDigits(bytes, at, digits, k);
    for (let i = k; i < n; i++) bytes[at++] = ZERO;
    return at;
  }
  if (0 < n && n <= 21) {
    // digits with a point after the first n.
    const tail = INT_TENS[k - n];
    const whole = (digits / tail) | 0;
    at = writeDigits(bytes, at, whole, n);
    bytes[at++] = POINT;
    return writeDigits(bytes, at, digits - whole * tail, k - n);
  }
  if (-6 < n && n <= 0) {
    bytes[at++] = ZERO;
    bytes[at++] = POINT;
    for (let i = n; i < 0; i++) bytes[at++] = ZERO;
    return writeDigits(bytes, at, digits, k);
  }
  const lead = INT_TENS[k - 1];
  const first = (digits / lead) | 0;
  bytes[at++] = ZERO + first;
  if (k > 1) {
    bytes[at++] = POINT;
    at = writeDigits(bytes, at, digits - first * lead, k - 1);
  }
  bytes[at++] = LETTER_E;
  const exponent = n - 1;
  bytes[at++] = exponent < 0 ? MINUS : PLUS;
  const magnitude = exponent < 0 ? -exponent : exponent;
  return writeDigits(bytes, at, magnitude, magnitude >= 10 ? 2 : 1);
}
