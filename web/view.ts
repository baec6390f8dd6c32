/**
 * The viewer's geometry, without the DOM: which axes of an HDU form the picture, which tiles a view
 * shows, and the numpy-order section each tile reads. A view at scale s (screen pixels per image pixel)
 * below 1 reads every 2^k-th pixel (k = level), so a zoomed-out view of a big image reads a strided
 * overview, and a zoomed-in one reads only the tiles on screen.
 *
 * @module
 */
import type { SectionEntry, SectionSpec } from "../mod.ts";

/** How an image HDU's axes are shown: FITS axis numbers (1-based) of x, y and time. */
export interface AxisRoles {
  /** NAXISn in FITS order. */
  axes: number[];
  /** The FITS axis shown left to right. */
  x: number;
  /** The FITS axis shown bottom to top. */
  y: number;
  /** The FITS axis a light curve runs along (a slider picks the frame shown), or undefined. */
  time: number | undefined;
}

/**
 * Pick the picture's axes: NAXIS1 × NAXIS2, except in a TESS cube (NAXIS 4, NAXIS1 ≤ 2 for flux and
 * error), whose picture is NAXIS3 × NAXIS4 and whose frames run along NAXIS2. Time is the first other
 * axis longer than one.
 *
 * @param axes NAXISn in FITS order.
 * @returns The roles, or undefined when there is no 2-D picture.
 */
export function axisRoles(axes: readonly number[]): AxisRoles | undefined {
  if (axes.length < 2 || axes.some((n) => n === 0)) return undefined;
  const tess = axes.length === 4 && axes[0] <= 2;
  const [x, y] = tess ? [3, 4] : [1, 2];
  if (tess) return { axes: [...axes], x, y, time: 2 };
  const time = axes.findIndex((n, i) => i + 1 !== x && i + 1 !== y && n > 1);
  return { axes: [...axes], x, y, time: time < 0 ? undefined : time + 1 };
}

/** Where the view is: image pixel at the canvas's bottom-left corner, and the zoom. */
export interface ViewState {
  /** Image x (0-based, fractional) at the canvas's left edge. */
  left: number;
  /** Image y (0-based, fractional) at the canvas's bottom edge. */
  bottom: number;
  /** Screen pixels per image pixel: a power of two. */
  scale: number;
}

/** The largest power-of-two scale (1/64 … 64) that fits the whole image, centred. */
export function fitView(width: number, height: number, nx: number, ny: number): ViewState {
  let scale = 64;
  while (scale > 1 / 64 && (nx * scale > width || ny * scale > height)) scale /= 2;
  return { left: (nx - width / scale) / 2, bottom: (ny - height / scale) / 2, scale };
}

/** Zoom by a power of two about a canvas point (x from the left, y from the bottom, in screen pixels). */
export function zoomView(view: ViewState, factor: number, atX: number, atY: number): ViewState {
  const scale = Math.min(64, Math.max(1 / 64, view.scale * factor));
  const x = view.left + atX / view.scale;
  const y = view.bottom + atY / view.scale;
  return { left: x - atX / scale, bottom: y - atY / scale, scale };
}

/** One tile: a block of `size` × `size` samples at a level, and what it covers of the image. */
export interface Tile {
  /** Stable key for caching. */
  key: string;
  /** Every `step`-th pixel (2^level). */
  step: number;
  /** Image pixels covered, x0 ≤ x < x1, y0 ≤ y < y1 (0-based). */
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

/** Samples in a tile side. 256 keeps requests few for 2-D images of any width. */
export const DEFAULT_TILE = 256;

/**
 * The tiles a view shows, and the visible part of the image at the view's step.
 *
 * @param view The view.
 * @param width Canvas width in screen pixels.
 * @param height Canvas height in screen pixels.
 * @param nx Image width.
 * @param ny Image height.
 * @param tile Samples per tile side.
 * @returns The step, the tiles (row by row from the bottom) and the visible pixel bounds (aligned to the step).
 */
export function visibleTiles(
  view: ViewState,
  width: number,
  height: number,
  nx: number,
  ny: number,
  tile = DEFAULT_TILE,
): { step: number; tiles: Tile[]; visible: { x0: number; x1: number; y0: number; y1: number } } {
  const step = view.scale >= 1 ? 1 : Math.round(1 / view.scale);
  const span = tile * step;
  const align = (v: number) => Math.floor(v / step) * step;
  const x0 = Math.max(0, align(Math.floor(view.left)));
  const y0 = Math.max(0, align(Math.floor(view.bottom)));
  const x1 = Math.min(nx, Math.ceil(view.left + width / view.scale));
  const y1 = Math.min(ny, Math.ceil(view.bottom + height / view.scale));
  const tiles: Tile[] = [];
  for (let j = Math.floor(y0 / span); j * span < y1; j++) {
    for (let i = Math.floor(x0 / span); i * span < x1; i++) {
      tiles.push({
        key: `${step}:${i}:${j}`,
        step,
        x0: i * span,
        x1: Math.min(nx, (i + 1) * span),
        y0: j * span,
        y1: Math.min(ny, (j + 1) * span),
      });
    }
  }
  return { step, tiles, visible: { x0, x1: Math.max(x0, x1), y0, y1: Math.max(y0, y1) } };
}

/**
 * A numpy-order section from entries by FITS axis number (1-based); axes not named take index 0.
 *
 * @param naxis The number of axes.
 * @param entries Section entries by FITS axis: an index, `[start, stop, step]` or null (whole axis).
 * @returns One entry per axis, slowest (last FITS axis) first.
 */
export function sectionByAxis(naxis: number, entries: Record<number, SectionEntry>): SectionSpec {
  const spec: SectionSpec = [];
  for (let axis = naxis; axis >= 1; axis--) spec.push(entries[axis] === undefined ? 0 : entries[axis]);
  return spec;
}

/**
 * The numpy-order section of a rectangle of the picture at a frame.
 *
 * @param roles The axis roles.
 * @param frame The index along the time axis (ignored without one).
 * @param x `[start, stop, step]` along the x axis.
 * @param y `[start, stop, step]` along the y axis.
 * @returns The section; axes other than x, y and time at 0.
 */
export function pictureSection(
  roles: AxisRoles,
  frame: number,
  x: [number, number, number],
  y: [number, number, number],
): SectionSpec {
  const time = roles.time === undefined ? {} : { [roles.time]: frame };
  return sectionByAxis(roles.axes.length, { [roles.x]: x, [roles.y]: y, ...time });
}
