/**
 * World coordinates (FITS WCS papers I and II, and SIP), in pure TypeScript: pixel ↔ sky for any
 * celestial axes of an N-D header, checked against astropy.wcs.
 *
 * @module
 */
import { CloudFitsError } from "../errors.ts";
import { type CelestialFrame, icrsToFrame, inverseRotation, rotatePosition } from "./frames.ts";
import { type KeywordSource, wcsError, WcsKeywords } from "./keywords.ts";
import { type Matrix, multiply } from "./linear.ts";
import { parseWcs, type WcsModel } from "./parse.ts";
import { celestialToNative, nativeToCelestial } from "./rotation.ts";

export { angularSeparation, parseAngle } from "./angles.ts";
export type { CelestialFrame } from "./frames.ts";
export type { KeywordSource } from "./keywords.ts";

/** Options of {@linkcode wcs}. */
export interface WcsOptions {
  /** The alternate description to read, "A" to "Z" (CTYPE1A …); the primary one when absent or " ". */
  alt?: string;
}

/** A header's world coordinate system. Pixel coordinates are 0-based, in FITS axis order (astropy origin 0). */
export interface Wcs {
  /** Number of axes (WCSAXES, else NAXIS). */
  readonly naxis: number;
  /** 0-based index (FITS order) of the longitude axis. */
  readonly lonAxis: number;
  /** 0-based index (FITS order) of the latitude axis. */
  readonly latAxis: number;
  /** The celestial frame: from CTYPE (GLON → galactic), RADESYS and EQUINOX. */
  readonly frame: CelestialFrame;
  /** True when SIP distortion is present. */
  readonly hasDistortion: boolean;
  /**
   * Pixel → world on every axis (degrees on celestial axes, SI on spectral ones), distortion included,
   * as astropy's `all_pix2world(..., 0)`. A pixel off the projection gives NaN on the celestial axes.
   */
  pixelToWorld(pixel: readonly number[]): number[];
  /**
   * World → pixel, inverting SIP by iteration as astropy's `all_world2pix(..., 0)`.
   *
   * @throws CloudFitsError OUT_OF_RANGE when the position is not on the projection or the iteration fails.
   */
  worldToPixel(world: readonly number[]): number[];
  /** ICRS (RA, Dec) in degrees → 0-based (x, y) on the celestial axes, the other axes at CRPIX, as astropy's
   * `SkyCoord.to_pixel(wcs, origin=0, mode="all")`. Throws like {@linkcode Wcs.worldToPixel}. */
  skyToPixel(ra: number, dec: number): [number, number];
  /** 0-based (x, y) on the celestial axes, the other axes at CRPIX → ICRS (RA, Dec), degrees. */
  pixelToSky(x: number, y: number): { ra: number; dec: number };
  /** Degrees per pixel along the celestial pixel axes (astropy's `proj_plane_pixel_scales`), [x, y]. */
  pixelScales(): [number, number];
}

class WcsTransform implements Wcs {
  readonly naxis: number;
  readonly lonAxis: number;
  readonly latAxis: number;
  readonly frame: CelestialFrame;
  readonly hasDistortion: boolean;
  readonly #model: WcsModel;
  readonly #fromIcrs: Matrix;
  readonly #toIcrs: Matrix;

  constructor(model: WcsModel) {
    this.#model = model;
    this.naxis = model.naxis;
    this.lonAxis = model.lonAxis;
    this.latAxis = model.latAxis;
    this.frame = model.frame;
    this.hasDistortion = model.sip !== undefined;
    this.#fromIcrs = icrsToFrame(model.frame, model.equinox);
    this.#toIcrs = inverseRotation(this.#fromIcrs);
  }

  /** Pixel or world coordinates must have one value per axis, and every axis must be evaluable. */
  #checkInput(values: readonly number[], what: string): void {
    if (values.length !== this.naxis) {
      throw new TypeError(`Expected ${this.naxis} ${what} coordinates (one per axis): got ${values.length}`);
    }
    if (this.#model.nonlinearAxes.length > 0) {
      throw wcsError(
        "UNSUPPORTED",
        `non-celestial axis ${this.#model.nonlinearAxes.join(", ")} is not linear`,
      );
    }
  }

  pixelToWorld(pixel: readonly number[]): number[] {
    this.#checkInput(pixel, "pixel");
    return this.#toWorld(pixel);
  }

  #toWorld(pixel: readonly number[]): number[] {
    const { crpix, crval, matrix, sip, lonAxis, latAxis, projection, rotation } = this.#model;
    const offsets = pixel.map((p, i) => p + 1 - crpix[i]);
    if (sip !== undefined) [offsets[0], offsets[1]] = sip.distort(offsets[0], offsets[1]);
    const intermediate = multiply(matrix, offsets);
    const world = intermediate.map((x, i) => crval[i] + x);
    const native = projection.toNative(intermediate[lonAxis], intermediate[latAxis]);
    const [lon, lat] = native === undefined ? [NaN, NaN] : nativeToCelestial(rotation, native[0], native[1]);
    world[lonAxis] = lon;
    world[latAxis] = lat;
    return world;
  }

  worldToPixel(world: readonly number[]): number[] {
    this.#checkInput(world, "world");
    return this.#toPixel(world);
  }

  #toPixel(world: readonly number[]): number[] {
    const { crpix, crval, inverse, sip, lonAxis, latAxis, projection, rotation } = this.#model;
    const [lon, lat] = [world[lonAxis], world[latAxis]];
    const native = celestialToNative(rotation, lon, lat);
    const projected = Number.isFinite(lon) && Math.abs(lat) <= 90
      ? projection.fromNative(native[0], native[1])
      : undefined;
    if (projected === undefined) {
      throw new CloudFitsError(
        "OUT_OF_RANGE",
        `Position (${lon}, ${lat}) is not on the ${projection.code} projection`,
      );
    }
    const intermediate = world.map((w, i) => w - crval[i]);
    [intermediate[lonAxis], intermediate[latAxis]] = projected;
    const offsets = multiply(inverse, intermediate);
    if (sip !== undefined) [offsets[0], offsets[1]] = sip.undistort(offsets[0], offsets[1]);
    return offsets.map((q, i) => q + crpix[i] - 1);
  }

  skyToPixel(ra: number, dec: number): [number, number] {
    const [lon, lat] = rotatePosition(this.#fromIcrs, ra, dec);
    const world = [...this.#model.crval];
    world[this.lonAxis] = lon;
    world[this.latAxis] = lat;
    const pixel = this.#toPixel(world);
    return [pixel[this.lonAxis], pixel[this.latAxis]];
  }

  pixelToSky(x: number, y: number): { ra: number; dec: number } {
    const pixel = this.#model.crpix.map((p) => p - 1);
    pixel[this.lonAxis] = x;
    pixel[this.latAxis] = y;
    const world = this.#toWorld(pixel);
    if (Number.isNaN(world[this.lonAxis])) return { ra: NaN, dec: NaN };
    const [ra, dec] = rotatePosition(this.#toIcrs, world[this.lonAxis], world[this.latAxis]);
    return { ra, dec };
  }

  pixelScales(): [number, number] {
    const { matrix, lonAxis, latAxis } = this.#model;
    const scale = (column: number) => Math.hypot(matrix[lonAxis][column], matrix[latAxis][column]);
    return [scale(lonAxis), scale(latAxis)];
  }
}

/**
 * Read a header's world coordinate system.
 *
 * @param header A parsed `Header`, or any keyword lookup (e.g. one row of a TESS cube's HDU 2).
 * @param options Which alternate description to read.
 * @returns The transformations.
 * @throws CloudFitsError UNSUPPORTED (projection, frame or distortion this engine does not know) or
 * BAD_HEADER (missing or inconsistent keywords, singular matrix), naming the keyword.
 *
 * @example A TAN image: the reference pixel is CRVAL, and back
 * ```ts
 * import assert from "node:assert/strict";
 * import { wcs } from "./mod.ts";
 *
 * const cards = new Map<string, string | number>([
 *   ["NAXIS", 2], ["CTYPE1", "RA---TAN"], ["CTYPE2", "DEC--TAN"],
 *   ["CRPIX1", 50], ["CRPIX2", 40], ["CRVAL1", 83.8], ["CRVAL2", -5.4],
 *   ["CDELT1", -0.001], ["CDELT2", 0.001],
 * ]);
 * const image = wcs({ get: (keyword) => cards.get(keyword) });
 * assert.deepEqual(image.pixelToWorld([49, 39]), [83.8, -5.4]);
 * assert.deepEqual(image.worldToPixel([83.8, -5.4]), [49, 39]);
 * const [x, y] = image.skyToPixel(83.81, -5.39);
 * assert.ok(Math.abs(x - 39.04) < 0.01 && Math.abs(y - 49) < 0.01);
 * ```
 */
export function wcs(header: KeywordSource, options: WcsOptions = {}): Wcs {
  const alt = options.alt ?? " ";
  if (!/^[ A-Z]$/.test(alt)) {
    throw new TypeError(`WCS alternate must be " " or a letter A to Z: got '${alt}'`);
  }
  return new WcsTransform(parseWcs(new WcsKeywords(header, alt)));
}
