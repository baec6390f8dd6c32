/**
 * `cloudfits index` on local files and `cloudfits ls --index`: the summary, failures reported with
 * their path and reason, which names count as FITS, incremental re-runs, path collisions, the Python cloud-fits'
 * flag aliases, and listings from the index alone, with the data files gone.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import {
  copyFile,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  symlink,
  utimes,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { walkFile as walkStored } from "../../src/walk_file.ts";
import { frameBlockOf } from "../../src/indexer/frames.ts";
import { keepingFirstRead } from "../../src/source/held_bytes.ts";
import { type IndexHandle, openIndex } from "../../src/open_index.ts";
import { countingSource } from "../../src/source/counting.ts";
import { openFileSource } from "../../src/source/file.ts";
import { memorySource } from "../../src/source/memory.ts";
import { runCli } from "../_support/cli_io.ts";
import { startRangeServer } from "../_support/range_server.ts";

const TESTDATA = resolve("testdata");
/** The names `index` takes as FITS, as the issue lists them: .fits .fit .fts .fits.fz, any case. */
const FITS_NAME = /\.(fits|fit|fts)(\.fz|\.gz)?$/i;

const scratch = await mkdtemp(join(tmpdir(), "cloudfits-index-test-"));
after(() => rm(scratch, { recursive: true, force: true }));
let dirs = 0;
/** A fresh directory under the scratch directory. */
async function freshDir(name: string): Promise<string> {
  const dir = join(scratch, `${++dirs}-${name}`);
  await mkdir(dir, { recursive: true });
  return dir;
}

/** Every file under a directory, relative, `/`-separated, sorted. */
async function listTree(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      found.push(...(await listTree(join(dir, entry.name))).map((p) => `${entry.name}/${p}`));
    } else if (entry.isFile()) found.push(entry.name);
  }
  return found.sort();
}

/** What indexing one file should cost and give: walkHdus over a counting file source. */
async function walkFile(path: string): Promise<{ hdus: number; requests: number; bytes: number } | Error> {
  const file = await openFileSource(path);
  const source = countingSource(file);
  try {
    // As the indexer does: a gzip file is inflated to its end, a TESS cube's frame table read once
    // (from the read-ahead when it holds the table).
    const reader = keepingFirstRead(source);
    const { hdus, gzip } = await walkStored(reader, { maxRead: 0 });
    await gzip?.inflateToEnd();
    if (!gzip) await frameBlockOf(reader, hdus, file.size);
    return { hdus: hdus.length, requests: source.stats.requests, bytes: source.stats.bytes };
  } catch (error) {
    return error as Error;
  } finally {
    await file.close();
  }
}

/** Copy top-level fixtures into a directory (optionally renamed). */
async function copyFixtures(dir: string, names: Record<string, string>): Promise<void> {
  for (const [target, fixture] of Object.entries(names)) {
    await mkdir(join(dir, target, ".."), { recursive: true });
    await copyFile(join(TESTDATA, fixture), join(dir, target));
  }
}

async function hduCount(fixture: string): Promise<number> {
  const walked = await walkFile(join(TESTDATA, fixture));
  assert.ok(!(walked instanceof Error));
  return walked.hdus;
}

/** Open a local index file with the library. */
function openLocalIndex(path: string): Promise<IndexHandle> {
  // Read whole: an IndexHandle has no close(), and Bun fails a test whose file handle is left to GC.
  return openIndex(path, { openFile: async (file) => memorySource(await readFile(file), file) });
}

async function indexJson(args: string[], env?: Record<string, string>) {
  const run = await runCli(["index", ...args, "--json"], env);
  let summary;
  try {
    summary = JSON.parse(run.stdout);
  } catch {
    assert.fail(`index printed no JSON (exit ${run.code}): ${run.stdout}${run.stderr}`);
  }
  return { ...run, summary };
}

async function lsIndexJson(index: string, ...extra: string[]) {
  const run = await runCli(["ls", "--index", index, "--json", ...extra]);
  assert.equal(run.code, 0, run.stderr);
  return JSON.parse(run.stdout) as { files: { path: string; size: number; hdus: { index: number }[] }[] };
}

test("index testdata/: the --json summary counts every FITS file, HDU, request and byte", async () => {
  const files = (await listTree(TESTDATA)).filter((p) => FITS_NAME.test(p));
  assert.ok(files.length >= 14, `${files.length} FITS files in testdata/`);
  let hdus = 0, requests = 0, bytes = 0;
  const failing: string[] = [];
  for (const path of files) {
    const walked = await walkFile(join(TESTDATA, path));
    if (walked instanceof Error) {
      failing.push(path);
      continue;
    }
    hdus += walked.hdus;
    requests += walked.requests;
    bytes += walked.bytes;
  }
  const output = join(await freshDir("summary"), "testdata.cfidx");
  const run = await indexJson(["testdata", "-o", output]);
  assert.equal(run.code, failing.length === 0 ? 0 : 6, run.stderr);
  const { summary } = run;
  assert.deepEqual(Object.keys(summary), [
    "indexed",
    "unchanged",
    "failed",
    "files",
    "hdus",
    "requests",
    "bytes",
    "seconds",
    "output",
  ]);
  assert.deepEqual(summary.failed.map((f: { path: string }) => f.path).sort(), failing);
  assert.deepEqual(
    { ...summary, failed: undefined, seconds: typeof summary.seconds },
    {
      indexed: files.length - failing.length,
      unchanged: 0,
      failed: undefined,
      files: files.length - failing.length,
      hdus,
      requests,
      bytes,
      seconds: "number",
      output,
    },
  );
  assert.ok(summary.seconds >= 0);

  // The index lists exactly those files, under paths relative to testdata/.
  const listed = await lsIndexJson(output);
  assert.deepEqual(listed.files.map((f) => f.path), files.filter((p) => !failing.includes(p)));
  assert.equal(listed.files.reduce((n, f) => n + f.hdus.length, 0), hdus);

  // Local files carry size and mtime, never an ETag.
  const index = await openLocalIndex(output);
  const tess = await index.file("tess_cube.fits");
  const info = await stat(join(TESTDATA, "tess_cube.fits"));
  assert.equal(tess.size, info.size);
  assert.equal(tess.etag, undefined);
  assert.equal(tess.lastModified, Math.round(info.mtimeMs));
  // The recorded data root is relative to the index, so it resolves back to testdata/.
  assert.equal(resolve(index.locationOf("tess_cube.fits")), join(TESTDATA, "tess_cube.fits"));
  // Written atomically: nothing left beside the index.
  assert.deepEqual(await readdir(join(output, "..")), ["testdata.cfidx"]);
});

test("a truncated file, a non-FITS file and a .fits.bz2 are reported with path and reason; the rest (a .fits.gz too) are indexed, exit 6", async () => {
  const data = await freshDir("failures");
  await copyFixtures(data, { "tess_cube.fits": "tess_cube.fits", "sub/mef.fits": "mef_images.fits" });
  const mef = await readFile(join(TESTDATA, "mef_images.fits"));
  await writeFile(join(data, "broken.fits"), mef.subarray(0, 49_000));
  await writeFile(join(data, "notes.fits"), "this is not FITS\n".repeat(200));
  await writeFile(
    join(data, "sub/packed.fits.gz"),
    gzipSync(await readFile(join(TESTDATA, "primary_only.fits"))),
  );
  await writeFile(join(data, "sub/packed.fits.bz2"), "BZh91AY&SY" + "x".repeat(100));
  const output = join(data, "..", "failures.cfidx");

  const run = await indexJson([data, "-o", output]);
  assert.equal(run.code, 6, run.stderr);
  const failed = [...run.summary.failed].sort((a, b) => a.path < b.path ? -1 : 1);
  assert.deepEqual(failed.map((f: { path: string }) => f.path), [
    "broken.fits",
    "notes.fits",
    "sub/packed.fits.bz2",
  ]);
  for (const f of failed) assert.deepEqual(Object.keys(f), ["path", "error"]);
  assert.match(failed[0].error, /49000/, "the truncation names where the file ends");
  assert.match(failed[1].error, /SIMPLE|not FITS/i);
  assert.match(failed[2].error, /bzip2 \(\.bz2\)-compressed, which cloudfits does not support/);
  const hdus = await hduCount("tess_cube.fits") + await hduCount("mef_images.fits") +
    await hduCount("primary_only.fits");
  assert.deepEqual(
    { indexed: run.summary.indexed, files: run.summary.files, hdus: run.summary.hdus },
    { indexed: 3, files: 3, hdus },
  );
  assert.deepEqual(
    (await lsIndexJson(output)).files.map((f) => f.path),
    ["sub/mef.fits", "sub/packed.fits.gz", "tess_cube.fits"],
  );

  // The text summary sends each failure to stderr with its path.
  const text = await runCli(["index", data, "-o", output]);
  assert.equal(text.code, 6);
  for (const path of ["broken.fits", "notes.fits", "sub/packed.fits.bz2"]) {
    assert.match(text.stderr, new RegExp(`error: ${path.replace(/\./g, "\\.")}: `));
  }
  assert.match(text.stdout, /3 failed/);

  // A .fits.bz2 named alone fails the same way, naming bzip2; with no file indexed, no index is written.
  const bz2Index = join(data, "..", "bz2.cfidx");
  const direct = await runCli(["index", join(data, "sub/packed.fits.bz2"), "-o", bz2Index, "--json"]);
  assert.equal(direct.code, 3, direct.stderr);
  assert.match(direct.stderr, /Nothing to index .*bzip2.*no index was written/i);
  await assert.rejects(stat(bz2Index), { code: "ENOENT" });
});

test("case variants of .fits, .fit, .fts and .fits.fz are picked up recursively; other files are ignored", async () => {
  const data = await freshDir("names");
  await copyFixtures(data, {
    "A.FITS": "primary_only.fits",
    "b.fit": "primary_only.fits",
    "c.fts": "ascii_table.fits",
    "d.fits.fz": "compressed_rice.fits",
    "e.Fits.FZ": "compressed_gzip.fits",
    "sub/deep/f.Fit": "table_all.fits",
    "sub/g.FTS": "random_groups.fits",
    // Ignored: not FITS names.
    "notes.txt": "primary_only.fits",
    "h.fits.bak": "primary_only.fits",
    "i.fitsx": "primary_only.fits",
    "fits": "primary_only.fits",
  });
  const output = join(data, "..", "names.cfidx");
  const run = await indexJson([data, "-o", output]);
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(run.summary.failed, []);
  const paths = ["A.FITS", "b.fit", "c.fts", "d.fits.fz", "e.Fits.FZ", "sub/deep/f.Fit", "sub/g.FTS"];
  assert.equal(run.summary.files, paths.length);
  const listed = await lsIndexJson(output);
  assert.deepEqual(listed.files.map((f) => f.path), paths);
  assert.equal(listed.files.find((f) => f.path === "d.fits.fz")?.hdus.length, 2);
});

test("re-running is incremental: nothing re-read; a touched or replaced file is re-read alone", async () => {
  const data = await freshDir("incremental");
  await copyFixtures(data, {
    "tess_cube.fits": "tess_cube.fits",
    "mef_images.fits": "mef_images.fits",
    "nested/table_all.fits": "table_all.fits",
  });
  const output = join(data, "..", "incremental.cfidx");
  const first = await indexJson([data, "-o", output]);
  assert.equal(first.code, 0, first.stderr);
  assert.equal(first.summary.indexed, 3);
  assert.ok(first.summary.requests >= 3);
  const before = await lsIndexJson(output);
  const firstBytes = await readFile(output);

  const again = await indexJson([data, "-o", output]);
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(
    [
      again.summary.indexed,
      again.summary.unchanged,
      again.summary.files,
      again.summary.requests,
      again.summary.bytes,
    ],
    [0, 3, 3, 0, 0],
  );
  assert.deepEqual(await lsIndexJson(output), before);
  // The same index apart from its creation time: the cube's footprint (its WCS is table data) is kept.
  const againBytes = await readFile(output);
  for (const bytes of [firstBytes, againBytes]) bytes.fill(0, 40, 48).fill(0, 60, 64);
  assert.ok(Buffer.compare(firstBytes, againBytes) === 0, "the same bytes, sky directory included");
  const star = ["--ra", "35.27524804", "--dec", "-36.06773067", "--json"];
  assert.equal(JSON.parse((await runCli(["find", output, ...star])).stdout)[0].path, "tess_cube.fits");

  // A new mtime alone makes the file a candidate again: exactly its own walk is paid.
  const touched = join(data, "mef_images.fits");
  const later = new Date(Date.now() + 60_000);
  await utimes(touched, later, later);
  const cost = await walkFile(touched);
  assert.ok(!(cost instanceof Error));
  const afterTouch = await indexJson([data, "-o", output]);
  assert.deepEqual(
    [
      afterTouch.summary.indexed,
      afterTouch.summary.unchanged,
      afterTouch.summary.requests,
      afterTouch.summary.bytes,
    ],
    [1, 2, cost.requests, cost.bytes],
  );
  assert.equal((await (await openLocalIndex(output)).file("mef_images.fits")).lastModified, later.getTime());

  // Different content (and size) under the same name: re-read, and the new layout recorded.
  const replaced = join(data, "nested/table_all.fits");
  const mtime = (await stat(replaced)).mtime;
  await copyFile(join(TESTDATA, "primary_only.fits"), replaced);
  await utimes(replaced, mtime, mtime); // same mtime: the size alone must give it away
  const afterReplace = await indexJson([data, "-o", output]);
  assert.deepEqual([afterReplace.summary.indexed, afterReplace.summary.unchanged], [1, 2]);
  const entry = (await lsIndexJson(output)).files.find((f) => f.path === "nested/table_all.fits");
  assert.equal(entry?.size, (await stat(join(TESTDATA, "primary_only.fits"))).size);
  assert.equal(entry?.hdus.length, 1);

  // A different --data-url makes a different index: every file is read again.
  const moved = await indexJson([data, "--data-url", "s3://bucket/moved", "-o", output]);
  assert.deepEqual([moved.summary.indexed, moved.summary.unchanged], [3, 0]);
});

test("two sources that give the same path are a usage error (exit 2) and nothing is written", async () => {
  const data = await freshDir("collision");
  await copyFixtures(data, { "a.fits": "primary_only.fits", "b.fits": "tess_cube.fits" });
  const output = join(data, "..", "collision.cfidx");
  for (
    const sources of [
      [data, join(data, "a.fits")],
      [join(data, "a.fits"), join(data, "a.fits")],
      [data, data],
    ]
  ) {
    const run = await runCli(["index", ...sources, "-o", output]);
    assert.equal(run.code, 2, `${sources.join(" ")}: ${run.stderr}`);
    assert.match(run.stderr, /same path 'a\.fits'/);
    assert.equal(run.stdout, "");
  }
  await assert.rejects(stat(output), { code: "ENOENT" });
});

test("--no-header-text gives a smaller index that ls --index still lists in full", async () => {
  const dir = await freshDir("lean");
  const full = join(dir, "full.cfidx");
  const lean = join(dir, "lean.cfidx");
  assert.equal((await indexJson(["testdata", "-o", full])).summary.failed.length, 0);
  assert.equal((await indexJson(["testdata", "-o", lean, "--no-header-text"])).summary.failed.length, 0);
  const [fullSize, leanSize] = [(await stat(full)).size, (await stat(lean)).size];
  assert.ok(leanSize < fullSize, `${leanSize} B with no header text vs ${fullSize} B`);
  for (const format of ["json", "tsv", "text"]) {
    const a = await runCli(["ls", "--index", full, "--format", format]);
    const b = await runCli(["ls", "--index", lean, "--format", format]);
    assert.equal(b.code, 0, b.stderr);
    assert.equal(b.stdout, a.stdout, format);
  }
  assert.equal((await (await openLocalIndex(lean)).file("tess_cube.fits")).headerComplete, false);
});

test("--data-url is recorded; the paths stay relative; a query string is refused", async () => {
  const dir = await freshDir("data-url");
  const plain = join(dir, "plain.cfidx");
  const withUrl = join(dir, "with-url.cfidx");
  await indexJson(["testdata", "-o", plain]);
  const run = await indexJson(["testdata", "--data-url", "s3://archive-bucket/fits/", "-o", withUrl]);
  assert.equal(run.code, 0, run.stderr);
  const index = await openLocalIndex(withUrl);
  assert.equal(index.index.dataUrl, "s3://archive-bucket/fits");
  assert.equal(index.locationOf("sub dir/x.fits"), "s3://archive-bucket/fits/sub dir/x.fits");
  assert.deepEqual(await lsIndexJson(withUrl), await lsIndexJson(plain));
  assert.ok(
    (await lsIndexJson(withUrl)).files.every((f) => !f.path.includes(":") && !f.path.startsWith("/")),
  );

  const signed = await runCli([
    "index",
    "testdata",
    "--data-url",
    "https://x.example/fits?sig=secret",
    "-o",
    withUrl,
  ]);
  assert.equal(signed.code, 2);
  assert.doesNotMatch(signed.stderr, /secret/);
});

test("the Python cloud-fits' options: --fits-files-directory DIR -d s3://… work; -f and a misspelling get a hint", async () => {
  const data = await freshDir("aliases");
  await copyFixtures(data, { "tess-s0026-4-1-cube.fits": "tess_cube.fits", "mef.fits": "mef_images.fits" });
  const output = join(data, "..", "aliases.cfidx");
  const run = await indexJson([
    "--fits-files-directory",
    data,
    "-d",
    "s3://stpubdata/tess/public/mast",
    "-o",
    output,
  ]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.summary.files, 2);
  const index = await openLocalIndex(output);
  assert.equal(index.dataRoot, "s3://stpubdata/tess/public/mast");
  assert.equal(
    index.locationOf("tess-s0026-4-1-cube.fits"),
    "s3://stpubdata/tess/public/mast/tess-s0026-4-1-cube.fits",
  );
  const long = await indexJson([
    data,
    "--data-url",
    "s3://stpubdata/tess/public/mast",
    "-o",
    output,
  ]);
  assert.equal(long.code, 0, long.stderr);
  assert.equal(long.summary.unchanged, 2, "a SOURCE and --data-url are the same run");

  for (const flag of ["--fits-file-directory", "-f"]) {
    const refused = await runCli(["index", flag, data, "-o", output]);
    assert.equal(refused.code, 2);
    assert.equal(refused.stderr.trim().split("\n").length, 1, refused.stderr);
    assert.match(refused.stderr, /^error: Unknown option .*did you mean --fits-files-directory/);
  }
});

test("ls --index lists every file and HDU as ls on the files does, and still does with the data deleted", async () => {
  const root = await freshDir("ls-index");
  const data = join(root, "data");
  const names = (await readdir(TESTDATA)).filter((n) => n.endsWith(".fits")).sort();
  await copyFixtures(data, Object.fromEntries(names.map((n) => [n, n])));
  const output = join(root, "index", "all.cfidx");
  const indexed = await indexJson([data, "-o", output]);
  assert.equal(indexed.code, 0, indexed.stderr);

  const direct: Record<string, string> = {};
  const fromIndex: Record<string, string> = {};
  for (const format of ["json", "tsv", "text"]) {
    const files = await runCli(["ls", ...names.map((n) => join(data, n)), "--format", format]);
    assert.equal(files.code, 0, files.stderr);
    const listed = await runCli(["ls", "--index", output, "--format", format]);
    assert.equal(listed.code, 0, listed.stderr);
    direct[format] = files.stdout;
    fromIndex[format] = listed.stdout;
  }
  // Same files, sizes and HDUs; only the paths differ (relative in the index).
  const json = JSON.parse(direct.json);
  for (const file of json.files) file.path = relative(data, file.path);
  assert.deepEqual(JSON.parse(fromIndex.json), json);
  const rows = (text: string, strip: string) =>
    text.trimEnd().split("\n").map((line) =>
      line.replace(/^(\S+)[\t ]+/, (_, path: string) => `${path.replace(strip, "")}|`)
    );
  assert.deepEqual(rows(fromIndex.tsv, ""), rows(direct.tsv, `${data}/`));
  assert.deepEqual(rows(fromIndex.text, ""), rows(direct.text, `${data}/`));
  assert.equal(
    fromIndex.tsv.trimEnd().split("\n").length - 1,
    JSON.parse(fromIndex.json).files.reduce((n: number, f: { hdus: unknown[] }) => n + f.hdus.length, 0),
  );

  // With the data gone, the listing is unchanged: it never touched the data files.
  await rm(data, { recursive: true });
  for (const format of ["json", "tsv", "text"]) {
    const listed = await runCli(["ls", "--index", output, "--format", format]);
    assert.equal(listed.code, 0, listed.stderr);
    assert.equal(listed.stdout, fromIndex[format], format);
  }
  // Naming files lists just those; an unknown one is not found.
  const some = await lsIndexJson(output, "tess_cube.fits", "mef_images.fits");
  assert.deepEqual(some.files.map((f) => f.path), ["tess_cube.fits", "mef_images.fits"]);
  const missing = await runCli(["ls", "--index", output, "absent.fits"]);
  assert.equal(missing.code, 3);
});

test("symbolic links are followed: each file once, a loop and a dangling link skipped with a warning", async () => {
  const dir = await freshDir("links");
  const outside = await freshDir("links-outside");
  await copyFixtures(dir, { "a.fits": "primary_only.fits", "sub/c.fits": "mef_images.fits" });
  await copyFixtures(outside, { "d.fits": "table_all.fits" });
  await symlink(join(dir, "a.fits"), join(dir, "b.fits"));
  await symlink(outside, join(dir, "linked"));
  await symlink(dir, join(dir, "sub", "loop"));
  await symlink(join(dir, "absent.fits"), join(dir, "dangling.fits"));
  const output = join(dir, "..", "links.cfidx");
  const run = await runCli(["index", dir, "-o", output, "--json"]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(JSON.parse(run.stdout).indexed, 3);
  const index = await openLocalIndex(output);
  const paths = [];
  for await (const path of index.paths()) paths.push(path);
  assert.deepEqual(paths.sort(), ["a.fits", "linked/d.fits", "sub/c.fits"]);
  assert.match(run.stderr, /b\.fits: the same file as .*a\.fits; listed once/);
  assert.match(run.stderr, /sub\/loop: a symbolic link that loops back to .*; not followed/);
  assert.match(run.stderr, /dangling\.fits: a symbolic link to nothing; skipped/);
});

test("sources that yield no file exit non-zero and keep an existing index: no FITS, HTTP 404, a bad listing", async () => {
  const dir = await freshDir("keep");
  await copyFixtures(dir, { "good.fits": "primary_only.fits" });
  const output = join(dir, "keep.cfidx");
  assert.equal((await runCli(["index", join(dir, "good.fits"), "-o", output])).code, 0);
  const good = await readFile(output);
  const empty = await freshDir("no-fits");
  await writeFile(join(empty, "notes.txt"), "not FITS");

  const server = await startRangeServer({
    files: { "bucket": new TextEncoder().encode("<ListBucketResult><Contents>") },
  });
  try {
    const runs = {
      "a directory with no FITS": await runCli(["index", empty, "-o", output]),
      "an HTTP URL that answers 404": await runCli([
        "index",
        `${server.url}/missing.fits`,
        "-o",
        output,
      ]),
      "a malformed S3 listing": await runCli(
        [
          "index",
          "s3://bucket/data/",
          "-o",
          output,
          "--endpoint-url",
          server.url,
          "--no-sign-request",
        ],
      ),
    };
    for (const [what, run] of Object.entries(runs)) {
      assert.notEqual(run.code, 0, `${what}: ${run.stderr}`);
      assert.deepEqual(await readFile(output), good, `${what}: the existing index is kept`);
      assert.match(run.stderr, /error/i, what);
    }
    assert.match(
      runs["a directory with no FITS"].stderr,
      /Nothing to index in .*no FITS file found; no index was written/,
    );
    assert.match(
      runs["an HTTP URL that answers 404"].stderr,
      /Nothing to index in .*missing\.fits.*no index was written/,
    );
  } finally {
    await server.close();
  }
  assert.deepEqual((await readdir(dir)).sort(), ["good.fits", "keep.cfidx"], "no temporary left behind");
});

test("the progress line counts files, bytes, rate, ETA and failures; stderr that is not a terminal gets none", async () => {
  const data = await freshDir("progress");
  await copyFixtures(data, { "a.fits": "mef_images.fits" });
  await writeFile(join(data, "broken.fits"), "not a FITS file");
  const output = join(data, "progress.cfidx");
  // --progress forces the line where stderr is not a terminal (a terminal shows it only after 0.5 s).
  const forced = await runCli(["index", data, "-o", output, "--progress"]);
  assert.equal(forced.code, 6, forced.stderr);
  assert.match(forced.stderr, /indexing: 2 of 2 files, .* files\/s\), ETA 0 s, 1 failed\n/);
  const piped = await runCli(["index", data, "-o", output, "--force"]);
  assert.doesNotMatch(piped.stderr, /indexing: \d+ of \d+/);
});
