/**
 * Index writes are atomic: `cloudfits index` runs as a child process over 300 small FITS files and is
 * killed with SIGKILL at seeded random moments and, on alternate runs, the moment its temporary file
 * for `-o` appears (mid-write). After every kill, `-o` is absent (before the first complete run), byte
 * for byte the previous index, or a complete new one listing exactly the files present — never a
 * partial file — and the checkpoint beside it is a valid index too. A completed run leaves no
 * temporary files behind, its own or those of the killed runs.
 *
 * A write takes a few milliseconds, too short to hit by polling. When strace is installed, the
 * mid-write runs go through `strace -e inject=fsync:delay_enter=…`, which holds every fsync for
 * 150 ms, so the kill lands between the temporary file's creation and its rename every time (and
 * the test asserts that it did); without strace those kills are best effort.
 */
import { after, test } from "node:test";
import { Buffer } from "node:buffer";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { writeFileAtomic } from "../../cli/io.ts";
import { decodeIndex } from "../../src/read/index.ts";
import { runCli } from "../_support/cli_io.ts";
import { closedPort, seededRandom } from "../_support/range_server.ts";
import { type ChildResult, DENO, ROOT, startChild } from "../_support/child.ts";
import { startS3Server } from "../_support/s3_server.ts";
import { rejectsWith } from "../_support/expect_error.ts";

const FIXTURES = ["primary_only", "table_all", "checksum_good", "ascii_table", "tess_cube", "dup_extnames"];
const FILES = 300;
const KILLS = 15;
const SEED = 8;
const FSYNC_DELAY_US = 150_000;
const STRACE = straceWorks();

/** Whether strace runs here and may inject syscall delays (ptrace can be forbidden in containers). */
function straceWorks(): boolean {
  try {
    execFileSync("strace", ["-f", "-qq", "-o", "/dev/null", "-e", "inject=fsync:delay_enter=1", "true"], {
      stdio: "ignore",
      timeout: 10_000,
    });
    return true;
  } catch {
    return false;
  }
}

const scratch = await mkdtemp(join(tmpdir(), "cloudfits-atomic-"));
after(() => rm(scratch, { recursive: true, force: true }));
const data = join(scratch, "data");
const outDir = join(scratch, "out");
const output = join(outDir, "all.cfidx");
const present = new Set<string>();
await mkdir(outDir);
for (let i = 0; i < FILES; i++) {
  const path = `${["a", "b", "c"][i % 3]}/f${String(i).padStart(3, "0")}.fits`;
  await mkdir(join(data, path, ".."), { recursive: true });
  await copyFile(join(ROOT, "testdata", `${FIXTURES[i % FIXTURES.length]}.fits`), join(data, path));
  present.add(path);
}

interface ChildRun extends ChildResult {
  /** Whether the kill left a temporary file of `-o` behind, i.e. struck in the middle of its write. */
  killedMidWrite: boolean;
}

/** Start the indexer in its own process group, optionally under strace. */
function startIndexer(slowFsync = false) {
  const indexer = [DENO, "run", "-A", join(ROOT, "cli.ts"), "index", data, "-o", output, "--json"];
  const strace = [
    "strace",
    "-f",
    "-qq",
    "-o",
    "/dev/null",
    "-e",
    `inject=fsync:delay_enter=${FSYNC_DELAY_US}`,
  ];
  return startChild(slowFsync ? [...strace, ...indexer] : indexer, {
    env: { ...process.env, NO_COLOR: "1" },
  });
}

/** Temporary files of `-o` itself (not of its checkpoint). */
async function outputTemporaries(): Promise<string[]> {
  return (await readdir(outDir)).filter((name) => /^\.all\.cfidx\.\d+-[0-9a-f]+\.tmp$/.test(name));
}

/**
 * Run the indexer and kill it after `delayMs`, or as soon as a temporary file of `-o` appears when
 * `midWrite` (polling the directory), whichever comes first.
 */
async function runAndKill(delayMs: number, midWrite: boolean): Promise<ChildRun> {
  const before = new Set(await outputTemporaries());
  const { child, exited } = startIndexer(midWrite && STRACE);
  let finished = false;
  let killed = false;
  const kill = () => {
    if (finished) return;
    finished = true;
    killed = true;
    process.kill(-child.pid!, "SIGKILL");
  };
  const timer = setTimeout(kill, delayMs);
  const poll = async () => {
    while (midWrite && !finished) {
      if ((await outputTemporaries()).some((name) => !before.has(name))) return kill();
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  };
  const polling = poll();
  const result = await exited;
  finished = true;
  clearTimeout(timer);
  await polling;
  const killedMidWrite = (await outputTemporaries()).some((name) => !before.has(name));
  return { ...result, code: killed ? null : result.code, killedMidWrite };
}

async function readIfPresent(path: string): Promise<Uint8Array | undefined> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (error) {
    if ((error as { code?: string }).code === "ENOENT") return undefined;
    throw error;
  }
}

async function indexedPaths(bytes: Uint8Array): Promise<string[]> {
  const index = await decodeIndex(bytes);
  const paths: string[] = [];
  for await (const file of index.files()) {
    assert.ok(file.hdus.length > 0, `${file.path} has HDUs`);
    paths.push(file.path);
  }
  return paths;
}

const sorted = (paths: Iterable<string>) => [...paths].sort();

test("index -o survives SIGKILL at any moment: old index or complete new one, never partial", {
  timeout: 180_000,
}, async () => {
  const random = seededRandom(SEED);
  // How long an uninterrupted first run takes, into another directory, to spread the kills over.
  const started = performance.now();
  const probe = startIndexer();
  const probeResult = await probe.exited;
  const fullMs = performance.now() - started;
  assert.equal(probeResult.code, 0, probeResult.stderr);
  assert.equal(JSON.parse(probeResult.stdout).files, FILES);
  await rm(output);

  let previous: Uint8Array | undefined;
  let completed = 0;
  let midWrites = 0;
  for (let kill = 0; kill < KILLS; kill++) {
    // Every third run sees a new file, so that the new index differs from the old one.
    if (kill % 3 === 2) {
      const path = `new/n${kill}.fits`;
      await mkdir(join(data, "new"), { recursive: true });
      await copyFile(join(ROOT, "testdata/mef_images.fits"), join(data, path));
      present.add(path);
    }
    const midWrite = kill % 2 === 1;
    const delay = midWrite ? fullMs * 5 : random() * fullMs * 1.1;
    const run = await runAndKill(delay, midWrite);
    const what = `kill ${kill + 1} (${midWrite ? "at the temporary file" : `after ${Math.round(delay)} ms`})`;
    if (run.killedMidWrite) {
      assert.equal(run.code, null, `${what}: only a killed run leaves its temporary file`);
      midWrites++;
    }

    const now = await readIfPresent(output);
    if (run.code === 0) {
      assert.ok(now, `${what}: the run completed, so the index exists`);
      completed++;
    } else {
      assert.equal(run.code, null, `${what}: killed, not failed: ${run.stderr}`);
    }
    if (now === undefined) {
      assert.equal(previous, undefined, `${what}: an existing index disappeared`);
    } else if (previous === undefined || !Buffer.from(now).equals(previous)) {
      assert.deepEqual(sorted(await indexedPaths(now)), sorted(present), `${what}: a new index is complete`);
    }
    const checkpoint = await readIfPresent(`${output}.partial`);
    if (checkpoint) {
      const paths = await indexedPaths(checkpoint);
      assert.ok(paths.every((path) => present.has(path)), `${what}: the checkpoint lists known files`);
    }
    previous = now;
  }
  // A kill that left its temporary file behind struck between its creation and the rename.
  if (STRACE) assert.ok(midWrites >= Math.floor(KILLS / 2), `every slowed run was killed mid-write`);

  const final = await runAndKill(fullMs * 20, false);
  assert.equal(final.code, 0, final.stderr);
  assert.deepEqual(sorted(await indexedPaths(new Uint8Array(await readFile(output)))), sorted(present));
  const left = (await readdir(outDir)).filter((name) => name !== "all.cfidx");
  assert.deepEqual(left, [], "no temporary files or checkpoint after a completed run");
  console.log(`atomic: ${midWrites} kills mid-write, ${completed} runs completed before their kill`);
});

test("a failed upload leaves the previous index object; the next run resumes from the checkpoint", {
  timeout: 60_000,
}, async () => {
  const server = await startS3Server();
  try {
    const local = join(scratch, "upload");
    for (const name of ["primary_only", "table_all", "tess_cube"]) {
      await mkdir(local, { recursive: true });
      await copyFile(join(ROOT, "testdata", `${name}.fits`), join(local, `${name}.fits`));
    }
    const keys = { AWS_ACCESS_KEY_ID: server.accessKeyId, AWS_SECRET_ACCESS_KEY: server.secretAccessKey };
    const env = { ...keys, XDG_CACHE_HOME: join(scratch, "upload-cache") };
    const target = "s3://private/indexes/local.cfidx";
    const args = ["index", local, "--data-url", "s3://private/data", "-o", target];
    const flags = ["--endpoint-url", server.endpoint, "--json"];
    const first = await runCli([...args, ...flags], env);
    assert.equal(first.code, 0, first.stderr);
    const get = async () => {
      const response = await server.client.fetch(`${server.endpoint}/private/indexes/local.cfidx`);
      assert.equal(response.status, 200);
      return new Uint8Array(await response.arrayBuffer());
    };
    const before = await get();
    assert.equal((await decodeIndex(before)).fileCount, 3);

    // A new file, then an upload that fails: a wrong secret (403), then a closed port.
    await copyFile(join(ROOT, "testdata/mef_images.fits"), join(local, "mef_images.fits"));
    const puts = () => server.log.filter((entry) => entry.method === "PUT").length;
    const putsBefore = puts();
    const forbidden = await runCli([...args, ...flags], { ...env, AWS_SECRET_ACCESS_KEY: "wrong/secret" });
    assert.equal(forbidden.code, 4, forbidden.stderr);
    assert.match(
      forbidden.stderr,
      /^error: Cannot upload \S*\/private\/indexes\/local\.cfidx: forbidden \(HTTP 403\)/m,
    );
    assert.match(forbidden.stderr, /note: the upload failed; the next run resumes from /);
    assert.equal(puts(), putsBefore + 1, "one PUT, refused");
    assert.deepEqual(await get(), before, "the previous index object is unchanged");

    const closed = await closedPort();
    const unreachable = await runCli(
      [...args, "--endpoint-url", `http://127.0.0.1:${closed}`, "--json"],
      env,
    );
    assert.equal(unreachable.code, 1, unreachable.stderr);
    assert.match(
      unreachable.stderr,
      /^error: Cannot upload \S*\/private\/indexes\/local\.cfidx: /m,
    );
    assert.deepEqual(await get(), before, "the previous index object is unchanged");

    // The next run uploads, reusing the records the failed runs read (the checkpoint).
    const retry = await runCli([...args, ...flags], env);
    assert.equal(retry.code, 0, retry.stderr);
    const summary = JSON.parse(retry.stdout);
    assert.deepEqual([summary.files, summary.indexed, summary.requests], [4, 0, 0]);
    const after = await decodeIndex(await get());
    assert.equal(after.fileCount, 4);
  } finally {
    await server.close();
  }
});

test("cutout and table keep an existing output without --force and replace it atomically with it", async () => {
  const dir = join(scratch, "force");
  await mkdir(dir);
  const cutout = join(dir, "cut.fits");
  const table = join(dir, "rows.csv");
  const original = new TextEncoder().encode("keep me\n");
  for (const path of [cutout, table]) await writeFile(path, original);
  const commands = [
    ["cutout", join(ROOT, "testdata/mef_images.fits[1][1:4,1:3]"), "-o", cutout],
    ["table", join(ROOT, "testdata/table_all.fits[1]"), "--rows", "1:2", "-o", table],
  ];
  for (const command of commands) {
    const path = command.at(-1)!;
    const refused = await runCli(command);
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /the file exists \(pass --force to replace it\)/);
    assert.deepEqual(new Uint8Array(await readFile(path)), original, `${command[0]}: output kept`);
    const forced = await runCli([...command, "--force"]);
    assert.equal(forced.code, 0, forced.stderr);
    assert.notDeepEqual(new Uint8Array(await readFile(path)), original, `${command[0]}: output replaced`);
  }
  assert.deepEqual((await readdir(dir)).sort(), ["cut.fits", "rows.csv"], "no temporary files");
});

test("writeFileAtomic refuses to replace without overwrite and cleans only dead writers' temporaries", async () => {
  const dir = join(scratch, "temporaries");
  await mkdir(dir);
  const path = join(dir, "out.bin");
  // A dead process's temporary (a pid that cannot exist) and a live one's (this process).
  const dead = join(dir, `.out.bin.${2 ** 22 + 17}-0123456789ab.tmp`);
  const live = join(dir, `.out.bin.${process.pid}-ba9876543210.tmp`);
  const unrelated = join(dir, ".other.bin.1-0123456789ab.tmp");
  for (const file of [dead, live, unrelated]) await writeFile(file, "half");
  // On Linux, a pid reused by a process that started after the temporary file was written.
  const reuser = existsSync("/proc/self/stat") ? spawn("sleep", ["60"], { stdio: "ignore" }) : undefined;
  const reused = reuser && join(dir, `.out.bin.${reuser.pid}-00000000000a.tmp`);
  if (reused) {
    await writeFile(reused, "half");
    await utimes(reused, new Date(Date.now() - 3_600_000), new Date(Date.now() - 3_600_000));
  }
  try {
    await writeFileAtomic(path, new Uint8Array([1, 2, 3]));
  } finally {
    reuser?.kill("SIGKILL");
  }
  assert.deepEqual(new Uint8Array(await readFile(path)), new Uint8Array([1, 2, 3]));
  await rejectsWith(writeFileAtomic(path, new Uint8Array([4])), "USAGE", /the file exists/);
  await writeFileAtomic(path, new Uint8Array([5]), { overwrite: true });
  assert.deepEqual(new Uint8Array(await readFile(path)), new Uint8Array([5]));
  // A stream is written chunk by chunk; one that fails midway leaves the old file and no temporary.
  async function* chunks(fail: boolean): AsyncGenerator<Uint8Array> {
    yield new Uint8Array([6]);
    if (fail) throw new Error("the source broke off");
    yield new Uint8Array([7, 8]);
  }
  await assert.rejects(writeFileAtomic(path, chunks(true), { overwrite: true }), /broke off/);
  assert.deepEqual(new Uint8Array(await readFile(path)), new Uint8Array([5]));
  await writeFileAtomic(path, chunks(false), { overwrite: true });
  assert.deepEqual(new Uint8Array(await readFile(path)), new Uint8Array([6, 7, 8]));
  assert.deepEqual(
    (await readdir(dir)).sort(),
    [".other.bin.1-0123456789ab.tmp", `.out.bin.${process.pid}-ba9876543210.tmp`, "out.bin"].sort(),
  );
});
