/**
 * HEALPix cells in the nested scheme (Górski et al. 2005, ApJ 622, 759): the equal-area hierarchical
 * grid the index's sky directory is keyed by. Only what the directory needs: the cell of a position, a
 * cell's centre, a bound on a cell's size, and the cells a cone touches. Cell numbers are part of the
 * index format, so they live here (pure arithmetic) rather than in the WCS engine.
 *
 * @module
 */

/** The finest order the sky directory uses: 12 × 4^13 cells of about 0.0072° (26″). */
export const MAX_ORDER = 13;

const HALF_PI = Math.PI / 2;
const D2R = Math.PI / 180;
/** Per base face: the ring number (in units of nside) of its southmost corner, and its longitude index. */
const FACE_RING = [2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4];
const FACE_LON = [1, 3, 5, 7, 0, 2, 4, 6, 1, 3, 5, 7];

/** Spread the low 16 bits of `v` to the even bit positions. */
function spread(v: number): number {
  let x = v & 0xffff;
  x = (x | (x << 8)) & 0x00ff00ff;
  x = (x | (x << 4)) & 0x0f0f0f0f;
  x = (x | (x << 2)) & 0x33333333;
  return (x | (x << 1)) & 0x55555555;
}

/** Gather the even bit positions of `v` (the inverse of `spread`). */
function gather(v: number): number {
  let x = v & 0x55555555;
  x = (x | (x >>> 1)) & 0x33333333;
  x = (x | (x >>> 2)) & 0x0f0f0f0f;
  x = (x | (x >>> 4)) & 0x00ff00ff;
  return (x | (x >>> 8)) & 0xffff;
}

function checkOrder(order: number): number {
  if (!Number.isInteger(order) || order < 0 || order > MAX_ORDER) {
    throw new RangeError(`HEALPix order must be an integer from 0 to ${MAX_ORDER}: got ${order}`);
  }
  return 1 << order;
}

/**
 * The nested cell holding a position (astropy_healpix's nested `lonlat_to_healpix`; a position exactly on a cell edge may go to
 * either neighbour, consistently here).
 *
 * @param order The order: nside = 2^order, 0 ≤ order ≤ {@linkcode MAX_ORDER}.
 * @param lon Longitude in degrees (any value; taken modulo 360).
 * @param lat Latitude in degrees, −90 to 90.
 * @returns The cell number, 0 ≤ cell < 12 × 4^order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cellOf } from "./healpix.ts";
 *
 * // astropy_healpix: HEALPix(nside=4, order="nested").lonlat_to_healpix(83.8°, -5.4°) == 83
 * assert.equal(cellOf(2, 83.8, -5.4), 83);
 * assert.equal(cellOf(0, 0, 90), 0);
 * ```
 */
export function cellOf(order: number, lon: number, lat: number): number {
  const nside = checkOrder(order);
  const z = Math.sin(lat * D2R);
  const za = Math.abs(z);
  let phi = (lon % 360) * D2R;
  if (phi < 0) phi += 2 * Math.PI;
  const tt = Math.min(phi / HALF_PI, 4 - 1e-15);
  let face: number, ix: number, iy: number;
  if (za <= 2 / 3) {
    const t1 = nside * (0.5 + tt);
    const t2 = nside * z * 0.75;
    const jp = Math.floor(t1 - t2);
    const jm = Math.floor(t1 + t2);
    const ifp = Math.floor(jp / nside);
    const ifm = Math.floor(jm / nside);
    face = ifp === ifm ? (ifp | 4) : ifp < ifm ? ifp : ifm + 8;
    ix = jm & (nside - 1);
    iy = nside - (jp & (nside - 1)) - 1;
  } else {
    const ntt = Math.min(3, Math.floor(tt));
    const tp = tt - ntt;
    const tmp = nside * Math.sqrt(3 * (1 - za));
    const jp = Math.min(nside - 1, Math.floor(tp * tmp));
    const jm = Math.min(nside - 1, Math.floor((1 - tp) * tmp));
    if (z >= 0) [face, ix, iy] = [ntt, nside - jm - 1, nside - jp - 1];
    else [face, ix, iy] = [ntt + 8, jp, jm];
  }
  return face * nside * nside + (spread(ix) | (spread(iy) << 1)) >>> 0;
}

/**
 * The centre of a nested cell (astropy_healpix's nested `healpix_to_lonlat`).
 *
 * @param order The order.
 * @param cell The cell number.
 * @returns [longitude in [0, 360), latitude], degrees.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cellCentre } from "./healpix.ts";
 *
 * const [lon, lat] = cellCentre(2, 83); // astropy_healpix: (90, -9.594068226860461)
 * assert.ok(Math.abs(lon - 90) < 1e-9 && Math.abs(lat + 9.594068226860461) < 1e-9);
 * ```
 */
export function cellCentre(order: number, cell: number): [number, number] {
  const nside = checkOrder(order);
  const perFace = nside * nside;
  const face = Math.floor(cell / perFace);
  const within = cell - face * perFace;
  const ix = gather(within);
  const iy = gather(within >>> 1);
  const jr = FACE_RING[face] * nside - ix - iy - 1;
  let nr: number, z: number, shift: number;
  if (jr < nside) {
    nr = jr;
    z = 1 - nr * nr / (3 * perFace);
    shift = 0;
  } else if (jr > 3 * nside) {
    nr = 4 * nside - jr;
    z = nr * nr / (3 * perFace) - 1;
    shift = 0;
  } else {
    nr = nside;
    z = (2 * nside - jr) * 2 / (3 * nside);
    shift = (jr - nside) & 1;
  }
  let jp = (FACE_LON[face] * nr + ix - iy + 1 + shift) / 2;
  if (jp > 4 * nside) jp -= 4 * nside;
  if (jp < 1) jp += 4 * nside;
  const lon = (jp - (shift + 1) * 0.5) * (HALF_PI / nr) / D2R;
  return [lon % 360, Math.asin(z) / D2R];
}

/**
 * An upper bound, in degrees, on the distance from a cell's centre to any point of the cell: 72°/nside.
 * The largest distance is 48.1° at order 0 and about 60°/nside at higher orders (sampled in the tests);
 * erring 20% wide only adds candidates that the exact WCS test then drops.
 *
 * @param order The order.
 * @returns The bound in degrees.
 */
export function cellRadius(order: number): number {
  return 72 / checkOrder(order);
}

/**
 * The cells of an order that may touch a cone (every cell that does, and some near it), ascending:
 * a descent from the 12 base cells that keeps a cell while its bounding cone meets the given one.
 *
 * @param order The order.
 * @param lon Cone centre longitude, degrees.
 * @param lat Cone centre latitude, degrees.
 * @param radius Cone radius, degrees (0 for a point).
 * @returns Cell numbers, ascending.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { cellOf, cellsInCone } from "./healpix.ts";
 *
 * assert.ok(cellsInCone(6, 10, 20, 0).includes(cellOf(6, 10, 20)));
 * assert.equal(cellsInCone(0, 10, 20, 180).length, 12);
 * ```
 */
export function cellsInCone(order: number, lon: number, lat: number, radius: number): number[] {
  checkOrder(order);
  const cells: number[] = [];
  const visit = (level: number, cell: number): void => {
    const [clon, clat] = cellCentre(level, cell);
    if (separation(lon, lat, clon, clat) > radius + cellRadius(level)) return;
    if (level === order) {
      cells.push(cell);
      return;
    }
    for (let child = 0; child < 4; child++) visit(level + 1, cell * 4 + child);
  };
  for (let base = 0; base < 12; base++) visit(0, base);
  return cells;
}

/** Great-circle distance in degrees (haversine: exact for small angles). */
export function separation(lon1: number, lat1: number, lon2: number, lat2: number): number {
  const s = Math.sin((lat2 - lat1) * D2R / 2) ** 2 +
    Math.cos(lat1 * D2R) * Math.cos(lat2 * D2R) * Math.sin((lon2 - lon1) * D2R / 2) ** 2;
  return 2 * Math.asin(Math.min(1, Math.sqrt(s))) / D2R;
}

/**
 * The order a footprint is filed at: the finest whose cells are still at least as large as the
 * footprint's bounding cone, so that it lands in a handful of cells, never in thousands.
 *
 * @param radius The footprint's bounding-cone radius, degrees.
 * @returns An order from 0 to {@linkcode MAX_ORDER}.
 */
export function orderForRadius(radius: number): number {
  let order = 0;
  while (order < MAX_ORDER && cellRadius(order + 1) >= radius) order++;
  return order;
}
