/**
 * The pixel box of a cutout around a sky position, exactly as astrocut draws it, so that results match
 * astrocut (and MAST's TESScut) pixel for pixel.
 *
 * @module
 */
import type { AngularSize, SideLength } from "./size.ts";

/** A cutout's pixel box on the two celestial axes, 0-based, `hi` exclusive; it may reach off the image. */
export interface SkyBox {
  /** The position's pixel coordinates (x, y), 0-based, as world→pixel gave them. */
  center: [number, number];
  /** First column and row of the box (may be negative). */
  lo: [number, number];
  /** Column and row after the last (may be beyond the image). */
  hi: [number, number];
  /** Pixels of the box outside the image (per plane): they are padding. */
  padding: number;
}

/**
 * Round half to even, as numpy's `round`.
 *
 * @param value A number.
 * @returns The nearest integer; ties go to the even one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { roundHalfEven } from "./box.ts";
 *
 * assert.deepEqual([0.5, 1.5, 2.5, -0.5, -1.5, 2.4].map(roundHalfEven), [0, 2, 2, 0, -2, 2]);
 * ```
 */
export function roundHalfEven(value: number): number {
  const floor = Math.floor(value);
  const fraction = value - floor;
  if (fraction !== 0.5) return Math.round(value);
  return floor % 2 === 0 ? floor : floor + 1;
}

/**
 * astrocut's box (`Cutout._get_cutout_limits`): per axis, half a side is `pixels / 2` or
 * `degrees / pixelScale / 2`; `lo = round(c − half)`, `hi = round(c + half)` rounded half to even; a
 * box that rounds to nothing becomes the one pixel holding the centre (`lo = floor(c)`). Returns
 * undefined when the box lies wholly off the image (or the position has no pixel).
 *
 * @param center The position, 0-based pixel coordinates (x, y).
 * @param size The requested size, x first.
 * @param scales Degrees per pixel along x and y (astropy `proj_plane_pixel_scales`).
 * @param shape The image's width and height (x, y).
 * @returns The box, or undefined when it does not touch the image.
 *
 * @example astrocut's own examples: centre 59.0 with size 5 gives 6 pixels, 52.0 gives 4
 * ```ts
 * import assert from "node:assert/strict";
 * import { skyBox } from "./box.ts";
 *
 * const box = skyBox([59, 52], { x: { pixels: 5 }, y: { pixels: 5 } }, [1, 1], [100, 100])!;
 * assert.deepEqual([box.lo, box.hi, box.padding], [[56, 50], [62, 54], 0]);
 * const edge = skyBox([1, 1], { x: { pixels: 4 }, y: { pixels: 4 } }, [1, 1], [100, 100])!;
 * assert.deepEqual([edge.lo, edge.hi, edge.padding], [[-1, -1], [3, 3], 7]);
 * assert.equal(skyBox([-5, 1], { x: { pixels: 4 }, y: { pixels: 4 } }, [1, 1], [100, 100]), undefined);
 * ```
 */
export function skyBox(
  center: readonly [number, number],
  size: AngularSize,
  scales: readonly [number, number],
  shape: readonly [number, number],
): SkyBox | undefined {
  if (!center.every(Number.isFinite)) return undefined;
  const lo: [number, number] = [0, 0];
  const hi: [number, number] = [0, 0];
  const sides = [size.x, size.y];
  for (let axis = 0; axis < 2; axis++) {
    const c = center[axis];
    const half = halfSide(sides[axis], scales[axis]);
    let a = roundHalfEven(c - half) + 0; // + 0 turns -0 into 0
    let b = roundHalfEven(c + half) + 0;
    if (a === b) {
      a = Math.floor(c);
      b = a + 1;
    }
    if (b <= 0 || a >= shape[axis]) return undefined;
    lo[axis] = a;
    hi[axis] = b;
  }
  const inside = (axis: number) => Math.min(hi[axis], shape[axis]) - Math.max(lo[axis], 0);
  const padding = (hi[0] - lo[0]) * (hi[1] - lo[1]) - inside(0) * inside(1);
  return { center: [center[0], center[1]], lo, hi, padding };
}

function halfSide(side: SideLength, scale: number): number {
  return "pixels" in side ? side.pixels / 2 : side.degrees / scale / 2;
}
