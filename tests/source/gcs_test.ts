import { after, test } from "node:test";
import assert from "node:assert/strict";
import { GCS_ENDPOINT, gcsListObjects, gcsObjectUrl, gcsSource } from "../../src/source/gcs.ts";
import { objectMaker } from "../_support/fixtures.ts";
import { rejectsWith } from "../_support/expect_error.ts";
import { recordingFetch } from "../_support/recording_fetch.ts";
import { startS3Server } from "../_support/s3_server.ts";

const server = await startS3Server();
after(() => server.close());
const endpoint = server.endpoint;
const hmac = { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey };

const data = new Uint8Array(5_000).map((_, i) => (i * 13 + 7) % 256);
const object = objectMaker(server, "gcs", data);

test("gcsObjectUrl addresses the XML API path-style with encoded keys", () => {
  assert.equal(gcsObjectUrl("b", "dir/a+b c.fits"), "https://storage.googleapis.com/b/dir/a%2Bb%20c.fits");
  assert.equal(gcsObjectUrl("b", "k", "http://127.0.0.1:9/"), "http://127.0.0.1:9/b/k");
  assert.equal(GCS_ENDPOINT, "https://storage.googleapis.com");
  assert.throws(() => gcsObjectUrl("", "k"), TypeError);
});

test("gcsSource reads public objects from storage.googleapis.com without signing", async () => {
  const { fetch, requests } = recordingFetch(() =>
    new Response(data.subarray(0, 10), { status: 206, headers: { "content-range": "bytes 0-9/5000" } })
  );
  const source = gcsSource({ bucket: "public-data", key: "a b.fits", fetch });
  assert.deepEqual(await source.read(0, 10), data.subarray(0, 10));
  assert.equal(requests.length, 1);
  assert.equal(requests[0].url, "https://storage.googleapis.com/public-data/a%20b.fits");
  assert.equal(requests[0].headers.get("authorization"), null);
  assert.equal(requests[0].headers.get("x-goog-user-project"), null);
  assert.equal(requests[0].headers.get("range"), "bytes=0-9");
});

test("gcsSource reads anonymously from a public bucket and sends x-goog-user-project when billed", async () => {
  const { key, requests } = await object("public");
  assert.deepEqual(await gcsSource({ bucket: "public", key, endpoint }).read(10, 20), data.subarray(10, 30));
  const billed = gcsSource({ bucket: "public", key, endpoint, userProject: "my-project" });
  assert.deepEqual(await billed.read(0, 5), data.subarray(0, 5));
  assert.deepEqual(requests().map((r) => [r.auth, r.range, r.status, r.bytes, r.userProject]), [
    ["anonymous", "bytes=10-29", 206, 20, undefined],
    ["anonymous", "bytes=0-4", 206, 5, "my-project"],
  ]);
});

test("gcsSource signs with HMAC keys as SigV4 for region auto, including x-goog-user-project", async () => {
  const { key, requests } = await object("private");
  const source = gcsSource({ bucket: "private", key, endpoint, hmac, userProject: "billing-1" });
  assert.deepEqual(await source.read(4_990, 100), data.subarray(4_990));
  assert.equal(source.size, data.length);
  const [entry] = requests();
  assert.deepEqual([entry.auth, entry.region, entry.status, entry.bytes], ["header", "auto", 206, 10]);
  assert.ok(entry.signedHeaders.includes("x-goog-user-project"));
  assert.equal(entry.userProject, "billing-1");
});

test("gcsSource explains refusals: no keys, wrong secret", async () => {
  const { key, requests } = await object("private");
  await rejectsWith(
    gcsSource({ bucket: "private", key, endpoint }).read(0, 10),
    "FORBIDDEN",
    /AccessDenied.*without HMAC keys.*x-goog-user-project/,
  );
  await rejectsWith(
    gcsSource({ bucket: "private", key, endpoint, hmac: { ...hmac, secretAccessKey: "wrong" } }).read(0, 10),
    "FORBIDDEN",
    /SignatureDoesNotMatch/,
  );
  assert.deepEqual(requests().map((r) => [r.auth, r.rejected]), [
    ["anonymous", "AccessDenied"],
    ["header", "SignatureDoesNotMatch"],
  ]);
});

test("gcsListObjects lists through the XML API with list-type=2 and pages", async () => {
  const prefix = `gcs-list-${Date.now()}/`;
  for (const name of ["a", "b", "c"]) {
    await server.putObject("public", `${prefix}${name}.fits`, data.subarray(0, 3));
  }
  const before = server.log.length;
  const keys = [];
  for await (const entry of gcsListObjects({ bucket: "public", prefix, maxKeys: 2, endpoint, hmac })) {
    keys.push(entry.key);
  }
  assert.deepEqual(keys, ["a", "b", "c"].map((name) => `${prefix}${name}.fits`));
  const traffic = server.log.slice(before);
  assert.deepEqual(traffic.map((r) => [r.status, r.region]), [[200, "auto"], [200, "auto"]]);
  assert.ok(traffic.every((r) => r.path.startsWith("/public?list-type=2&encoding-type=url&prefix=")));
});
