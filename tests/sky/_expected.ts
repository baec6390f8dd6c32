/** The astropy-made expectations for sky cutouts (tools/make_sky_fixtures.py → testdata/sky/expected.json). */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** One sky position on an image: the box astrocut's rule gives, or `off`. */
export interface ImageCase {
  ra: number;
  dec: number;
  size: string;
  center: [number, number];
  off?: boolean;
  lo?: [number, number];
  hi?: [number, number];
  padding?: number;
  shape?: number[];
  values?: (number | null)[];
  /** ICRS RA/Dec of cutout pixels "x,y" (0-based), from the original image's WCS. */
  corners?: Record<string, [number, number]>;
  /** On a 3-D cube: numpy's sum over the box per plane (NaN skipped), and the planes' times. */
  lightcurve?: { time: number[]; flux: (number | null)[]; time_axis: boolean };
}

/** One position on the TESS fixture cube. */
export interface CubeCase extends Omit<ImageCase, "lightcurve"> {
  aperture: string | null;
  flux?: (number | null)[];
  flux_err?: (number | null)[];
  linear?: {
    crval: [number, number];
    crpix: [number, number];
    cd: number[];
    msep: number;
    sig: number;
    sky: [number, number][];
  } | null;
  sky?: [number, number][];
  lightcurve?: { flux: (number | null)[]; flux_err: (number | null)[] };
}

/** The whole expectation file. */
export interface SkyExpected {
  size: number;
  images: { hdu: number; name: string; scales: [number, number]; cases: ImageCase[] }[];
  tess_cube: {
    wcs_row: number;
    time: number[];
    timecorr: number[];
    quality: number[];
    ffi_file: string[];
    cases: CubeCase[];
  };
}

/** Path of a file under testdata/sky/. */
export function skyPath(name: string): string {
  return fileURLToPath(new URL(`../../testdata/sky/${name}`, import.meta.url));
}

/** The expectations. */
export const EXPECTED: SkyExpected = JSON.parse(readFileSync(skyPath("expected.json"), "utf8"));

/** Values with NaN as null, for comparing with the JSON. */
export function nulls(values: ArrayLike<number | bigint>): (number | null)[] {
  return Array.from(values, (v) => (Number.isFinite(Number(v)) ? Number(v) : null));
}
