/**
 * The time of each plane of a 3-D image cube, for light curves of cubes that are not TESS cubes: from the
 * third axis's WCS when it is a time axis (FITS WCS paper VII: CTYPE3 `TIME`, `UTC`, `TDB` …, linear,
 * CUNIT3 default seconds), else the plane index, said so in the unit.
 *
 * @module
 */
import { CloudFitsError } from "../errors.ts";
import type { Header } from "../fits/header.ts";
import { formatCard } from "../fits/write.ts";

/** Time coordinate types of FITS WCS paper VII (the time scales, and TIME itself). */
const TIME_TYPES = new Set([
  "TIME",
  "TAI",
  "TT",
  "TDT",
  "ET",
  "IAT",
  "UT1",
  "UTC",
  "GMST",
  "GPS",
  "TCG",
  "TCB",
  "TDB",
  "LOCAL",
]);

/** Each plane's time, what it counts, and the FITS cards that say so in a light-curve table. */
export interface PlaneTimes {
  /** One value per plane. */
  time: Float64Array;
  /** What the values count: the time axis's CTYPE3, or `plane`. */
  timeFormat: string;
  /** Their unit, and the reference when the header gives one. */
  timeUnit: string;
  /** TIMESYS, MJDREF and TIMEUNIT cards for a FITS light curve (none for plane numbers). */
  timeCards: string[];
  /** The TIME column's FITS unit (none for plane numbers). */
  fitsUnit?: string;
}

/**
 * Times of the planes of a cube whose third FITS axis is its planes.
 *
 * @param header The cube's header.
 * @param planes NAXIS3.
 * @returns Times, format, unit and cards.
 * @throws {CloudFitsError} `UNSUPPORTED` for a time axis this cannot read as linear (an algorithm code
 * such as `-TAB` or `-LOG`, or a PC/CD matrix that mixes it with the celestial axes).
 *
 * @example A TIME axis in seconds from MJD 60000, and a spectral axis (plane numbers)
 * ```ts
 * import assert from "node:assert/strict";
 * import { planeTimes } from "./plane_time.ts";
 * import { parseHeader } from "../fits/header.ts";
 * import { buildHeader, formatCard } from "../fits/write.ts";
 *
 * const timed = parseHeader(buildHeader([
 *   formatCard("CTYPE3", "TIME"), formatCard("CRVAL3", 100), formatCard("CDELT3", 30),
 *   formatCard("CRPIX3", 1), formatCard("CUNIT3", "s"), formatCard("MJDREF", 60000),
 * ]));
 * const got = planeTimes(timed, 3);
 * assert.deepEqual([...got.time], [100, 130, 160]);
 * assert.equal(got.timeUnit, "s since MJD 60000");
 *
 * const spectral = parseHeader(buildHeader([formatCard("CTYPE3", "FREQ")]));
 * assert.deepEqual([...planeTimes(spectral, 2).time], [0, 1]);
 * assert.equal(planeTimes(spectral, 2).timeFormat, "plane");
 * ```
 */
export function planeTimes(header: Header, planes: number): PlaneTimes {
  const ctype = (header.getString("CTYPE3") ?? "").trim().toUpperCase();
  const [kind, algorithm] = [ctype.slice(0, 4).replace(/-+$/, ""), ctype.slice(4).replace(/^-+/, "")];
  if (!TIME_TYPES.has(kind) || (ctype.length > 4 && !ctype.startsWith(`${kind}-`))) {
    const why = ctype === "" ? "the cube's third axis has no CTYPE3" : `CTYPE3 '${ctype}' is not a time axis`;
    return {
      time: Float64Array.from({ length: planes }, (_, i) => i),
      timeFormat: "plane",
      timeUnit: `plane number, 0-based: ${why}`,
      timeCards: [],
    };
  }
  if (algorithm !== "") {
    throw new CloudFitsError(
      "UNSUPPORTED",
      `Cannot read the time axis CTYPE3 '${ctype}': only linear time axes`,
    );
  }
  for (const keyword of ["PC3_1", "PC3_2", "CD3_1", "CD3_2"]) {
    if ((header.getNumber(keyword) ?? 0) !== 0) {
      throw new CloudFitsError(
        "UNSUPPORTED",
        `Cannot read the time axis: ${keyword} mixes it with the celestial axes, so time varies across the image`,
      );
    }
  }
  const step = header.getNumber("CD3_3") ??
    (header.getNumber("CDELT3") ?? 1) * (header.getNumber("PC3_3") ?? 1);
  const crval = header.getNumber("CRVAL3") ?? 0;
  const crpix = header.getNumber("CRPIX3") ?? 0;
  const unit = (header.getString("CUNIT3") ?? "").trim() || "s";
  const mjdref = header.getNumber("MJDREF") ??
    (header.getNumber("MJDREFI") !== undefined
      ? header.getNumber("MJDREFI")! + (header.getNumber("MJDREFF") ?? 0)
      : undefined);
  const dateref = header.getString("DATEREF")?.trim();
  const since = mjdref !== undefined ? ` since MJD ${mjdref}` : dateref ? ` since ${dateref}` : "";
  const timesys = header.getString("TIMESYS")?.trim() || (kind === "TIME" ? "UTC" : kind);
  return {
    time: Float64Array.from({ length: planes }, (_, i) => crval + step * (i + 1 - crpix)),
    timeFormat: kind,
    timeUnit: `${unit}${since}`,
    fitsUnit: unit,
    timeCards: [
      formatCard("TIMESYS", timesys, "time scale of TIME"),
      ...(mjdref !== undefined ? [formatCard("MJDREF", mjdref, "[d] MJD of the time reference")] : []),
      ...(mjdref === undefined && dateref ? [formatCard("DATEREF", dateref, "time reference")] : []),
      formatCard("TIMEUNIT", unit, "time unit for TIME"),
    ],
  };
}
