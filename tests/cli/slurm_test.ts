/**
 * The sharded path on a real Slurm: a single-node cluster on this machine (tests/_support/slurm.ts)
 * runs `sbatch --array=0-3 --wait` of `cloudfits index --shard auto`, `cloudfits merge` joins the four
 * shards, and the catalog equals a one-process index of the same files (bytes apart from the creation
 * time, `ls --json`, `header --json`). Skipped, with the reason printed, where Slurm cannot start.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import process from "node:process";
import { join } from "node:path";
import { readShardInfo } from "../../src/index_format/shard.ts";
import { DENO, ROOT, runChild } from "../_support/child.ts";
import { runCli } from "../_support/cli_io.ts";
import { assertSameCatalog, copyCorpus, indexPaths } from "../_support/catalogs.ts";
import { startSlurm } from "../_support/slurm.ts";

const slurm = await startSlurm();
const skip = "reason" in slurm ? `Slurm cannot run here: ${slurm.reason}` : false;
if (skip) console.warn(`SKIPPED tests/cli/slurm_test.ts: ${skip}`);
const scratch = await mkdtemp(join(tmpdir(), "cloudfits-slurm-test-"));
after(async () => {
  if (!("reason" in slurm)) await slurm.stop();
  await rm(scratch, { recursive: true, force: true });
});

test("sbatch --array=0-3 of index --shard auto, merged, equals a one-process index", {
  skip,
  timeout: 300_000,
}, async () => {
  if ("reason" in slurm) return;
  const data = join(scratch, "data");
  const fixtures = await copyCorpus(data);

  // The job runs the CLI with the runtime these tests run under (Deno's launcher needs node on PATH,
  // which the job inherits through sbatch's default --export=ALL).
  const cli = "Bun" in globalThis
    ? [process.execPath, join(ROOT, "cli.ts")]
    : [DENO, "run", "-A", join(ROOT, "cli.ts")];
  const shard = join(scratch, "shard-$SLURM_ARRAY_TASK_ID.cfidx");
  const job = await runChild([
    "sbatch",
    "--array=0-3",
    "--wait",
    `--output=${join(scratch, "job-%a.log")}`,
    `--chdir=${scratch}`,
    `--wrap=${cli.map((word) => `'${word}'`).join(" ")} index '${data}' -o "${shard}" --shard auto`,
  ], { env: slurm.env });
  const logs = await Promise.all(
    [0, 1, 2, 3].map((k) => readFile(join(scratch, `job-${k}.log`), "utf8").catch(() => "")),
  );
  assert.equal(job.code, 0, `${job.stderr}\n${logs.join("\n")}`);

  const shards = [0, 1, 2, 3].map((k) => join(scratch, `shard-${k}.cfidx`));
  for (const [k, path] of shards.entries()) {
    assert.deepEqual(readShardInfo(await readFile(path), path), { index: k, count: 4, sources: [data] });
    assert.match(logs[k], /Indexed \d+ files/);
  }
  const catalog = join(scratch, "catalog.cfidx");
  const merged = await runCli(["merge", ...shards, "-o", catalog]);
  assert.equal(merged.code, 0, merged.stderr);
  const whole = join(scratch, "whole.cfidx");
  assert.equal((await runCli(["index", data, "-o", whole])).code, 0);
  const paths = await indexPaths(whole);
  assert.equal(paths.length, fixtures.length);
  await assertSameCatalog(catalog, whole, paths);
});
