/**
 * Render a 2-D image as an 8-bit greyscale PNG with a zscale or asinh stretch, as astronomers view
 * them: FITS row 1 at the bottom, NaN black.
 *
 * @module
 */
import { concatBytes } from "./_bytes.ts";
import { crc32 } from "./gzip/crc32.ts";

/** How pixel values map to grey levels. */
export type Stretch = "zscale" | "asinh";

/**
 * The IRAF/astropy zscale limits: a line fitted to the sorted sample, scaled by the contrast.
 *
 * @param values Pixel values; non-finite ones are ignored.
 * @param contrast The slope divisor (IRAF default 0.25).
 * @returns The low and high display limits.
 *
 * @example
 * ```ts
 * import { zscaleLimits } from "./png.ts";
 *
 * const [lo, hi] = zscaleLimits(Float64Array.from({ length: 100 }, (_, i) => i));
 * console.log(lo, hi); // 0 99
 * ```
 */
export function zscaleLimits(values: ArrayLike<number>, contrast = 0.25): [number, number] {
  const step = Math.max(1, Math.floor(values.length / 1000));
  const sample: number[] = [];
  for (let i = 0; i < values.length; i += step) {
    if (Number.isFinite(values[i])) sample.push(Number(values[i]));
  }
  if (sample.length === 0) return [0, 1];
  sample.sort((a, b) => a - b);
  const n = sample.length;
  const lo = sample[0];
  const hi = sample[n - 1];
  const median = n % 2 ? sample[(n - 1) / 2] : (sample[n / 2 - 1] + sample[n / 2]) / 2;
  // Iteratively fit value = intercept + slope * (i - center), rejecting points beyond 2.5 sigma.
  let keep = sample.map(() => true);
  let slope = 0;
  const center = (n - 1) / 2;
  for (let iteration = 0; iteration < 5; iteration++) {
    let sx = 0, sy = 0, sxx = 0, sxy = 0, count = 0;
    for (let i = 0; i < n; i++) {
      if (!keep[i]) continue;
      const x = i - center;
      sx += x;
      sy += sample[i];
      sxx += x * x;
      sxy += x * sample[i];
      count++;
    }
    if (count < Math.max(5, n / 2)) break;
    const denominator = count * sxx - sx * sx;
    slope = denominator === 0 ? 0 : (count * sxy - sx * sy) / denominator;
    const intercept = (sy - slope * sx) / count;
    let sumSquares = 0;
    for (let i = 0; i < n; i++) {
      if (keep[i]) sumSquares += (sample[i] - intercept - slope * (i - center)) ** 2;
    }
    const sigma = Math.sqrt(sumSquares / count);
    const next = sample.map((v, i) => Math.abs(v - intercept - slope * (i - center)) <= 2.5 * sigma);
    if (next.every((k, i) => k === keep[i])) break;
    keep = next;
  }
  const scaled = slope / contrast;
  return [Math.max(lo, median - (center * scaled)), Math.min(hi, median + ((n - 1 - center) * scaled))];
}

/**
 * Encode a 2-D image (numpy order: rows, then columns) as an 8-bit greyscale PNG.
 *
 * @param data Pixel values in C order.
 * @param height Number of rows.
 * @param width Number of columns.
 * @param stretch `zscale` (linear between zscale limits) or `asinh`.
 * @returns The PNG file.
 *
 * @example A 2×2 image as a PNG file
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodePng } from "@cloudfits/core";
 *
 * const png = await encodePng(new Float32Array([0, 1, 2, 3]), 2, 2, "zscale");
 * assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
 * const ihdr = new DataView(png.buffer, png.byteOffset + 16, 8);
 * assert.deepEqual([ihdr.getUint32(0), ihdr.getUint32(4)], [2, 2], "width and height");
 * ```
 */
export async function encodePng(
  data: ArrayLike<number>,
  height: number,
  width: number,
  stretch: Stretch = "zscale",
): Promise<Uint8Array> {
  const [lo, hi] = zscaleLimits(data);
  const span = hi > lo ? hi - lo : 1;
  const level = stretch === "asinh"
    ? (v: number) => Math.asinh(10 * (v - lo) / span) / Math.asinh(10)
    : (v: number) => (v - lo) / span;
  // One filter byte (0) per scanline; FITS row 1 is the bottom of the picture.
  const raw = new Uint8Array(height * (width + 1));
  for (let y = 0; y < height; y++) {
    const row = height - 1 - y;
    for (let x = 0; x < width; x++) {
      const v = Number(data[row * width + x]);
      raw[y * (width + 1) + 1 + x] = Number.isFinite(v)
        ? Math.round(255 * Math.min(1, Math.max(0, level(v))))
        : 0;
    }
  }
  return await assemblePng(raw, width, height, 0); // greyscale
}

/**
 * Encode 8-bit RGB pixels (row by row from the top, 3 bytes per pixel) as a PNG.
 *
 * @param rgb The pixels.
 * @param width Pixels per row.
 * @param height Rows.
 * @returns The PNG file.
 *
 * @example A red and a blue pixel
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeRgbPng } from "./png.ts";
 *
 * const png = await encodeRgbPng(new Uint8Array([255, 0, 0, 0, 0, 255]), 2, 1);
 * assert.equal(png[25], 2, "colour type 2: RGB");
 * ```
 */
export async function encodeRgbPng(rgb: Uint8Array, width: number, height: number): Promise<Uint8Array> {
  const raw = new Uint8Array(height * (3 * width + 1));
  for (let y = 0; y < height; y++) {
    raw.set(rgb.subarray(3 * width * y, 3 * width * (y + 1)), y * (3 * width + 1) + 1);
  }
  return await assemblePng(raw, width, height, 2);
}

async function assemblePng(
  raw: Uint8Array<ArrayBuffer>,
  width: number,
  height: number,
  colourType: number,
): Promise<Uint8Array> {
  const idat = new Uint8Array(
    await new Response(new Blob([raw]).stream().pipeThrough(new CompressionStream("deflate"))).arrayBuffer(),
  );
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  ihdr.set([8, colourType, 0, 0, 0], 8); // bit depth 8, colour type, deflate, adaptive filtering, no interlace
  const parts = [
    new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", idat),
    chunk("IEND", new Uint8Array(0)),
  ];
  return concatBytes(parts);
}

function chunk(type: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + body.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, body.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(body, 8);
  view.setUint32(8 + body.length, crc32(out.subarray(4, 8 + body.length)));
  return out;
}
