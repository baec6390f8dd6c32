/**
 * A light curve drawn as a PNG: time along x, flux along y, consecutive cadences joined, cadences with
 * quality flags marked in red (at the bottom when their flux is NaN). Text uses a 3 × 5 pixel font.
 *
 * @module
 */
import { encodeRgbPng } from "../png.ts";
import type { LightCurveData } from "./light_curve_files.ts";

const WIDTH = 960;
const HEIGHT = 480;
const LEFT = 110;
const RIGHT = 30;
const TOP = 40;
const BOTTOM = 70;
const SCALE = 2; // font pixels per glyph pixel

type Rgb = readonly [number, number, number];
const BLACK: Rgb = [0, 0, 0];
const GRID: Rgb = [225, 225, 225];
const LINE: Rgb = [40, 80, 170];
const FLAG: Rgb = [220, 30, 30];

// 3 × 5 glyphs, one row per number, bit 4 = left column.
const FONT: Record<string, readonly number[]> = {
  "0": [7, 5, 5, 5, 7],
  "1": [2, 6, 2, 2, 7],
  "2": [7, 1, 7, 4, 7],
  "3": [7, 1, 7, 1, 7],
  "4": [5, 5, 7, 1, 1],
  "5": [7, 4, 7, 1, 7],
  "6": [7, 4, 7, 5, 7],
  "7": [7, 1, 1, 1, 1],
  "8": [7, 5, 7, 5, 7],
  "9": [7, 5, 7, 1, 7],
  ".": [0, 0, 0, 0, 2],
  "-": [0, 0, 7, 0, 0],
  "+": [0, 2, 7, 2, 0],
  "(": [1, 2, 2, 2, 1],
  ")": [4, 2, 2, 2, 4],
  "/": [1, 1, 2, 4, 4],
  _: [0, 0, 0, 0, 7],
  ",": [0, 0, 0, 2, 4],
  ":": [0, 2, 0, 2, 0],
  "=": [0, 7, 0, 7, 0],
  " ": [0, 0, 0, 0, 0],
  A: [2, 5, 7, 5, 5],
  B: [6, 5, 6, 5, 6],
  C: [3, 4, 4, 4, 3],
  D: [6, 5, 5, 5, 6],
  E: [7, 4, 6, 4, 7],
  F: [7, 4, 6, 4, 4],
  G: [3, 4, 5, 5, 3],
  H: [5, 5, 7, 5, 5],
  I: [7, 2, 2, 2, 7],
  J: [1, 1, 1, 5, 2],
  K: [5, 5, 6, 5, 5],
  L: [4, 4, 4, 4, 7],
  M: [5, 7, 7, 5, 5],
  N: [6, 5, 5, 5, 5],
  O: [2, 5, 5, 5, 2],
  P: [6, 5, 6, 4, 4],
  Q: [2, 5, 5, 6, 3],
  R: [6, 5, 6, 5, 5],
  S: [3, 4, 2, 1, 6],
  T: [7, 2, 2, 2, 2],
  U: [5, 5, 5, 5, 7],
  V: [5, 5, 5, 5, 2],
  W: [5, 5, 7, 7, 5],
  X: [5, 5, 2, 5, 5],
  Y: [5, 5, 2, 2, 2],
  Z: [7, 1, 2, 4, 7],
};

class Canvas {
  readonly pixels = new Uint8Array(WIDTH * HEIGHT * 3).fill(255);

  set(x: number, y: number, colour: Rgb): void {
    x = Math.round(x);
    y = Math.round(y);
    if (x < 0 || y < 0 || x >= WIDTH || y >= HEIGHT) return;
    this.pixels.set(colour, 3 * (y * WIDTH + x));
  }

  line(x0: number, y0: number, x1: number, y1: number, colour: Rgb): void {
    const steps = Math.max(1, Math.ceil(Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0))));
    for (let i = 0; i <= steps; i++) {
      this.set(x0 + ((x1 - x0) * i) / steps, y0 + ((y1 - y0) * i) / steps, colour);
    }
  }

  text(text: string, x: number, y: number, colour: Rgb, align: "left" | "center" | "right" = "left"): void {
    const advance = 4 * SCALE;
    const width = text.length * advance - SCALE;
    let left = align === "left" ? x : align === "center" ? x - width / 2 : x - width;
    for (const char of text.toUpperCase()) {
      const glyph = FONT[char] ?? FONT[" "];
      for (let row = 0; row < 5; row++) {
        for (let column = 0; column < 3; column++) {
          if (!(glyph[row] & (4 >> column))) continue;
          for (let dy = 0; dy < SCALE; dy++) {
            for (let dx = 0; dx < SCALE; dx++) {
              this.set(left + column * SCALE + dx, y + row * SCALE + dy, colour);
            }
          }
        }
      }
      left += advance;
    }
  }
}

/** About `count` round tick values (1, 2 or 5 × 10ⁿ apart) covering [lo, hi]. */
function ticks(lo: number, hi: number, count: number): { values: number[]; decimals: number } {
  const raw = (hi - lo) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const values: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) values.push(v);
  return { values, decimals: Math.max(0, -Math.floor(Math.log10(step) + 1e-9)) };
}

function range(values: ArrayLike<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    if (Number.isFinite(values[i])) [lo, hi] = [Math.min(lo, values[i]), Math.max(hi, values[i])];
  }
  if (lo === Infinity) return [0, 1];
  if (lo === hi) return [lo - 1, hi + 1];
  const pad = (hi - lo) * 0.05;
  return [lo - pad, hi + pad];
}

/**
 * Draw a light curve as a PNG.
 *
 * @param curve The light curve.
 * @returns The PNG file.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { plotLightCurve } from "./plot.ts";
 *
 * const png = await plotLightCurve({
 *   time: new Float64Array([1, 2, 3]), timeFormat: "BTJD", timeUnit: "BJD - 2457000, days",
 *   flux: new Float64Array([10, NaN, 12]), fluxErr: new Float64Array(3), fluxUnit: "e-/s",
 *   quality: new Int32Array([0, 32, 0]), cadence: new Int32Array([0, 1, 2]), ra: 1, dec: 2,
 *   source: { name: "cube.fits" },
 * });
 * assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]);
 * ```
 */
export async function plotLightCurve(curve: LightCurveData): Promise<Uint8Array> {
  const canvas = new Canvas();
  const [x0, x1] = range(curve.time);
  const [y0, y1] = range(curve.flux);
  const plotRight = WIDTH - RIGHT;
  const plotBottom = HEIGHT - BOTTOM;
  const px = (t: number) => LEFT + ((t - x0) / (x1 - x0)) * (plotRight - LEFT);
  const py = (f: number) => plotBottom - ((f - y0) / (y1 - y0)) * (plotBottom - TOP);

  const xTicks = ticks(x0, x1, 8);
  for (const t of xTicks.values) {
    canvas.line(px(t), TOP, px(t), plotBottom, GRID);
    canvas.line(px(t), plotBottom, px(t), plotBottom + 6, BLACK);
    canvas.text(t.toFixed(xTicks.decimals), px(t), plotBottom + 12, BLACK, "center");
  }
  const yTicks = ticks(y0, y1, 6);
  for (const f of yTicks.values) {
    canvas.line(LEFT, py(f), plotRight, py(f), GRID);
    canvas.line(LEFT - 6, py(f), LEFT, py(f), BLACK);
    canvas.text(f.toFixed(yTicks.decimals), LEFT - 10, py(f) - 5, BLACK, "right");
  }
  canvas.line(LEFT, TOP, plotRight, TOP, BLACK);
  canvas.line(LEFT, plotBottom, plotRight, plotBottom, BLACK);
  canvas.line(LEFT, TOP, LEFT, plotBottom, BLACK);
  canvas.line(plotRight, TOP, plotRight, plotBottom, BLACK);

  let previous: [number, number] | undefined;
  for (let i = 0; i < curve.time.length; i++) {
    const [t, f] = [curve.time[i], curve.flux[i]];
    if (!Number.isFinite(t) || !Number.isFinite(f)) {
      previous = undefined;
      continue;
    }
    const point: [number, number] = [px(t), py(f)];
    if (previous) canvas.line(previous[0], previous[1], point[0], point[1], LINE);
    for (let d = -1; d <= 1; d++) for (let e = -1; e <= 1; e++) canvas.set(point[0] + d, point[1] + e, LINE);
    previous = point;
  }
  for (let i = 0; i < curve.time.length; i++) {
    if (!curve.quality[i] || !Number.isFinite(curve.time[i])) continue;
    const x = px(curve.time[i]);
    const y = Number.isFinite(curve.flux[i]) ? py(curve.flux[i]) : plotBottom - 5;
    canvas.line(x - 4, y - 4, x + 4, y + 4, FLAG);
    canvas.line(x - 4, y + 4, x + 4, y - 4, FLAG);
  }

  canvas.text(
    `TIME (${curve.timeFormat}: ${curve.timeUnit})`,
    (LEFT + plotRight) / 2,
    HEIGHT - 28,
    BLACK,
    "center",
  );
  const yLabel = `FLUX (${curve.fluxUnit})`;
  canvas.text(yLabel, 8, TOP - 24, BLACK);
  const title = `${curve.source.name.split("/").pop()}  RA ${curve.ra.toFixed(5)} DEC ${
    curve.dec.toFixed(5)
  }`;
  canvas.text(title, plotRight, TOP - 24, BLACK, "right");
  canvas.text("X = QUALITY FLAG", plotRight, HEIGHT - 28, FLAG, "right");
  return await encodeRgbPng(canvas.pixels, WIDTH, HEIGHT);
}
