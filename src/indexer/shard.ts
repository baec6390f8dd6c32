/**
 * Which shard indexes which file: a stable hash of the file's path (relative to the data root) modulo
 * the shard count, so that with the count fixed, adding files never moves an existing file.
 *
 * @module
 */

import { CloudFitsError } from "../errors.ts";

/** One part of a sharded listing: shard `index` of `count` (0-based). */
export interface ShardPart {
  /** This shard, 0 ≤ index < count. */
  index: number;
  /** The number of shards. */
  count: number;
}

const UTF8 = new TextEncoder();

/**
 * The shard of a path: 32-bit FNV-1a over its UTF-8 bytes, modulo the shard count. FNV-1a is tiny,
 * stable across runtimes and versions, and spreads similar paths (`…-0001.fits`, `…-0002.fits`) well.
 *
 * @param path A path relative to the data root.
 * @param count The number of shards.
 * @returns The shard, 0 ≤ shard < count.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { shardOfPath } from "./shard.ts";
 *
 * assert.equal(shardOfPath("a", 1), 0);
 * assert.equal(shardOfPath("a", 1 << 30), 0xe40c292c % (1 << 30), "FNV-1a of 'a' is 0xe40c292c");
 * ```
 */
export function shardOfPath(path: string, count: number): number {
  let hash = 0x811c9dc5;
  for (const byte of UTF8.encode(path)) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0;
  return hash % count;
}

/**
 * Parse `K/N` into a shard part, refusing anything outside 0 ≤ K < N.
 *
 * @param text The `--shard` value, e.g. `2/8`.
 * @returns The part.
 * @throws {CloudFitsError} `USAGE` for a malformed or out-of-range part.
 */
export function parseShardPart(text: string): ShardPart {
  const match = /^(\d+)\/(\d+)$/.exec(text);
  if (match) return checkShardPart(Number(match[1]), Number(match[2]), `--shard ${text}`);
  throw new CloudFitsError("USAGE", `--shard takes K/N (0 ≤ K < N, e.g. 0/4) or auto, not '${text}'`);
}

/**
 * Check a shard part's numbers.
 *
 * @param index The shard.
 * @param count The number of shards.
 * @param origin Where the numbers came from, for the message.
 * @returns The part.
 * @throws {CloudFitsError} `USAGE` unless 0 ≤ index < count ≤ 2^31.
 */
export function checkShardPart(index: number, count: number, origin: string): ShardPart {
  if (!Number.isInteger(count) || count < 1 || count > 2 ** 31) {
    throw new CloudFitsError("USAGE", `${origin}: the shard count must be an integer from 1 to 2^31`);
  }
  if (!Number.isInteger(index) || index < 0 || index >= count) {
    throw new CloudFitsError("USAGE", `${origin}: shard ${index} is outside 0 to ${count - 1}`);
  }
  return { index, count };
}

/**
 * Take K and N from the batch engine this process runs under: a Slurm job array, an AWS Batch array
 * job or a Kubernetes Indexed Job (the last two do not put the size in the environment, so it comes
 * from `--shards N`).
 *
 * @param env The process environment.
 * @param shards `--shards N`, when given.
 * @returns The part.
 * @throws {CloudFitsError} `USAGE` outside any engine (naming the variables it looked for), for a
 * non-contiguous Slurm array, or for AWS Batch or Kubernetes without `--shards`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { shardFromEngine } from "./shard.ts";
 *
 * const slurm = {
 *   SLURM_ARRAY_TASK_ID: "12",
 *   SLURM_ARRAY_TASK_MIN: "10",
 *   SLURM_ARRAY_TASK_MAX: "16",
 *   SLURM_ARRAY_TASK_STEP: "2",
 *   SLURM_ARRAY_TASK_COUNT: "4",
 * };
 * assert.deepEqual(shardFromEngine(slurm, undefined), { index: 1, count: 4 });
 * assert.deepEqual(shardFromEngine({ JOB_COMPLETION_INDEX: "3" }, 8), { index: 3, count: 8 });
 * assert.throws(() => shardFromEngine({}, undefined), /SLURM_ARRAY_TASK_ID/);
 * ```
 */
export function shardFromEngine(
  env: Record<string, string | undefined>,
  shards: number | undefined,
): ShardPart {
  if (env.SLURM_ARRAY_TASK_ID !== undefined) return slurmPart(env);
  for (const variable of ["AWS_BATCH_JOB_ARRAY_INDEX", "JOB_COMPLETION_INDEX"]) {
    const value = env[variable];
    if (value === undefined) continue;
    if (shards === undefined) {
      throw new CloudFitsError(
        "USAGE",
        `--shard auto found ${variable}=${value} but not the shard count, which that engine does not put in the environment: pass --shards N (the array size or completions)`,
      );
    }
    return checkShardPart(integer(value, variable), shards, `${variable}=${value} with --shards ${shards}`);
  }
  throw new CloudFitsError(
    "USAGE",
    "--shard auto runs inside a batch engine, but none of SLURM_ARRAY_TASK_ID (Slurm job array), AWS_BATCH_JOB_ARRAY_INDEX (AWS Batch array job) or JOB_COMPLETION_INDEX (Kubernetes Indexed Job) is set: pass --shard K/N",
  );
}

function slurmPart(env: Record<string, string | undefined>): ShardPart {
  const read = (name: string) => integer(env[name], name);
  const id = read("SLURM_ARRAY_TASK_ID");
  const min = read("SLURM_ARRAY_TASK_MIN");
  const max = read("SLURM_ARRAY_TASK_MAX");
  const count = read("SLURM_ARRAY_TASK_COUNT");
  const step = env.SLURM_ARRAY_TASK_STEP === undefined ? 1 : read("SLURM_ARRAY_TASK_STEP");
  // Only an arithmetic array (min, min + step, …, max) maps its ids onto 0..count-1; "1,5,6" does not.
  if (step < 1 || (max - min) % step !== 0 || (max - min) / step + 1 !== count || (id - min) % step !== 0) {
    throw new CloudFitsError(
      "USAGE",
      `--shard auto needs a contiguous Slurm array (--array=MIN-MAX or MIN-MAX:STEP); this one has ${count} tasks from ${min} to ${max} with step ${step}: submit e.g. --array=0-${
        count - 1
      } or pass --shard K/N`,
    );
  }
  return checkShardPart((id - min) / step, count, `Slurm array task ${id}`);
}

function integer(value: string | undefined, name: string): number {
  if (value === undefined || !/^\d+$/.test(value.trim())) {
    throw new CloudFitsError(
      "USAGE",
      `--shard auto: ${name}=${value ?? "(unset)"} is not a non-negative integer`,
    );
  }
  return Number(value.trim());
}
