/**
 * buildIndex as a library call: incremental re-indexing (unchanged files cost no request, locally by
 * size and mtime, on S3 by size and ETag from the listing), checkpoints (saved as new records come,
 * resumed after an interrupted run, ignored with a warning when damaged), the index written whole or
 * uploaded with one PUT, and the path arithmetic behind relative data roots.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { gzipSync } from "node:zlib";
import { decodeIndex } from "../src/read/index.ts";
import { encodeIndex } from "../src/index_format/encode.ts";
import { eachFootprint } from "../src/index_format/sky_read.ts";
import type { IndexedFile } from "../src/index_format/types.ts";
import { commonDirectory, dirname, relative } from "../src/indexer/_path.ts";
import { buildIndex, type BuildIndexOptions, type IndexEvent } from "../src/indexer/build_index.ts";
import { openIndex } from "../src/open_index.ts";
import type { FetchLike } from "../src/source/http.ts";
import { testdataFile } from "./_support/fixtures.ts";
import { memoryStorage } from "./_support/memory_storage.ts";
import { s3WithFixtures } from "./_support/s3_fixtures.ts";

const FIXTURES = ["tess_cube.fits", "mef_images.fits", "table_all.fits"];

async function records(bytes: Uint8Array): Promise<IndexedFile[]> {
  const files: IndexedFile[] = [];
  for await (const file of (await decodeIndex(bytes)).files()) files.push(file);
  return files;
}

/** Options and the events a run reports. */
function withEvents(options: BuildIndexOptions): { options: BuildIndexOptions; events: IndexEvent[] } {
  const events: IndexEvent[] = [];
  return { options: { ...options, onEvent: (event) => void events.push(event) }, events };
}

const messages = (events: IndexEvent[]) =>
  events.filter((e) => e.type !== "progress").map((e) => `${e.type}: ${"message" in e ? e.message : ""}`);

test("local: a re-run reads nothing; a touched file alone is re-read; the data root is relative", async () => {
  const storage = memoryStorage(Object.fromEntries(FIXTURES.map((name, i) => [
    `/work/data/${i === 2 ? "sub/" : ""}${name}`,
    testdataFile(name),
  ])));
  // Reads of the old index (through a file source) are counted apart from the data's.
  let indexReads = 0;
  const openFile = async (path: string) => {
    const source = await storage.openFile(path);
    if (path !== "/work/index/data.cfidx") return source;
    return {
      ...source,
      read: (offset: number, length: number) => (indexReads++, source.read(offset, length)),
    };
  };
  const options = { output: "/work/index/data.cfidx", storage, openFile };
  const first = await buildIndex(["/work/data"], options);
  assert.deepEqual([first.indexed, first.unchanged, first.files, first.failed], [3, 0, 3, []]);
  assert.deepEqual([first.requests, first.bytes], [storage.traffic.requests, storage.traffic.bytes]);
  assert.equal(first.output, "/work/index/data.cfidx");
  assert.equal(first.indexBytes, storage.files.get("/work/index/data.cfidx")!.bytes.length);
  const index = await openIndex(storage.files.get("/work/index/data.cfidx")!.bytes);
  assert.equal(index.index.dataUrl, "../data");
  assert.deepEqual((await records(storage.files.get(options.output)!.bytes)).map((f) => f.path), [
    "mef_images.fits",
    "sub/table_all.fits",
    "tess_cube.fits",
  ]);

  storage.opened.length = 0;
  const again = await buildIndex(["/work/data"], options);
  assert.deepEqual([again.indexed, again.unchanged, again.requests, again.bytes], [0, 3, 0, 0]);
  // The old index is read through a file source (in batches), not whole; no data file is opened.
  const dataOpened = () => storage.opened.filter((path) => path !== options.output);
  assert.deepEqual(storage.opened, [options.output], "no data file opened");

  // A new mtime makes the file a candidate again: exactly its own walk is paid.
  storage.files.get("/work/data/mef_images.fits")!.mtimeMs += 60_000;
  const [before, indexBefore] = [storage.traffic.requests, indexReads];
  const touched = await buildIndex(["/work/data"], options);
  assert.deepEqual([touched.indexed, touched.unchanged], [1, 2]);
  assert.deepEqual(dataOpened(), ["/work/data/mef_images.fits"]);
  assert.ok(indexReads > indexBefore, "the old index is read");
  assert.equal(touched.requests, storage.traffic.requests - before - (indexReads - indexBefore));

  // A different data URL makes a different index: everything is read again.
  const moved = await buildIndex(["/work/data"], { ...options, dataUrl: "s3://bucket/data/" });
  assert.deepEqual([moved.indexed, moved.unchanged], [3, 0]);
  assert.equal((await openIndex(storage.files.get(options.output)!.bytes)).index.dataUrl, "s3://bucket/data");
});

test("an unchanged TESS cube without a frame summary keeps its footprint from the old sky directory, unread", async () => {
  const storage = memoryStorage({ "/w/data/tess_cube.fits": testdataFile("tess_cube.fits") });
  const output = "/w/cubes.cfidx";
  const options = { output, storage, openFile: storage.openFile, checkpoint: null };
  await buildIndex(["/w/data"], options);
  const footprintsOf = async (bytes: Uint8Array) =>
    await Array.fromAsync(
      (await eachFootprint((o, l) => Promise.resolve(bytes.subarray(o, o + l)), bytes, output))!,
    );
  // The same index without the cube's frame summary, as written before FRAMES existed.
  const made = storage.files.get(output)!;
  const old = await decodeIndex(made.bytes);
  const footprints = (await footprintsOf(made.bytes))!;
  assert.deepEqual(footprints.map((f) => [f.path, f.hdu]), [["tess_cube.fits", 1]]);
  made.bytes = await encodeIndex(await Array.fromAsync(old.files()), {
    ...(old.dataUrl !== undefined ? { dataUrl: old.dataUrl } : {}),
    footprints,
  });
  assert.equal((await decodeIndex(made.bytes)).fileCount, 1);

  storage.opened.length = 0;
  const again = await buildIndex(["/w/data"], options);
  assert.deepEqual([again.indexed, again.unchanged, again.requests], [0, 1, 0]);
  assert.deepEqual(storage.opened, [output], "the cube is not opened");
  assert.deepEqual(await footprintsOf(storage.files.get(output)!.bytes), footprints);
});

test("checkpoints: saved every 32 new files; an interrupted run resumes from them; a damaged one is ignored", async () => {
  const table = testdataFile("table_all.fits");
  const storage = memoryStorage(
    Object.fromEntries(
      Array.from({ length: 40 }, (_, i) => [`/d/f${String(i).padStart(2, "0")}.fits`, table]),
    ),
  );
  const output = "/out/all.cfidx";
  const checkpoint = `${output}.partial`;
  // The clock stands still: only the file count triggers a checkpoint. One file at a time.
  const base = { output, storage, openFile: storage.openFile, concurrency: 1, now: () => 0 };

  // The index write fails, as if the run had been killed at its end: the checkpoint stays.
  storage.failWrites(output);
  await assert.rejects(buildIndex(["/d"], base), /disk full/);
  assert.deepEqual(storage.writes.map((w) => w.path), [checkpoint]);
  const saved = await records(storage.files.get(checkpoint)!.bytes);
  assert.equal(saved.length, 32);
  const perFile = storage.traffic.requests / 40;

  storage.failWrites(null);
  storage.opened.length = 0;
  const { options, events } = withEvents(base);
  const resumed = await buildIndex(["/d"], options);
  assert.deepEqual([resumed.indexed, resumed.unchanged, resumed.files], [8, 32, 40]);
  assert.equal(resumed.requests, 8 * perFile, "requests only for the files not checkpointed");
  assert.equal(storage.opened.length, 8);
  assert.ok(
    storage.opened.every((path) => !saved.some((f) => `/d/${f.path}` === path)),
    "no checkpointed file reopened",
  );
  assert.equal(storage.files.has(checkpoint), false, "the checkpoint is deleted once the index is written");
  assert.deepEqual(messages(events), []);
  const progress = events.filter((e) => e.type === "progress");
  assert.equal(progress.length, 40);
  assert.deepEqual(progress.at(-1), {
    type: "progress",
    done: 40,
    total: 40,
    failed: 0,
    requests: 8 * perFile,
    bytes: resumed.bytes,
  });

  // A damaged checkpoint is never trusted.
  storage.files.delete(output);
  storage.files.set(checkpoint, { bytes: storage.writes[0].bytes.subarray(0, 100), mtimeMs: 0 });
  const damaged = withEvents(base);
  const ignoring = await buildIndex(["/d"], damaged.options);
  assert.deepEqual([ignoring.indexed, ignoring.unchanged, ignoring.requests], [40, 0, 40 * perFile]);
  assert.equal(messages(damaged.events).length, 1);
  assert.match(messages(damaged.events)[0], /^warning: ignoring the checkpoint \/out\/all\.cfidx\.partial: /);

  // checkpoint: null writes none.
  storage.files.delete(output);
  storage.writes.length = 0;
  await buildIndex(["/d"], { ...base, checkpoint: null });
  assert.deepEqual(storage.writes.map((w) => w.path), [output]);
});

test("failures are reported per file with their reason; colliding and mixed sources are refused", async () => {
  const storage = memoryStorage({
    "/a/good.fits": testdataFile("primary_only.fits"),
    "/a/notes.fits": new TextEncoder().encode("not FITS\n".repeat(400)),
    "/a/packed.fits.gz": gzipSync(testdataFile("primary_only.fits")),
    "/a/packed.fits.bz2": new TextEncoder().encode("BZh91AY&SY"),
    "/a/readme.txt": new Uint8Array(10),
  });
  const options = { output: "/out.cfidx", storage, openFile: storage.openFile };
  const result = await buildIndex(["/a"], options);
  assert.deepEqual([result.indexed, result.files], [2, 2], "whole-file gzip is indexed");
  assert.deepEqual(result.failed.map((f) => f.path).sort(), ["notes.fits", "packed.fits.bz2"]);
  assert.match(result.failed.find((f) => f.path === "packed.fits.bz2")!.error, /bzip2 \(\.bz2\)-compressed/);

  await assert.rejects(buildIndex(["/a", "/a/good.fits"], options), {
    code: "USAGE",
    message: /same path 'good\.fits'/,
  });
  await assert.rejects(buildIndex(["/a", "s3://bucket/x/"], options), {
    code: "USAGE",
    message: /separate runs/,
  });
  await assert.rejects(buildIndex(["/a"], { ...options, output: "s3://bucket/i.cfidx" }), {
    code: "USAGE",
    message: /need a data URL/,
  });
  await assert.rejects(buildIndex(["/a"], { ...options, dataUrl: "https://x/?sig=secret" }), {
    code: "USAGE",
  });
  await assert.rejects(buildIndex([], options), { code: "USAGE" });
  await assert.rejects(buildIndex(["/absent"], options), { code: "NOT_FOUND" });
  await assert.rejects(buildIndex(["/a"], { output: "/o.cfidx" }), { code: "UNSUPPORTED" });
});

// ---------------------------------------------------------------------------------------------------
// S3, through the SigV4-verifying loopback proxy.

const { s3, options: access } = await s3WithFixtures("lib", FIXTURES);

test("S3: a re-index of unchanged objects makes no data request: one listing, one index read, one PUT", async () => {
  const options = { ...access, output: "s3://private/idx/lib.cfidx", checkpoint: null };
  s3.log.length = 0;
  const first = await buildIndex(["s3://private/lib/"], options);
  assert.deepEqual([first.indexed, first.files, first.failed], [3, 3, []]);
  const data = (path: string) => FIXTURES.some((name) => path === `/private/lib/${name}`);
  assert.equal(s3.log.filter((e) => data(e.path)).length, first.requests);
  assert.equal(s3.log.filter((e) => e.method === "PUT").length, 1);

  s3.log.length = 0;
  const again = await buildIndex(["s3://private/lib/"], options);
  assert.deepEqual([again.indexed, again.unchanged, again.requests, again.bytes], [0, 3, 0, 0]);
  assert.deepEqual(s3.log.filter((e) => data(e.path)), [], "no data request");
  // One read of the old index from its start (the whole index when it is smaller than a first read).
  assert.deepEqual(
    s3.log.map((e) => [e.method, e.path.replace(/\?.*$/, ""), e.range?.replace(/-\d+$/, "-")]),
    [
      ["GET", "/private", undefined],
      ["GET", "/private/idx/lib.cfidx", "bytes=0-"],
      ["PUT", "/private/idx/lib.cfidx", undefined],
    ],
  );

  // Replaced under the same key (same size, new ETag): that object alone is read again.
  const replaced = testdataFile("table_all.fits").slice();
  replaced[replaced.length - 1] ^= 1;
  await s3.putObject("private", "lib/table_all.fits", replaced);
  s3.log.length = 0;
  const changed = await buildIndex(["s3://private/lib/"], options);
  assert.deepEqual([changed.indexed, changed.unchanged], [1, 2]);
  assert.deepEqual(
    [...new Set(s3.log.filter((e) => data(e.path)).map((e) => e.path))],
    ["/private/lib/table_all.fits"],
  );
  await s3.putObject("private", "lib/table_all.fits", testdataFile("table_all.fits"));
});

test("S3: a failed upload keeps the run's records in a checkpoint, and the next run reads nothing", async () => {
  const storage = memoryStorage();
  let failPuts = true;
  const fetch: FetchLike = (input, init) =>
    failPuts && init?.method === "PUT"
      ? Promise.reject(new TypeError("connection reset"))
      : globalThis.fetch(input, init);
  const base = {
    ...access,
    output: "s3://private/idx/resume.cfidx",
    storage,
    checkpoint: "/cache/resume.partial",
    fetch,
  };
  const failing = withEvents(base);
  await assert.rejects(buildIndex(["s3://private/lib/"], failing.options));
  assert.deepEqual(messages(failing.events), [
    "note: the upload failed; the next run resumes from /cache/resume.partial",
  ]);
  const kept = await records(storage.files.get("/cache/resume.partial")!.bytes);
  assert.deepEqual(kept.map((f) => f.path).sort(), [...FIXTURES].sort());
  assert.ok(kept.every((f) => f.etag !== undefined), "checkpointed records keep their ETags");

  failPuts = false;
  s3.log.length = 0;
  const resumed = await buildIndex(["s3://private/lib/"], base);
  assert.deepEqual([resumed.indexed, resumed.unchanged, resumed.requests], [0, 3, 0]);
  assert.ok(!s3.log.some((e) => e.path.startsWith("/private/lib/")), "no object read again");
  assert.equal(storage.files.has("/cache/resume.partial"), false);
  const index = await openIndex(base.output, access);
  assert.equal(index.fileCount, FIXTURES.length);
  await index.close();
});

test("path arithmetic for data roots", () => {
  assert.equal(relative("/work/index", "/work/data"), "../data");
  assert.equal(relative("/work", "/work"), "");
  assert.equal(relative("/", "/a/b.fits"), "a/b.fits");
  assert.equal(relative("C:/x", "D:/y"), "D:/y");
  assert.equal(commonDirectory(["/a/b/c", "/a/b/d", "/a/b"]), "/a/b");
  assert.equal(commonDirectory(["/a/x", "/b/y"]), "/");
  assert.deepEqual(["/a/b", "/a", "a", "/"].map(dirname), ["/a", "/", ".", "/"]);
});
