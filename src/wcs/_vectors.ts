/**
 * 3 × 3 rotations and unit vectors on the sphere, in astropy's conventions (`rotation_matrix` rotates the
 * coordinate system, not the vector).
 *
 * @module
 */
import type { Matrix } from "./linear.ts";

const D2R = Math.PI / 180;

/** astropy's `rotation_matrix(angle, axis)`, angle in radians. */
export function rotation(axis: "x" | "y" | "z", angle: number): Matrix {
  const c = Math.cos(angle), s = Math.sin(angle);
  if (axis === "x") return [[1, 0, 0], [0, c, s], [0, -s, c]];
  if (axis === "y") return [[c, 0, -s], [0, 1, 0], [s, 0, c]];
  return [[c, s, 0], [-s, c, 0], [0, 0, 1]];
}

/** The product of 3 × 3 matrices, left to right. */
export function product(...matrices: Matrix[]): Matrix {
  return matrices.reduce((a, b) =>
    a.map((row) => b[0].map((_, j) => row.reduce((sum, v, k) => sum + v * b[k][j], 0)))
  );
}

/** The transpose: the inverse of a rotation. */
export function transpose(matrix: Matrix): Matrix {
  return matrix[0].map((_, j) => matrix.map((row) => row[j]));
}

/** A matrix times a 3-vector. */
export function apply(matrix: Matrix, v: readonly number[]): number[] {
  return matrix.map((row) => row[0] * v[0] + row[1] * v[1] + row[2] * v[2]);
}

/** (lon, lat) in degrees → unit vector. */
export function toVector(lon: number, lat: number): number[] {
  const cosLat = Math.cos(lat * D2R);
  return [cosLat * Math.cos(lon * D2R), cosLat * Math.sin(lon * D2R), Math.sin(lat * D2R)];
}

/** Any non-zero vector → (lon in [0, 360), lat) in degrees. */
export function fromVector([x, y, z]: readonly number[]): [number, number] {
  let lon = Math.atan2(y, x) / D2R;
  if (lon < 0) lon += 360;
  if (lon >= 360) lon -= 360;
  return [lon, Math.atan2(z, Math.hypot(x, y)) / D2R];
}
