/**
 * Light curves written out: CSV (`time,flux,flux_err,quality,cadence`), JSON, and FITS with a
 * `LIGHTCURVE` table in the layout of TESS light-curve files.
 *
 * @module
 */
import type { Header } from "../fits/header.ts";
import { buildHeader, formatCard } from "../fits/write.ts";
import { concatBytes } from "../_bytes.ts";
import { binaryTableCards } from "./cutout_fits.ts";

/** A light curve's values and what they mean. */
export interface LightCurveData {
  /** Mid-exposure times. */
  time: Float64Array;
  /** What `time` counts: for TESS, `BTJD` (BJD − 2457000, TDB, days). */
  timeFormat: string;
  /** The unit of `time`. */
  timeUnit: string;
  /** The summed flux (NaN when no pixel of the aperture is finite). */
  flux: Float64Array;
  /** Its error: the pixel errors added in quadrature. */
  fluxErr: Float64Array;
  /** The unit of `flux` and `fluxErr`. */
  fluxUnit: string;
  /** Quality flags of each cadence (TESS DQUALITY). */
  quality: Int32Array;
  /** Cadence numbers (0-based frame numbers of the cube). */
  cadence: Int32Array;
  /** Position asked for, degrees. */
  ra: number;
  /** Declination asked for, degrees. */
  dec: number;
  /** Where the light curve comes from. */
  source: { name: string; telescope?: string; sector?: number; camera?: number; ccd?: number };
  /**
   * How a FITS light curve states its time and units (default: TESS's BTJD, TDB, and `timeUnit`/`fluxUnit`
   * as the column units): the cards of its time system, and the TIME and FLUX columns' FITS units.
   */
  fits?: { timeCards: string[]; timeUnit?: string; fluxUnit?: string };
}

/**
 * CSV: one `#` line naming the units, the header `time,flux,flux_err,quality,cadence`, then one line per
 * cadence (NaN as an empty field).
 *
 * @param curve The light curve.
 * @returns The CSV text.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeLightCurveCsv } from "./light_curve_files.ts";
 *
 * const csv = encodeLightCurveCsv({
 *   time: new Float64Array([1.5]), timeFormat: "BTJD", timeUnit: "BJD - 2457000, days",
 *   flux: new Float64Array([NaN]), fluxErr: new Float64Array([NaN]), fluxUnit: "e-/s",
 *   quality: new Int32Array([4]), cadence: new Int32Array([0]), ra: 1, dec: 2, source: { name: "x" },
 * });
 * assert.deepEqual(csv.split("\n").slice(1), ["time,flux,flux_err,quality,cadence", "1.5,,,4,0", ""]);
 * ```
 */
export function encodeLightCurveCsv(curve: LightCurveData): string {
  const number = (v: number) => (Number.isFinite(v) ? String(v) : "");
  const lines = [
    `# time: ${curve.timeFormat} (${curve.timeUnit}); flux, flux_err: ${curve.fluxUnit}; ` +
    `RA ${curve.ra}, Dec ${curve.dec}; ${curve.source.name}`,
    "time,flux,flux_err,quality,cadence",
  ];
  for (let t = 0; t < curve.time.length; t++) {
    lines.push(
      `${number(curve.time[t])},${number(curve.flux[t])},${number(curve.fluxErr[t])},${curve.quality[t]},${
        curve.cadence[t]
      }`,
    );
  }
  return lines.join("\n") + "\n";
}

/**
 * JSON: the units and position, then the columns as arrays (NaN as null).
 *
 * @param curve The light curve.
 * @returns The JSON text.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeLightCurveJson } from "./light_curve_files.ts";
 *
 * const json = JSON.parse(encodeLightCurveJson({
 *   time: new Float64Array([1.5]), timeFormat: "BTJD", timeUnit: "BJD - 2457000, days",
 *   flux: new Float64Array([NaN]), fluxErr: new Float64Array([2]), fluxUnit: "e-/s",
 *   quality: new Int32Array([4]), cadence: new Int32Array([0]), ra: 1, dec: 2, source: { name: "x" },
 * }));
 * assert.deepEqual([json.time, json.flux, json.flux_err, json.time_format], [[1.5], [null], [2], "BTJD"]);
 * ```
 */
export function encodeLightCurveJson(curve: LightCurveData): string {
  const numbers = (values: ArrayLike<number>) => Array.from(values, (v) => (Number.isFinite(v) ? v : null));
  return JSON.stringify({
    source: curve.source,
    ra: curve.ra,
    dec: curve.dec,
    time_format: curve.timeFormat,
    time_unit: curve.timeUnit,
    flux_unit: curve.fluxUnit,
    time: numbers(curve.time),
    flux: numbers(curve.flux),
    flux_err: numbers(curve.fluxErr),
    quality: Array.from(curve.quality),
    cadence: Array.from(curve.cadence),
  }) + "\n";
}

/**
 * FITS: a primary HDU with the cube's primary keywords (but CREATOR and ORIGIN) and the time system, and a
 * `LIGHTCURVE` table (TIME, FLUX, FLUX_ERR, QUALITY, CADENCENO) with units, `BJDREFI`/`TIMESYS` in its
 * own header: lightkurve's `lk.read` opens it as a light curve with BTJD times.
 *
 * @param curve The light curve.
 * @param primary The cube's primary header, whose keywords are carried along.
 * @returns The FITS file.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeLightCurveFits } from "./light_curve_files.ts";
 * import { parseHeader } from "../fits/header.ts";
 * import { buildHeader, formatCard } from "../fits/write.ts";
 *
 * const fits = encodeLightCurveFits({
 *   time: new Float64Array([1.5]), timeFormat: "BTJD", timeUnit: "BJD - 2457000, days",
 *   flux: new Float64Array([3]), fluxErr: new Float64Array([2]), fluxUnit: "e-/s",
 *   quality: new Int32Array([4]), cadence: new Int32Array([0]), ra: 1, dec: 2, source: { name: "x" },
 * }, parseHeader(buildHeader([formatCard("TELESCOP", "TESS")])));
 * const table = parseHeader(fits.subarray(2880));
 * assert.deepEqual([table.get("EXTNAME"), table.get("TTYPE2"), table.get("TUNIT2"), table.get("BJDREFI")], [
 *   "LIGHTCURVE", "FLUX", "e-/s", 2457000,
 * ]);
 * ```
 */
export function encodeLightCurveFits(curve: LightCurveData, primary: Header): Uint8Array {
  // CREATOR and ORIGIN describe the cube's FFIs; with them lightkurve's lk.read would take this file for a
  // TPF (TESS + "stsci"). Without them it reads it as a generic light curve (flux, BTJD from BJDREFI).
  const keep =
    /^(SIMPLE|BITPIX|NAXIS\d*|EXTEND|NEXTEND|EXTNAME|EXTVER|CHECKSUM|DATASUM|INHERIT|RA_OBJ|DEC_OBJ|CREATOR|ORIGIN)$/;
  const copied = primary.cards
    .filter((card) => card.keyword !== "" && !keep.test(card.keyword))
    .flatMap((card) =>
      Array.from({ length: card.raw.length / 80 }, (_, i) => card.raw.slice(80 * i, 80 * i + 80))
    );
  const timeCards = [
    ...curve.fits?.timeCards ?? [
      formatCard("TIMESYS", "TDB", "time system is Barycentric Dynamical Time (TDB)"),
      formatCard("BJDREFI", 2457000, "integer part of BTJD reference date"),
      formatCard("BJDREFF", 0.0, "fraction of the day in BTJD reference date"),
      formatCard("TIMEUNIT", "d", "time unit for TIME"),
    ],
    formatCard("RA_OBJ", curve.ra, "[deg] right ascension of the aperture centre"),
    formatCard("DEC_OBJ", curve.dec, "[deg] declination of the aperture centre"),
  ];
  const stated = new Set(timeCards.map((card) => card.slice(0, 8).trimEnd()));
  const copiedOnce = copied.filter((card) => !stated.has(card.slice(0, 8).trimEnd()));
  const primaryCards = [
    formatCard("SIMPLE", true, "conforms to FITS standard"),
    formatCard("BITPIX", 8, "array data type"),
    formatCard("NAXIS", 0, "number of array dimensions"),
    formatCard("EXTEND", true),
    ...copiedOnce,
    ...timeCards,
  ];
  const fluxUnit = curve.fits ? curve.fits.fluxUnit : curve.fluxUnit;
  const columns = [
    { type: "TIME", form: "D", unit: curve.fits ? curve.fits.timeUnit : curve.timeUnit, bytes: 8 },
    { type: "FLUX", form: "D", unit: fluxUnit, bytes: 8 },
    { type: "FLUX_ERR", form: "D", unit: fluxUnit, bytes: 8 },
    { type: "QUALITY", form: "J", bytes: 4 },
    { type: "CADENCENO", form: "J", bytes: 4 },
  ];
  const rowBytes = 32;
  const rows = curve.time.length;
  const tableCards = [
    ...binaryTableCards(rows, columns),
    formatCard("EXTNAME", "LIGHTCURVE", "name of extension"),
    formatCard("INHERIT", true, "inherit the primary header"),
    ...timeCards,
  ];
  const data = new Uint8Array(Math.ceil((rowBytes * rows) / 2880) * 2880);
  const view = new DataView(data.buffer);
  for (let t = 0; t < rows; t++) {
    const at = t * rowBytes;
    view.setFloat64(at, curve.time[t]);
    view.setFloat64(at + 8, curve.flux[t]);
    view.setFloat64(at + 16, curve.fluxErr[t]);
    view.setInt32(at + 24, curve.quality[t]);
    view.setInt32(at + 28, curve.cadence[t]);
  }
  return concatBytes([buildHeader(primaryCards), buildHeader(tableCards), data]);
}
