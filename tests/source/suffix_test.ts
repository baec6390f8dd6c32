/**
 * `readSuffix`: an object's last bytes in one request before its size is known (`Range: bytes=-N`), on
 * the loopback range server, s3rver (which misreads suffix ranges) and Azure (which has none), through
 * the wrappers; every answer that is not a right 206 falls back to "no suffix", except a changed object.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { httpSource, type RequestEvent } from "../../src/source/http.ts";
import { azureSource } from "../../src/source/azure.ts";
import { s3Source } from "../../src/source/s3.ts";
import { countingSource } from "../../src/source/counting.ts";
import { withRetry } from "../../src/source/retry.ts";
import { withCache } from "../../src/source/cache.ts";
import { type Fault, serveObject, startRangeServer } from "../_support/range_server.ts";
import { startS3Server } from "../_support/s3_server.ts";
import { objectMaker } from "../_support/fixtures.ts";

const SIZE = 100_000;
const data = new Uint8Array(SIZE).map((_, i) => (i * 7 + (i >> 8)) % 256);
const server = await startRangeServer();
after(() => server.close());
const object = (fault?: Fault, bytes: Uint8Array = data) => serveObject(server, bytes, { fault });

test("a suffix range reads the last N bytes, pins size and ETag, and says where they start", async () => {
  const { url, requests } = object();
  const events: RequestEvent[] = [];
  const source = httpSource(url, { onRequest: (event) => events.push(event) });
  const suffix = await source.readSuffix(3000);
  assert.deepEqual(suffix, { offset: SIZE - 3000, bytes: data.subarray(SIZE - 3000) });
  assert.equal(source.size, SIZE);
  assert.ok(source.etag);
  assert.deepEqual(requests().map((entry) => [entry.range, entry.status, entry.bytes]), [[
    "bytes=-3000",
    206,
    3000,
  ]]);
  const { ms: _, ...event } = events[0];
  assert.deepEqual(event, {
    method: "GET",
    url: source.name,
    offset: SIZE - 3000,
    length: 3000,
    suffix: true,
    status: 206,
    bytes: 3000,
  });
  // Once the size is known, the last bytes are an ordinary range.
  assert.deepEqual(await source.readSuffix(10), { offset: SIZE - 10, bytes: data.subarray(SIZE - 10) });
  assert.equal(requests()[1].range, `bytes=${SIZE - 10}-${SIZE - 1}`);
});

test("a suffix longer than the object is the whole object, from offset 0", async () => {
  const small = data.subarray(0, 500);
  const { url, requests } = object(undefined, small);
  assert.deepEqual(await httpSource(url).readSuffix(3000), { offset: 0, bytes: small });
  assert.deepEqual(requests().map((entry) => [entry.range, entry.status, entry.bytes]), [[
    "bytes=-3000",
    206,
    500,
  ]]);
});

test("a 200, a 416, a wrong Content-Range or an error status is no suffix, and pins nothing", async () => {
  const faults: [Fault, number][] = [
    [{ kind: "suffix-range", answer: "ignore" }, 200], // a large object: its 200 is cancelled
    [{ kind: "suffix-range", answer: "416" }, 416],
    [{ kind: "wrong-content-range" }, 206],
    [{ kind: "status", status: 503 }, 503],
    [{ kind: "forbidden" }, 403],
  ];
  const large = new Uint8Array(2 * 2 ** 20);
  for (const [fault, status] of faults) {
    const { url, requests } = object(fault, large);
    const events: RequestEvent[] = [];
    const source = httpSource(url, { onRequest: (event) => events.push(event) });
    assert.equal(await source.readSuffix(3000), undefined, fault.kind);
    assert.equal(requests()[0].status, status);
    assert.deepEqual([events[0].offset, events[0].suffix], [-1, true], fault.kind);
    assert.equal(source.size, undefined, `${fault.kind}: nothing pinned`);
  }
  // A small object sent whole with a 200 is the whole object (kept, as for any read).
  const small = data.subarray(0, 500);
  const { url } = object({ kind: "suffix-range", answer: "ignore" }, small);
  const source = httpSource(url);
  assert.deepEqual(await source.readSuffix(100), { offset: 400, bytes: small.subarray(400) });
  assert.equal(source.size, 500);
});

test("a changed object is STALE: the first read and the suffix, sent together, must agree", async () => {
  for (const answer of ["new-etag", "grown"] as const) {
    const { url, requests } = object({ kind: "suffix-range", answer });
    const source = httpSource(url);
    // Whichever answer comes second meets the size and ETag the first one pinned.
    const settled = await Promise.allSettled([source.read(0, 100), source.readSuffix(3000)]);
    const failed = settled.filter((result) => result.status === "rejected");
    assert.equal(failed.length, 1, answer);
    assert.match(String(failed[0].reason), /changed while reading/);
    assert.equal(failed[0].reason.code, "STALE");
    // Two requests, neither retried: the change is reported, not papered over.
    assert.deepEqual(requests().map((entry) => entry.range).sort(), ["bytes=-3000", "bytes=0-99"], answer);
  }
});

test("the caller's abort is an error, not a fallback", async () => {
  const { url } = object();
  await assert.rejects(httpSource(url).readSuffix(3000, { signal: AbortSignal.abort() }), {
    code: "ABORTED",
  });
});

test("wrappers pass the suffix read on: counted as one request, neither retried nor cached", async () => {
  const { url, requests } = object({ kind: "status", status: 503, times: 1 });
  const counted = countingSource(withCache(withRetry(httpSource(url), { sleep: () => Promise.resolve() })));
  assert.equal(await counted.readSuffix!(3000), undefined, "a 503 is not retried: the caller reads as usual");
  const suffix = await counted.readSuffix!(3000);
  assert.equal(suffix?.offset, SIZE - 3000);
  assert.deepEqual(counted.stats, {
    requests: 2,
    bytes: 3000,
    ranges: [{ offset: -1, length: 3000 }, { offset: SIZE - 3000, length: 3000 }],
  });
  assert.equal(requests().length, 2);
  // Not cached: the same suffix again is another request.
  await counted.readSuffix!(3000);
  assert.equal(requests().length, 3);
});

test("s3rver reads bytes=-N as bytes=0-N: the answer is refused, never used", async (t) => {
  const s3 = await startS3Server();
  t.after(() => s3.close());
  const { key, requests } = await objectMaker(s3, "suffix", data)("private");
  const credentials = { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey };
  const source = s3Source({ bucket: "private", key, endpoint: s3.endpoint, credentials });
  assert.equal(await source.readSuffix(3000), undefined);
  assert.deepEqual(requests().map((entry) => [entry.range, entry.status]), [["bytes=-3000", 206]]);
  assert.equal(source.size, undefined, "its Content-Range is not trusted");
});

test("Azure Blob has no suffix ranges: azureSource sends none, and reads the end once the size is known", async () => {
  const sent: string[] = [];
  const fetch = (_url: string | URL | Request, init?: RequestInit) => {
    const range = new Headers(init?.headers).get("range") ?? "";
    sent.push(range);
    const [, a, b] = /^bytes=(\d+)-(\d+)$/.exec(range)!;
    return Promise.resolve(
      new Response(data.slice(Number(a), Number(b) + 1), {
        status: 206,
        headers: { "content-range": `bytes ${a}-${b}/${SIZE}` },
      }),
    );
  };
  const source = azureSource({ account: "acct", container: "c", blob: "b.fits", sas: "sig=x", fetch });
  assert.equal(await source.readSuffix(3000), undefined);
  assert.deepEqual(sent, []);
  await source.read(0, 10);
  assert.deepEqual(await source.readSuffix(5), { offset: SIZE - 5, bytes: data.subarray(SIZE - 5) });
  assert.deepEqual(sent, ["bytes=0-9", `bytes=${SIZE - 5}-${SIZE - 1}`]);
});
