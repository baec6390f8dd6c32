/**
 * Sky-position helpers: the angle between two positions, and RA/Dec written by people.
 *
 * @module
 */
import { CloudFitsError } from "../errors.ts";

const D2R = Math.PI / 180;

/**
 * The angle between two positions on the sky (Vincenty's formula, accurate at every separation, as
 * astropy's `angular_separation`).
 *
 * @param lon1 Longitude (RA) of the first position, degrees.
 * @param lat1 Latitude (Dec) of the first position, degrees.
 * @param lon2 Longitude of the second position, degrees.
 * @param lat2 Latitude of the second position, degrees.
 * @returns The separation in degrees, 0 to 180.
 *
 * @example One degree along the equator, and across the pole
 * ```ts
 * import assert from "node:assert/strict";
 * import { angularSeparation } from "./mod.ts";
 *
 * assert.equal(angularSeparation(10, 0, 11, 0), 1);
 * assert.ok(Math.abs(angularSeparation(0, 89, 180, 89) - 2) < 1e-12);
 * ```
 */
export function angularSeparation(lon1: number, lat1: number, lon2: number, lat2: number): number {
  const dlon = (lon2 - lon1) * D2R;
  const [sin1, cos1] = [Math.sin(lat1 * D2R), Math.cos(lat1 * D2R)];
  const [sin2, cos2] = [Math.sin(lat2 * D2R), Math.cos(lat2 * D2R)];
  const a = cos2 * Math.sin(dlon);
  const b = cos1 * sin2 - sin1 * cos2 * Math.cos(dlon);
  return Math.atan2(Math.hypot(a, b), sin1 * sin2 + cos1 * cos2 * Math.cos(dlon)) / D2R;
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const SEXAGESIMAL =
  /^([+-]?)(\d+(?:\.\d*)?)(?:[:\shd°]+(\d+(?:\.\d*)?)(?:[:\sm'′]+(\d+(?:\.\d*)?)[s"″]?)?[m'′]?)?$/i;

/**
 * Read a right ascension or declination as people write them: decimal degrees (`84.29`, `84.29deg`) or
 * sexagesimal with `:`, spaces or letters (`05:37:09.9`, `5h37m9.9s`, `-80 28 09`, `-80d28m09s`). A
 * sexagesimal RA is in hours; a sexagesimal Dec in degrees, its sign applying to the whole angle (so
 * `-00:30:00` is −0.5°).
 *
 * @param text The angle.
 * @param kind `"ra"` (0 ≤ RA < 360°) or `"dec"` (−90° ≤ Dec ≤ 90°).
 * @returns The angle in degrees.
 * @throws CloudFitsError USAGE for text that is not an angle or is out of range.
 *
 * @example Degrees, hours and a negative declination just below the equator
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseAngle } from "./mod.ts";
 *
 * assert.equal(parseAngle("84.29", "ra"), 84.29);
 * assert.equal(parseAngle("05:37:12", "ra"), 84.3);
 * assert.equal(parseAngle("-00:30:00", "dec"), -0.5);
 * assert.throws(() => parseAngle("95", "dec"), { code: "USAGE" });
 * ```
 */
export function parseAngle(text: string, kind: "ra" | "dec"): number {
  const trimmed = text.trim();
  const name = kind === "ra" ? "RA" : "Dec";
  const decimalText = trimmed.replace(/\s*(deg|d|°)$/i, "");
  let degrees: number;
  if (DECIMAL.test(decimalText)) {
    degrees = Number(decimalText);
  } else {
    const match = SEXAGESIMAL.exec(trimmed);
    if (match === null || match[3] === undefined) {
      throw new CloudFitsError(
        "USAGE",
        `Cannot read ${name} '${text}': expected degrees (84.29) or sexagesimal (${
          kind === "ra" ? "05:37:09.9" : "-80:28:09"
        })`,
      );
    }
    const [whole, minutes, seconds] = [Number(match[2]), Number(match[3]), Number(match[4] ?? 0)];
    if (minutes >= 60 || seconds >= 60 || (match[4] !== undefined && !Number.isInteger(minutes))) {
      throw new CloudFitsError(
        "USAGE",
        `Cannot read ${name} '${text}': minutes and seconds must be below 60`,
      );
    }
    // One division at the end keeps round values exact: 05:37:12 is 84.3, not 84.30000000000001.
    const magnitude = (whole * 3600 + minutes * 60 + seconds) * (kind === "ra" ? 15 : 1) / 3600;
    degrees = match[1] === "-" ? -magnitude : magnitude;
  }
  const inRange = kind === "ra" ? degrees >= 0 && degrees < 360 : degrees >= -90 && degrees <= 90;
  if (!inRange) {
    throw new CloudFitsError(
      "USAGE",
      `${name} '${text}' is out of range: ${kind === "ra" ? "0 ≤ RA < 360°" : "−90° ≤ Dec ≤ 90°"}`,
    );
  }
  return degrees;
}
