/**
 * The celestial projections of FITS WCS Paper II (Calabretta & Greisen 2002): intermediate world
 * coordinates (x, y) in degrees ↔ native spherical coordinates (φ, θ) in degrees.
 *
 * @module
 */
import { acosd, asind, atan2d, cosd, sind } from "./_trig.ts";

const R0 = 180 / Math.PI;
const D2R = Math.PI / 180;
/** How far past a projection's edge a point may lie and still count as on it (rounding). */
const TOLERANCE = 1e-13;

/** One projection, set up with its parameters. Methods return `undefined` for points off the projection. */
export interface Projection {
  /** The three-letter code, e.g. "TAN". */
  readonly code: string;
  /** Native longitude of the reference point, degrees. */
  readonly phi0: number;
  /** Native latitude of the reference point, degrees. */
  readonly theta0: number;
  /** Intermediate world coordinates → native (φ, θ). */
  toNative(x: number, y: number): [number, number] | undefined;
  /** Native (φ, θ), φ in [−180, 180] → intermediate world coordinates. */
  fromNative(phi: number, theta: number): [number, number] | undefined;
}

/** Parameters PVi_m of the latitude axis that some projections take. */
export interface ProjectionParameters {
  /** PVi_1: SIN ξ, CEA λ. */
  pv1?: number;
  /** PVi_2: SIN η. */
  pv2?: number;
}

/** Codes this module implements (NCP is read as SIN with parameters). */
export const PROJECTION_CODES: readonly string[] = [
  "TAN",
  "SIN",
  "ARC",
  "ZEA",
  "STG",
  "CAR",
  "CEA",
  "MOL",
  "AIT",
];

/** A zenithal projection given by R(θ) and its inverse θ(R), both in degrees. */
function zenithal(
  code: string,
  radius: (theta: number) => number | undefined,
  latitude: (r: number) => number | undefined,
): Projection {
  return {
    code,
    phi0: 0,
    theta0: 90,
    toNative(x, y) {
      const r = Math.hypot(x, y);
      const theta = latitude(r);
      if (theta === undefined) return undefined;
      return [r === 0 ? 0 : atan2d(x, -y), theta];
    },
    fromNative(phi, theta) {
      const r = radius(theta);
      if (r === undefined) return undefined;
      return [r * sind(phi), -r * cosd(phi)];
    },
  };
}

/** SIN, orthographic; slant when ξ or η is non-zero (Paper II §5.1.5). */
function slantOrthographic(xi: number, eta: number): Projection {
  if (xi === 0 && eta === 0) {
    return zenithal("SIN", (theta) => theta < -TOLERANCE ? undefined : R0 * cosd(theta), (r) => {
      const r2 = (r / R0) ** 2;
      if (r2 < 0.5) return acosd(Math.sqrt(r2));
      if (r2 <= 1 + TOLERANCE) return asind(Math.sqrt(Math.max(0, 1 - r2)));
      return undefined;
    });
  }
  return {
    code: "SIN",
    phi0: 0,
    theta0: 90,
    toNative(x, y) {
      const X = x / R0, Y = y / R0;
      const a = xi * xi + eta * eta + 1;
      const b = xi * (X - xi) + eta * (Y - eta);
      const c = (X - xi) ** 2 + (Y - eta) ** 2 - 1;
      const discriminant = b * b - a * c;
      if (discriminant < 0) return undefined;
      const root = Math.sqrt(discriminant);
      const candidates = [(-b + root) / a, (-b - root) / a].filter((s) => Math.abs(s) <= 1 + TOLERANCE);
      if (candidates.length === 0) return undefined;
      const sinTheta = Math.min(1, Math.max(-1, Math.max(...candidates)));
      const oneMinus = 1 - sinTheta;
      const theta = asind(sinTheta);
      return [atan2d(X - xi * oneMinus, -(Y - eta * oneMinus)), theta];
    },
    fromNative(phi, theta) {
      // The far side is hidden below the latitude where the line of sight grazes the sphere.
      if (theta < -atan2d(xi * sind(phi) - eta * cosd(phi), 1) - TOLERANCE) return undefined;
      const oneMinus = 1 - sind(theta);
      return [
        R0 * (cosd(theta) * sind(phi) + xi * oneMinus),
        -R0 * (cosd(theta) * cosd(phi) - eta * oneMinus),
      ];
    },
  };
}

/** A cylindrical or pseudo-cylindrical projection with its reference point on the native equator. */
function equatorial(
  code: string,
  fromNative: (phi: number, theta: number) => [number, number],
  toNative: (x: number, y: number) => [number, number] | undefined,
): Projection {
  return {
    code,
    phi0: 0,
    theta0: 0,
    fromNative,
    toNative(x, y) {
      const native = toNative(x, y);
      if (native === undefined) return undefined;
      const [phi, theta] = native;
      if (Math.abs(phi) > 180 + TOLERANCE || Math.abs(theta) > 90 + TOLERANCE) return undefined;
      return native;
    },
  };
}

/** Mollweide's auxiliary angle γ (radians), the root of 2γ + sin 2γ = π sin θ. */
function mollweideGamma(theta: number): number {
  if (Math.abs(theta) === 90) return Math.sign(theta) * Math.PI / 2;
  const target = Math.PI * sind(theta);
  let gamma = theta * D2R;
  for (let i = 0; i < 100; i++) {
    const step = (2 * gamma + Math.sin(2 * gamma) - target) / (2 + 2 * Math.cos(2 * gamma));
    gamma -= step;
    if (Math.abs(step) < 1e-15) break;
  }
  return gamma;
}

/**
 * Set up a projection.
 *
 * @param code A code from {@linkcode PROJECTION_CODES}.
 * @param parameters The latitude axis's PVi_1 and PVi_2.
 * @returns The projection, or `undefined` for a code this module does not know.
 * @throws RangeError for CEA with λ outside (0, 1].
 */
export function makeProjection(code: string, parameters: ProjectionParameters = {}): Projection | undefined {
  switch (code) {
    case "TAN":
      return zenithal(
        "TAN",
        (theta) => theta <= 0 ? undefined : R0 * cosd(theta) / sind(theta),
        (r) => atan2d(R0, r),
      );
    case "SIN":
      return slantOrthographic(parameters.pv1 ?? 0, parameters.pv2 ?? 0);
    case "ARC":
      return zenithal("ARC", (theta) => 90 - theta, (r) => r > 180 + TOLERANCE ? undefined : 90 - r);
    case "ZEA":
      return zenithal("ZEA", (theta) => 2 * R0 * sind((90 - theta) / 2), (r) => {
        const w = r / (2 * R0);
        if (w > 1 + TOLERANCE) return undefined;
        return 90 - 2 * asind(Math.min(1, w));
      });
    case "STG":
      return zenithal(
        "STG",
        (theta) => theta === -90 ? undefined : 2 * R0 * cosd(theta) / (1 + sind(theta)),
        (r) => 90 - 2 * atan2d(r, 2 * R0),
      );
    case "CAR":
      return equatorial("CAR", (phi, theta) => [phi, theta], (x, y) => [x, y]);
    case "CEA": {
      const lambda = parameters.pv1 ?? 1;
      if (!(lambda > 0 && lambda <= 1)) throw new RangeError(`CEA needs 0 < λ ≤ 1: got ${lambda}`);
      return equatorial("CEA", (phi, theta) => [phi, R0 * sind(theta) / lambda], (x, y) => {
        const s = lambda * y / R0;
        if (Math.abs(s) > 1 + TOLERANCE) return undefined;
        return [x, asind(Math.min(1, Math.max(-1, s)))];
      });
    }
    case "MOL":
      return equatorial("MOL", (phi, theta) => {
        const gamma = mollweideGamma(theta);
        return [(2 * Math.SQRT2 / Math.PI) * phi * Math.cos(gamma), Math.SQRT2 * R0 * Math.sin(gamma)];
      }, (x, y) => {
        const s = y / (Math.SQRT2 * R0);
        if (Math.abs(s) > 1 + TOLERANCE) return undefined;
        const sinGamma = Math.min(1, Math.max(-1, s));
        const cosGamma = Math.sqrt(1 - sinGamma * sinGamma);
        const phi = cosGamma === 0 ? 0 : Math.PI * x / (2 * Math.SQRT2 * cosGamma);
        const z = (2 * Math.asin(sinGamma) + 2 * sinGamma * cosGamma) / Math.PI;
        return [phi, asind(Math.min(1, Math.max(-1, z)))];
      });
    case "AIT":
      return equatorial("AIT", (phi, theta) => {
        const gamma = R0 * Math.sqrt(2 / (1 + cosd(theta) * cosd(phi / 2)));
        return [2 * gamma * cosd(theta) * sind(phi / 2), gamma * sind(theta)];
      }, (x, y) => {
        const u = 1 - (x * D2R / 4) ** 2 - (y * D2R / 2) ** 2;
        if (u < 0.5 - TOLERANCE) return undefined;
        const z = Math.sqrt(Math.max(0.5, u));
        return [2 * atan2d(z * x * D2R / 2, 2 * z * z - 1), asind(Math.min(1, Math.max(-1, y * D2R * z)))];
      });
    default:
      return undefined;
  }
}
