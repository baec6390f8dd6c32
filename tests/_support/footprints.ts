/**
 * Synthetic sky footprints for the find tests and `bench/find_scale.ts`: TAN images whose outline comes
 * from the WCS engine.
 *
 * @module
 */
import type { FootprintRecord } from "../../src/index_format/sky_cells.ts";
import { footprintOf } from "../../src/sky/footprint.ts";

/**
 * A synthetic TAN image of `side`² pixels of `scale` degrees centred at (ra, dec), as HDU 1 of `path`.
 *
 * @param path The file's path in the index.
 * @param ra Centre right ascension, degrees.
 * @param dec Centre declination, degrees.
 * @param side Pixels along each axis.
 * @param scale Degrees per pixel.
 * @returns The footprint record the indexer would file.
 */
export function syntheticFootprint(
  path: string,
  ra: number,
  dec: number,
  side: number,
  scale: number,
): FootprintRecord {
  const cards = new Map<string, string | number>([
    ["NAXIS", 2],
    ["NAXIS1", side],
    ["NAXIS2", side],
    ["CTYPE1", "RA---TAN"],
    ["CTYPE2", "DEC--TAN"],
    ["CRPIX1", side / 2 + 0.5],
    ["CRPIX2", side / 2 + 0.5],
    ["CRVAL1", ra],
    ["CRVAL2", dec],
    ["CDELT1", -scale],
    ["CDELT2", scale],
  ]);
  return { path, hdu: 1, ...footprintOf({ get: (k) => cards.get(k) }, [side, side]) };
}
