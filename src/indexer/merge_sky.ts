/**
 * The sky directory of a merged catalog: every footprint of the shards' sky directories, once per
 * file and HDU, ready to be filed again. Filing them again gives the directory a single process
 * would have written (cells, pages and nodes follow from the footprints alone), so a merged catalog
 * answers `find` exactly as a one-process index does.
 *
 * @module
 */
import { CloudFitsError } from "../errors.ts";
import type { FootprintRecord } from "../index_format/sky_cells.ts";
import { eachFootprint, skyPlaces } from "../index_format/sky_read.ts";
import type { ByteSource } from "../source/types.ts";

/**
 * The footprints of the shards' sky directories, read shard by shard as they are asked for (a
 * footprint filed under several cells is taken once).
 *
 * @param shards The shard indexes: names for messages, sources, and each one's first read (at least
 * its section table).
 * @returns The footprints to file again, or undefined when no shard has a sky directory
 * (all made before footprints were indexed).
 * @throws {CloudFitsError} `USAGE` when some shards have a sky directory and others not;
 * `BAD_INDEX` for a damaged one.
 *
 * @example Two shards' footprints, one HDU each
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeIndex } from "../index_format/encode.ts";
 * import { memorySource } from "../source/memory.ts";
 * import { shardFootprints } from "./merge_sky.ts";
 *
 * const shard = (name: string, bytes: Uint8Array) => ({ name, head: bytes, source: memorySource(bytes, name) });
 *
 * const footprint = (path: string, ra: number) => ({
 *   path, hdu: 1, keywords: "", width: 10, height: 10, ra, dec: 0, radius: 0.1,
 *   polygon: [[ra - 0.1, -0.1], [ra + 0.1, -0.1], [ra + 0.1, 0.1], [ra - 0.1, 0.1]] as [number, number][],
 * });
 * const a = shard("a.cfidx", await encodeIndex([], { footprints: [footprint("a.fits", 10)] }));
 * const b = shard("b.cfidx", await encodeIndex([], { footprints: [footprint("b.fits", 20)] }));
 * const merged = await Array.fromAsync(shardFootprints([a, b])!);
 * assert.deepEqual(merged.map((f) => f.path), ["a.fits", "b.fits"]);
 * const old = shard("old.cfidx", await encodeIndex([]));
 * assert.equal(shardFootprints([old]), undefined);
 * assert.throws(() => shardFootprints([a, old]), /old\.cfidx has no sky directory but a\.cfidx has/);
 * ```
 */
export function shardFootprints(
  shards: readonly { name: string; head: Uint8Array; source: ByteSource }[],
): AsyncIterable<FootprintRecord> | undefined {
  const withSky = shards.filter((shard) => skyPlaces(shard.head, shard.name) !== undefined);
  if (withSky.length === 0) return undefined;
  if (withSky.length < shards.length) {
    const without = shards.find((shard) => !withSky.includes(shard))!;
    throw new CloudFitsError(
      "USAGE",
      `${without.name} has no sky directory but ${
        withSky[0].name
      } has: re-index ${without.name} with this version of cloudfits`,
    );
  }
  return (async function* () {
    for (const { name, head, source } of shards) {
      yield* (await eachFootprint((offset, length) => source.read(offset, length), head, name))!;
    }
  })();
}
