/**
 * Celestial frames, converted the way astropy converts them: ICRS → FK5 is the frame bias of USNO
 * Circular 179 followed by IAU 2006 precession from J2000 to the equinox (erfa `bp06`); Galactic and FK4 are
 * reached through FK5 J2000 (Galactic with astropy's pole and origin, FK4 as in `fk4.ts`).
 *
 * @module
 */
import { fk4ToFk5, fk5ToFk4 } from "./fk4.ts";
import type { Matrix } from "./linear.ts";
import { apply, fromVector, product, rotation, toVector, transpose } from "./_vectors.ts";

/** A celestial reference frame the engine converts to and from ICRS ("fk4noeterms": FK4 without E-terms). */
export type CelestialFrame = "icrs" | "fk5" | "fk4" | "fk4noeterms" | "galactic";

const D2R = Math.PI / 180;
/** Arcseconds to radians. */
const AS2R = D2R / 3600;

/** The ICRS → FK5 J2000 frame bias (astropy's `_ICRS_TO_FK5_J2000_MAT`). */
const FRAME_BIAS = product(
  rotation("x", (19.9 / 3.6e6) * D2R),
  rotation("y", (9.1 / 3.6e6) * D2R),
  rotation("z", (-22.9 / 3.6e6) * D2R),
);

/** FK5 J2000 → Galactic (astropy's `fk5_to_gal` with its J2000 pole and longitude origin). */
const FK5_TO_GALACTIC = product(
  rotation("z", (180 - 122.9319185680026) * D2R),
  rotation("y", (90 - 27.12825118085622) * D2R),
  rotation("z", 192.8594812065348 * D2R),
);

/** erfa `fw2m` of the IAU 2006 Fukushima–Williams angles (`pfw06`) at a Julian epoch (TT): the bias-precession
 * matrix from GCRS to the mean equator and equinox of the epoch. */
function biasPrecession(epoch: number): Matrix {
  const t = (epoch - 2000) / 100;
  const poly = (c: number[]) => c.reduceRight((sum, coefficient) => sum * t + coefficient, 0) * AS2R;
  const gamb = poly([-0.052928, 10.556378, 0.4932044, -0.00031238, -0.000002788, 0.0000000260]);
  const phib = poly([84381.412819, -46.811016, 0.0511268, 0.00053289, -0.00000044, -0.0000000176]);
  const psib = poly([-0.041775, 5038.481484, 1.5584175, -0.00018522, -0.000026452, -0.0000000148]);
  const epsa = poly([84381.406, -46.836769, -0.0001831, 0.00200340, -0.000000576, -0.0000000434]);
  return product(rotation("x", -epsa), rotation("z", -psib), rotation("x", phib), rotation("z", gamb));
}

/** erfa `bp06`'s precession matrix (bias removed) from J2000 to a Julian epoch. */
function precessionFromJ2000(epoch: number): Matrix {
  return product(biasPrecession(epoch), transpose(biasPrecession(2000)));
}

/** astropy's FK5 `_precession_matrix(J2000, equinox)`: through J2000 with erfa `bp06` at both ends. */
function fk5Precession(equinox: number): Matrix {
  return product(precessionFromJ2000(equinox), transpose(precessionFromJ2000(2000)));
}

/** Converts positions, degrees, between ICRS and one frame; longitudes come out in [0, 360). */
export interface FrameConversion {
  fromIcrs(lon: number, lat: number): [number, number];
  toIcrs(lon: number, lat: number): [number, number];
}

/** A conversion that is one rotation. */
function rotationConversion(fromIcrs: Matrix): FrameConversion {
  const toIcrs = transpose(fromIcrs);
  return {
    fromIcrs: (lon, lat) => fromVector(apply(fromIcrs, toVector(lon, lat))),
    toIcrs: (lon, lat) => fromVector(apply(toIcrs, toVector(lon, lat))),
  };
}

/**
 * The conversion between ICRS and a frame.
 *
 * @param frame The frame.
 * @param equinox Its equinox: a Julian epoch for FK5, a Besselian one for FK4 (ignored for ICRS and Galactic).
 * @returns The conversion.
 */
export function frameConversion(frame: CelestialFrame, equinox: number): FrameConversion {
  if (frame === "icrs") return rotationConversion([[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
  if (frame === "fk5") return rotationConversion(product(fk5Precession(equinox), FRAME_BIAS));
  if (frame === "galactic") {
    return rotationConversion(product(FK5_TO_GALACTIC, fk5Precession(2000), fk5Precession(2000), FRAME_BIAS));
  }
  // ICRS → FK5 J2000 → FK4 (no E-terms) → FK4: the path astropy's transform graph takes.
  const toFk5 = product(fk5Precession(2000), FRAME_BIAS);
  const fromFk5 = transpose(toFk5);
  const withETerms = frame === "fk4";
  return {
    fromIcrs: (lon, lat) => fromVector(fk5ToFk4(apply(toFk5, toVector(lon, lat)), equinox, withETerms)),
    toIcrs: (lon, lat) => fromVector(apply(fromFk5, fk4ToFk5(toVector(lon, lat), equinox, withETerms))),
  };
}
