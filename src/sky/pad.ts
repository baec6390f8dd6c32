/**
 * Place a section read from an image into a larger box that reaches off the image, the rest filled.
 *
 * @module
 */
import type { TypedArray } from "../fits/dtype.ts";

/**
 * Copy `inner` (numpy order, C layout) into `outer` at `offset` (numpy order, one entry per axis).
 *
 * @param inner The values read.
 * @param innerShape Their shape.
 * @param outer The box, already filled with the padding value.
 * @param outerShape The box's shape.
 * @param offset Where `inner` starts in the box, per axis.
 *
 * @example A 2×2 section in the lower right of a 3×3 box
 * ```ts
 * import assert from "node:assert/strict";
 * import { embed } from "./pad.ts";
 *
 * const box = new Float32Array(9).fill(NaN);
 * embed(new Float32Array([1, 2, 3, 4]), [2, 2], box, [3, 3], [1, 1]);
 * assert.deepEqual([...box], [NaN, NaN, NaN, NaN, 1, 2, NaN, 3, 4]);
 * ```
 */
export function embed(
  inner: TypedArray,
  innerShape: readonly number[],
  outer: TypedArray,
  outerShape: readonly number[],
  offset: readonly number[],
): void {
  const n = innerShape.length;
  const rowLength = innerShape[n - 1];
  if (inner.length === 0) return;
  const outerStrides = outerShape.map((_, i) => outerShape.slice(i + 1).reduce((a, b) => a * b, 1));
  const rows = inner.length / rowLength;
  const index = new Array(n - 1).fill(0);
  for (let row = 0; row < rows; row++) {
    let start = offset[n - 1];
    for (let axis = 0; axis < n - 1; axis++) start += (index[axis] + offset[axis]) * outerStrides[axis];
    // deno-lint-ignore no-explicit-any
    (outer as any).set(inner.subarray(row * rowLength, (row + 1) * rowLength), start);
    for (let axis = n - 2; axis >= 0; axis--) {
      if (++index[axis] < innerShape[axis]) break;
      index[axis] = 0;
    }
  }
}
