/**
 * The spherical rotation between native (φ, θ) and celestial (α, δ) coordinates (FITS WCS Paper II §2),
 * with the celestial pole found from CRVAL, LONPOLE and LATPOLE.
 *
 * @module
 */
import { acosd, atan2d, cosd, latitudeOf, sind } from "./_trig.ts";

/** The rotation: the celestial coordinates of the native pole (α_p, δ_p) and the native longitude φ_p of the
 * celestial pole. */
export interface Rotation {
  readonly poleLongitude: number;
  readonly poleLatitude: number;
  readonly phiPole: number;
}

/** Why a pole cannot be found: the caller names the keywords. */
export class PoleError extends Error {}

/**
 * Find the native pole's celestial coordinates (Paper II eqs 8–10), as wcslib's celset does.
 *
 * @param lon0 CRVAL of the longitude axis (α0).
 * @param lat0 CRVAL of the latitude axis (δ0).
 * @param phi0 Native longitude of the reference point.
 * @param theta0 Native latitude of the reference point.
 * @param lonpole LONPOLE (φ_p), or undefined for the default.
 * @param latpole LATPOLE (θ_p), or undefined for the default 90.
 * @returns The rotation.
 * @throws PoleError when no pole satisfies CRVAL and LONPOLE.
 */
export function celestialRotation(
  lon0: number,
  lat0: number,
  phi0: number,
  theta0: number,
  lonpole: number | undefined,
  latpole: number | undefined,
): Rotation {
  const phiPole = lonpole ?? (lat0 < theta0 ? 180 : 0) + phi0;
  if (theta0 === 90) return { poleLongitude: lon0, poleLatitude: lat0, phiPole };
  const sinTheta0 = sind(theta0), cosTheta0 = cosd(theta0);
  const sinLat0 = sind(lat0), cosLat0 = cosd(lat0);
  const sinDphi = sind(phiPole - phi0), cosDphi = cosd(phiPole - phi0);
  const u = atan2d(sinTheta0, cosTheta0 * cosDphi);
  const denominator = Math.sqrt(1 - cosTheta0 * cosTheta0 * sinDphi * sinDphi);
  let ratio = denominator === 0 ? Infinity : sinLat0 / denominator;
  if (Math.abs(ratio) > 1) {
    if (Math.abs(ratio) > 1 + 1e-12) {
      throw new PoleError("no celestial pole is consistent with CRVAL and LONPOLE");
    }
    ratio = Math.sign(ratio);
  }
  const v = acosd(ratio);
  const wrap = (angle: number) => angle > 180 ? angle - 360 : angle < -180 ? angle + 360 : angle;
  const candidates = [wrap(u + v), wrap(u - v)].filter((lat) => Math.abs(lat) <= 90 + 1e-12)
    .map((lat) => Math.max(-90, Math.min(90, lat)));
  if (candidates.length === 0) throw new PoleError("no celestial pole is consistent with CRVAL and LONPOLE");
  const target = latpole ?? 90;
  const poleLatitude =
    candidates.length === 2 && Math.abs(candidates[1] - target) < Math.abs(candidates[0] - target)
      ? candidates[1]
      : candidates[0];
  const z = cosd(poleLatitude) * cosLat0;
  let poleLongitude: number;
  if (Math.abs(z) < 1e-12) {
    if (Math.abs(cosLat0) < 1e-12) poleLongitude = lon0;
    else if (poleLatitude > 0) poleLongitude = lon0 + phiPole - phi0 - 180;
    else poleLongitude = lon0 - phiPole + phi0;
  } else {
    const x = (sinTheta0 - sind(poleLatitude) * sinLat0) / z;
    const y = sinDphi * cosTheta0 / cosLat0;
    poleLongitude = lon0 - atan2d(y, x);
  }
  // Keep the pole's longitude on the same side of zero as CRVAL's, so outputs share its range.
  if (lon0 >= 0 && poleLongitude < 0) poleLongitude += 360;
  else if (lon0 < 0 && poleLongitude > 0) poleLongitude -= 360;
  if (poleLongitude > 360) poleLongitude -= 360;
  else if (poleLongitude < -360) poleLongitude += 360;
  return { poleLongitude, poleLatitude, phiPole };
}

/** Bring a longitude into [0, 360] when the pole's is non-negative, [−360, 0] otherwise (wcslib's rule). */
function normalizeLongitude(lon: number, reference: number): number {
  let result = lon % 360;
  if (reference >= 0) {
    if (result < 0) result += 360;
  } else if (result > 0) result -= 360;
  return result;
}

/**
 * Paper II eq. 2 (and its inverse, which has the same form): rotate (lon, lat) about the axis through the
 * pole at latitude `poleLatitude`, where `fromPole` is the input longitude of the output system's pole and
 * `toPole` the output longitude of the input system's pole.
 */
function rotate(
  lon: number,
  lat: number,
  fromPole: number,
  toPole: number,
  poleLatitude: number,
): [number, number] {
  const sinLat = sind(lat), cosLat = cosd(lat);
  const sinPole = sind(poleLatitude), cosPole = cosd(poleLatitude);
  const dlon = lon - fromPole;
  const x = sinLat * cosPole - cosLat * sinPole * cosd(dlon);
  const y = -cosLat * sind(dlon);
  const z = sinLat * sinPole + cosLat * cosPole * cosd(dlon);
  return [toPole + atan2d(y, x), latitudeOf(z, x, y)];
}

/**
 * Native (φ, θ) → celestial (α, δ), degrees.
 *
 * @param rotation From {@linkcode celestialRotation}.
 * @param phi Native longitude.
 * @param theta Native latitude.
 * @returns [α, δ].
 */
export function nativeToCelestial(rotation: Rotation, phi: number, theta: number): [number, number] {
  const { poleLongitude, poleLatitude, phiPole } = rotation;
  if (Math.abs(poleLatitude) === 90) {
    // The poles coincide: a pure shift in longitude.
    const lon = poleLatitude > 0
      ? phi + (poleLongitude + 180 - phiPole) % 360
      : (poleLongitude + phiPole) % 360 - phi;
    return [normalizeLongitude(lon, poleLongitude), poleLatitude > 0 ? theta : -theta];
  }
  const [lon, lat] = rotate(phi, theta, phiPole, poleLongitude, poleLatitude);
  return [normalizeLongitude(lon, poleLongitude), lat];
}

/**
 * Celestial (α, δ) → native (φ, θ), degrees, φ in [−180, 180].
 *
 * @param rotation From {@linkcode celestialRotation}.
 * @param lon Celestial longitude.
 * @param lat Celestial latitude.
 * @returns [φ, θ].
 */
export function celestialToNative(rotation: Rotation, lon: number, lat: number): [number, number] {
  const { poleLongitude, poleLatitude, phiPole } = rotation;
  let [phi, theta] = Math.abs(poleLatitude) !== 90
    ? rotate(lon, lat, poleLongitude, phiPole, poleLatitude)
    : poleLatitude > 0
    ? [lon + (phiPole - 180 - poleLongitude) % 360, lat]
    : [(poleLongitude + phiPole) % 360 - lon, -lat];
  phi %= 360;
  if (phi > 180) phi -= 360;
  else if (phi < -180) phi += 360;
  return [phi, theta];
}
