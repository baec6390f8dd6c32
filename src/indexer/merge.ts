/**
 * Merge the shard indexes of a sharded run (`buildIndex` with `shard`) into one catalog, equal to the
 * one a single process would have written over the same sources.
 *
 * @module
 */

import { CloudFitsError } from "../errors.ts";
import { encodeIndex } from "../index_format/encode.ts";
import { readShardInfo, type ShardInfo } from "../index_format/shard.ts";
import type { IndexedFile } from "../index_format/types.ts";
import { decodeIndex } from "../read/index.ts";
import { shardFootprints } from "./merge_sky.ts";

/** One shard to merge: its name for messages, and its bytes. */
export interface ShardInput {
  /** Where it came from (a path or URL). */
  name: string;
  /** The whole shard index. */
  bytes: Uint8Array;
}

/** Options of {@linkcode mergeShards}. */
export interface MergeShardsOptions {
  /** Merge even when shards are missing (they are named in `missing`); other checks still apply. */
  partial?: boolean;
  /** Creation time of the catalog, Unix milliseconds (default now). */
  createdMs?: number;
}

/** What {@linkcode mergeShards} made. */
export interface MergedCatalog {
  /** The catalog's bytes. */
  bytes: Uint8Array;
  /** Files in it. */
  files: number;
  /** Shard numbers absent from the input (only with `partial`). */
  missing: number[];
  /** The shard count of the run. */
  shards: number;
}

/**
 * Check that shard indexes belong to one run (same sources as given, same `--data-url`, same data
 * root, same shard count; no shard twice; none missing unless `partial`) and merge their files into
 * one catalog without a SHARD section. Records are copied, not re-read: headers are rebuilt from the
 * shards and re-encoded, so the catalog equals a one-process index of the same sources apart from its
 * creation time. Holds every file record of the run in memory while encoding (about the size of the
 * uncompressed records: ~1–5 KB per file with full header text).
 *
 * @param shards The shard indexes.
 * @param options `partial` and the creation time.
 * @returns The catalog and what was missing.
 * @throws {CloudFitsError} `USAGE` for a non-shard input, shards of different runs, a duplicated shard
 * or (without `partial`) a missing one; `BAD_INDEX` for a damaged shard.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeIndex } from "../index_format/encode.ts";
 * import { mergeShards } from "./merge.ts";
 *
 * const shard = (index: number) => ({ index, count: 2, sources: ["data/"] });
 * const a = { name: "a.cfidx", bytes: await encodeIndex([], { shard: shard(0) }) };
 * const b = { name: "b.cfidx", bytes: await encodeIndex([], { shard: shard(1) }) };
 * assert.equal((await mergeShards([a, b])).files, 0);
 * await assert.rejects(mergeShards([a]), /shard 1 of 2 is missing/);
 * assert.deepEqual((await mergeShards([a], { partial: true })).missing, [1]);
 * await assert.rejects(mergeShards([a, a]), /twice/);
 * ```
 */
export async function mergeShards(
  shards: readonly ShardInput[],
  options: MergeShardsOptions = {},
): Promise<MergedCatalog> {
  if (shards.length === 0) throw new CloudFitsError("USAGE", "Nothing to merge: give the shard indexes");
  const parts = shards.map((shard) => {
    const info = readShardInfo(shard.bytes, shard.name);
    if (!info) {
      throw new CloudFitsError(
        "USAGE",
        `${shard.name} is not a shard (it has no SHARD section): make shards with cloudfits index --shard K/N`,
      );
    }
    return { ...shard, info };
  });
  const first = parts[0];
  const byIndex = new Map<number, string>();
  for (const part of parts) {
    const difference = runDifference(first.info, part.info);
    if (difference) {
      throw new CloudFitsError(
        "USAGE",
        `${part.name} and ${first.name} come from different runs: ${difference}`,
      );
    }
    const twin = byIndex.get(part.info.index);
    if (twin !== undefined) {
      throw new CloudFitsError(
        "USAGE",
        `Shard ${part.info.index} of ${part.info.count} is given twice: ${twin} and ${part.name}`,
      );
    }
    byIndex.set(part.info.index, part.name);
  }
  const { count } = first.info;
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !byIndex.has(i));
  if (missing.length > 0 && !options.partial) {
    const names = missing.slice(0, 20).join(", ") + (missing.length > 20 ? ", …" : "");
    throw new CloudFitsError(
      "USAGE",
      `shard ${missing.length === 1 ? "" : "s "}${names} of ${count} ${
        missing.length === 1 ? "is" : "are"
      } missing: pass every shard, or --partial to merge without ${missing.length === 1 ? "it" : "them"}`,
    );
  }

  const files: IndexedFile[] = [];
  let dataUrl: string | undefined;
  let indexer = "";
  for (const [i, part] of parts.entries()) {
    const index = await decodeIndex(part.bytes);
    if (i === 0) [dataUrl, indexer] = [index.dataUrl, index.indexer];
    else if (index.dataUrl !== dataUrl) {
      throw new CloudFitsError(
        "USAGE",
        `${part.name} and ${first.name} locate their files differently (data URL ${
          index.dataUrl ?? "none"
        } vs ${
          dataUrl ?? "none"
        }): write the shards beside each other, or give every shard the same --data-url`,
      );
    }
    for await (const file of index.files({ frames: true })) files.push(file);
  }
  // The shards' footprints, filed again as one sky directory (as a single process would have).
  const footprints = await shardFootprints(parts);
  const bytes = await encodeIndex(files, {
    ...(dataUrl !== undefined ? { dataUrl } : {}),
    ...(footprints ? { footprints } : {}),
    indexer,
    ...(options.createdMs !== undefined ? { createdMs: options.createdMs } : {}),
  });
  return { bytes, files: files.length, missing, shards: count };
}

function runDifference(a: ShardInfo, b: ShardInfo): string | undefined {
  if (a.count !== b.count) return `${a.count} shards vs ${b.count}`;
  if (JSON.stringify(a.sources) !== JSON.stringify(b.sources)) {
    return `sources ${JSON.stringify(a.sources)} vs ${JSON.stringify(b.sources)}`;
  }
  if (a.dataUrl !== b.dataUrl) return `--data-url ${a.dataUrl ?? "(none)"} vs ${b.dataUrl ?? "(none)"}`;
  return undefined;
}
