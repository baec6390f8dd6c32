/**
 * verifyIndex as a library call: one read of the primary header per file without `datasum`; a size
 * change, a same-size rewrite and an ETag change are `stale`, a missing file `missing`, a failing
 * DATASUM `damaged`, and a file that cannot be read `error`, carrying the error for the caller.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { CloudFitsError } from "../src/errors.ts";
import { buildIndex } from "../src/indexer/build_index.ts";
import { openIndex } from "../src/open_index.ts";
import { verifyIndex } from "../src/verify_index.ts";
import { testdataFile } from "./_support/fixtures.ts";
import { memoryStorage } from "./_support/memory_storage.ts";
import { s3WithFixtures } from "./_support/s3_fixtures.ts";

const FIXTURES = ["primary_only.fits", "mef_images.fits", "table_all.fits", "checksum_bad.fits"];

async function indexed() {
  const storage = memoryStorage(
    Object.fromEntries(FIXTURES.map((name) => [`/data/${name}`, testdataFile(name)])),
  );
  await buildIndex(["/data"], { output: "/data.cfidx", storage, openFile: storage.openFile });
  const index = storage.files.get("/data.cfidx")!.bytes;
  // Opened from bytes, the index's relative data root ("data") needs its anchor.
  return { storage, index, options: { openFile: storage.openFile, dataRoot: "/data" } };
}

test("fresh files are ok at one header read each; datasum reads the data and finds the bad sum", async () => {
  const { storage, index, options } = await indexed();
  storage.traffic.requests = 0;
  storage.traffic.ranges.length = 0;
  const verdicts = await verifyIndex(index, options);
  assert.deepEqual(verdicts, [...FIXTURES].sort().map((path) => ({ path, status: "ok" })));
  assert.equal(storage.traffic.requests, FIXTURES.length, "one read per file");
  assert.deepEqual(storage.traffic.ranges.map((r) => r.offset), FIXTURES.map(() => 0));

  const summed = await verifyIndex(index, {
    ...options,
    datasum: true,
    paths: ["checksum_bad.fits", "table_all.fits"],
  });
  assert.deepEqual(summed.map((v) => [v.path, v.status]), [
    ["checksum_bad.fits", "damaged"],
    ["table_all.fits", "ok"],
  ]);
  assert.match(summed[0].detail!, /^HDU \d fails (DATASUM|CHECKSUM)$/);
  assert.equal(summed[1].checksums!.length, 2);

  await assert.rejects(verifyIndex(index, { ...options, paths: ["absent.fits"] }), { code: "NOT_FOUND" });
});

test("changed, rewritten, missing and unreadable files each get their status", async () => {
  const { storage, index, options } = await indexed();
  const grown = storage.files.get("/data/primary_only.fits")!;
  grown.bytes = new Uint8Array([...grown.bytes, ...new Uint8Array(2880)]);
  const rewritten = storage.files.get("/data/table_all.fits")!;
  rewritten.bytes = rewritten.bytes.slice();
  rewritten.bytes.set(new TextEncoder().encode("COMMENT changed in place"), 2880 - 160);
  storage.files.delete("/data/mef_images.fits");
  const denied = new CloudFitsError("FORBIDDEN", "Cannot open /data/checksum_bad.fits: permission denied");
  const openFile = (path: string) =>
    path.endsWith("checksum_bad.fits") ? Promise.reject(denied) : options.openFile(path);

  // From its location, the relative data root resolves beside the index.
  const verdicts = await verifyIndex("/data.cfidx", { openFile });
  assert.deepEqual(verdicts.map(({ error: _, ...v }) => v), [
    { path: "checksum_bad.fits", status: "error", detail: denied.message },
    { path: "mef_images.fits", status: "missing", detail: "Cannot open /data/mef_images.fits: no such file" },
    { path: "primary_only.fits", status: "stale", detail: "size is 8640 bytes, indexed 5760" },
    { path: "table_all.fits", status: "stale", detail: "the primary header differs from the indexed one" },
  ]);
  assert.equal(verdicts[0].error, denied, "the error that kept the file from being checked");

  // An opened handle is used as it is, and stays open.
  const handle = await openIndex(index, { dataRoot: "/data" });
  assert.equal((await verifyIndex(handle, { openFile, paths: ["table_all.fits"] }))[0].status, "stale");
  assert.equal(handle.fileCount, FIXTURES.length);
});

test("S3: an object replaced under its key is stale by its ETag, with one request per object", async () => {
  const { s3, options } = await s3WithFixtures("v", FIXTURES);
  await buildIndex(["s3://private/v/"], { ...options, output: "s3://private/v.cfidx", checkpoint: null });

  s3.log.length = 0;
  const fresh = await verifyIndex("s3://private/v.cfidx", options);
  assert.ok(fresh.every((v) => v.status === "ok"));
  assert.equal(s3.log.filter((e) => e.path.startsWith("/private/v/")).length, FIXTURES.length);

  const replaced = testdataFile("table_all.fits").slice();
  replaced[replaced.length - 1] ^= 1;
  await s3.putObject("private", "v/table_all.fits", replaced);
  const verdicts = await verifyIndex("s3://private/v.cfidx", options);
  assert.deepEqual(verdicts.filter((v) => v.status !== "ok").map((v) => [v.path, v.status]), [
    ["table_all.fits", "stale"],
  ]);
});
