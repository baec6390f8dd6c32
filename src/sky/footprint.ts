/**
 * Sky footprints of images: the keywords that make up a celestial WCS, kept compactly so that a
 * catalog can map a position to a pixel without the file's headers; the outline of the image on the
 * sky (corners and edge midpoints) and a cone that bounds it; and the test of a position against it.
 *
 * @module
 */
import type { HeaderValue } from "../fits/card.ts";
import { CloudFitsError } from "../errors.ts";
import { type KeywordSource, type Wcs, wcs } from "../wcs/mod.ts";
import { fromVector, toVector } from "../wcs/_vectors.ts";

/** A celestial WCS and the pixel extent it applies to: what a catalog keeps per image HDU. */
export interface CompactWcs {
  /** `KEYWORD=value` lines: the WCS keywords present, numbers in full precision, strings quoted. */
  keywords: string;
  /** Pixels along the longitude axis (NAXISn of that axis; a TESS cube's columns). */
  width: number;
  /** Pixels along the latitude axis (a TESS cube's rows). */
  height: number;
}

/** Where an image lies on the sky (ICRS degrees). */
export interface SkyFootprint extends CompactWcs {
  /** Outline: the four corners and the four edge midpoints (pixel edges), in order round the image. */
  polygon: [number, number][];
  /** Centre of a cone holding the outline. */
  ra: number;
  /** Declination of the cone's centre. */
  dec: number;
  /** Radius of the cone, degrees. */
  radius: number;
}

const MAX_AXES = 9;
const SIP_NAMES = ["A", "B", "AP", "BP"];

/** The keywords the WCS engine may read for `naxis` axes, with the SIP terms up to their orders. */
function wcsKeywordNames(source: KeywordSource): string[] {
  const naxis = Math.min(MAX_AXES, Number(source.get("WCSAXES") ?? source.get("NAXIS") ?? 2) || 2);
  const names = ["WCSAXES", "NAXIS", "LONPOLE", "LATPOLE", "RADESYS", "RADECSYS", "EQUINOX", "EPOCH"];
  for (let i = 1; i <= naxis; i++) {
    names.push(...["NAXIS", "CTYPE", "CRPIX", "CRVAL", "CDELT", "CUNIT", "CROTA"].map((k) => `${k}${i}`));
    for (let j = 1; j <= naxis; j++) names.push(`CD${i}_${j}`, `PC${i}_${j}`);
    for (let m = 0; m < 21; m++) names.push(`PV${i}_${m}`);
  }
  for (const sip of SIP_NAMES) {
    const order = Number(source.get(`${sip}_ORDER`));
    names.push(`${sip}_ORDER`);
    if (!Number.isInteger(order) || order < 0 || order > 9) continue;
    for (let p = 0; p <= order; p++) {
      for (let q = 0; p + q <= order; q++) names.push(`${sip}_${p}_${q}`);
    }
  }
  return names;
}

/**
 * Keep the WCS keywords of a header (or of a TESS cube's frame row) as compact text.
 *
 * @param source The keywords.
 * @returns `KEYWORD=value` lines.
 */
export function compactKeywords(source: KeywordSource): string {
  const lines: string[] = [];
  for (const name of wcsKeywordNames(source)) {
    const value = source.get(name);
    if (typeof value === "number") lines.push(`${name}=${value}`);
    else if (typeof value === "bigint") lines.push(`${name}=${value}`);
    else if (typeof value === "string") lines.push(`${name}='${value.trim()}'`);
  }
  return lines.join("\n");
}

/**
 * The keyword lookups of compact text.
 *
 * @param text What {@linkcode compactKeywords} returned.
 * @returns A keyword source for {@linkcode wcs}.
 */
export function keywordsOfText(text: string): KeywordSource {
  const values = new Map<string, HeaderValue>();
  for (const line of text.split("\n")) {
    const at = line.indexOf("=");
    if (at <= 0) continue;
    const raw = line.slice(at + 1);
    values.set(line.slice(0, at), raw.startsWith("'") ? raw.slice(1, -1) : Number(raw));
  }
  return { get: (keyword) => values.get(keyword.toUpperCase()) };
}

/**
 * The footprint of an image: its WCS read (celestial axes required), its outline through the WCS with
 * distortion, and a bounding cone.
 *
 * @param source The header's keywords (for a TESS cube, its WCS row).
 * @param axes The image's axis lengths, FITS order (for a TESS cube: [columns, rows]).
 * @returns The footprint.
 * @throws {CloudFitsError} `UNSUPPORTED` or `BAD_HEADER` from the WCS engine (no celestial axes, an
 * unknown projection); `UNSUPPORTED` when the outline leaves the projection.
 *
 * @example A 100 × 80 TAN image
 * ```ts
 * import assert from "node:assert/strict";
 * import { footprintOf } from "./footprint.ts";
 *
 * const cards = new Map<string, string | number>([
 *   ["NAXIS", 2], ["CTYPE1", "RA---TAN"], ["CTYPE2", "DEC--TAN"], ["CRPIX1", 50.5], ["CRPIX2", 40.5],
 *   ["CRVAL1", 10], ["CRVAL2", 20], ["CDELT1", -0.01], ["CDELT2", 0.01],
 * ]);
 * const footprint = footprintOf({ get: (k) => cards.get(k) }, [100, 80]);
 * assert.equal(footprint.polygon.length, 8);
 * assert.ok(Math.abs(footprint.dec - 20) < 1e-6 && Math.abs(footprint.radius - 0.64) < 0.01);
 * ```
 */
export function footprintOf(source: KeywordSource, axes: readonly number[]): SkyFootprint {
  const keywords = compactKeywords(source);
  const transform = wcs(keywordsOfText(keywords));
  const width = axes[transform.lonAxis] ?? 0;
  const height = axes[transform.latAxis] ?? 0;
  if (!(width > 0 && height > 0)) {
    throw new CloudFitsError("UNSUPPORTED", "The image has no pixels on its celestial axes");
  }
  const polygon = outline(transform, width, height);
  const [ra, dec] = fromVector(
    polygon.map(([a, d]) => toVector(a, d)).reduce((sum, v) => sum.map((s, i) => s + v[i])),
  );
  const radius = Math.max(...polygon.map(([a, d]) => separationDeg(ra, dec, a, d)));
  // A cone of 90° or more means the outline does not bound the image (an all-sky map): refuse it
  // rather than file a footprint that misses part of the image.
  if (!(radius < 90)) {
    throw new CloudFitsError("UNSUPPORTED", "The image covers too much of the sky for a footprint");
  }
  return { keywords, width, height, polygon, ra, dec, radius };
}

/** Corners and edge midpoints of the pixel edges (0-based −0.5 … n − 0.5), round the image. */
function outline(transform: Wcs, width: number, height: number): [number, number][] {
  const [x0, y0, x1, y1] = [-0.5, -0.5, width - 0.5, height - 0.5];
  const [xm, ym] = [(x0 + x1) / 2, (y0 + y1) / 2];
  const points: [number, number][] = [[x0, y0], [xm, y0], [x1, y0], [x1, ym], [x1, y1], [xm, y1], [x0, y1], [
    x0,
    ym,
  ]];
  return points.map(([x, y]) => {
    const { ra, dec } = transform.pixelToSky(x, y);
    if (!Number.isFinite(ra) || !Number.isFinite(dec)) {
      throw new CloudFitsError("UNSUPPORTED", "The image's outline leaves its projection");
    }
    return [ra, dec];
  });
}

/**
 * Where a position falls on an image, as a 1-based FITS pixel on its celestial axes, and whether it
 * is on the image: world → pixel with distortion, rounding into 1 … NAXISn.
 *
 * @param compact The kept WCS and extent.
 * @param ra Right ascension, degrees (ICRS).
 * @param dec Declination, degrees.
 * @returns The pixel (undefined when the position is off the projection) and whether it covers it.
 */
export function pixelOf(
  compact: CompactWcs,
  ra: number,
  dec: number,
): { pixel: [number, number] | undefined; covers: boolean } {
  let x: number, y: number;
  try {
    [x, y] = wcs(keywordsOfText(compact.keywords)).skyToPixel(ra, dec);
  } catch {
    return { pixel: undefined, covers: false };
  }
  const inside = (p: number, n: number) => Math.round(p + 1) >= 1 && Math.round(p + 1) <= n;
  return { pixel: [x + 1, y + 1], covers: inside(x, compact.width) && inside(y, compact.height) };
}

/**
 * The angular distance from a position to a footprint's outline (great-circle arcs between its points),
 * degrees: the nearest approach of a position off the image.
 *
 * @param polygon The outline.
 * @param ra Right ascension, degrees.
 * @param dec Declination, degrees.
 * @returns The distance in degrees.
 */
export function distanceToOutline(polygon: readonly [number, number][], ra: number, dec: number): number {
  const p = toVector(ra, dec);
  let best = Infinity;
  for (let i = 0; i < polygon.length; i++) {
    const a = toVector(...polygon[i]);
    const b = toVector(...polygon[(i + 1) % polygon.length]);
    best = Math.min(best, arcDistance(p, a, b));
  }
  return best;
}

function dot(a: readonly number[], b: readonly number[]): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

function cross(a: readonly number[], b: readonly number[]): number[] {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

function angle(a: readonly number[], b: readonly number[]): number {
  return Math.atan2(Math.hypot(...cross(a, b)), dot(a, b)) * 180 / Math.PI;
}

/** Distance from p to the minor arc a–b: to its nearest point when the foot lies on the arc, else an end. */
function arcDistance(p: number[], a: number[], b: number[]): number {
  const n = cross(a, b);
  const norm = Math.hypot(...n);
  if (norm > 0) {
    const foot = cross(cross(n, p), n);
    if (Math.hypot(...foot) > 0 && dot(cross(a, foot), n) >= 0 && dot(cross(foot, b), n) >= 0) {
      return Math.abs(90 - angle(n, p));
    }
  }
  return Math.min(angle(p, a), angle(p, b));
}

function separationDeg(ra1: number, dec1: number, ra2: number, dec2: number): number {
  return angle(toVector(ra1, dec1), toVector(ra2, dec2));
}
