/**
 * FK4 (B1950-era) positions as astropy converts them: FK5 J2000 ↔ FK4 without E-terms through the
 * rotating-system matrix of Murray (1989) and Newcomb's precession, then the elliptic terms of aberration
 * (E-terms) of the equinox added or removed (astropy `fk4.py`, `fk4_fk5_transforms.py`, `earth_orientation.py`).
 *
 * @module
 */
import type { Matrix } from "./linear.ts";
import { apply, product, rotation, transpose } from "./_vectors.ts";

const D2R = Math.PI / 180;

/** astropy's `_B1950_TO_J2000_M`. */
const B1950_TO_J2000: Matrix = [
  [0.9999256794956877, -0.0111814832204662, -0.0048590038153592],
  [0.0111814832391717, +0.9999374848933135, -0.0000271625947142],
  [0.0048590037723143, -0.0000271702937440, +0.9999881946023742],
];
/** astropy's `_FK4_CORR` (per Julian century from 1950), already × 1e-6. */
const FK4_CORRECTION: Matrix = [
  [-0.0026455262e-6, -1.1539918689e-6, +2.1111346190e-6],
  [+1.1540628161e-6, -0.0129042997e-6, +0.0236021478e-6],
  [-2.1112979048e-6, -0.0056024448e-6, +0.0102587734e-6],
];

/** Julian date (TT) of a Besselian epoch (erfa `epb2jd`). */
function besselianJd(epoch: number): number {
  return 2400000.5 + 15019.81352 + (epoch - 1900) * 365.242198781;
}

/** JD of B1950.0, astropy's `jd1950`. */
const JD1950 = besselianJd(1950);

const polyval = (coefficients: number[], t: number) => coefficients.reduce((sum, c) => sum * t + c, 0);

/** astropy's `_fk4_B_matrix(obstime)`: the FK4 → FK5 rotation at an observation epoch (Besselian). */
function rotatingSystemMatrix(obstime: number): Matrix {
  const centuries = ((besselianJd(obstime) - 2451545) / 365.25 + 2000 - 1950) / 100;
  return B1950_TO_J2000.map((row, i) => row.map((v, j) => v + FK4_CORRECTION[i][j] * centuries));
}

/** astropy's `_precession_matrix_besselian` (Newcomb), between Besselian epochs. */
function newcombPrecession(from: number, to: number): Matrix {
  const t1 = (from - 1850) / 1000;
  const dt = (to - from) / 1000;
  const zeta = polyval([17.995, 30.24 - 0.27 * t1, 23035.545 + t1 * 139.72 + 0.06 * t1 * t1, 0], dt) / 3600;
  const z = polyval([18.325, 109.48 + 0.39 * t1, 23035.545 + t1 * 139.72 + 0.06 * t1 * t1, 0], dt) / 3600;
  const theta = polyval([-41.8, -42.65 - 0.37 * t1, 20051.12 - 85.29 * t1 - 0.37 * t1 * t1, 0], dt) / 3600;
  return product(rotation("z", -z * D2R), rotation("y", theta * D2R), rotation("z", -zeta * D2R));
}

/** astropy's `fk4_e_terms(equinox)`: the E-terms vector of a Besselian equinox. */
function eTerms(equinox: number): number[] {
  const jd = besselianJd(equinox);
  const T = (jd - JD1950) / 36525;
  const k = 0.0056932 * D2R;
  const e = polyval([-0.000000126, -0.00004193, 0.01673011], T);
  const g = polyval([0.012, 1.65, 6190.67, 1015489.951], T) / 3600 * D2R;
  // erfa obl80: IAU 1980 mean obliquity.
  const t = (jd - 2451545) / 36525;
  const o = (84381.448 + (-46.815 + (-0.00059 + 0.001813 * t) * t) * t) / 3600 * D2R;
  return [e * k * Math.sin(g), -e * k * Math.cos(g) * Math.cos(o), -e * k * Math.cos(g) * Math.sin(o)];
}

const dot = (a: readonly number[], b: readonly number[]) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];

/**
 * FK5 J2000 → FK4 at a Besselian equinox (observation epoch = the equinox, astropy's default).
 *
 * @param v Unit vector in FK5 J2000.
 * @param equinox Besselian epoch, e.g. 1950.
 * @param withETerms False for FK4-NO-E.
 * @returns Vector in FK4 (not normalized).
 */
export function fk5ToFk4(v: readonly number[], equinox: number, withETerms: boolean): number[] {
  const noE = apply(product(newcombPrecession(1950, equinox), transpose(rotatingSystemMatrix(equinox))), v);
  if (!withETerms) return noE;
  const a = eTerms(equinox);
  let r = noE;
  // astropy adds the E-terms by ten fixed-point steps.
  for (let i = 0; i < 10; i++) {
    const scale = 1 + dot(a, r);
    r = [(a[0] + noE[0]) / scale, (a[1] + noE[1]) / scale, (a[2] + noE[2]) / scale];
  }
  return r;
}

/**
 * FK4 at a Besselian equinox → FK5 J2000.
 *
 * @param v Unit vector in FK4.
 * @param equinox Besselian epoch.
 * @param withETerms False for FK4-NO-E.
 * @returns Vector in FK5 J2000 (not normalized).
 */
export function fk4ToFk5(v: readonly number[], equinox: number, withETerms: boolean): number[] {
  let r = v;
  if (withETerms) {
    const a = eTerms(equinox);
    const ar = dot(a, v);
    r = [v[0] - a[0] + ar * v[0], v[1] - a[1] + ar * v[1], v[2] - a[2] + ar * v[2]];
    const norm = Math.hypot(r[0], r[1], r[2]);
    r = r.map((c) => c / norm);
  }
  return apply(product(rotatingSystemMatrix(equinox), newcombPrecession(equinox, 1950)), r);
}
