/**
 * "Which files cover this position?": a lookup in an index's sky directory (sections SKY and
 * SKY_CELLS), answered with each HDU's pixel from the WCS kept in the index, without reading any FITS
 * header. One read opens the index, one reads the root, then the node of the block holding the
 * position (with the footprints filed at the block's own cell) and one page per finer filing order.
 *
 * @module
 */
import { CloudFitsError } from "./errors.ts";
import { parseIndexFrame } from "./index_format/decode.ts";
import { FIRST_READ } from "./index_format/_layout.ts";
import { separation } from "./index_format/healpix.ts";
import type { SkyEntry } from "./index_format/sky_decode.ts";
import { inRanges, keyRangesForCone } from "./index_format/sky_keys.ts";
import { readSkyEntries, readSkyRoot, skyPlaces } from "./index_format/sky_read.ts";
import { distanceToOutline, pixelOf } from "./sky/footprint.ts";
import { memorySource } from "./source/memory.ts";
import type { ByteSource } from "./source/types.ts";
import { parseAngle } from "./wcs/mod.ts";

/** Where to look: a position (ICRS) and how far from it a footprint may lie. */
export interface FindPositionOptions {
  /** Right ascension: degrees, or sexagesimal hours (`05:37:09.9`). */
  ra: number | string;
  /** Declination: degrees, or sexagesimal degrees (`-80:28:09`). */
  dec: number | string;
  /** Also list footprints within this many degrees of the position (default 0: covering only). */
  radius?: number;
  /** Abort the reads. */
  signal?: AbortSignal;
}

/** One HDU that covers the position, or comes within the radius. */
export interface SkyMatch {
  /** The file's path in the index. */
  path: string;
  /** The HDU (0-based, as `--hdu` counts; a TESS cube: 1, its image). */
  hdu: number;
  /**
   * The position's 1-based FITS pixel on the HDU's celestial axes (a TESS cube: column, row), through
   * the WCS with distortion; null when the position is off the projection.
   */
  pixel: [number, number] | null;
  /** Whether the pixel rounds into 1 … NAXISn on both axes. */
  covers: boolean;
  /** Degrees from the position to the footprint's outline (0 when it covers the position). */
  distance: number;
}

/**
 * Find the files and HDUs of an index whose footprint covers a sky position (or comes within
 * `radius`), with the pixel the position falls on. Reads the index's first 16 KiB, the sky root, the
 * node of the position's block and a page per finer filing order: four reads for a point on a
 * million-file catalog whose footprints fall in two size classes (e.g. TESS CCDs and small images).
 *
 * @param input The index bytes, or a source over the index object.
 * @param options Position, radius and abort signal.
 * @returns The matches, by path then HDU.
 * @throws {CloudFitsError} `USAGE` for a bad position or radius; `UNSUPPORTED` for an index without a
 * sky directory (made before footprints were indexed) or one of the older layout; `BAD_INDEX` for a
 * damaged one.
 *
 * @example The TESS cube fixture: the position of pixel (2.3, 1.7) falls on HDU 1, and nothing at the pole
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeIndex, findPosition, footprintOf, walkHdus } from "@cloudfits/core";
 * import { openFileSource } from "@cloudfits/core/file";
 *
 * await using file = await openFileSource("testdata/sky/images.fits");
 * const { hdus } = await walkHdus(file);
 * const footprints = [{ path: "images.fits", hdu: 1, ...footprintOf(hdus[1].header, hdus[1].axes) }];
 * const index = await encodeIndex([{ path: "images.fits", size: file.size, hdus }], { footprints });
 * const [match] = await findPosition(index, { ra: footprints[0].ra, dec: footprints[0].dec });
 * assert.deepEqual([match.path, match.hdu, match.covers], ["images.fits", 1, true]);
 * assert.deepEqual(await findPosition(index, { ra: 0, dec: 90 }), []);
 * ```
 */
export async function findPosition(
  input: Uint8Array | ByteSource,
  options: FindPositionOptions,
): Promise<SkyMatch[]> {
  const ra = typeof options.ra === "number" ? options.ra : parseAngle(options.ra, "ra");
  const dec = typeof options.dec === "number" ? options.dec : parseAngle(options.dec, "dec");
  const radius = options.radius ?? 0;
  if (!Number.isFinite(ra) || !Number.isFinite(dec) || Math.abs(dec) > 90) {
    throw new CloudFitsError("USAGE", `Invalid position RA ${options.ra}, Dec ${options.dec}`);
  }
  if (!(radius >= 0 && radius <= 180)) {
    throw new CloudFitsError("USAGE", `Invalid radius ${options.radius}: give 0 to 180 degrees`);
  }
  const source = input instanceof Uint8Array ? memorySource(input, "index bytes") : input;
  const { signal } = options;
  const name = source.name;
  const head = await source.read(0, FIRST_READ, { signal });
  parseIndexFrame(head, name, source.size);
  const places = skyPlaces(head, name);
  if (!places) {
    throw new CloudFitsError(
      "UNSUPPORTED",
      `${name} has no sky directory: re-index with this version of cloudfits to record footprints`,
    );
  }
  // Small indexes are read whole by the first read: slice the sky sections out of it.
  const read = async (offset: number, length: number): Promise<Uint8Array> =>
    offset + length <= head.length
      ? head.subarray(offset, offset + length)
      : await source.read(offset, length, { signal });
  const root = await readSkyRoot(read, places, name);
  if (root.version === 1) {
    throw new CloudFitsError(
      "UNSUPPORTED",
      `${name} has a sky directory of an older layout: re-index (or merge) it with this version of cloudfits`,
    );
  }
  const ranges = keyRangesForCone(root.orders, root.blockOrder, (ra % 360 + 360) % 360, dec, radius);
  const entries = await readSkyEntries(read, places, root, name, ranges);
  const candidates = new Map<string, SkyEntry>();
  for (const entry of entries) {
    if (inRanges(ranges, entry.key)) candidates.set(`${entry.hdu} ${entry.path}`, entry);
  }
  const matches: SkyMatch[] = [];
  for (const entry of candidates.values()) {
    if (separation(ra, dec, entry.ra, entry.dec) > entry.radius + radius) continue;
    const { pixel, covers } = pixelOf(entry, ra, dec);
    const distance = covers ? 0 : distanceToOutline(entry.polygon, ra, dec);
    if (covers || distance <= radius && radius > 0) {
      matches.push({ path: entry.path, hdu: entry.hdu, pixel: pixel ?? null, covers, distance });
    }
  }
  return matches.sort((a, b) => a.path < b.path ? -1 : a.path > b.path ? 1 : a.hdu - b.hdu);
}
