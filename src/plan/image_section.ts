/**
 * N-dimensional image sections: plan the contiguous byte runs of a numpy-style selection. Pure: the
 * runs are listed lazily, so a section of millions of runs costs no memory until it is read.
 *
 * @module
 */
import { CloudFitsError } from "../errors.ts";
import type { Hdu } from "../fits/layout.ts";
import type { ByteRange } from "./types.ts";

/**
 * One axis of a section, numpy style: an index (drops the axis; must exist), `[start, stop]` or
 * `[start, stop, step]` (half-open, 0-based, negative values count from the end, bounds clamped to the
 * axis as numpy does), or `null` for the whole axis.
 */
export type SectionEntry = number | [number, number] | [number, number, number] | null;

/** A section in numpy order (slowest axis first, NAXISn reversed); missing trailing entries mean whole axes. */
export type SectionSpec = SectionEntry[];

/**
 * Byte ranges listed lazily: `count` ranges of `bytes` bytes in all, ascending by offset. Iterate it
 * (as often as needed) to get the ranges.
 */
export interface RangeList extends Iterable<ByteRange> {
  /** Number of ranges. */
  readonly count: number;
  /** Total bytes of the ranges. */
  readonly bytes: number;
}

/** The byte ranges of a section and the shape of its result. */
export interface SectionPlan {
  /** Shape of the result in numpy order (axes selected by an index are dropped). */
  shape: number[];
  /** Contiguous runs in result order (ascending); their concatenation is the section's stored bytes. */
  ranges: RangeList;
}

/** One axis of a section, resolved against the axis length: `count` indices `start + k × step`. */
export interface AxisSelection {
  /** First index. */
  start: number;
  /** Distance between indices (≥ 1). */
  step: number;
  /** Number of indices (0 for an empty slice). */
  count: number;
  /** False when the entry was a single index, which drops the axis from the result. */
  keep: boolean;
}

/**
 * Plan the byte ranges of an image section. Pure: no I/O.
 *
 * Runs are as long as the layout allows: trailing axes selected whole merge with the next axis, so a
 * full-width row span is one range, and a TESS cube pixel's light curve `[r, c, null, null]` is one
 * range. Ranges are listed in result order, which is ascending, and never overlap; they are produced
 * on demand, so planning a frame of a TESS cube (4 million runs) allocates nothing per run.
 *
 * @param hdu A PRIMARY or IMAGE HDU, or random groups: their arrays, shaped `[GCOUNT, NAXISn, …, NAXIS2]`
 * as astropy's `hdu.data.data`, without the group parameters.
 * @param spec The selection in numpy order.
 * @returns The result shape and the ranges to read.
 * @throws {CloudFitsError} `OUT_OF_RANGE` for indices outside the image; `UNSUPPORTED` for
 * tile-compressed images; `USAGE` for tables and HDUs without data.
 *
 * @example Planning a 2×3 cutout of a 100×200 int16 image
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildHeader, formatCard, parseHeader } from "@cloudfits/core";
 * import { describeHdu } from "../fits/layout.ts";
 * import { planImageSection } from "./image_section.ts";
 *
 * const cards = [["SIMPLE", true], ["BITPIX", 16], ["NAXIS", 2], ["NAXIS1", 200], ["NAXIS2", 100]] as const;
 * const hdu = describeHdu(parseHeader(buildHeader(cards.map(([k, v]) => formatCard(k, v)))), 0, 0);
 * const plan = planImageSection(hdu, [[10, 12], [20, 23]]);
 * assert.deepEqual(plan.shape, [2, 3]);
 * assert.deepEqual([...plan.ranges], [{ offset: 6920, length: 6 }, { offset: 7320, length: 6 }]);
 * ```
 */
export function planImageSection(hdu: Hdu, spec: SectionSpec): SectionPlan {
  checkImageHdu(hdu);
  const { shape, strides, itemSize, base: arrayBase } = arrayLayout(hdu);
  if (spec.length > shape.length) {
    throw new CloudFitsError(
      "OUT_OF_RANGE",
      `Cannot select ${spec.length} axes of HDU ${hdu.index}: the image has ${shape.length} (numpy order, 0-based)`,
    );
  }
  const selections = shape.map((n, axis) => selectAxis(spec[axis] ?? null, n, axis, hdu.index));
  const outShape = selections.filter((s) => s.keep).map((s) => s.count);
  if (selections.some((s) => s.count === 0)) return { shape: outShape, ranges: new StridedRanges(0, 0, []) };

  // Absorb trailing axes into one run while the selection stays contiguous in the file: an axis joins
  // when it is a single index, or a unit-step span whose stride is exactly the run so far.
  let runLength = itemSize;
  let firstInner = shape.length;
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    const s = selections[axis];
    if (s.count > 1 && (s.step !== 1 || strides[axis] !== runLength)) break;
    runLength *= s.count;
    firstInner = axis;
    if (s.count !== shape[axis]) break;
  }
  let base = arrayBase;
  for (let axis = 0; axis < shape.length; axis++) base += selections[axis].start * strides[axis];
  const outer = selections.slice(0, firstInner).map((s, axis) => ({
    count: s.count,
    step: s.step * strides[axis],
  }));
  return { shape: outShape, ranges: new StridedRanges(base, runLength, outer) };
}

/** Runs of `length` bytes from `base`, stepped by an odometer over the outer axes in C order. */
class StridedRanges implements RangeList {
  readonly count: number;
  readonly bytes: number;
  readonly #base: number;
  readonly #length: number;
  readonly #outer: readonly { count: number; step: number }[];

  constructor(base: number, length: number, outer: readonly { count: number; step: number }[]) {
    this.#base = base;
    this.#length = length;
    this.#outer = outer;
    this.count = length === 0 ? 0 : outer.reduce((p, axis) => p * axis.count, 1);
    this.bytes = this.count * length;
  }

  *[Symbol.iterator](): Iterator<ByteRange> {
    const outer = this.#outer;
    const counters = new Array<number>(outer.length).fill(0);
    let offset = this.#base;
    for (let i = 0; i < this.count; i++) {
      yield { offset, length: this.#length };
      for (let axis = outer.length - 1; axis >= 0; axis--) {
        if (++counters[axis] < outer[axis].count) {
          offset += outer[axis].step;
          break;
        }
        counters[axis] = 0;
        offset -= (outer[axis].count - 1) * outer[axis].step;
      }
    }
  }
}

/** Shape, byte strides and first element of an HDU's array, in numpy order. */
function arrayLayout(hdu: Hdu): { shape: number[]; strides: number[]; itemSize: number; base: number } {
  const itemSize = Math.abs(hdu.bitpix) / 8;
  const grouped = hdu.type === "GROUPS";
  // Random groups: each group is PCOUNT parameters, then an array of NAXIS2 … NAXISn.
  const dims = (grouped ? hdu.axes.slice(1) : hdu.axes).toReversed();
  const strides = new Array<number>(dims.length);
  let stride = itemSize;
  for (let axis = dims.length - 1; axis >= 0; axis--) {
    strides[axis] = stride;
    stride *= dims[axis];
  }
  if (!grouped) return { shape: dims, strides, itemSize, base: hdu.dataOffset };
  return {
    shape: [hdu.gcount, ...dims],
    strides: [stride + hdu.pcount * itemSize, ...strides],
    itemSize,
    base: hdu.dataOffset + hdu.pcount * itemSize,
  };
}

function checkImageHdu(hdu: Hdu): void {
  const where = `HDU ${hdu.index} at offset ${hdu.headerOffset}`;
  if (hdu.type === "COMPRESSED_IMAGE") {
    throw new CloudFitsError(
      "UNSUPPORTED",
      `Cannot plan byte ranges for ${where}: it is tile-compressed, so its ranges come from planTileSection`,
      { offset: hdu.headerOffset },
    );
  }
  if (hdu.type !== "PRIMARY" && hdu.type !== "IMAGE" && hdu.type !== "GROUPS") {
    throw new CloudFitsError(
      "USAGE",
      `Cannot read a section of ${where}: it is a ${hdu.type}, not an image`,
      {
        offset: hdu.headerOffset,
      },
    );
  }
  if (hdu.axes.length === 0) {
    throw new CloudFitsError("USAGE", `Cannot read a section of ${where}: it has no data (NAXIS = 0)`, {
      offset: hdu.headerOffset,
    });
  }
}

/**
 * Resolve one section entry against an axis, numpy style (negative values count from the end; slice
 * bounds clamp; a single index must exist).
 *
 * @param entry The entry: an index, `[start, stop]`, `[start, stop, step]` or null.
 * @param n The axis length.
 * @param axis The axis number, numpy order, for messages.
 * @param index The HDU index, for messages.
 * @returns The resolved selection.
 * @throws {CloudFitsError} `OUT_OF_RANGE` for an index outside the axis. TypeError or RangeError for a
 *   malformed entry.
 *
 * @example Every third pixel from the 2nd to the last
 * ```ts
 * import { selectAxis } from "./image_section.ts";
 *
 * console.log(selectAxis([1, -1, 3], 10, 0, 1)); // { start: 1, step: 3, count: 3, keep: true }
 * ```
 */
export function selectAxis(entry: SectionEntry, n: number, axis: number, index: number): AxisSelection {
  const outside = (what: string): CloudFitsError =>
    new CloudFitsError(
      "OUT_OF_RANGE",
      `Cannot select ${what} on axis ${axis} of HDU ${index}: the axis has length ${n} (numpy order, 0-based)`,
    );
  if (entry === null) return { start: 0, step: 1, count: n, keep: true };
  if (typeof entry === "number") {
    if (!Number.isInteger(entry)) throw new RangeError(`Cannot select index ${entry}: not an integer`);
    const i = entry < 0 ? entry + n : entry;
    if (i < 0 || i >= n) throw outside(`index ${entry}`);
    return { start: i, step: 1, count: 1, keep: false };
  }
  if (!Array.isArray(entry) || entry.length < 2 || entry.length > 3) {
    throw new TypeError(
      `Cannot select ${JSON.stringify(entry)}: expected an index, [start, stop], [start, stop, step] or null`,
    );
  }
  const [rawStart, rawStop, step = 1] = entry;
  if (![rawStart, rawStop, step].every(Number.isInteger)) {
    throw new RangeError(`Cannot select [${entry.join(", ")}]: start, stop and step must be integers`);
  }
  if (step < 1) throw new RangeError(`Cannot select [${entry.join(", ")}]: step must be positive`);
  // Slice bounds clamp to the axis, as in numpy; only a single index can be out of range.
  const clampToAxis = (i: number) => Math.min(n, Math.max(0, i < 0 ? i + n : i));
  const start = clampToAxis(rawStart);
  const stop = clampToAxis(rawStop);
  const count = stop > start ? Math.ceil((stop - start) / step) : 0;
  return { start, step, count, keep: true };
}
