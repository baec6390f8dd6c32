/**
 * Photometric apertures over a cutout: a smaller box (astrocut's rule), a circle around the position,
 * or a mask; and the per-cadence sum lightkurve computes over them.
 *
 * @module
 */
import { CloudFitsError } from "../errors.ts";
import { type SkyBox, skyBox } from "./box.ts";
import { type AngularSize, parseAngularSize } from "./size.ts";

/** Which pixels of a cutout to sum: all, a centred box, a circle (radius in pixels) or a mask. */
export type Aperture =
  | { kind: "all" }
  | { kind: "box"; size: AngularSize }
  | { kind: "circle"; radius: number }
  | { kind: "mask"; mask: Uint8Array; width: number; height: number };

/**
 * Parse an aperture as typed: `3x3` or `2arcmin` (a box drawn like the cutout's), `circle:1.5` (pixels
 * whose centres lie within 1.5 pixels of the position).
 *
 * @param text The aperture.
 * @returns The aperture.
 * @throws {CloudFitsError} `USAGE` for anything else.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseAperture } from "./aperture.ts";
 *
 * assert.deepEqual(parseAperture("circle:1.5"), { kind: "circle", radius: 1.5 });
 * assert.equal(parseAperture("3x3").kind, "box");
 * assert.throws(() => parseAperture("circle:-1"), { code: "USAGE" });
 * ```
 */
export function parseAperture(text: string): Aperture {
  const circle = /^circle:\s*([0-9.eE+-]+)$/i.exec(text.trim());
  if (circle) {
    const radius = Number(circle[1]);
    if (!(radius > 0) || !Number.isFinite(radius)) {
      throw new CloudFitsError(
        "USAGE",
        `Invalid aperture '${text}': the radius must be a positive number of pixels`,
      );
    }
    return { kind: "circle", radius };
  }
  return { kind: "box", size: parseAngularSize(text) };
}

/**
 * The cutout size that holds an aperture when none is given: the box's size, or the circle's
 * diameter rounded up to an odd number of pixels.
 *
 * @param aperture The aperture.
 * @returns The size, or undefined when the aperture does not imply one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sizeFor } from "./aperture.ts";
 *
 * assert.deepEqual(sizeFor({ kind: "circle", radius: 1.5 }), { x: { pixels: 5 }, y: { pixels: 5 } });
 * ```
 */
export function sizeFor(aperture: Aperture): AngularSize | undefined {
  if (aperture.kind === "box") return aperture.size;
  if (aperture.kind === "circle") {
    const side = 2 * Math.ceil(aperture.radius) + 1;
    return { x: { pixels: side }, y: { pixels: side } };
  }
  if (aperture.kind === "mask") return { x: { pixels: aperture.width }, y: { pixels: aperture.height } };
  return undefined;
}

/**
 * The aperture as a mask over the cutout's pixels (row, column), 1 where summed. A box or circle
 * reaching past the cutout is clipped to it.
 *
 * @param aperture The aperture.
 * @param box The cutout's box.
 * @param scales Degrees per pixel along x and y, for boxes given as angles.
 * @returns The mask, (height × width) of the box.
 * @throws {CloudFitsError} `USAGE` when a mask does not have the cutout's shape, or selects no pixel.
 *
 * @example A circle of radius 1 around the centre of a 3×3 box
 * ```ts
 * import assert from "node:assert/strict";
 * import { apertureMask } from "./aperture.ts";
 *
 * const box = { center: [5, 5] as [number, number], lo: [4, 4] as [number, number], hi: [7, 7] as [number, number], padding: 0 };
 * assert.deepEqual([...apertureMask({ kind: "circle", radius: 1 }, box, [1, 1])], [0, 1, 0, 1, 1, 1, 0, 1, 0]);
 * ```
 */
export function apertureMask(aperture: Aperture, box: SkyBox, scales: readonly [number, number]): Uint8Array {
  const width = box.hi[0] - box.lo[0];
  const height = box.hi[1] - box.lo[1];
  const mask = new Uint8Array(width * height);
  if (aperture.kind === "mask") {
    if (aperture.width !== width || aperture.height !== height) {
      throw new CloudFitsError(
        "USAGE",
        `The aperture mask is ${aperture.width} × ${aperture.height} but the cutout is ${width} × ${height}`,
      );
    }
    mask.set(aperture.mask.map((v) => (v ? 1 : 0)));
  } else if (aperture.kind === "all") {
    mask.fill(1);
  } else if (aperture.kind === "circle") {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const distance = Math.hypot(box.lo[0] + x - box.center[0], box.lo[1] + y - box.center[1]);
        if (distance <= aperture.radius) mask[y * width + x] = 1;
      }
    }
  } else {
    const inner = skyBox(box.center, aperture.size, scales, [Infinity, Infinity])!;
    for (let y = Math.max(inner.lo[1], box.lo[1]); y < Math.min(inner.hi[1], box.hi[1]); y++) {
      for (let x = Math.max(inner.lo[0], box.lo[0]); x < Math.min(inner.hi[0], box.hi[0]); x++) {
        mask[(y - box.lo[1]) * width + x - box.lo[0]] = 1;
      }
    }
  }
  if (!mask.some((v) => v)) throw new CloudFitsError("USAGE", "The aperture selects no pixel of the cutout");
  return mask;
}

/**
 * Sum an aperture per cadence as lightkurve's `to_lightcurve` does: NaN pixels are skipped, a cadence
 * with no finite pixel is NaN; errors add in quadrature.
 *
 * @param flux Flux per cadence and pixel (cadence slowest).
 * @param fluxErr Errors, likewise; without them every error is NaN.
 * @param mask 1 for the pixels summed.
 * @returns Flux and error per cadence.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sumAperture } from "./aperture.ts";
 *
 * const sums = sumAperture(new Float32Array([1, 2, NaN, NaN]), new Float32Array([3, 4, 1, 1]), new Uint8Array([1, 1]));
 * assert.deepEqual([...sums.flux], [3, NaN]);
 * assert.deepEqual([...sums.fluxErr], [5, NaN]);
 * ```
 */
export function sumAperture(
  flux: ArrayLike<number>,
  fluxErr: ArrayLike<number> | undefined,
  mask: Uint8Array,
): { flux: Float64Array; fluxErr: Float64Array } {
  const pixels = mask.length;
  const cadences = flux.length / pixels;
  const sum = new Float64Array(cadences);
  const err = new Float64Array(cadences);
  for (let t = 0; t < cadences; t++) {
    let total = 0;
    let squares = 0;
    let finite = false;
    for (let p = 0; p < pixels; p++) {
      if (!mask[p]) continue;
      const value = flux[t * pixels + p];
      const error = fluxErr ? fluxErr[t * pixels + p] : NaN;
      if (Number.isFinite(value)) {
        total += value;
        finite = true;
      }
      if (Number.isFinite(error)) squares += error * error;
    }
    sum[t] = finite ? total : NaN;
    err[t] = finite && fluxErr ? Math.sqrt(squares) : NaN;
  }
  return { flux: sum, fluxErr: err };
}
