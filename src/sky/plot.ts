/**
 * A light curve drawn as a PNG: time along x, flux along y, consecutive cadences joined, cadences with
 * quality flags marked in red (at the bottom when their flux is NaN).
 *
 * @module
 */
import { canvasToPng, createCanvas, drawLine, drawText, fillRect, type Rgba } from "../png_canvas.ts";
import type { LightCurveData } from "./light_curve_files.ts";

const WIDTH = 960;
const HEIGHT = 480;
const LEFT = 110;
const RIGHT = 30;
const TOP = 40;
const BOTTOM = 70;
const SCALE = 2; // image pixels per font pixel

const BLACK: Rgba = [0, 0, 0, 255];
const WHITE: Rgba = [255, 255, 255, 255];
const GRID: Rgba = [225, 225, 225, 255];
const LINE: Rgba = [40, 80, 170, 255];
const FLAG: Rgba = [220, 30, 30, 255];

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
  const canvas = createCanvas(WIDTH, HEIGHT, WHITE);
  const [x0, x1] = range(curve.time);
  const [y0, y1] = range(curve.flux);
  const plotRight = WIDTH - RIGHT;
  const plotBottom = HEIGHT - BOTTOM;
  const px = (t: number) => LEFT + ((t - x0) / (x1 - x0)) * (plotRight - LEFT);
  const py = (f: number) => plotBottom - ((f - y0) / (y1 - y0)) * (plotBottom - TOP);

  const xTicks = ticks(x0, x1, 8);
  for (const t of xTicks.values) {
    drawLine(canvas, [px(t), TOP], [px(t), plotBottom], GRID);
    drawLine(canvas, [px(t), plotBottom], [px(t), plotBottom + 6], BLACK);
    drawText(canvas, px(t), plotBottom + 12, t.toFixed(xTicks.decimals), BLACK, SCALE, "center");
  }
  const yTicks = ticks(y0, y1, 6);
  for (const f of yTicks.values) {
    drawLine(canvas, [LEFT, py(f)], [plotRight, py(f)], GRID);
    drawLine(canvas, [LEFT - 6, py(f)], [LEFT, py(f)], BLACK);
    drawText(canvas, LEFT - 10, py(f) - 5, f.toFixed(yTicks.decimals), BLACK, SCALE, "right");
  }
  drawLine(canvas, [LEFT, TOP], [plotRight, TOP], BLACK);
  drawLine(canvas, [LEFT, plotBottom], [plotRight, plotBottom], BLACK);
  drawLine(canvas, [LEFT, TOP], [LEFT, plotBottom], BLACK);
  drawLine(canvas, [plotRight, TOP], [plotRight, plotBottom], BLACK);

  let previous: [number, number] | undefined;
  for (let i = 0; i < curve.time.length; i++) {
    const [t, f] = [curve.time[i], curve.flux[i]];
    if (!Number.isFinite(t) || !Number.isFinite(f)) {
      previous = undefined;
      continue;
    }
    const point: [number, number] = [px(t), py(f)];
    if (previous) drawLine(canvas, previous, point, LINE);
    fillRect(canvas, point[0] - 1, point[1] - 1, 3, 3, LINE);
    previous = point;
  }
  for (let i = 0; i < curve.time.length; i++) {
    if (!curve.quality[i] || !Number.isFinite(curve.time[i])) continue;
    const x = px(curve.time[i]);
    const y = Number.isFinite(curve.flux[i]) ? py(curve.flux[i]) : plotBottom - 5;
    drawLine(canvas, [x - 4, y - 4], [x + 4, y + 4], FLAG);
    drawLine(canvas, [x - 4, y + 4], [x + 4, y - 4], FLAG);
  }

  // Plane numbers are not times: the axis says so, briefly (the CSV and FITS outputs say why).
  const xLabel = curve.timeFormat === "plane"
    ? "PLANE (0-BASED)"
    : `TIME (${curve.timeFormat}: ${curve.timeUnit})`;
  drawText(canvas, (LEFT + plotRight) / 2, HEIGHT - 28, xLabel, BLACK, SCALE, "center");
  const yLabel = `FLUX (${curve.fluxUnit})`;
  drawText(canvas, 8, TOP - 24, yLabel, BLACK, SCALE);
  const title = `${curve.source.name.split("/").pop()}  RA ${curve.ra.toFixed(5)} DEC ${
    curve.dec.toFixed(5)
  }`;
  drawText(canvas, plotRight, TOP - 24, title, BLACK, SCALE, "right");
  if (curve.quality.some((flag) => flag !== 0)) {
    drawText(canvas, plotRight, HEIGHT - 28, "X = QUALITY FLAG", FLAG, SCALE, "right");
  }
  return await canvasToPng(canvas);
}
