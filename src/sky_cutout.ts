/**
 * Cutouts by sky position: the pixel box astrocut would cut around an RA/Dec, read with one planned
 * section read and padded where it reaches off the image. A TESS FFI cube gives a target pixel file.
 *
 * @module
 */
import { CloudFitsError, isCloudFitsError } from "./errors.ts";
import { allocateArray, BITPIX_DTYPE, type Dtype, type TypedArray } from "./fits/dtype.ts";
import type { ImageArray } from "./fits/image.ts";
import type { Hdu } from "./fits/layout.ts";
import { hduShape } from "./json.ts";
import type { FitsFile } from "./open.ts";
import type { HduHandle } from "./hdu_handle.ts";
import type { ReadSettings } from "./read_settings.ts";
import type { SectionAxis } from "./plan/fits_section.ts";
import { type SkyBox, skyBox } from "./sky/box.ts";
import { cutoutHeader, encodeDataUnit } from "./sky/cutout_fits.ts";
import { fitLinearTan, type LinearTan } from "./sky/linear_fit.ts";
import { embed } from "./sky/pad.ts";
import { type AngularSize, parseAngularSize } from "./sky/size.ts";
import { encodeTpf } from "./sky/tpf.ts";
import { concatBytes } from "./_bytes.ts";
import { isTessCube, readTessCube, type TessCube } from "./tess_cube.ts";
import { VERSION } from "./version.ts";
import { parseAngle, type Wcs, wcs } from "./wcs/mod.ts";

/** Where and how much to cut: a sky position (ICRS), a size, the HDU, and read settings. */
export interface SkyCutoutOptions extends ReadSettings {
  /** Right ascension: degrees, or sexagesimal hours (`05:37:09.9`). */
  ra: number | string;
  /** Declination: degrees, or sexagesimal degrees (`-80:28:09`). */
  dec: number | string;
  /** `10` pixels, `10x20` (x first), `30arcsec`, `2arcmin`, `0.1deg`, or parsed sides. Default 10 pixels. */
  size?: number | string | AngularSize;
  /** The image HDU (number or EXTNAME); default: a TESS cube's HDU 1, else the first image with data. */
  hdu?: number | string;
  /** A TESS cube's frame table from an earlier cutout of the same file, so that it is read once. */
  cube?: TessCube;
}

/** A cutout by sky position. */
export interface SkyCutout {
  /** `image` for images and cubes (celestial axes cut, others whole); `tpf` for a TESS FFI cube. */
  kind: "image" | "tpf";
  /** The HDU cut. */
  hdu: Hdu;
  /** The position in degrees (ICRS). */
  ra: number;
  /** Declination in degrees. */
  dec: number;
  /** The pixel box on the celestial axes, and its padding. */
  box: SkyBox;
  /**
   * The values in numpy order, padding included: physical values (NaN padding; integer images with
   * padding, scaling or BLANK become float64). For a TESS cube: flux as (cadence, row, column).
   */
  image: ImageArray;
  /** For a TESS cube: flux errors, as `image`. */
  fluxErr?: Float32Array;
  /** For a TESS cube: the linear WCS fitted over the cutout, with its residuals. */
  linearWcs?: LinearTan;
  /** For a TESS cube: its frames' times, quality and file names. */
  cube?: TessCube;
  /** The cutout as a FITS file: the image with its shifted WCS, or the TESS target pixel file. */
  toFits(): Uint8Array;
}

/**
 * Cut the pixels around a sky position, exactly as astrocut chooses them: the position goes through
 * the HDU's WCS (with SIP distortion), the box is rounded half to even, and pixels of the box off the
 * image are padding (NaN; `BLANK` in an integer FITS output, with `NPADPIX` counting them). Only the
 * section inside the image is read, in one planned read. On a TESS FFI cube (HDU 1 with the frame
 * table in HDU 2) every cadence is cut and `toFits()` writes a target pixel file that lightkurve opens.
 *
 * @param file The opened file (walk every HDU: a TESS cube needs HDU 2).
 * @param options Position, size, HDU and read settings.
 * @returns The cutout.
 * @throws {CloudFitsError} `NOT_FOUND` when the box lies wholly off the image; `USAGE` for a bad
 * position or size; the WCS engine's errors for a header it cannot interpret.
 *
 * @example A 3×3 cutout of a TESS cube around the sky position of a pixel
 * ```ts
 * import assert from "node:assert/strict";
 * import { cutoutSky, openFits } from "@cloudfits/core";
 * import { openFileSource } from "@cloudfits/core/file";
 *
 * await using fits = await openFits("testdata/tess_cube.fits", { openFile: openFileSource });
 * // The sky position of pixel (2.3, 1.7) of the cube's WCS (astropy all_pix2world).
 * const cut = await cutoutSky(fits, { ra: 35.27524804, dec: -36.06773067, size: 3 });
 * assert.equal(cut.kind, "tpf");
 * assert.deepEqual([cut.box.lo, cut.box.hi], [[1, 0], [4, 3]]);
 * assert.deepEqual(cut.image.shape, [8, 3, 3], "cadences, rows, columns");
 * assert.equal(cut.image.data[0], 10.5, "row 0, column 1, frame 0: 10 + 0.5");
 * const tpf = cut.toFits();
 * assert.equal(tpf.length % 2880, 0);
 * assert.match(new TextDecoder().decode(tpf), /EXTNAME = 'PIXELS  '.*EXTNAME = 'APERTURE'/s);
 * ```
 */
export async function cutoutSky(file: FitsFile, options: SkyCutoutOptions): Promise<SkyCutout> {
  const ra = typeof options.ra === "number" ? options.ra : parseAngle(options.ra, "ra");
  const dec = typeof options.dec === "number" ? options.dec : parseAngle(options.dec, "dec");
  if (!Number.isFinite(ra) || !Number.isFinite(dec) || Math.abs(dec) > 90) {
    throw new CloudFitsError("USAGE", `Invalid position RA ${options.ra}, Dec ${options.dec}`);
  }
  const size = typeof options.size === "object" ? options.size : parseAngularSize(options.size ?? 10);
  const { ra: _ra, dec: _dec, size: _size, hdu: key, cube, ...settings } = options;
  const handle = selectImage(file, key);
  if (handle.info.index === 1 && isTessCube(file.hdus)) {
    return await cutCube(cube ?? await readTessCube(file, settings), ra, dec, size, settings);
  }
  return await cutImage(handle, ra, dec, size, settings);
}

/**
 * The HDU a sky cutout cuts: the one named, else a TESS cube's HDU 1, else the first image with data.
 *
 * @param file The opened file.
 * @param key The HDU's number or EXTNAME, when named.
 * @returns Its handle.
 * @throws {CloudFitsError} `NOT_FOUND` when the file has no image with data.
 */
export function selectImage(file: FitsFile, key: number | string | undefined): HduHandle {
  if (key !== undefined) return file.hdu(key);
  if (isTessCube(file.hdus)) return file.hdu(1);
  const image = file.hdus.find((hdu) =>
    (hdu.type === "PRIMARY" || hdu.type === "IMAGE" || hdu.type === "COMPRESSED_IMAGE") &&
    hduShape(hdu).length >= 2 && hduShape(hdu).every((n) => n > 0)
  );
  if (!image) throw new CloudFitsError("NOT_FOUND", `${file.source.name} has no image with data`);
  return file.hdu(image.index);
}

/**
 * The box around the position, or a `NOT_FOUND` error naming where the position falls.
 */
function locate(
  engine: Wcs,
  ra: number,
  dec: number,
  size: AngularSize,
  shape: [number, number],
  name: string,
): SkyBox {
  let center: [number, number];
  try {
    center = engine.skyToPixel(ra, dec);
  } catch (error) {
    if (!isCloudFitsError(error) || error.code === "UNSUPPORTED" || error.code === "BAD_HEADER") throw error;
    throw new CloudFitsError("NOT_FOUND", `RA ${ra}, Dec ${dec} has no pixel in ${name}: ${error.message}`, {
      cause: error,
    });
  }
  const box = skyBox(center, size, engine.pixelScales(), shape);
  if (!box) {
    const at = center.map((v) => Number.isFinite(v) ? v.toFixed(1) : "none").join(", ");
    throw new CloudFitsError(
      "NOT_FOUND",
      `RA ${ra}, Dec ${dec} is off ${name}: pixel (${at}) of a ${shape[0]} × ${shape[1]} image`,
    );
  }
  return box;
}

/** The part of the box on the image, per celestial axis: [start, stop) and where it lands in the box. */
function clip(box: SkyBox, shape: readonly [number, number]) {
  return [0, 1].map((axis) => {
    const start = Math.max(box.lo[axis], 0);
    const stop = Math.min(box.hi[axis], shape[axis]);
    return { start, stop, offset: start - box.lo[axis], length: box.hi[axis] - box.lo[axis] };
  });
}

async function cutImage(
  handle: HduHandle,
  ra: number,
  dec: number,
  size: AngularSize,
  settings: ReadSettings,
): Promise<SkyCutout> {
  const info = handle.info;
  const engine = wcs(info.header);
  const numpyShape = hduShape(info);
  const axes = [...numpyShape].reverse(); // FITS order
  const [lon, lat] = [engine.lonAxis, engine.latAxis];
  const shape: [number, number] = [axes[lon], axes[lat]];
  const box = locate(engine, ra, dec, size, shape, `HDU ${info.index}`);
  const [x, y] = clip(box, shape);
  const n = axes.length;
  const spec: SectionAxis[] = axes.map(() => null).map((_, i) => {
    const axis = n - 1 - i; // numpy position i is FITS axis n-1-i
    if (axis === lon) return [x.start, x.stop];
    if (axis === lat) return [y.start, y.stop];
    return null;
  });
  const raw = await handle.section(spec, { ...settings, raw: true });
  const outShape = raw.shape.map((length, i) => {
    const axis = n - 1 - i;
    return axis === lon ? x.length : axis === lat ? y.length : length;
  });
  const offset = raw.shape.map((_, i) => {
    const axis = n - 1 - i;
    return axis === lon ? x.offset : axis === lat ? y.offset : 0;
  });
  const integer = !raw.dtype.startsWith("float");
  const ownBlank = info.header.get("BLANK");
  const blank = integer && box.padding > 0
    ? (typeof ownBlank === "number" || typeof ownBlank === "bigint"
      ? ownBlank
      : unusedValue(raw.data, raw.dtype))
    : undefined;
  const padded = filled(raw.dtype, outShape.reduce((a, b) => a * b, 1), blank ?? NaN);
  embed(raw.data, raw.shape, padded, outShape, offset);
  const bitpix = Number(Object.entries(BITPIX_DTYPE).find(([, dtype]) => dtype === raw.dtype)![0]);
  const origin = axes.map((_, axis) => axis === lon ? box.lo[0] : axis === lat ? box.lo[1] : 0);
  return {
    kind: "image",
    hdu: info,
    ra,
    dec,
    box,
    image: physical(padded, raw.dtype, info, box.padding > 0 ? blank : undefined, outShape),
    toFits: () =>
      concatBytes([
        cutoutHeader({
          header: info.header,
          compressed: info.type === "COMPRESSED_IMAGE",
          bitpix,
          axes: [...outShape].reverse(),
          origin,
          celestial: [lon, lat],
          padding: box.padding,
          ...(blank === undefined ? {} : { blank }),
        }),
        encodeDataUnit(padded, raw.dtype),
      ]),
  };
}

/** An array of `length` elements of `dtype`, each `value` (NaN leaves an integer array zero). */
function filled(dtype: Dtype, length: number, value: number | bigint): TypedArray {
  const array = allocateArray(dtype, length);
  if (array instanceof BigInt64Array || array instanceof BigUint64Array) {
    if (typeof value === "bigint" || Number.isInteger(value)) array.fill(BigInt(value));
  } else {
    array.fill(Number(value));
  }
  return array;
}

/** The stored type's smallest value that the data do not use, for BLANK (the type's minimum if unused). */
function unusedValue(data: TypedArray, dtype: Dtype): number | bigint {
  const used = new Set<number | bigint>(data as unknown as Iterable<number | bigint>);
  const start: Record<string, number | bigint> = {
    uint8: 0,
    int16: -32768,
    int32: -2147483648,
    int64: -(2n ** 63n),
  };
  let value = start[dtype];
  while (used.has(value)) value = typeof value === "bigint" ? value + 1n : value + 1;
  return value;
}

/** Stored values → physical values: BSCALE/BZERO applied, BLANK and padding NaN. */
function physical(
  stored: TypedArray,
  dtype: Dtype,
  info: Hdu,
  padBlank: number | bigint | null | undefined,
  shape: number[],
): ImageArray {
  const header = info.header;
  const bscale = header.getNumber("BSCALE") ?? 1;
  const bzero = header.getNumber("BZERO") ?? 0;
  const blank = header.get("BLANK") ?? padBlank;
  const isFloat = dtype.startsWith("float");
  if (bscale === 1 && bzero === 0 && (isFloat || blank === undefined || blank === null)) {
    return { shape, dtype, data: stored };
  }
  const out = dtype === "float32" ? new Float32Array(stored.length) : new Float64Array(stored.length);
  const blankValue = typeof blank === "number" || typeof blank === "bigint" ? blank : undefined;
  for (let i = 0; i < stored.length; i++) {
    const v = stored[i];
    // deno-lint-ignore eqeqeq
    out[i] = !isFloat && blankValue !== undefined && v == blankValue ? NaN : Number(v) * bscale + bzero;
  }
  return { shape, dtype: dtype === "float32" ? "float32" : "float64", data: out };
}

async function cutCube(
  cube: TessCube,
  ra: number,
  dec: number,
  size: AngularSize,
  settings: ReadSettings,
): Promise<SkyCutout> {
  const engine = wcs(cube.wcsKeywords);
  const shape: [number, number] = [cube.width, cube.height];
  const box = locate(engine, ra, dec, size, shape, `the cube (frame table row ${cube.wcsRow})`);
  const [x, y] = clip(box, shape);
  // numpy order (rows, columns, frames, flux/error): one request per row of the box.
  const read = await cube.cube.section([[y.start, y.stop], [x.start, x.stop], null, null], settings);
  const data = read.data as Float32Array;
  const [width, height, frames] = [x.length, y.length, cube.frames];
  const pixels = width * height;
  const flux = new Float32Array(frames * pixels).fill(NaN);
  const fluxErr = new Float32Array(frames * pixels).fill(NaN);
  const onCube = new Uint8Array(pixels);
  const readWidth = x.stop - x.start;
  for (let r = 0; r < y.stop - y.start; r++) {
    for (let c = 0; c < readWidth; c++) {
      const pixel = (r + y.offset) * width + c + x.offset;
      onCube[pixel] = 1;
      const base = (r * readWidth + c) * frames * 2;
      for (let t = 0; t < frames; t++) {
        flux[t * pixels + pixel] = data[base + 2 * t];
        fluxErr[t * pixels + pixel] = data[base + 2 * t + 1];
      }
    }
  }
  const linearWcs = fitLinearTan(engine, box.lo, [width, height]);
  const time = cube.tstart.map((start, t) => (start + cube.tstop[t]) / 2);
  return {
    kind: "tpf",
    hdu: cube.cube.info,
    ra,
    dec,
    box,
    image: { shape: [frames, height, width], dtype: "float32", data: flux },
    fluxErr,
    linearWcs,
    cube,
    toFits: () =>
      encodeTpf({
        primary: cube.primary.header,
        creator: `cloudfits ${VERSION} targetpixel cutout`,
        ra,
        dec,
        shape: [width, height],
        origin: box.lo,
        flux,
        fluxErr,
        onCube,
        time,
        timecorr: cube.barycorr,
        quality: cube.quality,
        ffiFiles: cube.ffiFiles,
        wcs: linearWcs,
        radesys: String(cube.wcsKeywords.get("RADESYS") ?? "ICRS"),
      }),
  };
}
