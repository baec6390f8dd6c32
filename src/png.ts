/**
 * Pictures of FITS data as PNG: a 2-D image with a zscale or asinh stretch and a colour map, as
 * astronomers view them (FITS row 1 at the bottom, NaN transparent), with an optional colour bar; and a
 * 1-D series (a pixel's time series from a cube) as a line plot.
 *
 * @module
 */
import { COLORMAP_HEX } from "./colormaps.ts";
import {
  type Canvas,
  canvasToPng,
  createCanvas,
  drawLine,
  drawText,
  fillRect,
  parseColor,
  type Rgba,
  textWidth,
} from "./png_canvas.ts";

/** How pixel values map to levels between the zscale limits. */
export type Stretch = "zscale" | "asinh";

/** Colour maps: grey levels, or matplotlib's viridis and inferno. */
export type Colormap = "gray" | "viridis" | "inferno";

/** How {@linkcode encodePng} draws an image. */
export interface PngOptions {
  /** `zscale` (linear between the zscale limits, the default) or `asinh`. */
  stretch?: Stretch;
  /** The colour map (default `gray`). */
  colormap?: Colormap;
  /** The colour of NaN and infinite pixels: `transparent` (the default), a name or `#rrggbb[aa]`. */
  nanColor?: string;
  /** Draw a colour bar with the display limits at the right (default false). */
  colorbar?: boolean;
}

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
  // Too few pixels to fit a line: the full range, as astropy's ZScaleInterval gives.
  if (n < 5) return [lo, hi];
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
 * Encode a 2-D image (numpy order: rows, then columns) as an RGBA PNG, FITS row 1 at the bottom.
 *
 * @param data Pixel values in C order.
 * @param height Number of rows.
 * @param width Number of columns.
 * @param options The stretch, or {@linkcode PngOptions}.
 * @returns The PNG file.
 *
 * @example A 2×2 image as a PNG file
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodePng } from "@cloudfits/core";
 *
 * const png = await encodePng(new Float32Array([0, 1, 2, NaN]), 2, 2, { colormap: "viridis" });
 * assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
 * const ihdr = new DataView(png.buffer, png.byteOffset + 16, 8);
 * assert.deepEqual([ihdr.getUint32(0), ihdr.getUint32(4)], [2, 2], "width and height");
 * ```
 */
export function encodePng(
  data: ArrayLike<number>,
  height: number,
  width: number,
  options: Stretch | PngOptions = "zscale",
): Promise<Uint8Array> {
  const { stretch = "zscale", colormap = "gray", nanColor = "transparent", colorbar = false } =
    typeof options === "string" ? { stretch: options } : options;
  const nan = parseColor(nanColor);
  const palette = colormapPalette(colormap);
  const [lo, hi] = zscaleLimits(data);
  const span = hi > lo ? hi - lo : 1;
  const level = stretch === "asinh"
    ? (v: number) => Math.asinh(10 * (v - lo) / span) / Math.asinh(10)
    : (v: number) => (v - lo) / span;
  const bar = colorbar ? colorbarLayout(height, lo, hi) : undefined;
  const canvas = createCanvas(width + (bar?.width ?? 0), Math.max(height, bar?.height ?? 0));
  for (let y = 0; y < height; y++) {
    const row = height - 1 - y;
    for (let x = 0; x < width; x++) {
      const v = Number(data[row * width + x]);
      const color = Number.isFinite(v) ? palette[Math.round(255 * Math.min(1, Math.max(0, level(v))))] : nan;
      canvas.rgba.set(color, (y * canvas.width + x) * 4);
    }
  }
  if (bar) drawColorbar(canvas, width, bar, palette, level, lo, hi);
  return canvasToPng(canvas);
}

/** The 256 colours of a colour map. */
function colormapPalette(colormap: Colormap): Rgba[] {
  if (colormap === "gray") return Array.from({ length: 256 }, (_, i) => [i, i, i, 255] as const);
  const hex = COLORMAP_HEX[colormap];
  if (hex === undefined) {
    throw new RangeError(`Unknown colour map '${colormap}': expected gray, viridis or inferno`);
  }
  return Array.from({ length: 256 }, (_, i) => {
    const rgb = parseInt(hex.slice(6 * i, 6 * i + 6), 16);
    return [rgb >> 16, (rgb >> 8) & 255, rgb & 255, 255] as const;
  });
}

interface ColorbarLayout {
  width: number;
  height: number;
  scale: number;
  labels: [string, string];
}

/** A white panel right of the image: a 12-pixel bar from lo (bottom) to hi (top), its limits beside it. */
function colorbarLayout(imageHeight: number, lo: number, hi: number): ColorbarLayout {
  const height = Math.max(imageHeight, 64);
  const scale = height >= 200 ? 2 : 1;
  const labels: [string, string] = [formatLimit(hi, hi - lo), formatLimit(lo, hi - lo)];
  const width = 8 + 12 + 4 + Math.max(...labels.map((text) => textWidth(text, scale))) + 4;
  return { width, height, scale, labels };
}

function drawColorbar(
  canvas: Canvas,
  left: number,
  bar: ColorbarLayout,
  palette: readonly Rgba[],
  level: (v: number) => number,
  lo: number,
  hi: number,
): void {
  const black: Rgba = [0, 0, 0, 255];
  fillRect(canvas, left, 0, bar.width, canvas.height, [255, 255, 255, 255]);
  const top = 4;
  const bottom = canvas.height - 5;
  for (let y = top; y <= bottom; y++) {
    const value = hi - (hi - lo) * (y - top) / Math.max(1, bottom - top);
    const color = palette[Math.round(255 * Math.min(1, Math.max(0, level(value))))];
    fillRect(canvas, left + 8, y, 12, 1, color);
  }
  drawText(canvas, left + 24, top, bar.labels[0], black, bar.scale);
  drawText(canvas, left + 24, bottom - 5 * bar.scale + 1, bar.labels[1], black, bar.scale);
}

/** A limit in at most four significant digits; one that is zero within the range's precision is 0. */
function formatLimit(value: number, span = 0): string {
  if (Math.abs(value) < span * 1e-4) return "0";
  const text = Number.isInteger(value) && Math.abs(value) < 1e7 ? String(value) : value.toPrecision(4);
  return text.replace(/\.?0+(e|$)/, "$1");
}

/** How {@linkcode plotPng} draws a series. */
export interface PlotOptions {
  /** The x value of the first point (default 1: FITS pixels are 1-based). */
  xStart?: number;
  /** The x step between points (default 1). */
  xStep?: number;
  /** Width in pixels (default 640). */
  width?: number;
  /** Height in pixels (default 320). */
  height?: number;
}

/**
 * Plot a series (a pixel's time series from a cube) as a line on white, with its range on the y axis
 * and its first and last x values below; NaN points leave gaps.
 *
 * @param values The series.
 * @param options The x values and the picture size.
 * @returns The PNG file.
 *
 * @example A light curve of five cadences
 * ```ts
 * import assert from "node:assert/strict";
 * import { plotPng } from "./png.ts";
 *
 * const png = await plotPng(new Float32Array([1, 3, NaN, 2, 5]), { width: 200, height: 100 });
 * assert.equal(new DataView(png.buffer).getUint32(16), 200, "width");
 * ```
 */
export function plotPng(values: ArrayLike<number>, options: PlotOptions = {}): Promise<Uint8Array> {
  const { xStart = 1, xStep = 1, width = 640, height = 320 } = options;
  const canvas = createCanvas(width, height, [255, 255, 255, 255]);
  const black: Rgba = [0, 0, 0, 255];
  const line: Rgba = [31, 119, 180, 255]; // matplotlib's first line colour
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = Number(values[i]);
    if (Number.isFinite(v)) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  }
  if (lo > hi) [lo, hi] = [0, 1];
  if (lo === hi) [lo, hi] = [lo - 1, hi + 1];
  const scale = 2;
  const yLabels = [formatLimit(hi, hi - lo), formatLimit(lo, hi - lo)];
  const left = 8 + Math.max(...yLabels.map((text) => textWidth(text, scale))) + 8;
  const [top, right, bottom] = [10, width - 10, height - 10 - 5 * scale - 8];
  const xOf = (i: number) => left + (right - left) * (values.length > 1 ? i / (values.length - 1) : 0.5);
  const yOf = (v: number) => bottom - (bottom - top) * (v - lo) / (hi - lo);
  drawLine(canvas, [left, top], [left, bottom], black);
  drawLine(canvas, [left, bottom], [right, bottom], black);
  drawText(canvas, 8, top, yLabels[0], black, scale);
  drawText(canvas, 8, bottom - 5 * scale, yLabels[1], black, scale);
  const xLast = formatLimit(xStart + (values.length - 1) * xStep);
  drawText(canvas, left, bottom + 8, formatLimit(xStart), black, scale);
  drawText(canvas, right, bottom + 8, xLast, black, scale, "right");
  let previous: [number, number] | undefined;
  for (let i = 0; i < values.length; i++) {
    const v = Number(values[i]);
    if (!Number.isFinite(v)) {
      previous = undefined;
      continue;
    }
    const point: [number, number] = [xOf(i), yOf(v)];
    drawLine(canvas, previous ?? point, point, line, 2);
    previous = point;
  }
  return canvasToPng(canvas);
}
