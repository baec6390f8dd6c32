/**
 * Light curves by sky position: the aperture summed per cadence over a sky cutout of a TESS FFI cube,
 * with the cube's own times.
 *
 * @module
 */
import { CloudFitsError } from "./errors.ts";
import type { FitsFile } from "./open.ts";
import { type Aperture, apertureMask, sizeFor, sumAperture } from "./sky/aperture.ts";
import type { SkyBox } from "./sky/box.ts";
import {
  encodeLightCurveCsv,
  encodeLightCurveFits,
  encodeLightCurveJson,
  type LightCurveData,
} from "./sky/light_curve_files.ts";
import { plotLightCurve } from "./sky/plot.ts";
import { parseAngularSize } from "./sky/size.ts";
import { cutoutSky, type SkyCutoutOptions } from "./sky_cutout.ts";
import type { TessCube } from "./tess_cube.ts";

export type { Aperture, LightCurveData };

/** Where, which pixels and how to read. */
export interface LightCurveOptions extends SkyCutoutOptions {
  /** Which pixels of the `size` box to sum (default: all). */
  aperture?: Aperture;
}

/** A light curve: one entry per cadence of the cube, and its files. */
export interface LightCurve extends LightCurveData {
  /** The pixel box read, in the cube's pixels. */
  box: SkyBox;
  /** The aperture's pixels over the box (row, column). */
  mask: Uint8Array;
  /** The TESS cube's frame table, to pass as `cube` to later calls on the same file. */
  cube: TessCube;
  /** The light curve as CSV: `time,flux,flux_err,quality,cadence`, after one `#` line of units. */
  toCsv(): string;
  /** The light curve as JSON text. */
  toJson(): string;
  /** The light curve as a FITS file with a `LIGHTCURVE` table (lightkurve's layout). */
  toFits(): Uint8Array;
  /** A plot: time along x, flux along y, flagged cadences marked in red. */
  toPng(): Promise<Uint8Array>;
}

/**
 * Sum an aperture around a sky position on every cadence of a TESS FFI cube, as lightkurve sums a
 * target pixel file: NaN pixels skipped, a cadence without a finite pixel NaN. Reads the frame table
 * once and one request per row of the box (default 3 × 3 pixels, or the aperture's size).
 *
 * @param file The opened cube (every HDU walked).
 * @param options Position, size, aperture and read settings.
 * @returns The light curve.
 * @throws {CloudFitsError} `UNSUPPORTED` for a file that is not a TESS FFI cube; `NOT_FOUND` for a
 * position off the cube.
 *
 * @example The light curve of a pixel of the test cube
 * ```ts
 * import assert from "node:assert/strict";
 * import { lightCurve, openFits } from "@cloudfits/core";
 * import { openFileSource } from "@cloudfits/core/file";
 *
 * await using fits = await openFits("testdata/tess_cube.fits", { openFile: openFileSource });
 * // The sky position of pixel (2.3, 1.7): one pixel, row 1, column 2.
 * const curve = await lightCurve(fits, { ra: 35.27524804, dec: -36.06773067, size: 1 });
 * assert.deepEqual([curve.box.lo, curve.box.hi], [[2, 1], [3, 2]]);
 * assert.deepEqual([...curve.flux.subarray(0, 4)], [1020.5, 1021.5, 1022.5, 1023.5]);
 * assert.equal(curve.timeFormat, "BTJD");
 * assert.deepEqual([...curve.quality], [32, 0, 0, 0, 0, 128, 0, 0]);
 * assert.match(curve.toCsv().split("\n")[1], /^time,flux,flux_err,quality,cadence$/);
 * ```
 */
export async function lightCurve(file: FitsFile, options: LightCurveOptions): Promise<LightCurve> {
  const aperture = options.aperture ?? { kind: "all" };
  const size = options.size === undefined
    ? sizeFor(aperture) ?? parseAngularSize(3)
    : typeof options.size === "object"
    ? options.size
    : parseAngularSize(options.size);
  const cut = await cutoutSky(file, { ...options, size });
  if (cut.kind !== "tpf" || !cut.cube || !cut.fluxErr || !cut.linearWcs) {
    throw new CloudFitsError(
      "UNSUPPORTED",
      `${file.source.name}: light curves need a TESS FFI cube (HDU 1 flux/error, HDU 2 frame table)`,
    );
  }
  const cube = cut.cube;
  const scales = pixelScales(cut.linearWcs.cd);
  const mask = apertureMask(aperture, cut.box, scales);
  const sums = sumAperture(cut.image.data as Float32Array, cut.fluxErr, mask);
  const primary = cube.primary.header;
  const curve: Omit<LightCurve, "toCsv" | "toJson" | "toFits" | "toPng"> = {
    time: cube.tstart.map((start, t) => (start + cube.tstop[t]) / 2),
    timeFormat: "BTJD",
    timeUnit: "BJD - 2457000, days",
    flux: sums.flux,
    fluxErr: sums.fluxErr,
    fluxUnit: "e-/s",
    quality: cube.quality,
    cadence: Int32Array.from({ length: cube.frames }, (_, t) => t),
    box: cut.box,
    mask,
    cube,
    ra: cut.ra,
    dec: cut.dec,
    source: {
      name: file.source.name,
      telescope: primary.getString("TELESCOP")?.trim(),
      sector: primary.getInteger("SECTOR"),
      camera: primary.getInteger("CAMERA"),
      ccd: primary.getInteger("CCD"),
    },
  };
  return {
    ...curve,
    toCsv: () => encodeLightCurveCsv(curve),
    toJson: () => encodeLightCurveJson(curve),
    toFits: () => encodeLightCurveFits(curve, primary),
    toPng: () => plotLightCurve(curve),
  };
}

/** Degrees per pixel along x and y of a CD matrix (astropy `proj_plane_pixel_scales`). */
function pixelScales(cd: readonly number[]): [number, number] {
  return [Math.hypot(cd[0], cd[2]), Math.hypot(cd[1], cd[3])];
}
