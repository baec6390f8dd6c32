/**
 * Merge the shard indexes of a sharded run (`buildIndex` with `shard`) into one catalog, equal to the
 * one a single process would have written over the same sources.
 *
 * @module
 */

import { withHeldBytes } from "../source/held_bytes.ts";
import { CloudFitsError } from "../errors.ts";
import { compareBytes, OPEN_READ } from "../index_format/_layout.ts";
import { decodeShardSection, findShardSection, type ShardInfo } from "../index_format/shard.ts";
import type { IndexedFile } from "../index_format/types.ts";
import { IndexWriter, SkySink, type WrittenIndex } from "../index_format/writer.ts";
import { decodeIndex } from "../read/index.ts";
import { memorySource } from "../source/memory.ts";
import type { SpoolFile } from "../_bytes.ts";
import type { ByteSource } from "../source/types.ts";
import { shardFootprints } from "./merge_sky.ts";
import { mergeSorted } from "../index_format/_sorted_runs.ts";

/** One shard to merge: its name for messages, and its bytes or a source over them. */
export interface ShardInput {
  /** Where it came from (a path or URL). */
  name: string;
  /** The shard index: its bytes, or a source read in parts (leaf batches of at most 1 MiB). */
  index: Uint8Array | ByteSource;
}

/** Options of {@linkcode mergeShards}. */
export interface MergeShardsOptions {
  /** Merge even when shards are missing (they are named in `missing`); other checks still apply. */
  partial?: boolean;
  /** Creation time of the catalog, Unix milliseconds (default now). */
  createdMs?: number;
  /** Where the catalog's finished leaves wait until it is written (default: memory). */
  spool?: SpoolFile;
  /**
   * Opens temporary storage for the sky directory's sorted runs and the cubes' frame summaries
   * (default: memory); the caller closes what it opened once the catalog is written.
   */
  spools?: () => Promise<SpoolFile>;
  /** Bytes of footprints held before a sorted run is spilled (tests force spilling with a few). */
  spillBytes?: number;
}

/** What {@linkcode mergeShards} made. */
export interface MergedCatalog {
  /** The catalog, ready to write (`collectIndex` gives its bytes). */
  index: WrittenIndex;
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
 * one catalog without a SHARD section. Records are copied, not re-read: the shards are read in path
 * order side by side (a k-way merge of their leaves) and re-encoded by one `IndexWriter`, so the
 * catalog equals a one-process index of the same sources apart from its creation time. Memory: one
 * leaf batch per shard, one leaf being written, and the catalog's leaves in the writer's spool.
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
 * const a = { name: "a.cfidx", index: await encodeIndex([], { shard: shard(0) }) };
 * const b = { name: "b.cfidx", index: await encodeIndex([], { shard: shard(1) }) };
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
  const parts = await Promise.all(shards.map(async (shard) => {
    const source = shard.index instanceof Uint8Array ? memorySource(shard.index, shard.name) : shard.index;
    // The first read is the index's opening one (`OPEN_READ`, which `decodeIndex` would make): it serves
    // the SHARD check and the opening, and a shard of up to 64 KiB arrives whole in it.
    const head = await source.read(0, OPEN_READ);
    const entry = findShardSection(head);
    if (!entry) {
      throw new CloudFitsError(
        "USAGE",
        `${shard.name} is not a shard (it has no SHARD section): make shards with cloudfits index --shard K/N`,
      );
    }
    const payload = entry.offset + entry.length <= head.length
      ? head.subarray(entry.offset, entry.offset + entry.length)
      : await source.read(entry.offset, entry.length);
    const info = decodeShardSection(payload, entry, shard.name);
    return {
      name: shard.name,
      info,
      head,
      source: withHeldBytes(source, () => [{ offset: 0, bytes: head }]),
    };
  }));
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

  const indexes = [];
  for (const [i, part] of parts.entries()) {
    const index = await decodeIndex(part.source, { maxBatchBytes: SHARD_BATCH_BYTES });
    if (index.dataUrl !== indexes[0]?.dataUrl && i > 0) {
      throw new CloudFitsError(
        "USAGE",
        `${part.name} and ${first.name} locate their files differently (data URL ${
          index.dataUrl ?? "none"
        } vs ${
          indexes[0].dataUrl ?? "none"
        }): write the shards beside each other, or give every shard the same --data-url`,
      );
    }
    indexes.push(index);
  }
  // The shards' footprints, filed again as one sky directory (as a single process would have).
  const footprints = shardFootprints(parts);
  const temporary = {
    ...(options.spools ? { spool: options.spools } : {}),
    ...(options.spillBytes !== undefined ? { spillBytes: options.spillBytes } : {}),
  };
  const sky = footprints ? new SkySink(temporary) : undefined;
  if (sky) await sky.footprints(footprints!);
  const writer = new IndexWriter({
    ...(options.spool ? { spool: options.spool } : {}),
    ...(options.spools ? { spools: options.spools } : {}),
    ...(indexes[0].dataUrl !== undefined ? { dataUrl: indexes[0].dataUrl } : {}),
    ...(sky ? { sinks: [sky] } : {}),
    indexer: indexes[0].indexer,
    ...(options.createdMs !== undefined ? { createdMs: options.createdMs } : {}),
  });
  // A k-way merge: each shard is in path order, and a path is in one shard only (a duplicate is refused).
  // Each path is encoded once, not at every comparison.
  const files = mergeSorted(
    indexes.map((index) => withKeys(index.files({ frames: true }))),
    (a, b) => compareBytes(a.key, b.key),
  );
  for await (const { file } of files) await writer.add(file);
  return { index: await writer.finish(), files: writer.fileCount, missing, shards: count };
}

/** Leaf batches read from each shard at once. */
const SHARD_BATCH_BYTES = 1024 * 1024;
const UTF8 = new TextEncoder();

async function* withKeys(
  files: AsyncIterable<IndexedFile>,
): AsyncGenerator<{ file: IndexedFile; key: Uint8Array }> {
  for await (const file of files) yield { file, key: UTF8.encode(file.path) };
}

function runDifference(a: ShardInfo, b: ShardInfo): string | undefined {
  if (a.count !== b.count) return `${a.count} shards vs ${b.count}`;
  if (JSON.stringify(a.sources) !== JSON.stringify(b.sources)) {
    return `sources ${JSON.stringify(a.sources)} vs ${JSON.stringify(b.sources)}`;
  }
  if (a.dataUrl !== b.dataUrl) return `--data-url ${a.dataUrl ?? "(none)"} vs ${b.dataUrl ?? "(none)"}`;
  return undefined;
}
