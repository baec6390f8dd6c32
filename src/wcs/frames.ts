/**
 * Celestial frames, converted the way astropy converts them: ICRS → FK5 is the frame bias of USNO
 * Circular 179 followed by IAU 2006 precession from J2000 to the equinox (erfa `bp06`), and Galactic is
 * reached through FK5 J2000 with astropy's pole and origin. Rotations are on unit vectors.
 *
 * @module
 */
import type { Matrix } from "./linear.ts";

/** A celestial reference frame the engine converts to and from ICRS. */
export type CelestialFrame = "icrs" | "fk5" | "galactic";

const D2R = Math.PI / 180;
/** Arcseconds to radians. */
const AS2R = D2R / 3600;

/** astropy's `rotation_matrix(angle, axis)`: a rotation of the coordinate system, angle in radians. */
function rotation(axis: "x" | "y" | "z", angle: number): Matrix {
  const c = Math.cos(angle), s = Math.sin(angle);
  if (axis === "x") return [[1, 0, 0], [0, c, s], [0, -s, c]];
  if (axis === "y") return [[c, 0, -s], [0, 1, 0], [s, 0, c]];
  return [[c, s, 0], [-s, c, 0], [0, 0, 1]];
}

function product(...matrices: Matrix[]): Matrix {
  return matrices.reduce((a, b) =>
    a.map((row) => b[0].map((_, j) => row.reduce((sum, v, k) => sum + v * b[k][j], 0)))
  );
}

function transpose(matrix: Matrix): Matrix {
  return matrix[0].map((_, j) => matrix.map((row) => row[j]));
}

/** The ICRS → FK5 J2000 frame bias (astropy's `_ICRS_TO_FK5_J2000_MAT`). */
const FRAME_BIAS = product(
  rotation("x", (19.9 / 3.6e6) * D2R),
  rotation("y", (9.1 / 3.6e6) * D2R),
  rotation("z", (-22.9 / 3.6e6) * D2R),
);

/** FK5 J2000 → Galactic (astropy's `fk5_to_gal` with its J2000 pole and longitude origin). */
const FK5_TO_GALACTIC = product(
  rotation("z", (180 - 122.9319185680026) * D2R),
  rotation("y", (90 - 27.12825118085622) * D2R),
  rotation("z", 192.8594812065348 * D2R),
);

/** erfa `fw2m` of the IAU 2006 Fukushima–Williams angles (`pfw06`) at a Julian epoch (TT): the bias-precession
 * matrix from GCRS to the mean equator and equinox of the epoch. */
function biasPrecession(epoch: number): Matrix {
  const t = (epoch - 2000) / 100;
  const poly = (c: number[]) => c.reduceRight((sum, coefficient) => sum * t + coefficient, 0) * AS2R;
  const gamb = poly([-0.052928, 10.556378, 0.4932044, -0.00031238, -0.000002788, 0.0000000260]);
  const phib = poly([84381.412819, -46.811016, 0.0511268, 0.00053289, -0.00000044, -0.0000000176]);
  const psib = poly([-0.041775, 5038.481484, 1.5584175, -0.00018522, -0.000026452, -0.0000000148]);
  const epsa = poly([84381.406, -46.836769, -0.0001831, 0.00200340, -0.000000576, -0.0000000434]);
  return product(rotation("x", -epsa), rotation("z", -psib), rotation("x", phib), rotation("z", gamb));
}

/** erfa `bp06`'s precession matrix (bias removed) from J2000 to a Julian epoch. */
function precessionFromJ2000(epoch: number): Matrix {
  return product(biasPrecession(epoch), transpose(biasPrecession(2000)));
}

/** astropy's FK5 `_precession_matrix(J2000, equinox)`: through J2000 with erfa `bp06` at both ends. */
function fk5Precession(equinox: number): Matrix {
  return product(precessionFromJ2000(equinox), transpose(precessionFromJ2000(2000)));
}

/**
 * The rotation from ICRS to a frame.
 *
 * @param frame The target frame.
 * @param equinox The FK5 equinox, a Julian epoch (ignored for other frames).
 * @returns A matrix for unit vectors: frame = M · icrs.
 */
export function icrsToFrame(frame: CelestialFrame, equinox = 2000): Matrix {
  if (frame === "icrs") return [[1, 0, 0], [0, 1, 0], [0, 0, 1]];
  if (frame === "fk5") return product(fk5Precession(equinox), FRAME_BIAS);
  return product(FK5_TO_GALACTIC, fk5Precession(2000), fk5Precession(2000), FRAME_BIAS);
}

/**
 * Rotate a position between frames.
 *
 * @param matrix From {@linkcode icrsToFrame} (or its transpose for the way back).
 * @param lon Longitude, degrees.
 * @param lat Latitude, degrees.
 * @returns [lon in [0, 360), lat], degrees.
 */
export function rotatePosition(matrix: Matrix, lon: number, lat: number): [number, number] {
  const cosLat = Math.cos(lat * D2R);
  const v = [cosLat * Math.cos(lon * D2R), cosLat * Math.sin(lon * D2R), Math.sin(lat * D2R)];
  const [x, y, z] = matrix.map((row) => row[0] * v[0] + row[1] * v[1] + row[2] * v[2]);
  let outLon = Math.atan2(y, x) / D2R;
  if (outLon < 0) outLon += 360;
  if (outLon >= 360) outLon -= 360;
  return [outLon, Math.atan2(z, Math.hypot(x, y)) / D2R];
}

/** The transpose of a rotation: its inverse. */
export { transpose as inverseRotation };
