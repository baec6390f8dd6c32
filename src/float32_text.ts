/**
 * The shortest decimal that reads back as the same float32 — what numpy prints for `np.float32(0.1)`
 * (`0.1`, where the float64 of the same value prints `0.10000000149011612`).
 *
 * @module
 */

const bits = new Uint32Array(1);
const single = new Float32Array(bits.buffer);

/** 10^−64 … 10^64 as the float64 nearest each (exact up to 10^22). */
const POWERS = Float64Array.from({ length: 129 }, (_, i) => Number(`1e${i - 64}`));

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
  const magnitude = value < 0 ? -value : value;
  const text = shortestFast(magnitude) ?? shortestExact(magnitude);
  return value < 0 ? "-" + text : text;
}

/**
 * The shortest candidate, printed, computed in float64 arithmetic, or undefined when a candidate lies so close to
 * an edge of the value's rounding interval (or halfway between two candidates) that float64 error could
 * decide it, or on an edge (whether an edge reads back depends on ties-to-even): the exact search decides.
 */
function shortestFast(value: number): string | undefined {
  single[0] = value;
  const pattern = bits[0];
  bits[0] = pattern - 1;
  const below = single[0];
  bits[0] = pattern + 1;
  const above = single[0];
  // Halfway to each neighbour (exact in float64); the largest float32 rounds to Infinity past its half-gap.
  const low = (below + value) / 2;
  const high = above === Infinity ? value + (value - below) / 2 : (value + above) / 2;
  const margin = (high - low) * 1e-6;
  let exponent = Math.floor(Math.log10(value));
  // Comparing a float32 with the float64 nearest a power of ten orders it as the power itself would.
  if (value >= tenTo(exponent + 1)) exponent++;
  else if (value < tenTo(exponent)) exponent--;
  // Every decimal of n digits has n + 1 too, so whether one fits in the interval is monotonic in the digit
  // count: binary search over 1…9 (nine always fit).
  let fewest = 1;
  let most = 9;
  let bestCount = 0;
  let bestPower = 0;
  while (fewest <= most) {
    const digits = (fewest + most) >> 1;
    const power = exponent - digits + 1;
    const scaled = power >= 0 ? value / tenTo(power) : value * tenTo(-power);
    const nearest = Math.round(scaled);
    if (Math.abs(scaled - nearest) > 0.5 - 1e-6) return undefined;
    // Next to a power of two the interval reaches twice as far up as down: the nearest decimal may lie
    // below it while the next one up fits.
    let found = 0;
    for (const count of [nearest, scaled > nearest ? nearest + 1 : nearest - 1]) {
      const candidate = power >= 0 ? count * tenTo(power) : count / tenTo(-power);
      const fromLow = candidate - low;
      const toHigh = high - candidate;
      if (Math.abs(fromLow) < margin || Math.abs(toHigh) < margin) return undefined;
      if (fromLow > 0 && toHigh > 0) {
        found = count;
        break;
      }
    }
    if (found !== 0) {
      bestCount = found;
      bestPower = power;
      most = digits - 1;
    } else fewest = digits + 1;
  }
  return bestCount === 0 ? undefined : decimalText(bestCount, bestPower);
}

/** count × 10^power as JavaScript prints numbers (ECMAScript Number::toString, radix 10). */
function decimalText(count: number, power: number): string {
  while (count % 10 === 0) {
    count /= 10;
    power++;
  }
  const digits = String(count);
  const k = digits.length;
  const n = power + k; // the value is 0.digits × 10^n
  if (k <= n && n <= 21) return digits + "0".repeat(n - k);
  if (0 < n && n <= 21) return digits.slice(0, n) + "." + digits.slice(n);
  if (-6 < n && n <= 0) return "0." + "0".repeat(-n) + digits;
  const exponent = n - 1;
  const mantissa = k === 1 ? digits : digits[0] + "." + digits.slice(1);
  return mantissa + (exponent < 0 ? "e-" : "e+") + Math.abs(exponent);
}

/** 10^n as the float64 nearest it, for the decimal exponents of float32 values (−64…64). */
function tenTo(n: number): number {
  return POWERS[n + 64];
}

/**
 * The exact search, printed, in integers: the value and its rounding interval as multiples of a power
 * of two, each candidate c × 10^n scaled to the same unit. Decides what float64 arithmetic cannot: edges
 * (included when the value's last bit is 0, as ties-to-even reads them back) and ties between two
 * candidates (the even one, as numpy).
 */
function shortestExact(value: number): string {
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
      if (above && below) return decimalText(Number(count), power);
    }
  }
}
