/**
 * Cutout sizes as users type them: pixels or angles, one value for a square or `X x Y`, x first.
 *
 * @module
 */
import { CloudFitsError } from "../errors.ts";

/** One side of a cutout: a number of pixels, or an angle in degrees. */
export type SideLength = { pixels: number } | { degrees: number };

/** A cutout's size: x (columns) first, then y (rows). */
export interface AngularSize {
  /** Along the first (x, column) celestial axis. */
  x: SideLength;
  /** Along the second (y, row) celestial axis. */
  y: SideLength;
}

const UNITS: Record<string, number> = {
  "": 0, // pixels
  px: 0,
  pix: 0,
  deg: 1,
  d: 1,
  arcmin: 1 / 60,
  amin: 1 / 60,
  "'": 1 / 60,
  arcsec: 1 / 3600,
  asec: 1 / 3600,
  '"': 1 / 3600,
};

/**
 * Parse a cutout size: `10` (10 × 10 pixels), `10x20` (10 columns × 20 rows: x first, as astrocut),
 * `30arcsec`, `2arcmin`, `0.1deg`, or a mix such as `2arcmin x 10`.
 *
 * @param text The size as typed, or a number of pixels.
 * @returns Both sides.
 * @throws {CloudFitsError} `USAGE` for anything else: zero, negative, or an unknown unit.
 *
 * @example Pixels, angles, and x first
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseAngularSize } from "./size.ts";
 *
 * assert.deepEqual(parseAngularSize("10"), { x: { pixels: 10 }, y: { pixels: 10 } });
 * assert.deepEqual(parseAngularSize("10x20"), { x: { pixels: 10 }, y: { pixels: 20 } });
 * assert.deepEqual(parseAngularSize("0.1deg"), { x: { degrees: 0.1 }, y: { degrees: 0.1 } });
 * assert.deepEqual(parseAngularSize("30arcsec").x, { degrees: 30 / 3600 });
 * assert.throws(() => parseAngularSize("3 furlongs"), { code: "USAGE" });
 * ```
 */
export function parseAngularSize(text: string | number): AngularSize {
  if (typeof text === "number") text = String(text);
  const parts = text.trim().toLowerCase().split(/\s*[x×*]\s*/);
  if (parts.length > 2) throw badSize(text);
  const sides = parts.map((part) => parseSide(part, text as string));
  return { x: sides[0], y: sides[1] ?? sides[0] };
}

function parseSide(part: string, text: string): SideLength {
  const match = /^([0-9]*\.?[0-9]+(?:e[-+]?[0-9]+)?)\s*([a-z'"]*)$/.exec(part);
  if (!match || !(match[2] in UNITS)) throw badSize(text);
  const value = Number(match[1]);
  if (!(value > 0) || !Number.isFinite(value)) throw badSize(text);
  const scale = UNITS[match[2]];
  return scale === 0 ? { pixels: value } : { degrees: value * scale };
}

function badSize(text: string): CloudFitsError {
  return new CloudFitsError(
    "USAGE",
    `Invalid size '${text}': expected pixels (10, 10x20: columns x rows) or an angle (30arcsec, 2arcmin, 0.1deg)`,
  );
}
