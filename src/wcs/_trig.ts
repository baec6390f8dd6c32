/**
 * Trigonometry in degrees that is exact at multiples of 90°, as wcslib's is: cosd(90) is 0, not
 * 6.1e-17, so the reference point of a zenithal projection maps to CRPIX exactly.
 *
 * @module
 */

const D2R = Math.PI / 180;
const R2D = 180 / Math.PI;

/** The sine of an angle in degrees, exact at multiples of 90°. */
export function sind(degrees: number): number {
  if (degrees % 90 === 0) return [0, 1, 0, -1][((degrees / 90) % 4 + 4) % 4];
  return Math.sin(degrees * D2R);
}

/** The cosine of an angle in degrees, exact at multiples of 90°. */
export function cosd(degrees: number): number {
  if (degrees % 90 === 0) return [1, 0, -1, 0][((degrees / 90) % 4 + 4) % 4];
  return Math.cos(degrees * D2R);
}

/** atan2 in degrees. */
export function atan2d(y: number, x: number): number {
  return Math.atan2(y, x) * R2D;
}

/** asin in degrees, exact at ±1. */
export function asind(value: number): number {
  if (value === 1) return 90;
  if (value === -1) return -90;
  return Math.asin(value) * R2D;
}

/** acos in degrees, exact at 0 and ±1. */
export function acosd(value: number): number {
  if (value === 1) return 0;
  if (value === 0) return 90;
  if (value === -1) return 180;
  return Math.acos(value) * R2D;
}

/** The latitude whose sine is z, from the other two components of its unit vector when near a pole (asin loses
 * half the digits there; wcslib switches to acos the same way). */
export function latitudeOf(z: number, x: number, y: number): number {
  if (Math.abs(z) <= 0.99) return asind(z);
  const angle = acosd(Math.sqrt(x * x + y * y));
  return z < 0 ? -angle : angle;
}
