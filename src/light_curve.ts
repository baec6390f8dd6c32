/**
 * Light curves by sky position: the aperture summed per cadence over a sky cutout of a TESS FFI cube,
 * with the cube's own times.
 *
 * @module
 */
import { CloudFitsError } from "./errors.ts";
import type { ImageArray } from "./fits/image.ts";
import type { Hdu } from "./fits/layout.ts";
import { hduShape } from "./json.ts";
import type { FitsFile } from "./open.ts";
import { type Aperture, apertureMask, sizeFor, sumAperture } from "./sky/aperture.ts";
import type { SkyBox } from "./sky/box.ts";
import {
  encodeLightCurveCsv,
  encodeLightCurveFits,
  encodeLightCurveJson,
  type LightCurveData,
} from "./sky/light_curve_files.ts";
import { parseAngularSize } from "./sky/size.ts";
import { type PlaneTimes, planeTimes } from "./sky/plane_time.ts";
import { cutoutSky, selectImage, type SkyCutoutOptions } from "./sky_cutout.ts";
import { isTessCube, type TessCube } from "./tess_cube.ts";
import { wcs } from "./wcs/mod.ts";

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
  /** A TESS cube's frame table, to pass as `cube` to later calls on the same file. */
  cube?: TessCube;
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
 * once (or takes its summary from the index the file was opened through) and one request per row of the
 * box (default 3 × 3 pixels, or the aperture's size). An ordinary image cube works the same way, one
 * cadence per plane: RA/Dec on FITS axes 1–2, planes on axis 3 (further axes of length 1); its time
 * comes from axis 3's WCS when that is a linear time axis (paper VII: CTYPE3 `TIME`, `UTC`, `TDB` …,
 * CUNIT3, MJDREF), else it is the plane number, and `timeFormat`/`timeUnit` say which; flux errors and
 * quality are then NaN and 0.
 *
 * @param file The opened cube (every HDU walked).
 * @param options Position, size, aperture, HDU and read settings.
 * @returns The light curve.
 * @throws {CloudFitsError} `UNSUPPORTED` for an HDU that is neither (a 2-D image, celestial axes
 * elsewhere, a tabulated or skewed time axis); `NOT_FOUND` for a position off the cube.
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
  const handle = selectImage(file, options.hdu);
  const tess = handle.info.index === 1 && isTessCube(file.hdus);
  // An image cube's layout and time axis are checked before anything is read.
  const planes = tess ? undefined : imagePlanes(handle.info, file.source.name);
  const times = planes === undefined ? undefined : planeTimes(handle.info.header, planes);
  const cut = await cutoutSky(file, { ...options, size });
  const primary = file.hdus[0].header;
  const parts = cut.kind === "tpf" && cut.cube && cut.fluxErr && cut.linearWcs
    ? tessCurve(cut.cube, cut.image.data as Float32Array, cut.fluxErr, pixelScales(cut.linearWcs.cd))
    : cubeCurve(handle.info, times!, cut.image.data);
  const mask = apertureMask(aperture, cut.box, parts.scales ?? wcs(handle.info.header).pixelScales());
  const sums = sumAperture(parts.flux, parts.fluxErr, mask);
  const curve: Omit<LightCurve, "toCsv" | "toJson" | "toFits" | "toPng"> = {
    ...parts.curve,
    flux: sums.flux,
    fluxErr: sums.fluxErr,
    box: cut.box,
    mask,
    ...(cut.cube ? { cube: cut.cube } : {}),
    ra: cut.ra,
    dec: cut.dec,
    source: {
      name: file.source.name,
      telescope: (primary.getString("TELESCOP") ?? handle.info.header.getString("TELESCOP"))?.trim(),
      ...(tess
        ? {
          sector: primary.getInteger("SECTOR"),
          camera: primary.getInteger("CAMERA"),
          ccd: primary.getInteger("CCD"),
        }
        : {}),
    },
  };
  return {
    ...curve,
    toCsv: () => encodeLightCurveCsv(curve),
    toJson: () => encodeLightCurveJson(curve),
    toFits: () => encodeLightCurveFits(curve, primary),
    // The plotting code loads only for a PNG.
    toPng: async () => (await import("./sky/plot.ts")).plotLightCurve(curve),
  };
}

/** What each kind of cube contributes: the pixels to sum, times, quality, units. */
interface CurveParts {
  flux: ArrayLike<number>;
  fluxErr: ArrayLike<number> | undefined;
  scales?: [number, number];
  curve: Pick<
    LightCurve,
    "time" | "timeFormat" | "timeUnit" | "fluxUnit" | "quality" | "cadence" | "fits"
  >;
}

function tessCurve(
  cube: TessCube,
  flux: Float32Array,
  fluxErr: Float32Array,
  scales: [number, number],
): CurveParts {
  return {
    flux,
    fluxErr,
    scales,
    curve: {
      time: cube.tstart.map((start, t) => (start + cube.tstop[t]) / 2),
      timeFormat: "BTJD",
      timeUnit: "BJD - 2457000, days",
      fluxUnit: "e-/s",
      quality: cube.quality,
      cadence: Int32Array.from({ length: cube.frames }, (_, t) => t),
    },
  };
}

function cubeCurve(info: Hdu, times: PlaneTimes, data: ImageArray["data"]): CurveParts {
  const planes = times.time.length;
  const bunit = info.header.getString("BUNIT")?.trim();
  return {
    // Integer cubes without scaling come back as stored; 64-bit ones as bigints.
    flux: data instanceof BigInt64Array || data instanceof BigUint64Array
      ? Float64Array.from(data, Number)
      : data,
    fluxErr: undefined,
    curve: {
      time: times.time,
      timeFormat: times.timeFormat,
      timeUnit: times.timeUnit,
      fluxUnit: bunit || "no BUNIT",
      fits: { timeCards: times.timeCards, timeUnit: times.fitsUnit, fluxUnit: bunit || undefined },
      quality: new Int32Array(planes),
      cadence: Int32Array.from({ length: planes }, (_, t) => t),
    },
  };
}

/**
 * NAXIS3 of an image cube a light curve can be taken from: celestial axes 1 and 2, planes on axis 3, and
 * any further axes of length 1.
 */
function imagePlanes(info: Hdu, name: string): number {
  const axes = [...hduShape(info)].reverse(); // FITS order
  const refuse = (why: string) =>
    new CloudFitsError(
      "UNSUPPORTED",
      `${name} HDU ${info.index}: light curves need a TESS FFI cube, or an image cube with RA/Dec on axes 1-2 and planes (time) on axis 3; ${why}`,
    );
  if (axes.length < 3) throw refuse(`this image has ${axes.length} axes`);
  if (axes.slice(3).some((n) => n !== 1)) {
    throw refuse(`axes 4 and beyond must have length 1 (NAXIS ${axes.join(" × ")})`);
  }
  const engine = wcs(info.header);
  if (engine.lonAxis !== 0 || engine.latAxis !== 1) {
    throw refuse(`its celestial axes are ${engine.lonAxis + 1} and ${engine.latAxis + 1}`);
  }
  return axes[2];
}

/** Degrees per pixel along x and y of a CD matrix (astropy `proj_plane_pixel_scales`). */
function pixelScales(cd: readonly number[]): [number, number] {
  return [Math.hypot(cd[0], cd[2]), Math.hypot(cd[1], cd[3])];
}
