/**
 * The SIP distortion convention (Shupe et al. 2005): polynomials A and B add to the pixel offsets from
 * CRPIX before the linear transformation. World → pixel converges on A and B themselves, as astropy's
 * `all_world2pix` does; AP and BP (a fitted inverse, off by up to 0.26 px in real TESS headers) are not used.
 *
 * @module
 */
import { CloudFitsError } from "../errors.ts";
import { wcsError, type WcsKeywords } from "./keywords.ts";

/** One polynomial: terms c · u^p · v^q. */
type Polynomial = { p: number; q: number; c: number }[];

/** The forward SIP distortion. */
export interface Sip {
  /** (u, v) pixel offsets from CRPIX → the distorted offsets (u + f, v + g). */
  distort(u: number, v: number): [number, number];
  /** Inverse of `distort`, by Newton iteration to 1e-12 px (or to rounding). */
  undistort(u: number, v: number): [number, number];
}

function readPolynomial(keywords: WcsKeywords, name: "A" | "B"): Polynomial {
  const order = keywords.plainNumber(`${name}_ORDER`);
  if (order === undefined) {
    throw wcsError("BAD_HEADER", `SIP distortion needs ${name}_ORDER, which is missing`);
  }
  if (!Number.isInteger(order) || order < 0 || order > 9) {
    throw wcsError("BAD_HEADER", `${name}_ORDER must be an integer from 0 to 9: got ${order}`);
  }
  const terms: Polynomial = [];
  for (let p = 0; p <= order; p++) {
    for (let q = 0; p + q <= order; q++) {
      const c = keywords.plainNumber(`${name}_${p}_${q}`, 0)!;
      if (c !== 0) terms.push({ p, q, c });
    }
  }
  return terms;
}

function evaluate(terms: Polynomial, u: number, v: number): number {
  let sum = 0;
  for (const { p, q, c } of terms) sum += c * u ** p * v ** q;
  return sum;
}

/** ∂/∂u and ∂/∂v of a polynomial. */
function gradient(terms: Polynomial, u: number, v: number): [number, number] {
  let du = 0, dv = 0;
  for (const { p, q, c } of terms) {
    if (p > 0) du += c * p * u ** (p - 1) * v ** q;
    if (q > 0) dv += c * q * u ** p * v ** (q - 1);
  }
  return [du, dv];
}

/**
 * Read the SIP polynomials, if the header has any (A_ORDER present, as astropy decides).
 *
 * @param keywords The header's keywords.
 * @param declared Whether a CTYPE ends in -SIP.
 * @returns The distortion, or `undefined` without SIP.
 * @throws CloudFitsError BAD_HEADER when CTYPE declares SIP but A_ORDER or B_ORDER is missing.
 */
export function readSip(keywords: WcsKeywords, declared: boolean): Sip | undefined {
  if (!declared && keywords.plainNumber("A_ORDER") === undefined) return undefined;
  const a = readPolynomial(keywords, "A");
  const b = readPolynomial(keywords, "B");
  return {
    distort(u, v) {
      return [u + evaluate(a, u, v), v + evaluate(b, u, v)];
    },
    undistort(targetU, targetV) {
      let u = targetU, v = targetV;
      for (let iteration = 0; iteration < 50; iteration++) {
        const [du, dv] = [u + evaluate(a, u, v) - targetU, v + evaluate(b, u, v) - targetV];
        if (Math.abs(du) < 1e-12 && Math.abs(dv) < 1e-12) return [u, v];
        const [au, av] = gradient(a, u, v);
        const [bu, bv] = gradient(b, u, v);
        const [j11, j12, j21, j22] = [1 + au, av, bu, 1 + bv];
        const determinant = j11 * j22 - j12 * j21;
        if (!Number.isFinite(determinant) || determinant === 0) break;
        const [stepU, stepV] = [(j22 * du - j12 * dv) / determinant, (j11 * dv - j21 * du) / determinant];
        u -= stepU;
        v -= stepV;
        if (!Number.isFinite(u) || !Number.isFinite(v)) break;
        // Converged to rounding: the step is below what the offsets' magnitude can resolve.
        if (Math.abs(stepU) + Math.abs(stepV) <= 1e-14 * (1 + Math.abs(u) + Math.abs(v))) return [u, v];
      }
      throw new CloudFitsError(
        "OUT_OF_RANGE",
        `Cannot invert the SIP distortion at pixel offset (${targetU}, ${targetV}) from CRPIX: no convergence`,
      );
    },
  };
}
