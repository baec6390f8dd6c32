/**
 * Incremental re-indexing resumes an interrupted run: `cloudfits index` checkpoints finished records to
 * `INDEX.partial` (a valid index, written atomically); a run killed with SIGKILL after a checkpoint and
 * then run again reads only the files the checkpoint lacks — its `--json` summary counts the
 * checkpointed files as unchanged and its requests cover the rest alone — and writes an index equal to
 * an uninterrupted run's. For a bucket `-o`, the checkpoint lives in `$XDG_CACHE_HOME/cloudfits/`.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { decodeIndex } from "../../src/read/index.ts";
import type { IndexedFile } from "../../src/index_format/types.ts";
import { type ChildResult, DENO, ROOT, startChild } from "../_support/child.ts";
import { runCli } from "../_support/cli_io.ts";
import { startS3Server } from "../_support/s3_server.ts";

const FILES = 200;
const FIXTURE = "table_all";

const scratch = await mkdtemp(join(tmpdir(), "cloudfits-resume-"));
after(() => rm(scratch, { recursive: true, force: true }));
const data = join(scratch, "data");
const fixture = new Uint8Array(await readFile(join(ROOT, "testdata", `${FIXTURE}.fits`)));
for (let i = 0; i < FILES; i++) {
  const path = join(data, `d${i % 4}`, `f${String(i).padStart(3, "0")}.fits`);
  await mkdir(join(path, ".."), { recursive: true });
  await copyFile(join(ROOT, "testdata", `${FIXTURE}.fits`), path);
}

interface Summary {
  indexed: number;
  unchanged: number;
  failed: unknown[];
  files: number;
  requests: number;
  bytes: number;
}

/** Start `cloudfits index` in its own process group. */
function startIndexer(args: string[], env: Record<string, string> = {}) {
  return startChild([DENO, "run", "-A", join(ROOT, "cli.ts"), "index", ...args], {
    env: { ...process.env, NO_COLOR: "1", AWS_EC2_METADATA_DISABLED: "true", ...env },
  });
}

/** Run the indexer until `checkpoint` exists, then SIGKILL it; returns the checkpoint's records. */
async function interruptAfterCheckpoint(
  args: string[],
  checkpoint: () => Promise<string | undefined>,
  env: Record<string, string> = {},
): Promise<{ path: string; files: IndexedFile[] }> {
  const { child, exited } = startIndexer(args, env);
  let exit: ChildResult | undefined;
  void exited.then((result) => exit = result);
  let found: string | undefined;
  while (exit === undefined && (found = await checkpoint()) === undefined) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  assert.ok(found !== undefined, `the run ended without a checkpoint: ${exit?.stderr}`);
  process.kill(-child.pid!, "SIGKILL");
  const result = await exited;
  assert.equal(result.code, null, `killed, not finished: ${result.stderr}`);
  const files: IndexedFile[] = [];
  for await (const file of (await decodeIndex(new Uint8Array(await readFile(found)))).files()) {
    files.push(file);
  }
  return { path: found, files };
}

async function exists(path: string): Promise<boolean> {
  return await stat(path).then(() => true, () => false);
}

async function indexFiles(bytes: Uint8Array): Promise<IndexedFile[]> {
  const files: IndexedFile[] = [];
  for await (const file of (await decodeIndex(bytes)).files()) files.push(file);
  return files;
}

/** What must not change between an interrupted-and-resumed run and an uninterrupted one. */
function layout(files: IndexedFile[]) {
  return files.map((file) => ({
    path: file.path,
    size: file.size,
    hdus: file.hdus.map((hdu) => [hdu.type, hdu.headerOffset, hdu.headerSize, hdu.dataOffset, hdu.dataSize]),
  }));
}

test("a killed index run resumes from its checkpoint without re-reading finished files", {
  timeout: 120_000,
}, async () => {
  const reference = join(scratch, "reference.cfidx");
  const uninterrupted = await runCli(["index", data, "-o", reference, "--json"]);
  assert.equal(uninterrupted.code, 0, uninterrupted.stderr);
  const full: Summary = JSON.parse(uninterrupted.stdout);
  assert.equal(full.files, FILES);
  const perFile = full.requests / FILES;
  assert.ok(Number.isInteger(perFile) && perFile > 0, `${full.requests} requests for ${FILES} copies`);

  const output = join(scratch, "out", "resumed.cfidx");
  const partial = `${output}.partial`;
  const checkpoint = await interruptAfterCheckpoint(
    [data, "-o", output, "--json"],
    async () => (await exists(partial)) ? partial : undefined,
  );
  const saved = checkpoint.files.length;
  assert.ok(saved > 0 && saved < FILES, `the checkpoint holds some files, not all: ${saved}`);
  assert.equal(await exists(output), false, "the killed run wrote no index");

  const resumed = await runCli(["index", data, "-o", output, "--json"]);
  assert.equal(resumed.code, 0, resumed.stderr);
  const summary: Summary = JSON.parse(resumed.stdout);
  assert.equal(summary.unchanged, saved, "every checkpointed file is reused");
  assert.equal(summary.indexed, FILES - saved);
  assert.equal(summary.requests, (FILES - saved) * perFile, "requests only for the files not checkpointed");
  assert.equal(summary.bytes, (FILES - saved) * full.bytes / FILES);
  assert.equal(summary.files, FILES);

  const resumedFiles = await indexFiles(new Uint8Array(await readFile(output)));
  assert.deepEqual(layout(resumedFiles), layout(await indexFiles(new Uint8Array(await readFile(reference)))));
  for (const file of checkpoint.files) {
    const same = resumedFiles.find((f) => f.path === file.path);
    assert.deepEqual(same && layout([same]), layout([file]), `${file.path} kept from the checkpoint`);
  }
  assert.deepEqual(
    await readdir(join(scratch, "out")),
    ["resumed.cfidx"],
    "checkpoint deleted, no temporaries",
  );

  // A damaged (here truncated) checkpoint is ignored with a warning, never trusted.
  const damaged = join(scratch, "out", "i.cfidx");
  const whole = new Uint8Array(await readFile(output));
  await writeFile(`${damaged}.partial`, whole.subarray(0, whole.length >> 1));
  const ignoring = await runCli(["index", data, "-o", damaged, "--json"]);
  assert.equal(ignoring.code, 0, ignoring.stderr);
  assert.match(ignoring.stderr, /warning: ignoring the checkpoint .*i\.cfidx\.partial/);
  assert.equal(JSON.parse(ignoring.stdout).unchanged, 0);
  assert.equal(JSON.parse(ignoring.stdout).requests, full.requests);
});

test("a bucket -o checkpoints to $XDG_CACHE_HOME and resumes from there", { timeout: 120_000 }, async () => {
  const server = await startS3Server();
  try {
    const keys = { AWS_ACCESS_KEY_ID: server.accessKeyId, AWS_SECRET_ACCESS_KEY: server.secretAccessKey };
    const count = 120;
    for (let i = 0; i < count; i++) {
      await server.putObject("private", `cubes/f${String(i).padStart(3, "0")}.fits`, fixture);
    }
    const cache = join(scratch, "cache");
    const checkpoints = join(cache, "cloudfits", "checkpoints");
    const env = { ...keys, XDG_CACHE_HOME: cache };
    const args = [
      "s3://private/cubes/",
      "-o",
      "s3://private/index/cubes.cfidx",
      "--endpoint-url",
      server.endpoint,
    ];
    const checkpoint = await interruptAfterCheckpoint([...args, "--json"], async () => {
      const names = await readdir(checkpoints).catch(() => [] as string[]);
      const name = names.find((n) => n.endsWith(".cfidx.partial"));
      return name && join(checkpoints, name);
    }, env);
    const saved = checkpoint.files.length;
    assert.ok(saved > 0 && saved < count, `the checkpoint holds some objects: ${saved}`);
    assert.ok(checkpoint.files.every((file) => file.etag !== undefined), "checkpointed records keep ETags");
    assert.ok(!server.log.some((entry) => entry.method === "PUT"), "nothing uploaded by the killed run");

    // The killed run's requests still in flight reach the log late: let it settle before counting.
    for (let length = -1; length !== server.log.length;) {
      length = server.log.length;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    const first = server.log.length;
    const resumed = await runCli(["index", ...args, "--json"], env);
    assert.equal(resumed.code, 0, resumed.stderr);
    const summary: Summary = JSON.parse(resumed.stdout);
    assert.equal(summary.unchanged, saved);
    assert.equal(summary.indexed, count - saved);
    const gets = server.log.slice(first).filter((entry) =>
      entry.method === "GET" && entry.range !== undefined && entry.path.startsWith("/private/cubes/")
    );
    // Distinct (key, range) pairs: Bun's fetch may resend a GET on a reset keep-alive connection.
    const distinct = new Set(gets.map((entry) => `${entry.path} ${entry.range}`));
    assert.equal(distinct.size, summary.requests, "ranged GETs only for the objects not checkpointed");
    const readKeys = new Set(gets.map((entry) => entry.path.replace(/\?.*$/, "")));
    for (const file of checkpoint.files) {
      assert.ok(!readKeys.has(`/private/cubes/${file.path}`), `${file.path} was not read again`);
    }
    assert.deepEqual(await readdir(checkpoints), [], "the checkpoint is deleted after the upload");
  } finally {
    await server.close();
  }
});
