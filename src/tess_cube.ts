/**
 * TESS FFI cubes (astrocut's `CubeFactory` layout, as MAST serves them): HDU 1 holds flux and error
 * as (rows, columns, frames, 2) in numpy order; HDU 2 has one row per FFI with its header keywords,
 * WCS included. This module recognises the layout and reads HDU 2 once (or takes the frame summary an
 * index holds): every row's times and quality, and the WCS astrocut would pick.
 *
 * @module
 */
import { CloudFitsError } from "./errors.ts";
import type { Hdu } from "./fits/layout.ts";
import type { TableColumnData } from "./fits/table_values.ts";
import type { FitsFile } from "./open.ts";
import type { HduHandle } from "./hdu_handle.ts";
import type { ReadSettings } from "./read_settings.ts";
import type { FrameSummary } from "./index_format/frames.ts";
import type { KeywordSource } from "./wcs/mod.ts";

/** A TESS cube's frames: times, corrections, quality, file names, and the WCS astrocut uses. */
export interface TessCube {
  /** HDU 1: the (rows, columns, frames, 2) image. */
  cube: HduHandle;
  /** Frames (cadences), columns and rows of the cube. */
  frames: number;
  /** Columns of every frame (x). */
  width: number;
  /** Rows of every frame (y). */
  height: number;
  /** The primary header's keywords (TELESCOP, SECTOR, CAMERA, CCD…). */
  primary: Hdu;
  /** TSTART and TSTOP of each frame (BTJD). */
  tstart: Float64Array;
  /** TSTOP of each frame. */
  tstop: Float64Array;
  /** BARYCORR of each frame (days), 0 when the table has none. */
  barycorr: Float64Array;
  /** DQUALITY of each frame. */
  quality: Int32Array;
  /** FFI_FILE of each frame, in full. */
  ffiFiles: string[];
  /** The HDU 2 row whose WCS describes the cube (0-based). */
  wcsRow: number;
  /** That row's keywords, as a header would give them. */
  wcsKeywords: KeywordSource;
}

/**
 * Whether HDUs 1 and 2 have the TESS cube layout: a 4-D image with NAXIS1 = 2, and a table with one row
 * per frame that has TSTART, TSTOP and CTYPE2 columns.
 *
 * @param hdus The file's HDUs (at least the first three).
 * @returns True for a TESS cube.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openFits } from "./open.ts";
 * import { openFileSource } from "./source/file.ts";
 * import { isTessCube } from "./tess_cube.ts";
 *
 * await using cube = await openFits("testdata/tess_cube.fits", { openFile: openFileSource });
 * assert.equal(isTessCube(cube.hdus), true);
 * await using image = await openFits("testdata/primary_only.fits", { openFile: openFileSource });
 * assert.equal(isTessCube(image.hdus), false);
 * ```
 */
export function isTessCube(hdus: readonly Hdu[]): boolean {
  const [image, table] = [hdus[1], hdus[2]];
  if (!image || !table || image.type !== "IMAGE" || table.type !== "BINTABLE") return false;
  if (image.axes.length !== 4 || image.axes[0] !== 2 || table.axes[1] !== image.axes[1]) return false;
  const names = new Set(columnNames(table));
  return ["TSTART", "TSTOP", "CTYPE2"].every((name) => names.has(name));
}

function columnNames(table: Hdu): string[] {
  const count = table.header.getInteger("TFIELDS") ?? 0;
  const names: string[] = [];
  for (let i = 1; i <= count; i++) {
    names.push((table.header.getString(`TTYPE${i}`) ?? "").trim().toUpperCase());
  }
  return names;
}

/**
 * A TESS cube's frames and the WCS that describes it: from the frame summary of the index the file was
 * opened through, or else from the frame table (HDU 2) in one planned read, picking the row whose WCS
 * describes the cube as astrocut does — the middle row (`frames // 2`), stepping forward and wrapping
 * round to the first row whose CTYPE2 is `DEC--TAN-SIP` (frames taken during momentum dumps have no WCS).
 *
 * @param fits The opened cube, walked to HDU 2 at least.
 * @param settings Read settings.
 * @returns The cube's frames and WCS keywords.
 * @throws {CloudFitsError} `UNSUPPORTED` when the file is not a TESS cube; `BAD_HEADER` when no row has
 * a WCS; `BAD_INDEX` when the index's summary does not fit the cube.
 *
 * @example The fixture's times, quality, and the row astrocut takes its WCS from
 * ```ts
 * import assert from "node:assert/strict";
 * import { openFits } from "./open.ts";
 * import { openFileSource } from "./source/file.ts";
 * import { readTessCube } from "./tess_cube.ts";
 *
 * await using fits = await openFits("testdata/tess_cube.fits", { openFile: openFileSource });
 * const cube = await readTessCube(fits);
 * assert.deepEqual([cube.frames, cube.width, cube.height, cube.wcsRow], [8, 6, 5, 4]);
 * assert.deepEqual([...cube.quality], [32, 0, 0, 0, 0, 128, 0, 0]);
 * assert.equal(cube.wcsKeywords.get("CTYPE1"), "RA---TAN-SIP");
 * assert.equal(cube.ffiFiles[0], "tess2018206190027-s0001-1-1-0120-s_ffic.fits");
 * ```
 */
export async function readTessCube(fits: FitsFile, settings: ReadSettings = {}): Promise<TessCube> {
  if (!isTessCube(fits.hdus)) {
    throw new CloudFitsError("UNSUPPORTED", `${fits.source.name} is not a TESS FFI cube`);
  }
  const cube = fits.hdu(1);
  const [, frames, width, height] = cube.info.axes;
  const summary = await fits.frames?.() ?? await readFrameSummary(fits, settings);
  if (summary.tstart.length !== frames) {
    throw new CloudFitsError(
      "BAD_INDEX",
      `The index's frame summary of ${fits.source.name} has ${summary.tstart.length} frames, the cube ${frames}`,
    );
  }
  const keywords = summary.wcsKeywords;
  return {
    cube,
    frames,
    width,
    height,
    primary: fits.hdus[0],
    tstart: summary.tstart,
    tstop: summary.tstop,
    barycorr: summary.barycorr ?? new Float64Array(frames),
    quality: summary.quality,
    ffiFiles: summary.ffiFiles,
    wcsRow: summary.wcsRow,
    wcsKeywords: { get: (keyword: string) => keywords[keyword.toUpperCase()] },
  };
}

/**
 * Read a TESS cube's frame table (HDU 2) whole, in one request, and keep what light curves and target
 * pixel files need: every frame's TSTART, TSTOP, BARYCORR (or TIMECORR), DQUALITY and FFI_FILE, and the keywords of
 * the row whose WCS describes the cube. `cloudfits index` stores this in the index.
 *
 * @param fits The opened cube, walked to HDU 2 at least.
 * @param settings Read settings.
 * @returns The frame summary.
 * @throws {CloudFitsError} `UNSUPPORTED` when the file is not a TESS cube; `BAD_HEADER` when no row has
 * a WCS or a column has an unexpected type.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openFits } from "./open.ts";
 * import { openFileSource } from "./source/file.ts";
 * import { readFrameSummary } from "./tess_cube.ts";
 *
 * await using fits = await openFits("testdata/tess_cube.fits", { openFile: openFileSource });
 * const summary = await readFrameSummary(fits);
 * assert.equal(summary.wcsRow, 4);
 * assert.equal(summary.wcsKeywords.CTYPE2, "DEC--TAN-SIP");
 * ```
 */
export async function readFrameSummary(fits: FitsFile, settings: ReadSettings = {}): Promise<FrameSummary> {
  if (!isTessCube(fits.hdus)) {
    throw new CloudFitsError("UNSUPPORTED", `${fits.source.name} is not a TESS FFI cube`);
  }
  const frames = fits.hdus[1].axes[1];
  // The whole table in one request: its columns are spread over every row, so reading only some of
  // them would fetch nearly the same bytes in many more requests.
  const rows = await fits.hdu(2).rows(0, frames, settings);
  const column = (name: string): TableColumnData | undefined => rows.columns[name];
  const numbers = (name: string): Float64Array | undefined => {
    const data = column(name);
    if (!data) return undefined;
    if (data.kind !== "number") throw badColumn(name);
    return Float64Array.from(data.values as ArrayLike<number>, Number);
  };
  const strings = (name: string): string[] => {
    const data = column(name);
    if (!data) return Array.from({ length: frames }, () => "");
    if (data.kind !== "string") throw badColumn(name);
    return data.values.map((value) => value ?? "");
  };
  const ctype2 = strings("CTYPE2");
  let wcsRow = -1;
  for (let step = 0; step < frames; step++) {
    const row = (Math.floor(frames / 2) + step) % frames;
    if (ctype2[row].trim() === "DEC--TAN-SIP") {
      wcsRow = row;
      break;
    }
  }
  if (wcsRow < 0) {
    throw new CloudFitsError(
      "BAD_HEADER",
      `No frame of ${fits.source.name} has a WCS (CTYPE2 'DEC--TAN-SIP')`,
    );
  }
  const wcsKeywords: Record<string, number | string> = {};
  for (const [name, data] of Object.entries(rows.columns)) {
    const value = data.values[wcsRow];
    if (data.kind === "number") wcsKeywords[name.toUpperCase()] = Number(value);
    else if (data.kind === "string" && typeof value === "string") {
      wcsKeywords[name.toUpperCase()] = value.trimEnd();
    }
  }
  // SPOC cubes carry BARYCORR; a table with a TIMECORR column instead gives that.
  const barycorr = numbers("BARYCORR") ?? numbers("TIMECORR");
  return {
    tstart: numbers("TSTART") ?? new Float64Array(frames),
    tstop: numbers("TSTOP") ?? new Float64Array(frames),
    ...(barycorr ? { barycorr } : {}),
    quality: Int32Array.from(numbers("DQUALITY") ?? new Float64Array(frames)),
    ffiFiles: strings("FFI_FILE"),
    wcsRow,
    wcsKeywords,
  };
}

function badColumn(name: string): CloudFitsError {
  return new CloudFitsError("BAD_HEADER", `TESS cube column ${name} has an unexpected type`);
}
