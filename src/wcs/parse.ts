/**
 * A header's WCS description → the model the transformations use: axes, linear matrix in degrees (and
 * SI units on spectral axes, as wcslib converts them), projection, celestial rotation, frame and SIP.
 * Anything it cannot interpret is refused with a message naming the keyword.
 *
 * @module
 */
import { cosd, sind } from "./_trig.ts";
import type { CelestialFrame } from "./frames.ts";
import { wcsError, type WcsKeywords } from "./keywords.ts";
import { invert, linearMatrix, type Matrix } from "./linear.ts";
import { makeProjection, type Projection, PROJECTION_CODES } from "./projections.ts";
import { celestialRotation, PoleError, type Rotation } from "./rotation.ts";
import { readSip, type Sip } from "./sip.ts";

/** Everything the transformations need, units already converted. */
export interface WcsModel {
  readonly naxis: number;
  /** CRPIXi, FITS 1-based. */
  readonly crpix: readonly number[];
  readonly crval: readonly number[];
  /** Pixel offsets → intermediate world coordinates (CDELT folded in). */
  readonly matrix: Matrix;
  readonly inverse: Matrix;
  /** Inverse of the celestial block of `matrix` (rows and columns lonAxis, latAxis): sky → pixel with the other
   * pixel axes at CRPIX. */
  readonly celestialInverse: Matrix;
  readonly lonAxis: number;
  readonly latAxis: number;
  readonly projection: Projection;
  readonly rotation: Rotation;
  readonly frame: CelestialFrame;
  /** The frame's equinox: a Julian epoch for FK5, a Besselian one for FK4. */
  readonly equinox: number;
  readonly sip: Sip | undefined;
  /** CTYPE keywords of non-celestial axes with a non-linear algorithm code, which this engine cannot evaluate. */
  readonly nonlinearAxes: readonly string[];
}

/** Degrees per celestial CUNIT (the forms wcslib accepts). */
const ANGLE_UNITS: Record<string, number> = {
  "": 1,
  DEG: 1,
  DEGREE: 1,
  DEGREES: 1,
  ARCMIN: 1 / 60,
  ARCSEC: 1 / 3600,
  MAS: 1 / 3.6e6,
  RAD: 180 / Math.PI,
};

/** SI units per spectral CUNIT, by the spectral type they apply to (wcslib converts spectral axes to SI). */
const SPECTRAL_UNITS: Record<string, Record<string, number>> = {
  FREQ: { "": 1, HZ: 1, KHZ: 1e3, MHZ: 1e6, GHZ: 1e9 },
  WAVE: { "": 1, M: 1, KM: 1e3, CM: 1e-2, MM: 1e-3, UM: 1e-6, NM: 1e-9, ANGSTROM: 1e-10 },
  VRAD: { "": 1, "M/S": 1, "KM/S": 1e3, "M.S-1": 1, "KM.S-1": 1e3 },
};
const SPECTRAL_KIND: Record<string, string> = {
  FREQ: "FREQ",
  WAVE: "WAVE",
  AWAV: "WAVE",
  VRAD: "VRAD",
  VOPT: "VRAD",
  VELO: "VRAD",
};

/** What a non-equatorial celestial axis pair is, for the refusal. */
const OTHER_FRAMES: Record<string, string> = {
  HP: "helioprojective",
  HG: "heliographic",
  CR: "Carrington heliographic",
  EL: "ecliptic",
  SL: "supergalactic",
  HE: "heliocentric ecliptic",
};

interface AxisType {
  keyword: string;
  ctype: string;
  /** The coordinate type before the algorithm code, e.g. "RA", "GLAT", "FREQ". */
  type: string;
  /** The three-letter algorithm code, if any. */
  code?: string;
  /** What follows the code, e.g. "-SIP". */
  suffix: string;
}

function axisType(keywords: WcsKeywords, axis: number): AxisType {
  const keyword = keywords.name(`CTYPE${axis + 1}`);
  const ctype = keywords.string(`CTYPE${axis + 1}`) ?? "";
  if (ctype.length >= 8 && ctype[4] === "-") {
    return {
      keyword,
      ctype,
      type: ctype.slice(0, 4).replace(/-+$/, ""),
      code: ctype.slice(5, 8),
      suffix: ctype.slice(8),
    };
  }
  return { keyword, ctype, type: ctype, suffix: "" };
}

const isLongitude = (type: string) => type === "RA" || /^.LON$/.test(type) || /^..LN$/.test(type);
const isLatitude = (type: string) => type === "DEC" || /^.LAT$/.test(type) || /^..LT$/.test(type);

function celestialAxes(axes: AxisType[]): [number, number] {
  const celestial = axes.filter((a) => a.code !== undefined && (isLongitude(a.type) || isLatitude(a.type)));
  for (const axis of celestial) {
    if (["RA", "DEC", "GLON", "GLAT"].includes(axis.type)) continue;
    const kind = OTHER_FRAMES[axis.type.slice(0, 2)] ?? "planetary or other body-fixed";
    throw wcsError("UNSUPPORTED", `${axis.keyword} '${axis.ctype}' is not RA/Dec-like (${kind} coordinates)`);
  }
  const longitudes = axes.filter((a) => a.code !== undefined && isLongitude(a.type));
  const latitudes = axes.filter((a) => a.code !== undefined && isLatitude(a.type));
  for (const found of [longitudes, latitudes]) {
    if (found.length > 1) {
      throw wcsError(
        "BAD_HEADER",
        `two celestial axes of one kind: ${found.map((a) => `${a.keyword} '${a.ctype}'`).join(", ")}`,
      );
    }
  }
  const lon = axes.indexOf(longitudes[0]);
  const lat = axes.indexOf(latitudes[0]);
  if (lon < 0 && lat < 0) {
    const listed = axes.map((a) => `${a.keyword} '${a.ctype}'`).join(", ");
    throw wcsError(
      "BAD_HEADER",
      `no celestial axes (RA/Dec or GLON/GLAT with a projection): ${listed || "no CTYPE"}`,
    );
  }
  if (lon < 0 || lat < 0) {
    const present = axes[Math.max(lon, lat)];
    throw wcsError(
      "BAD_HEADER",
      `${present.keyword} '${present.ctype}' has no matching ${lon < 0 ? "longitude" : "latitude"} axis`,
    );
  }
  const [a, b] = [axes[lon], axes[lat]];
  if ((a.type === "RA") !== (b.type === "DEC") || a.code !== b.code) {
    throw wcsError(
      "BAD_HEADER",
      `${a.keyword} '${a.ctype}' and ${b.keyword} '${b.ctype}' do not form a celestial pair`,
    );
  }
  for (const axis of [a, b]) {
    if (axis.suffix !== "" && axis.suffix !== "-SIP") {
      throw wcsError(
        "UNSUPPORTED",
        `${axis.keyword} '${axis.ctype}': distortion '${axis.suffix.slice(1)}' is not supported`,
      );
    }
  }
  return [lon, lat];
}

function frameOf(keywords: WcsKeywords, lonType: string): { frame: CelestialFrame; equinox: number } {
  if (lonType === "GLON") return { frame: "galactic", equinox: 2000 };
  const equinox = keywords.number("EQUINOX") ?? (keywords.primary ? keywords.number("EPOCH") : undefined);
  const declared = keywords.string("RADESYS") ?? keywords.string("RADECSYS");
  // The FITS default (Paper II §3.1): ICRS without EQUINOX, FK4 before 1984, FK5 after.
  const radesys = declared ?? (equinox === undefined ? "ICRS" : equinox < 1984 ? "FK4" : "FK5");
  if (radesys === "ICRS") return { frame: "icrs", equinox: 2000 };
  if (radesys === "FK5") return { frame: "fk5", equinox: equinox ?? 2000 };
  if (radesys === "FK4") return { frame: "fk4", equinox: equinox ?? 1950 };
  if (radesys === "FK4-NO-E") return { frame: "fk4noeterms", equinox: equinox ?? 1950 };
  throw wcsError(
    "UNSUPPORTED",
    `frame ${
      keywords.name("RADESYS")
    } = '${radesys}' is not supported: only ICRS, FK5, FK4, FK4-NO-E and Galactic are`,
  );
}

function unitScale(keywords: WcsKeywords, axis: number, type: AxisType, celestial: boolean): number {
  const keyword = keywords.name(`CUNIT${axis + 1}`);
  const unit = keywords.string(`CUNIT${axis + 1}`) ?? "";
  const table = celestial ? ANGLE_UNITS : SPECTRAL_UNITS[SPECTRAL_KIND[type.type]];
  if (table === undefined) return 1;
  const scale = table[unit];
  if (scale === undefined) {
    throw wcsError("UNSUPPORTED", `${keyword} '${unit}' is not a unit this engine converts`);
  }
  return scale;
}

/**
 * Read one WCS description.
 *
 * @param keywords The description's keywords.
 * @returns The model.
 * @throws CloudFitsError UNSUPPORTED or BAD_HEADER, naming the keyword.
 */
export function parseWcs(keywords: WcsKeywords): WcsModel {
  const declaredAxes = keywords.number("WCSAXES");
  let naxis: number;
  if (declaredAxes !== undefined && declaredAxes > 0) {
    naxis = declaredAxes;
  } else {
    // Without WCSAXES: NAXIS, or more if CTYPEi keywords say so (wcslib's rule; a table row has no NAXIS).
    naxis = keywords.plainNumber("NAXIS", 0)!;
    for (let i = naxis; i < 9; i++) if (keywords.has(`CTYPE${i + 1}`)) naxis = i + 1;
  }
  if (!Number.isInteger(naxis) || naxis > 99) {
    throw wcsError(
      "BAD_HEADER",
      `${keywords.name("WCSAXES")} or NAXIS must give at most 99 axes: got ${naxis}`,
    );
  }
  if (naxis < 2) throw wcsError("BAD_HEADER", `no celestial axes: the header describes ${naxis} axes`);
  const indices = [...Array(naxis).keys()];
  const types = indices.map((i) => axisType(keywords, i));
  const [lonAxis, latAxis] = celestialAxes(types);
  const { frame, equinox } = frameOf(keywords, types[lonAxis].type);

  const scales = indices.map((i) => unitScale(keywords, i, types[i], i === lonAxis || i === latAxis));
  const crpix = indices.map((i) => keywords.number(`CRPIX${i + 1}`, 0)!);
  const crval = indices.map((i) => keywords.number(`CRVAL${i + 1}`, 0)! * scales[i]);
  const matrix = linearMatrix(keywords, naxis, lonAxis, latAxis).map((row, i) =>
    row.map((v) => v * scales[i])
  );
  const matrixKeywords = `${keywords.name("CD")}i_j, ${keywords.name("PC")}i_j, CDELTi or CROTAi`;
  const inverse = invert(matrix, matrixKeywords);
  const celestialInverse = invert(
    [lonAxis, latAxis].map((i) => [matrix[i][lonAxis], matrix[i][latAxis]]),
    `celestial block of ${matrixKeywords}`,
  );

  const lonPv = (m: number) => keywords.number(`PV${lonAxis + 1}_${m}`);
  const latPv = (m: number) => keywords.number(`PV${latAxis + 1}_${m}`);
  for (const m of [1, 2]) {
    if (lonPv(m) !== undefined) {
      throw wcsError(
        "UNSUPPORTED",
        `${keywords.name(`PV${lonAxis + 1}_${m}`)} (a moved reference point) is not supported`,
      );
    }
  }
  const code = types[lonAxis].code!;
  let parameters = { pv1: latPv(1), pv2: latPv(2) };
  if (code === "NCP") {
    // NCP is SIN with ξ = 0, η = cot δ0 (Paper II §5.1.2); undefined on the equator.
    const lat0 = crval[latAxis];
    if (lat0 === 0) {
      throw wcsError("BAD_HEADER", `NCP projection needs ${keywords.name(`CRVAL${latAxis + 1}`)} ≠ 0`);
    }
    parameters = { pv1: 0, pv2: cosd(lat0) / sind(lat0) };
  }
  let projection: Projection | undefined;
  try {
    projection = makeProjection(code === "NCP" ? "SIN" : code, parameters);
  } catch (error) {
    throw wcsError("BAD_HEADER", `${keywords.name(`PV${latAxis + 1}_1`)}: ${(error as Error).message}`);
  }
  if (projection === undefined) {
    const keyword = types[lonAxis].keyword;
    throw wcsError(
      "UNSUPPORTED",
      `projection '${code}' of ${keyword} '${types[lonAxis].ctype}' is not supported (${
        PROJECTION_CODES.join(", ")
      }, NCP are)`,
    );
  }
  let rotation: Rotation;
  try {
    rotation = celestialRotation(
      crval[lonAxis],
      crval[latAxis],
      projection.phi0,
      projection.theta0,
      keywords.number("LONPOLE") ?? lonPv(3),
      keywords.number("LATPOLE") ?? lonPv(4),
    );
  } catch (error) {
    if (!(error instanceof PoleError)) throw error;
    throw wcsError(
      "BAD_HEADER",
      `${error.message} (${keywords.name("CRVAL")}n, ${keywords.name("LONPOLE")})`,
    );
  }
  // Lookup-table distortions (Paper IV draft, HST's CPDIS/D2IMDIS) live in other HDUs: refuse rather than ignore.
  for (const keyword of ["CPDIS1", "CPDIS2", "D2IMDIS1", "D2IMDIS2"]) {
    if (keywords.plainString(keyword) !== undefined) {
      throw wcsError("UNSUPPORTED", `${keyword}: lookup-table distortion is not supported`);
    }
  }
  const hasSipSuffix = types[lonAxis].suffix === "-SIP" || types[latAxis].suffix === "-SIP";
  const sip = readSip(keywords, hasSipSuffix);
  if (sip !== undefined && (lonAxis > 1 || latAxis > 1)) {
    throw wcsError("UNSUPPORTED", "SIP distortion on celestial axes other than the first two");
  }
  const nonlinearAxes = types.filter((t, i) => t.code !== undefined && i !== lonAxis && i !== latAxis)
    .map((t) => `${t.keyword} '${t.ctype}'`);
  return {
    naxis,
    crpix,
    crval,
    matrix,
    inverse,
    celestialInverse,
    lonAxis,
    latAxis,
    projection,
    rotation,
    frame,
    equinox,
    sip,
    nonlinearAxes,
  };
}
