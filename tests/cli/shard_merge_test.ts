/**
 * `cloudfits index --shard` and `cloudfits merge`: four shards of the test corpus split the files by
 * path hash without overlap, merge into a catalog equal to a one-process index (byte-identical apart
 * from the creation time; same `ls --json` and `header` output), and merge refuses shards that do not
 * belong together. `--shard auto` reads Slurm, AWS Batch and Kubernetes variables.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { copyFile, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeIndex } from "../../src/read/index.ts";
import { readShardInfo } from "../../src/index_format/shard.ts";
import { shardOfPath } from "../../src/indexer/shard.ts";
import { runCli } from "../_support/cli_io.ts";
import { startRangeServer } from "../_support/range_server.ts";
import { assertSameCatalog, copyCorpus, indexPaths } from "../_support/catalogs.ts";

const scratch = await mkdtemp(join(tmpdir(), "cloudfits-shard-test-"));
after(() => rm(scratch, { recursive: true, force: true }));
const data = join(scratch, "data");
await copyCorpus(data);

async function index(args: string[], env: Record<string, string> = {}): Promise<void> {
  const run = await runCli(["index", ...args], env);
  assert.equal(run.code, 0, run.stderr);
}

async function shards(name: string, count: number): Promise<string[]> {
  const outputs = [];
  for (let k = 0; k < count; k++) {
    outputs.push(join(scratch, `${name}-${k}.cfidx`));
    await index([data, "-o", outputs[k], "--shard", `${k}/${count}`]);
  }
  return outputs;
}

test("four shards split the files by path hash, and merge into the one-process index", async () => {
  const whole = join(scratch, "whole.cfidx");
  await index([data, "-o", whole]);
  const parts = await shards("part", 4);
  const all = await indexPaths(whole);
  assert.ok(all.length >= 20, `the corpus has ${all.length} files`);
  const seen: string[] = [];
  for (const [k, part] of parts.entries()) {
    const bytes = await readFile(part);
    assert.deepEqual(readShardInfo(bytes, part), { index: k, count: 4, sources: [data] });
    const paths = await indexPaths(part);
    assert.ok(paths.every((path) => shardOfPath(path, 4) === k));
    seen.push(...paths);
  }
  assert.deepEqual(seen.sort(), [...all].sort(), "every file in exactly one shard");

  const catalog = join(scratch, "catalog.cfidx");
  const merged = await runCli(["merge", ...parts.reverse(), "-o", catalog]);
  assert.equal(merged.code, 0, merged.stderr);
  assert.match(merged.stdout, new RegExp(`Merged 4 of 4 shards, ${all.length} files`));
  await assertSameCatalog(catalog, whole, all);
  // The merged sky directory answers find: the fixture cube's pixel (2.3, 1.7), 0-based.
  const [find, expected] = await Promise.all(
    [catalog, whole].map((index) =>
      runCli(["find", index, "--ra", "35.27524804", "--dec", "-36.06773067", "--json"])
    ),
  );
  assert.equal(find.code, 0, find.stderr);
  assert.deepEqual(JSON.parse(find.stdout).map((m: { path: string }) => m.path.split("/").pop()), [
    "tess_cube.fits",
  ]);
  assert.equal(find.stdout, expected.stdout);
});

test("merge reads shards from object storage: one request each when a shard fits in 64 KiB", async () => {
  const parts = await shards("remote", 2);
  const whole = join(scratch, "remote-whole.cfidx");
  await index([data, "-o", whole]);
  const server = await startRangeServer({ root: scratch });
  try {
    const catalog = join(scratch, "remote-catalog.cfidx");
    const urls = parts.map((part) => `${server.url}/${part.slice(scratch.length + 1)}`);
    const merged = await runCli(["merge", ...urls, "-o", catalog]);
    assert.equal(merged.code, 0, merged.stderr);
    const sizes = await Promise.all(parts.map(async (part) => (await readFile(part)).length));
    // The opening read is decodeIndex's 64 KiB; larger shards then read leaf batches of ≤ 1 MiB.
    assert.ok(sizes.every((size) => size <= 65536), `shard sizes ${sizes}`);
    const expected = sizes.map(() => ["bytes=0-65535"]);
    assert.deepEqual(
      urls.map((url) => server.log.filter((e) => url.endsWith(e.path)).map((e) => e.range)),
      expected,
    );
    assert.equal(
      server.log.reduce((sum, e) => sum + e.bytes, 0),
      sizes[0] + sizes[1],
      "each shard read once",
    );
    await assertSameCatalog(catalog, whole, await indexPaths(whole));
  } finally {
    await server.close();
  }
});

test("adding files never moves an existing file to another shard", async () => {
  const [before] = await shards("grow", 3);
  const old = await indexPaths(before);
  await copyFile("testdata/mef_images.fits", join(data, "sub", "added-later.fits"));
  try {
    const [after] = await shards("grown", 3);
    const now = await indexPaths(after);
    assert.ok(old.every((path) => now.includes(path)), "shard 0 of 3 keeps every file it had");
  } finally {
    await rm(join(data, "sub", "added-later.fits"));
  }
});

test("merge refuses shards that do not belong together, and --partial names what is missing", async () => {
  const parts = await shards("check", 3);
  const other = join(scratch, "other-0.cfidx");
  await index([join(data, "sub"), "-o", other, "--shard", "0/3"]);
  const otherCount = join(scratch, "count-0.cfidx");
  await index([data, "-o", otherCount, "--shard", "0/2"]);
  const whole = join(scratch, "check-whole.cfidx");
  await index([data, "-o", whole]);
  const out = join(scratch, "refused.cfidx");
  const cases: [string[], RegExp][] = [
    [[parts[0], parts[1]], /shard 2 of 3 is missing: pass every shard, or --partial/],
    [[...parts, parts[1]], /Shard 1 of 3 is given twice/],
    [[parts[0], parts[1], other], /come from different runs: sources/],
    [[parts[0], otherCount], /come from different runs: 3 shards vs 2/],
    [[parts[0], whole], /is not a shard/],
  ];
  for (const [inputs, message] of cases) {
    const run = await runCli(["merge", ...inputs, "-o", out]);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, message);
  }
  await assert.rejects(readFile(out), { code: "ENOENT" }, "nothing is written when merge refuses");

  const partial = await runCli(["merge", parts[0], parts[2], "-o", out, "--partial", "--json"]);
  assert.equal(partial.code, 6, partial.stderr);
  const summary = JSON.parse(partial.stdout);
  assert.deepEqual([summary.missing, summary.shards], [[1], 3]);
  const expected = [...await indexPaths(parts[0]), ...await indexPaths(parts[2])].sort();
  assert.deepEqual(await indexPaths(out), expected);
  assert.equal((await decodeIndex(await readFile(out))).fileCount, expected.length);
});

test("--shard auto takes the part from Slurm, AWS Batch or Kubernetes, and refuses what it cannot use", async () => {
  const out = join(scratch, "auto.cfidx");
  const slurm = {
    SLURM_ARRAY_TASK_ID: "7",
    SLURM_ARRAY_TASK_MIN: "5",
    SLURM_ARRAY_TASK_MAX: "11",
    SLURM_ARRAY_TASK_STEP: "2",
    SLURM_ARRAY_TASK_COUNT: "4",
  };
  const engines: [Record<string, string>, string[], { index: number; count: number }][] = [
    [slurm, [], { index: 1, count: 4 }],
    [{ AWS_BATCH_JOB_ARRAY_INDEX: "2" }, ["--shards", "5"], { index: 2, count: 5 }],
    [{ JOB_COMPLETION_INDEX: "0" }, ["--shards", "3"], { index: 0, count: 3 }],
  ];
  for (const [env, extra, part] of engines) {
    await index([data, "-o", out, "--shard", "auto", ...extra], env);
    assert.deepEqual(readShardInfo(await readFile(out), out), { ...part, sources: [data] });
  }

  const refused: [Record<string, string>, string[], RegExp][] = [
    [{}, [], /SLURM_ARRAY_TASK_ID .*AWS_BATCH_JOB_ARRAY_INDEX .*JOB_COMPLETION_INDEX/],
    [{ ...slurm, SLURM_ARRAY_TASK_COUNT: "3" }, [], /contiguous Slurm array/],
    [{ AWS_BATCH_JOB_ARRAY_INDEX: "2" }, [], /pass --shards N/],
    [{ JOB_COMPLETION_INDEX: "3" }, ["--shards", "3"], /shard 3 is outside 0 to 2/],
    [{}, ["--shards", "3"], /SLURM_ARRAY_TASK_ID/],
  ];
  for (const [env, extra, message] of refused) {
    const run = await runCli(["index", data, "-o", out, "--shard", "auto", ...extra], env);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, message);
  }
  for (const bad of ["4/4", "1/0", "a/b", "-1/2"]) {
    const run = await runCli(["index", data, "-o", out, `--shard=${bad}`]);
    assert.equal(run.code, 2, `${bad}: ${run.stderr}`);
  }
});
