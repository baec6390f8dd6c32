/**
 * A linear TAN WCS fitted over a cutout of a distorted (SIP) WCS. lightkurve maps a TPF's pixels with
 * `wcs_pix2world`, which ignores SIP, so a TPF must carry a linear WCS; this is astrocut's fit
 * (`fit_wcs_from_points(..., proj_point="center")` on up to ~100 pixels spread over the cutout), with
 * its residuals measured honestly over every pixel.
 *
 * @module
 */
import { angularSeparation, type Wcs } from "../wcs/mod.ts";

/** A linear gnomonic WCS of a cutout, and how far it strays from the full WCS over the cutout. */
export interface LinearTan {
  /** RA and Dec (deg) of the reference point. */
  crval: [number, number];
  /** The reference pixel, FITS 1-based, in the cutout's pixels. */
  crpix: [number, number];
  /** CD1_1, CD1_2, CD2_1, CD2_2 (deg/pixel). */
  cd: [number, number, number, number];
  /** Largest separation (deg) between the fit and the full WCS over the cutout's pixels. */
  maxSeparation: number;
  /** Square root of the summed squared separations (deg). */
  sigma: number;
}

const RAD = Math.PI / 180;

/**
 * Fit a linear TAN WCS to a cutout's pixels (`lo` is its first pixel in the image, `shape` its width
 * and height) from the full WCS, with distortion.
 *
 * @param full The image's WCS.
 * @param lo The cutout's first column and row in the image (0-based).
 * @param shape The cutout's width and height.
 * @returns The fit and its residuals.
 *
 * @example A TAN WCS seen from another tangent point stays linear to a few hundredths of a milliarcsecond
 * ```ts
 * import assert from "node:assert/strict";
 * import { fitLinearTan, tanPixelToSky } from "./linear_fit.ts";
 * import { wcs } from "../wcs/mod.ts";
 * import { parseHeader } from "../fits/header.ts";
 * import { buildHeader, formatCard } from "../fits/write.ts";
 *
 * const header = parseHeader(buildHeader([
 *   formatCard("CTYPE1", "RA---TAN"), formatCard("CTYPE2", "DEC--TAN"),
 *   formatCard("CRVAL1", 84.29), formatCard("CRVAL2", -80.47),
 *   formatCard("CRPIX1", 50), formatCard("CRPIX2", 60),
 *   formatCard("CD1_1", -0.0057), formatCard("CD1_2", 0.0002),
 *   formatCard("CD2_1", 0.0003), formatCard("CD2_2", 0.0056),
 * ]));
 * const full = wcs(header);
 * const fit = fitLinearTan(full, [40, 45], [11, 9]);
 * assert.ok(fit.maxSeparation > 0 && fit.maxSeparation < 1e-7, `${fit.maxSeparation} deg`);
 * const sky = tanPixelToSky(fit, 3, 4); // cutout pixel (3, 4) is image pixel (43, 49)
 * const want = full.pixelToSky(43, 49);
 * assert.ok(Math.abs(sky.ra - want.ra) < 1e-6 && Math.abs(sky.dec - want.dec) < 1e-7);
 * ```
 */
export function fitLinearTan(
  full: Wcs,
  lo: readonly [number, number],
  shape: readonly [number, number],
): LinearTan {
  const [width, height] = shape;
  const fit = width >= 2 && height >= 2 ? leastSquaresFit(full, lo, shape) : tangentAt(full, lo, shape);
  let maxSeparation = 0;
  let sum = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const want = full.pixelToSky(lo[0] + x, lo[1] + y);
      const got = tanPixelToSky(fit, x, y);
      const separation = angularSeparation(want.ra, want.dec, got.ra, got.dec);
      maxSeparation = Math.max(maxSeparation, separation);
      sum += separation ** 2;
    }
  }
  return { ...fit, maxSeparation, sigma: Math.sqrt(sum) };
}

type LinearPart = Pick<LinearTan, "crval" | "crpix" | "cd">;

/** astropy's fit over astrocut's sample of pixels: CRVAL at the sample's centre, CD and CRPIX fitted. */
function leastSquaresFit(
  full: Wcs,
  lo: readonly [number, number],
  shape: readonly [number, number],
): LinearPart {
  const [width, height] = shape;
  const xs = sampleAxis(width, height);
  const ys = sampleAxis(height, width);
  const points: { x: number; y: number; ra: number; dec: number }[] = [];
  for (const x of xs) {
    for (const y of ys) points.push({ x, y, ...full.pixelToSky(lo[0] + x, lo[1] + y) });
  }
  // astropy's "center": the midpoint of the great circle from (min RA, max Dec) to (max RA, min Dec).
  const ras = points.map((p) => p.ra);
  const decs = points.map((p) => p.dec);
  const crval = midpoint(Math.min(...ras), Math.max(...decs), Math.max(...ras), Math.min(...decs));
  // Least squares of the projected positions on the pixels: ξ = a x + b y + c, η = d x + e y + f.
  const rows = points.map((p) => [p.x, p.y, 1]);
  const projected = points.map((p) => project(crval, p.ra, p.dec));
  const [a, b, c] = leastSquares(rows, projected.map((q) => q[0]));
  const [d, e, f] = leastSquares(rows, projected.map((q) => q[1]));
  const det = a * e - b * d;
  // CD · (p − p0) = ξη  ⇒  p0 = −CD⁻¹ (c, f).
  const x0 = -(e * c - b * f) / det;
  const y0 = -(-d * c + a * f) / det;
  return { crval, crpix: [x0 + 1, y0 + 1], cd: [a, b, d, e] };
}

/**
 * A box one pixel wide or high cannot fix a 2-D fit: take the WCS's tangent there instead (CRVAL at the
 * box's centre, CD from the projected positions half a pixel either side).
 */
function tangentAt(full: Wcs, lo: readonly [number, number], shape: readonly [number, number]): LinearPart {
  const [cx, cy] = [(shape[0] - 1) / 2, (shape[1] - 1) / 2];
  const centre = full.pixelToSky(lo[0] + cx, lo[1] + cy);
  const crval: [number, number] = [centre.ra, centre.dec];
  const at = (dx: number, dy: number) => {
    const sky = full.pixelToSky(lo[0] + cx + dx, lo[1] + cy + dy);
    return project(crval, sky.ra, sky.dec);
  };
  const [xPlus, xMinus, yPlus, yMinus] = [at(0.5, 0), at(-0.5, 0), at(0, 0.5), at(0, -0.5)];
  return {
    crval,
    crpix: [cx + 1, cy + 1],
    cd: [xPlus[0] - xMinus[0], yPlus[0] - yMinus[0], xPlus[1] - xMinus[1], yPlus[1] - yMinus[1]],
  };
}

/**
 * A linear TAN WCS's sky position of a pixel (0-based, in the cutout).
 *
 * @param fit The WCS.
 * @param x Column.
 * @param y Row.
 * @returns RA and Dec in degrees.
 *
 * @example The reference pixel maps to the reference point
 * ```ts
 * import assert from "node:assert/strict";
 * import { tanPixelToSky } from "./linear_fit.ts";
 *
 * const fit = { crval: [10, 20] as [number, number], crpix: [3, 4] as [number, number], cd: [-1e-3, 0, 0, 1e-3] as [number, number, number, number] };
 * assert.deepEqual(tanPixelToSky(fit, 2, 3), { ra: 10, dec: 20 });
 * ```
 */
export function tanPixelToSky(
  fit: Pick<LinearTan, "crval" | "crpix" | "cd">,
  x: number,
  y: number,
): { ra: number; dec: number } {
  const u = x + 1 - fit.crpix[0];
  const v = y + 1 - fit.crpix[1];
  const xi = (fit.cd[0] * u + fit.cd[1] * v) * RAD;
  const eta = (fit.cd[2] * u + fit.cd[3] * v) * RAD;
  const [ra0, dec0] = [fit.crval[0] * RAD, fit.crval[1] * RAD];
  const denominator = Math.cos(dec0) - eta * Math.sin(dec0);
  const ra = (ra0 + Math.atan2(xi, denominator)) / RAD;
  const dec = Math.atan2(Math.sin(dec0) + eta * Math.cos(dec0), Math.hypot(xi, denominator)) / RAD;
  return { ra: ((ra % 360) + 360) % 360, dec };
}

/** astrocut's sample: every i-th pixel from the middle outwards, i the smallest step keeping ≤ 100 points, plus both ends. */
function sampleAxis(length: number, other: number): number[] {
  let step = 1;
  while ((length / step) * (other / step) > 100) step++;
  const middle = Math.floor(length / 2);
  const values: number[] = [];
  for (let v = middle; v >= 0; v -= step) values.unshift(v);
  values.pop(); // the middle is added again by the upward run
  for (let v = middle; v < length; v += step) values.push(v);
  if (values[values.length - 1] !== length - 1) values.push(length - 1);
  if (values[0] !== 0) values.unshift(0);
  return values;
}

function unit(ra: number, dec: number): [number, number, number] {
  return [
    Math.cos(dec * RAD) * Math.cos(ra * RAD),
    Math.cos(dec * RAD) * Math.sin(ra * RAD),
    Math.sin(dec * RAD),
  ];
}

function midpoint(ra1: number, dec1: number, ra2: number, dec2: number): [number, number] {
  const a = unit(ra1, dec1);
  const b = unit(ra2, dec2);
  const [x, y, z] = [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
  const ra = Math.atan2(y, x) / RAD;
  return [((ra % 360) + 360) % 360, Math.atan2(z, Math.hypot(x, y)) / RAD];
}

/** Gnomonic projection at `center` (native pole at LONPOLE 180): ξ, η in degrees. */
function project(center: readonly [number, number], ra: number, dec: number): [number, number] {
  const [ra0, dec0] = [center[0] * RAD, center[1] * RAD];
  const [a, d] = [ra * RAD - ra0, dec * RAD];
  const cosc = Math.sin(dec0) * Math.sin(d) + Math.cos(dec0) * Math.cos(d) * Math.cos(a);
  const xi = (Math.cos(d) * Math.sin(a)) / cosc;
  const eta = (Math.cos(dec0) * Math.sin(d) - Math.sin(dec0) * Math.cos(d) * Math.cos(a)) / cosc;
  return [xi / RAD, eta / RAD];
}

/** Solve the 3-parameter least-squares problem through its normal equations (Cramer's rule). */
function leastSquares(rows: number[][], values: number[]): [number, number, number] {
  const m = [[0, 0, 0], [0, 0, 0], [0, 0, 0]];
  const v = [0, 0, 0];
  rows.forEach((row, k) => {
    for (let i = 0; i < 3; i++) {
      v[i] += row[i] * values[k];
      for (let j = 0; j < 3; j++) m[i][j] += row[i] * row[j];
    }
  });
  const det3 = (a: number[][]) =>
    a[0][0] * (a[1][1] * a[2][2] - a[1][2] * a[2][1]) -
    a[0][1] * (a[1][0] * a[2][2] - a[1][2] * a[2][0]) +
    a[0][2] * (a[1][0] * a[2][1] - a[1][1] * a[2][0]);
  const det = det3(m);
  const solve = (i: number) => det3(m.map((row, r) => row.map((x, c) => (c === i ? v[r] : x)))) / det;
  return [solve(0), solve(1), solve(2)];
}
