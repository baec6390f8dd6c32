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
  readonly lonAxis: number;
  readonly latAxis: number;
  readonly projection: Projection;
  readonly rotation: Rotation;
  readonly frame: CelestialFrame;
  /** Julian epoch of an FK5 frame's equinox. */
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
  const lon = axes.findIndex((a) => a.code !== undefined && isLongitude(a.type));
  const lat = axes.findIndex((a) => a.code !== undefined && isLatitude(a.type));
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
  const radesys = declared ?? (equinox === undefined ? "ICRS" : equinox < 1984 ? "FK4" : "FK5");
  if (radesys === "ICRS") return { frame: "icrs", equinox: 2000 };
  if (radesys === "FK5") return { frame: "fk5", equinox: equinox ?? 2000 };
  const source = declared === undefined
    ? `${keywords.name("EQUINOX")} = ${equinox} (before 1984, so FK4)`
    : `${keywords.name("RADESYS")} = '${radesys}'`;
  throw wcsError("UNSUPPORTED", `frame ${source} is not supported: only ICRS, FK5 and Galactic are`);
}

function unitScale(keywords: WcsKeywords, axis: number, type: AxisType, celestial: boolean): number {
  const keyword = keywords.name(`CUNIT${axis + 1}`);
  const unit = keywords.string(`CUNIT${axis + 1}`) ?? "";
  const table = celestial ? ANGLE_UNITS : SPECTRAL_UNITS[SPECTRAL_KIND[type.type]];
  if (table === undefined) return 1;
  const scale = table[unit.replace(/^DEGREE$/, "DEG")];
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
  let naxis = declaredAxes !== undefined && declaredAxes > 0
    ? declaredAxes
    : keywords.plainNumber("NAXIS", 0)!;
  for (let i = naxis; i < 9; i++) if (keywords.has(`CTYPE${i + 1}`)) naxis = i + 1;
  if (!Number.isInteger(naxis) || naxis < 2 || naxis > 99) {
    throw wcsError("BAD_HEADER", `${keywords.name("WCSAXES")} or NAXIS must give 2 to 99 axes: got ${naxis}`);
  }
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
  const inverse = invert(matrix, `${keywords.name("CD")}i_j, ${keywords.name("PC")}i_j, CDELTi or CROTAi`);

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
