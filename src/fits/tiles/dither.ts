/**
 * Quantized floating-point tiles: the random dither table and the inverse quantization of the
 * tiled-image convention (cfitsio's semantics, as fpack writes and funpack reads).
 *
 * @module
 */

/** How a floating-point tile was quantized (ZQUANTIZ); `NONE` marks lossless tiles, which need no undoing. */
export type QuantizeMethod = "NO_DITHER" | "SUBTRACTIVE_DITHER_1" | "SUBTRACTIVE_DITHER_2";

/** The per-tile parameters of {@linkcode dequantizeTile}. */
export interface DequantizeOptions {
  /** ZQUANTIZ of the image. */
  method: QuantizeMethod;
  /** ZSCALE of the tile. */
  scale: number;
  /** ZZERO of the tile. */
  zero: number;
  /** The stored value of undefined pixels (ZBLANK), or null when no pixel is undefined. */
  blank: number | null;
  /** The tile's 1-based number (its table row + 1). */
  tile: number;
  /** ZDITHER0 of the image (1 to 10000). */
  dither0: number;
}

/** Number of values in the dither table. */
export const DITHER_TABLE_SIZE: number = 10_000;
/** SUBTRACTIVE_DITHER_2 stores a pixel that was exactly 0.0 as this value. */
export const DITHER_ZERO_VALUE: number = -2147483646;

let table: Float32Array | undefined;
let lastSeed = 0;

/**
 * The 10,000 uniform deviates in [0, 1) that dithering draws from: the Park–Miller generator
 * (a = 16807, m = 2^31 − 1, seed 1), each value rounded to float32 as cfitsio stores it.
 *
 * @returns The shared table (computed once); treat it as read-only.
 *
 * @example The first value
 * ```ts
 * import { ditherTable } from "./dither.ts";
 *
 * console.log(ditherTable()[0]); // 0.000007826369 (16807 / 2147483647, as float32)
 * ```
 */
export function ditherTable(): Float32Array {
  if (table) return table;
  const values = new Float32Array(DITHER_TABLE_SIZE);
  const a = 16807;
  const m = 2147483647;
  let seed = 1;
  for (let i = 0; i < DITHER_TABLE_SIZE; i++) {
    // a × seed < 2^46 is exact in a double, so the remainder is exact too.
    seed = (a * seed) % m;
    values[i] = seed / m;
  }
  lastSeed = seed;
  table = values;
  return values;
}

/**
 * The generator's state after the 10,000th draw: 1043618065 for a correct Park–Miller generator.
 *
 * @returns The last seed of {@linkcode ditherTable}.
 *
 * @example Checking the generator
 * ```ts
 * import { ditherTableLastSeed } from "./dither.ts";
 *
 * console.log(ditherTableLastSeed()); // 1043618065
 * ```
 */
export function ditherTableLastSeed(): number {
  ditherTable();
  return lastSeed;
}

/**
 * Turn a tile's quantized integers back into floats, in place of cfitsio's `unquantize`:
 * `(I − r + 0.5) × ZSCALE + ZZERO` with dithering, `I × ZSCALE + ZZERO` without; `I == ZBLANK` gives NaN
 * and, with SUBTRACTIVE_DITHER_2, `I == −2147483646` gives exactly 0.
 *
 * The dither value r walks the table from `int(table[iseed] × 500)`, where
 * iseed = (tile + ZDITHER0 − 2) mod 10000; every pixel (undefined ones too) advances it, and at the end
 * of the table iseed moves on by one and the walk restarts at `int(table[iseed] × 500)`.
 *
 * @param values The tile's quantized integers.
 * @param options The method, the tile's scale, zero and blank, its number and ZDITHER0.
 * @param out Where the floats go; at least `values.length` long.
 *
 * @example A tile of two pixels without dithering
 * ```ts
 * import { dequantizeTile } from "./dither.ts";
 *
 * const out = new Float32Array(2);
 * dequantizeTile(new Int32Array([10, -5]), { method: "NO_DITHER", scale: 0.5, zero: 100, blank: null, tile: 1, dither0: 1 }, out);
 * console.log(out); // Float32Array(2) [ 105, 97.5 ]
 * ```
 */
export function dequantizeTile(
  values: Int32Array,
  options: DequantizeOptions,
  out: Float32Array | Float64Array,
): void {
  const { scale, zero } = options;
  const blank = options.blank ?? NaN; // NaN never equals a stored integer: no blank check
  const n = values.length;
  if (options.method === "NO_DITHER") {
    for (let i = 0; i < n; i++) {
      const v = values[i];
      out[i] = v === blank ? NaN : v * scale + zero;
    }
    return;
  }
  const random = ditherTable();
  const keepZeros = options.method === "SUBTRACTIVE_DITHER_2";
  let iseed = (((options.tile + options.dither0 - 2) % DITHER_TABLE_SIZE) + DITHER_TABLE_SIZE) %
    DITHER_TABLE_SIZE;
  let next = startIndex(random, iseed);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v === blank) out[i] = NaN;
    else if (keepZeros && v === DITHER_ZERO_VALUE) out[i] = 0;
    else out[i] = (v - random[next] + 0.5) * scale + zero;
    if (++next === DITHER_TABLE_SIZE) {
      iseed = (iseed + 1) % DITHER_TABLE_SIZE;
      next = startIndex(random, iseed);
    }
  }
}

/** cfitsio multiplies in float32: `(int)(fits_rand_value[iseed] * 500)`. */
function startIndex(random: Float32Array, iseed: number): number {
  return Math.trunc(Math.fround(random[iseed] * 500));
}
