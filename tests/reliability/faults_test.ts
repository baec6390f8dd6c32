// Network faults, end to end through the reader: `openFits(withRetry(httpSource(url)))` over a loopback
// range server that misbehaves on purpose. Every read either returns astropy's values after bounded
// retries, or fails with a typed error that names the URL without its secret query string.
import { after, beforeEach, test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { openFits } from "../../src/open.ts";
import { walkHdus } from "../../src/read/walk.ts";
import { rowsToJson } from "../../src/table_json.ts";
import type { FetchLike } from "../../src/source/http.ts";
import { memorySource } from "../../src/source/memory.ts";
import { startRangeServer } from "../_support/range_server.ts";
import {
  assertCubeSection,
  assertNoSecrets,
  expectFailure,
  fixture,
  goldenSections,
  goldenValues,
  jitteredDelays,
  remote,
  SAS_QUERY,
  sectionValues,
  sliceArray,
} from "./_remote.ts";

const cube = fixture("tess_cube.fits");
const table = fixture("table_all.fits");
/** The same cube with one data byte changed: same size, new ETag. */
const cubeEdited = cube.slice();
cubeEdited[5760 + 100] ^= 0xff;
/** The same cube with one more block: a new size. */
const cubeGrown = new Uint8Array(cube.length + 2880);
cubeGrown.set(cube);

const server = await startRangeServer({
  files: { "tess_cube.fits": cube, "table_all.fits": table, "mutable.fits": cube },
});
after(() => server.close());

beforeEach(() => {
  server.setFault(null);
  server.setFile("mutable.fits", cube);
  server.log.length = 0;
});

/** The 3×3×3 cutout astropy read as `cube[1:4, 2:5, 3:6, 1]`. */
const cutout = goldenSections[2];
/** One pixel's light curve, with a NaN in it. */
const lightCurve = goldenSections[1];

/**
 * Open a remote object fault-free, then forget the opening traffic so that counts cover one read. The
 * HDUs come from a walk beforehand, as from an index: the file then holds no bytes of the walk, and every
 * read reaches the faulty server.
 */
async function openQuietly(path: string, options: Parameters<typeof remote>[2] = {}) {
  const target = remote(server.url, path, options);
  const fits = await openFits(target.source, { hdus: (await walkHdus(target.source)).hdus });
  server.log.length = 0;
  target.events.length = 0;
  return { target, fits };
}

async function expectedRows(start: number, stop: number) {
  const local = await openFits(memorySource(table));
  return rowsToJson(await local.hdu(1).rows(start, stop));
}

test("the golden slicer agrees with every section astropy read", () => {
  for (const golden of goldenSections) {
    const sliced = sliceArray(goldenSections[0].data, goldenSections[0].shape, golden.spec);
    assert.deepEqual(sliced.shape, golden.shape);
    assert.deepEqual(goldenValues(sliced.data), goldenValues(golden.data));
  }
});

test("fault-free: the secret query reaches the server but no event; the cutout costs one request", async () => {
  const { target, fits } = await openQuietly("tess_cube.fits");
  assertCubeSection(await fits.hdu(1).section(cutout.spec), cutout.spec);
  assert.equal(server.log.length, 1);
  assert.ok(server.log[0].url.includes("SENTINELSECRET"), "the signature is sent");
  assert.equal(target.events.length, 1);
  assertNoSecrets(target.events, "request events");
  assert.equal(target.retries.length, 0);
});

for (const status of [500, 502, 503]) {
  test(`HTTP ${status} twice: retried with jittered exponential backoff, then exact`, async () => {
    const { target, fits } = await openQuietly("tess_cube.fits");
    server.setFault({ kind: "status", status, times: 2 });
    assertCubeSection(await fits.hdu(1).section(cutout.spec), cutout.spec);
    assert.deepEqual(server.log.map((e) => e.status), [status, status, 206]);
    assert.deepEqual(target.retries.map((r) => [r.attempt, r.error.code, r.error.status]), [
      [1, "NETWORK", status],
      [2, "NETWORK", status],
    ]);
    assert.deepEqual(target.retries.map((r) => r.delayMs), jitteredDelays(2));
    assert.deepEqual(target.events.map((e) => e.attempt), [1, 2, 3]);
    assertNoSecrets(target.events, "request events");
  });
}

test("HTTP 503 that persists: NETWORK after 5 attempts, naming the URL and the status", async () => {
  const { target, fits } = await openQuietly("tess_cube.fits");
  server.setFault({ kind: "status", status: 503 });
  const error = await expectFailure(fits.hdu(1).section(cutout.spec), "NETWORK", target);
  assert.equal(error.status, 503);
  assert.match(error.message, /HTTP 503.*gave up after 5 attempts/);
  assert.equal(server.log.length, 5);
  assert.equal(target.retries.length, 4);
});

test("table rows through HTTP 500 and a reset are exact; a persistent 500 fails typed", async () => {
  const { target, fits } = await openQuietly("table_all.fits");
  await fits.hdu(1).rows(0, 5);
  const faultFree = server.log.length;
  assert.ok(faultFree >= 1);

  server.log.length = 0;
  server.setFault({ kind: "status", status: 500, times: 1 });
  assert.deepEqual(rowsToJson(await fits.hdu(1).rows(0, 5)), await expectedRows(0, 5));
  server.setFault({ kind: "reset", times: 1 });
  assert.deepEqual(rowsToJson(await fits.hdu(1).rows(0, 5)), await expectedRows(0, 5));
  assert.deepEqual(server.log.filter((e) => e.fault !== undefined).map((e) => e.fault), ["status", "reset"]);
  assert.equal(server.log.length, 2 * faultFree + 2);

  server.setFault({ kind: "status", status: 500 });
  server.log.length = 0;
  const error = await expectFailure(fits.hdu(1).rows(0, 5), "NETWORK", target);
  assert.equal(error.status, 500);
  assert.equal(server.log.length, 5);
});

test("429 waits what Retry-After asks (capped); S3 SlowDown without it backs off with jitter", async () => {
  const { target, fits } = await openQuietly("tess_cube.fits");
  server.setFault({ kind: "throttle", status: 429, retryAfter: 2, times: 1 });
  assertCubeSection(await fits.hdu(1).section(cutout.spec), cutout.spec);
  server.setFault({ kind: "throttle", status: 429, retryAfter: 3600, times: 1 });
  assertCubeSection(await fits.hdu(1).section(lightCurve.spec), lightCurve.spec);
  assert.deepEqual(target.retries.map((r) => r.delayMs), [2000, 10_000]);

  // S3 answers SlowDown as a 503 with an XML body and no Retry-After.
  target.retries.length = 0;
  server.log.length = 0;
  server.setFault({ kind: "throttle", status: 503, retryAfter: null, times: 3 });
  assertCubeSection(await fits.hdu(1).section(cutout.spec), cutout.spec);
  assert.deepEqual(server.log.map((e) => e.status), [503, 503, 503, 206]);
  assert.equal(server.log[0].headers["accept-encoding"], "identity");
  assert.deepEqual(target.retries.map((r) => r.delayMs), jitteredDelays(3));
  // Full jitter: each wait is below its exponential cap, and the caps double.
  target.retries.forEach((r, n) => assert.ok(r.delayMs >= 0 && r.delayMs < 200 * 2 ** n));
});

test("a connection reset mid-body is retried; the cutout is exact", async () => {
  const { target, fits } = await openQuietly("tess_cube.fits");
  server.setFault({ kind: "reset", times: 1 });
  const section = await fits.hdu(1).section(lightCurve.spec);
  assert.deepEqual(sectionValues(section), goldenValues(lightCurve.data));
  await server.idle();
  // Deno retries through withRetry; Bun's fetch may re-send on its own. Either way: two requests.
  assert.deepEqual(server.log.map((e) => [e.fault, e.cutShort]), [["reset", true], [undefined, false]]);
  assert.ok(server.log[0].bytes > 0, "the reset came mid-body");
  assertNoSecrets(target.events, "request events");
  assertNoSecrets(target.retries, "retry events");
});

test("a truncated body is never returned: retried, then exact; persistent truncation is NETWORK", async () => {
  const { target, fits } = await openQuietly("tess_cube.fits");
  server.setFault({ kind: "truncate", times: 2 });
  assertCubeSection(await fits.hdu(1).section(cutout.spec), cutout.spec);
  assert.deepEqual(server.log.map((e) => e.fault), ["truncate", "truncate", undefined]);
  assert.equal(target.retries.length, 2);

  server.log.length = 0;
  server.setFault({ kind: "truncate" });
  const error = await expectFailure(fits.hdu(1).section(cutout.spec), "NETWORK", target);
  assert.match(error.message, /HTTP 206 body broke off after \d+ bytes: .*gave up after 5 attempts/);
  assert.equal(server.log.length, 5);
});

test("a body that ends cleanly but short, without Content-Length, is BAD_RESPONSE, never partial data", async () => {
  const { target, fits } = await openQuietly("tess_cube.fits");
  server.setFault({ kind: "truncate", chunked: true });
  const error = await expectFailure(fits.hdu(1).section(cutout.spec), "BAD_RESPONSE", target);
  assert.match(error.message, /got \d+ of \d+ bytes/);
  assert.equal(server.log.length, 1);
  assert.equal(server.log[0].headers["accept-encoding"], "identity");
  assert.equal(target.events[0].bytes, server.log[0].bytes);
});

test("a 200 with a small whole object is accepted once and serves every later read", async () => {
  server.setFault({ kind: "ignore-range" });
  const target = remote(server.url, "tess_cube.fits");
  const fits = await openFits(target.source);
  for (const golden of goldenSections) assertCubeSection(await fits.hdu(1).section(golden.spec), golden.spec);
  assert.deepEqual(server.log.map((e) => [e.status, e.bytes]), [[200, cube.length]]);
  assert.ok(server.log[0].range !== undefined, "the request was ranged");
});

const BIG_DATA_BYTES = 50 * 1024 * 1024 - 2880;

/** A valid 50 MB FITS file made in memory: a primary header and a byte array of zeros. */
function bigFits(): Uint8Array {
  const dataBytes = BIG_DATA_BYTES;
  const card = (text: string) => text.padEnd(80);
  const header = [
    card("SIMPLE  =                    T"),
    card("BITPIX  =                    8"),
    card("NAXIS   =                    1"),
    card(`NAXIS1  = ${String(dataBytes).padStart(20)}`),
    card("END"),
  ].join("").padEnd(2880);
  const bytes = new Uint8Array(2880 + Math.ceil(dataBytes / 2880) * 2880);
  bytes.set(new TextEncoder().encode(header));
  return bytes;
}

test("a 200 with a 50 MB object is cancelled early, unbuffered: RANGE_IGNORED", async () => {
  const big = bigFits();
  server.setFile("big.fits", big);
  try {
    // Fault-free, opening the big file costs little.
    const plain = await openFits(remote(server.url, "big.fits").source);
    assert.deepEqual(plain.hdus.map((h) => h.axes), [[BIG_DATA_BYTES]]);
    await server.idle();
    assert.ok(server.log.reduce((sum, e) => sum + e.bytes, 0) < 100_000);

    for (const chunked of [false, true]) {
      server.log.length = 0;
      server.setFault({ kind: "ignore-range", chunked });
      const target = remote(server.url, "big.fits");
      const error = await expectFailure(openFits(target.source), "RANGE_IGNORED", target);
      assert.equal(error.status, 200);
      assert.match(error.message, /server ignores Range requests/);
      await server.idle();
      assert.equal(server.log.length, 1, "RANGE_IGNORED is not retried");
      const [entry] = server.log;
      assert.equal(entry.cutShort, true, `the client cancelled (chunked: ${chunked})`);
      assert.ok(entry.bytes < big.length / 4, `sent ${entry.bytes} of ${big.length} bytes`);
      // Without a length the source reads up to 1 MiB to tell a small object from a large one.
      assert.ok(target.events[0].bytes <= 2 * 1024 * 1024, `received ${target.events[0].bytes} bytes`);
    }
  } finally {
    server.setFile("big.fits", new Uint8Array(0));
  }
});

test("a Content-Range that does not match the request is BAD_RESPONSE, not retried", async () => {
  const { target, fits } = await openQuietly("tess_cube.fits");
  server.setFault({ kind: "wrong-content-range" });
  const error = await expectFailure(fits.hdu(1).section(cutout.spec), "BAD_RESPONSE", target);
  assert.match(error.message, /Content-Range 'bytes \d+-\d+\/43200'/);
  assert.equal(server.log.length, 1);
  assert.equal(target.retries.length, 0);
});

test("Content-Encoding: gzip on a 206 is BAD_RESPONSE, not retried", async () => {
  const { target, fits } = await openQuietly("tess_cube.fits");
  server.setFault({ kind: "gzip" });
  const error = await expectFailure(fits.hdu(1).section(cutout.spec), "BAD_RESPONSE", target);
  assert.match(error.message, /Content-Encoding gzip although identity was asked for/);
  assert.equal(server.log.length, 1);
});

test("an object whose content (ETag) changes after opening is STALE, not retried", async () => {
  const { target, fits } = await openQuietly("mutable.fits");
  server.setFile("mutable.fits", cubeEdited);
  const error = await expectFailure(fits.hdu(1).section(cutout.spec), "STALE", target);
  assert.match(error.message, /object changed while reading: its ETag was "\w+" and is now "\w+"/);
  assert.equal(server.log.length, 1);
  assert.equal(target.retries.length, 0);
});

test("an object whose size changes after opening is STALE", async () => {
  const { target, fits } = await openQuietly("mutable.fits");
  server.setFile("mutable.fits", cubeGrown);
  const error = await expectFailure(fits.hdu(1).section(cutout.spec), "STALE", target);
  assert.match(error.message, /it was 43200 bytes and is now 46080/);
});

test("an index whose ETag or size no longer matches the object is STALE: index stale", async () => {
  const { target: indexed, fits } = await openQuietly("mutable.fits");
  const index = { hdus: fits.hdus, size: indexed.http.size, etag: indexed.http.etag };
  assert.equal(index.size, cube.length);
  assert.ok(index.etag !== undefined);

  for (
    const [changed, pattern] of [[cubeEdited, /index stale: the ETag/], [
      cubeGrown,
      /index stale: the object/,
    ]] as const
  ) {
    server.setFile("mutable.fits", changed);
    server.log.length = 0;
    const target = remote(server.url, "mutable.fits", { http: { size: index.size, etag: index.etag } });
    const reopened = await openFits(target.source, { hdus: index.hdus });
    const error = await expectFailure(reopened.hdu(1).section(cutout.spec), "STALE", target);
    assert.match(error.message, pattern);
    assert.equal(server.log.length, 1, "opening from the index sent nothing; the read was not retried");
  }
});

test("a stalled server times out: retried, then exact; one that never answers is TIMEOUT", async () => {
  const { target, fits } = await openQuietly("tess_cube.fits", { http: { timeoutMs: 200 } });
  server.setFault({ kind: "stall", times: 1 });
  assertCubeSection(await fits.hdu(1).section(cutout.spec), cutout.spec);
  assert.deepEqual(server.log.map((e) => e.fault), ["stall", undefined]);
  assert.deepEqual(target.retries.map((r) => r.error.code), ["TIMEOUT"]);

  // Headers and the first bytes arrive, then the body stalls: the timeout covers the body too.
  server.log.length = 0;
  target.retries.length = 0;
  server.setFault({ kind: "stall", bytes: 10, times: 1 });
  assertCubeSection(await fits.hdu(1).section(cutout.spec), cutout.spec);
  assert.deepEqual(server.log.map((e) => [e.fault, e.status, e.bytes > 0]), [["stall", 206, true], [
    undefined,
    206,
    true,
  ]]);
  assert.deepEqual(target.retries.map((r) => r.error.code), ["TIMEOUT"]);

  server.log.length = 0;
  server.setFault({ kind: "stall" });
  const stalled = remote(server.url, "tess_cube.fits", { http: { timeoutMs: 200 }, retry: { retries: 2 } });
  const error = await expectFailure(openFits(stalled.source), "TIMEOUT", stalled);
  assert.match(error.message, /timed out after 200 ms.*gave up after 3 attempts/);
  assert.equal(server.log.length, 3);
  assert.deepEqual(stalled.events.map((e) => e.status), [0, 0, 0]);
});

test("403 is FORBIDDEN and 404 is NOT_FOUND, at once and without retries", async () => {
  server.setFault({ kind: "forbidden" });
  const denied = remote(server.url, "tess_cube.fits", { query: SAS_QUERY });
  const forbidden = await expectFailure(openFits(denied.source), "FORBIDDEN", denied);
  assert.equal(forbidden.status, 403);
  assert.match(forbidden.message, /not found or forbidden \(HTTP 403\)/);
  assert.equal(server.log.length, 1);

  server.setFault(null);
  server.log.length = 0;
  const missing = remote(server.url, "missing.fits", { query: SAS_QUERY });
  const notFound = await expectFailure(openFits(missing.source), "NOT_FOUND", missing);
  assert.equal(notFound.status, 404);
  assert.match(notFound.message, /not found \(HTTP 404\)/);
  assert.deepEqual(server.log.map((e) => [e.path, e.status]), [["/missing.fits", 404]]);
  assert.ok(server.log[0].url.includes("SENTINELSAS"), "the SAS token is sent");
});

test("connection refused on a closed loopback port: NETWORK after bounded retries", async () => {
  const port = await new Promise<number>((resolve, reject) => {
    const listener = createServer();
    listener.once("error", reject);
    listener.listen(0, "127.0.0.1", () => {
      const address = listener.address();
      listener.close(() => resolve(typeof address === "object" && address !== null ? address.port : 0));
    });
  });
  assert.ok(port > 0);
  const target = remote(`http://127.0.0.1:${port}`, "tess_cube.fits", { query: SAS_QUERY });
  const error = await expectFailure(openFits(target.source), "NETWORK", target);
  assert.match(error.message, /gave up after 5 attempts/);
  assert.equal(error.status, undefined);
  assert.ok(error.cause !== undefined, "the cause is kept");
  assert.deepEqual(target.events.map((e) => [e.attempt, e.status, e.bytes]), [
    [1, 0, 0],
    [2, 0, 0],
    [3, 0, 0],
    [4, 0, 0],
    [5, 0, 0],
  ]);
});

test("a name-resolution failure (injected fetch): NETWORK naming the cause, secret scrubbed", async () => {
  const requested: string[] = [];
  // Shaped like Deno's and undici's DNS failures, which quote the full URL, query string included.
  const dnsFailure: FetchLike = (input) => {
    const url = input instanceof Request ? input.url : String(input);
    requested.push(url);
    const lookup = Object.assign(
      new Error(`dns error: failed to lookup address information: Name or service not known (${url})`),
      { code: "ENOTFOUND" },
    );
    return Promise.reject(new TypeError(`error sending request for url (${url})`, { cause: lookup }));
  };
  const base = "https://nosuchbucket.invalid";
  const target = remote(base, "tess_cube.fits", { http: { fetch: dnsFailure } });
  const error = await expectFailure(openFits(target.source), "NETWORK", target);
  assert.match(
    error.message,
    /dns error: failed to lookup address information.*ENOTFOUND.*gave up after 5 attempts/,
  );
  assert.equal(requested.length, 5);
  assert.ok(requested.every((url) => url.includes("SENTINELSECRET")), "the signed URL is what was fetched");
});
