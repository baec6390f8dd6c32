/**
 * The linear part of a WCS (FITS WCS Paper I): the matrix that takes pixel offsets from CRPIX to
 * intermediate world coordinates, from CDi_j, or PCi_j with CDELTi, or legacy CDELTi with CROTAi.
 *
 * @module
 */
import { cosd, sind } from "./_trig.ts";
import { wcsError, type WcsKeywords } from "./keywords.ts";

/** A square matrix, row-major: `m[i][j]` multiplies pixel axis j into world axis i. */
export type Matrix = number[][];

/**
 * The CD-equivalent matrix (CDELT folded in) of a description, before unit scaling, chosen as wcslib
 * chooses: PCi_j if any is present, else CDi_j, else CROTA on the latitude axis, else the CDELTs alone.
 *
 * @param keywords The description's keywords.
 * @param naxis Number of axes.
 * @param lonAxis 0-based longitude axis (for CROTA), or -1.
 * @param latAxis 0-based latitude axis (for CROTA), or -1.
 * @returns The matrix.
 */
export function linearMatrix(keywords: WcsKeywords, naxis: number, lonAxis: number, latAxis: number): Matrix {
  const axes = [...Array(naxis).keys()];
  const cdelt = axes.map((i) => keywords.number(`CDELT${i + 1}`, 1)!);
  const find = (prefix: string) =>
    axes.some((i) => axes.some((j) => keywords.has(`${prefix}${i + 1}_${j + 1}`)));
  if (find("PC")) {
    return axes.map((i) =>
      axes.map((j) => cdelt[i] * keywords.number(`PC${i + 1}_${j + 1}`, i === j ? 1 : 0)!)
    );
  }
  if (find("CD")) {
    const cd: Matrix = axes.map((i) => axes.map((j) => keywords.number(`CD${i + 1}_${j + 1}`, 0)!));
    // An axis with no CD keyword at all gets a unit diagonal (wcslib's cdfix, which astropy applies).
    for (const i of axes) if (!cd[i].some((v) => v !== 0) && !axes.some((k) => cd[k][i] !== 0)) cd[i][i] = 1;
    return cd;
  }
  const matrix: Matrix = axes.map((i) => axes.map((j) => i === j ? cdelt[i] : 0));
  const rho = latAxis >= 0 ? keywords.number(`CROTA${latAxis + 1}`) : undefined;
  if (rho !== undefined && rho !== 0) {
    const [lon, lat] = [lonAxis, latAxis];
    matrix[lon][lon] = cdelt[lon] * cosd(rho);
    matrix[lon][lat] = -cdelt[lat] * sind(rho);
    matrix[lat][lon] = cdelt[lon] * sind(rho);
    matrix[lat][lat] = cdelt[lat] * cosd(rho);
  }
  return matrix;
}

/**
 * Invert a matrix by Gauss–Jordan elimination with partial pivoting.
 *
 * @param matrix A square matrix.
 * @param what Names the matrix's keywords in the error.
 * @returns The inverse.
 * @throws CloudFitsError BAD_HEADER when the matrix is singular.
 */
export function invert(matrix: Matrix, what: string): Matrix {
  const n = matrix.length;
  const work = matrix.map((row, i) => [...row, ...row.map((_, j) => i === j ? 1 : 0)]);
  const scale = Math.max(...matrix.flat().map(Math.abs));
  for (let column = 0; column < n; column++) {
    let pivot = column;
    for (let row = column + 1; row < n; row++) {
      if (Math.abs(work[row][column]) > Math.abs(work[pivot][column])) pivot = row;
    }
    if (!(Math.abs(work[pivot][column]) > scale * 1e-14)) {
      throw wcsError("BAD_HEADER", `the linear transformation (${what}) is singular`);
    }
    [work[column], work[pivot]] = [work[pivot], work[column]];
    const divisor = work[column][column];
    for (let k = 0; k < 2 * n; k++) work[column][k] /= divisor;
    for (let row = 0; row < n; row++) {
      if (row === column || work[row][column] === 0) continue;
      const factor = work[row][column];
      for (let k = 0; k < 2 * n; k++) work[row][k] -= factor * work[column][k];
    }
  }
  return work.map((row) => row.slice(n));
}

/**
 * Multiply a matrix by a vector.
 *
 * @param matrix The matrix.
 * @param vector A vector of the matrix's width.
 * @returns The product.
 */
export function multiply(matrix: Matrix, vector: readonly number[]): number[] {
  return matrix.map((row) => row.reduce((sum, value, j) => sum + value * vector[j], 0));
}
