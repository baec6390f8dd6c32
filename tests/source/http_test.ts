import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { get } from "node:http";
import { join } from "node:path";
import type { CloudFitsErrorCode } from "../../src/errors.ts";
import { type FetchLike, httpSource, type RequestEvent } from "../../src/source/http.ts";
import { redactUrl } from "../../src/url.ts";
import { type Fault, serveObject, startRangeServer } from "../_support/range_server.ts";
import { rejectsWith as expectRejection } from "../_support/expect_error.ts";

const SIZE = 100_000;
const data = new Uint8Array(SIZE).map((_, i) => (i * 7 + (i >> 8)) % 256);
const server = await startRangeServer();
after(() => server.close());

/** A fresh object on the server (own path, faults and log) whose URL carries a fake signature. */
const object = (bytes: Uint8Array = data, fault?: Fault) =>
  serveObject(server, bytes, { fault, query: "?X-Amz-Signature=SECRET" });

/** Every URL here carries a fake signature, which no error may repeat. */
const rejectsWith = (promise: Promise<unknown>, code: CloudFitsErrorCode, pattern?: RegExp) =>
  expectRejection(promise, code, pattern, { secrets: ["SECRET"] });

test("a read sends one GET with an exact Range and identity encoding, and pins size and ETag", async () => {
  const { url, requests } = object();
  const events: RequestEvent[] = [];
  const source = httpSource(url, { onRequest: (event) => events.push(event) });
  assert.equal(source.size, undefined);
  assert.equal(source.name, `${server.url}${new URL(url).pathname}`);

  const bytes = await source.read(10, 100);
  assert.deepEqual(bytes, data.subarray(10, 110));
  assert.equal(source.size, SIZE);
  assert.match(source.etag ?? "", /^[0-9a-f]{16}$/);

  const log = requests();
  assert.equal(log.length, 1);
  assert.equal(log[0].method, "GET");
  assert.equal(log[0].range, "bytes=10-109");
  assert.equal(log[0].headers["accept-encoding"], "identity");
  assert.equal(log[0].url.includes("X-Amz-Signature=SECRET"), true, "the query string is sent");
  assert.equal(log[0].bytes, 100);
  assert.equal(events.length, 1);
  const { ms, ...event } = events[0];
  assert.ok(ms >= 0);
  assert.deepEqual(event, {
    method: "GET",
    url: source.name,
    offset: 10,
    length: 100,
    status: 206,
    bytes: 100,
  });
});

test("reads past the end return the bytes that exist; later ranges are clamped to the pinned size", async () => {
  const { url, requests } = object();
  const source = httpSource(url);
  assert.deepEqual(await source.read(SIZE - 10, 100), data.subarray(SIZE - 10));
  assert.deepEqual(await source.read(SIZE - 20, 100), data.subarray(SIZE - 20));
  assert.deepEqual(await source.read(SIZE, 10), new Uint8Array(0));
  assert.deepEqual(await source.read(5, 0), new Uint8Array(0));
  assert.deepEqual(requests().map((entry) => entry.range), [
    `bytes=${SIZE - 10}-${SIZE + 89}`,
    `bytes=${SIZE - 20}-${SIZE - 1}`,
  ]);
});

test("extra headers are sent, but the source owns Range and Accept-Encoding", async () => {
  const { url, requests } = object();
  const source = httpSource(url, {
    headers: { "x-goog-user-project": "my-project", range: "bytes=0-", "accept-encoding": "gzip" },
  });
  await source.read(0, 10);
  const [entry] = requests();
  assert.equal(entry.headers["x-goog-user-project"], "my-project");
  assert.equal(entry.range, "bytes=0-9");
  assert.equal(entry.headers["accept-encoding"], "identity");
});

test("an expected size from an index clamps the first request", async () => {
  const { url, requests } = object();
  const source = httpSource(url, { size: SIZE });
  assert.equal(source.size, SIZE);
  assert.deepEqual(await source.read(SIZE - 5, 16384), data.subarray(SIZE - 5));
  assert.deepEqual(await source.read(SIZE + 5, 10), new Uint8Array(0));
  assert.deepEqual(requests().map((entry) => entry.range), [`bytes=${SIZE - 5}-${SIZE - 1}`]);
});

test("a 200 for a small object is accepted once and serves every later read", async () => {
  const { url, requests } = object(data, { kind: "ignore-range" });
  const source = httpSource(url);
  assert.deepEqual(await source.read(1000, 50), data.subarray(1000, 1050));
  assert.deepEqual(await source.read(SIZE - 3, 50), data.subarray(SIZE - 3));
  assert.deepEqual(await source.read(SIZE + 1, 50), new Uint8Array(0));
  assert.equal(source.size, SIZE);
  const log = requests();
  assert.equal(log.length, 1);
  assert.equal(log[0].status, 200);
  assert.equal(log[0].range, "bytes=1000-1049");
});

test("a 200 for a large object is cancelled unread: RANGE_IGNORED", async () => {
  const big = new Uint8Array(2 * 1024 * 1024 + 1);
  const { url, requests } = object(big, { kind: "ignore-range" });
  const events: RequestEvent[] = [];
  const source = httpSource(url, { onRequest: (event) => events.push(event) });
  const error = await rejectsWith(source.read(0, 2880), "RANGE_IGNORED", /server ignores Range requests/);
  assert.equal(error.status, 200);
  assert.equal(requests().length, 1);
  assert.equal(events[0].bytes, 0, "the body was not read");
});

test("a 200 without Content-Length is read only up to 1 MiB", async () => {
  let pulled = 0;
  const endless: FetchLike = () => {
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled += 65536;
        controller.enqueue(new Uint8Array(65536));
      },
    });
    return Promise.resolve(new Response(body, { status: 200 }));
  };
  const source = httpSource("https://example.invalid/huge.fits", { fetch: endless });
  await rejectsWith(source.read(0, 100), "RANGE_IGNORED", /more than 1048576 bytes/);
  assert.ok(pulled <= 1024 * 1024 + 3 * 65536, `pulled ${pulled} bytes`);
});

test("416 at the end of the object returns no bytes and pins the size; inside the object it is STALE", async () => {
  const { url, requests } = object();
  const source = httpSource(url);
  assert.deepEqual(await source.read(SIZE, 100), new Uint8Array(0));
  assert.equal(source.size, SIZE);
  assert.deepEqual(requests().map((entry) => [entry.range, entry.status]), [[
    `bytes=${SIZE}-${SIZE + 99}`,
    416,
  ]]);

  const refused = object(data, { kind: "always-416" });
  await rejectsWith(
    httpSource(refused.url).read(0, 10),
    "STALE",
    /refused the range although the object is 100000 bytes/,
  );
  assert.equal(refused.requests().length, 1);
});

test("an empty object reads as empty through a 416", async () => {
  const { url, requests } = object(new Uint8Array(0));
  const source = httpSource(url);
  assert.deepEqual(await source.read(0, 16384), new Uint8Array(0));
  assert.equal(source.size, 0);
  assert.deepEqual(await source.read(0, 10), new Uint8Array(0));
  assert.equal(requests().length, 1);
});

test("an ETag change between reads is STALE, naming the URL", async () => {
  const { url, path, requests } = object();
  const source = httpSource(url);
  await source.read(0, 10);
  server.setFault({ kind: "change-etag" }, path);
  const error = await rejectsWith(
    source.read(10, 10),
    "STALE",
    /changed while reading: its ETag was "[0-9a-f]+"/,
  );
  assert.equal(error.url, `${server.url}${path}`);
  assert.match(error.message, new RegExp(`of ${server.url}${path}: `));
  assert.equal(requests().length, 2);
});

test("a size change between reads is STALE", async () => {
  const { url, path } = object();
  const source = httpSource(url);
  await source.read(0, 10);
  server.setFile(path, data.subarray(0, 5000));
  await rejectsWith(source.read(0, 10), "STALE", /it was 100000 bytes and is now 5000/);
});

test("size or ETag differing from the index is STALE: index stale", async () => {
  const { url } = object();
  await rejectsWith(
    httpSource(url, { size: SIZE + 1 }).read(0, 10),
    "STALE",
    /index stale: the object is now 100000/,
  );
  await rejectsWith(httpSource(url, { etag: '"0123"' }).read(0, 10), "STALE", /index stale: the ETag is now/);
  const reference = httpSource(url);
  await reference.read(0, 1);
  const matching = httpSource(url, { size: SIZE, etag: `"${reference.etag}"` });
  assert.deepEqual(await matching.read(0, 4), data.subarray(0, 4));
});

test("weak ETags are ignored", async (t) => {
  const weak = await startRangeServer({ files: { "a.bin": data }, etags: "weak" });
  t.after(() => weak.close());
  const source = httpSource(`${weak.url}/a.bin`, { etag: "something-else" });
  assert.deepEqual(await source.read(0, 4), data.subarray(0, 4));
  assert.equal(source.etag, "something-else");
  const unpinned = httpSource(`${weak.url}/a.bin`);
  await unpinned.read(0, 4);
  assert.equal(unpinned.etag, undefined);
});

test("Content-Encoding on a 206 is BAD_RESPONSE", async () => {
  const { url, requests } = object(data, { kind: "gzip" });
  const error = await rejectsWith(httpSource(url).read(0, 1000), "BAD_RESPONSE", /Content-Encoding gzip/);
  assert.equal(error.status, 206);
  assert.equal(requests().length, 1);
  assert.equal(requests()[0].headers["accept-encoding"], "identity");
});

test("a wrong Content-Range is BAD_RESPONSE", async () => {
  const { url } = object(data, { kind: "wrong-content-range" });
  await rejectsWith(httpSource(url).read(10, 10), "BAD_RESPONSE", /Content-Range 'bytes 11-20\/100000'/);
  const early = object(data, { kind: "wrong-content-range", contentRange: "bytes 10-14/100000" });
  await rejectsWith(httpSource(early.url).read(10, 10), "BAD_RESPONSE", /expected bytes 10-19/);
  const missing = object(data, { kind: "wrong-content-range", contentRange: "" });
  await rejectsWith(httpSource(missing.url).read(10, 10), "BAD_RESPONSE", /Content-Range ''/);
});

test("a body cut short by the connection is NETWORK", async (t) => {
  const { url, requests } = object(data, { kind: "truncate", bytes: 50 });
  const error = await rejectsWith(httpSource(url).read(0, 1000), "NETWORK");
  assert.equal(error.offset, 0);
  assert.deepEqual(requests().map((entry) => [entry.status, entry.bytes]), [[206, 50]]);

  // A fresh server, so that the reset hits a new connection (Bun re-sends on reused ones).
  const fresh = await startRangeServer({ files: { "a.bin": data } });
  t.after(() => fresh.close());
  fresh.setFault({ kind: "reset" });
  await rejectsWith(httpSource(`${fresh.url}/a.bin`).read(0, 1000), "NETWORK");
  assert.deepEqual(fresh.log.map((entry) => [entry.status, entry.bytes]), [[206, 500]]);
});

test("short and long bodies from a fetch that ends them cleanly", async () => {
  const respond = (body: Uint8Array<ArrayBuffer>, headers: Record<string, string>): FetchLike => () =>
    Promise.resolve(
      new Response(body, { status: 206, headers: { "content-range": "bytes 0-9/100", ...headers } }),
    );
  const url = "https://example.invalid/a.fits";
  await rejectsWith(
    httpSource(url, { fetch: respond(new Uint8Array(5), {}) }).read(0, 10),
    "BAD_RESPONSE",
    /got 5 of 10 bytes/,
  );
  await rejectsWith(
    httpSource(url, { fetch: respond(new Uint8Array(11), {}) }).read(0, 10),
    "BAD_RESPONSE",
    /more than the 10 bytes/,
  );
  await rejectsWith(
    httpSource(url, { fetch: respond(new Uint8Array(5), { "content-length": "5" }) }).read(0, 10),
    "BAD_RESPONSE",
    /Content-Length 5 disagrees/,
  );
  const cut: FetchLike = () => {
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new Uint8Array(4));
        controller.close();
      },
    });
    return Promise.resolve(
      new Response(body, {
        status: 206,
        headers: { "content-range": "bytes 0-9/100", "content-length": "10" },
      }),
    );
  };
  await rejectsWith(httpSource(url, { fetch: cut }).read(0, 10), "NETWORK", /got 4 of 10 bytes/);
});

test("403 is FORBIDDEN 'not found or forbidden', with the status, redacted URL and provider hint", async () => {
  const { url, path, requests } = object(data, { kind: "forbidden" });
  const bodies: string[] = [];
  const source = httpSource(url, {
    explainError: (status, body) => {
      bodies.push(body);
      return `${/<Code>(\w+)<\/Code>/.exec(body)?.[1]} (status ${status})`;
    },
  });
  const error = await rejectsWith(
    source.read(0, 2880),
    "FORBIDDEN",
    /^Cannot read bytes 0-2879 of http:\/\/127\.0\.0\.1:\d+\/object-\d+\.bin: not found or forbidden \(HTTP 403\): AccessDenied \(status 403\)$/,
  );
  assert.equal(error.status, 403);
  assert.equal(error.url, `${server.url}${path}`);
  assert.match(bodies[0], /<Error><Code>AccessDenied<\/Code>/);
  assert.equal(requests().length, 1);

  const unauthorized = object(data, { kind: "status", status: 401 });
  const denied = await rejectsWith(
    httpSource(unauthorized.url).read(0, 1),
    "FORBIDDEN",
    /unauthorized \(HTTP 401\)$/,
  );
  assert.equal(denied.status, 401);
});

test("404 and 410 are NOT_FOUND", async () => {
  const missing = `${server.url}/no-such-object.fits?sig=SECRET`;
  const error = await rejectsWith(httpSource(missing).read(0, 10), "NOT_FOUND", /not found \(HTTP 404\)$/);
  assert.equal(error.status, 404);
  assert.equal(error.url, `${server.url}/no-such-object.fits`);
  const gone = object(data, { kind: "status", status: 410 });
  await rejectsWith(httpSource(gone.url).read(0, 10), "NOT_FOUND", /HTTP 410/);
});

test("429 and 5xx are NETWORK; Retry-After is surfaced in milliseconds", async () => {
  const failing = object(data, { kind: "status", status: 500 });
  const error = await rejectsWith(
    httpSource(failing.url).read(0, 10),
    "NETWORK",
    /: server error \(HTTP 500\)$/,
  );
  assert.equal(error.status, 500);
  assert.equal(error.retryAfterMs, undefined);
  const throttled = object(data, { kind: "throttle", retryAfter: 2 });
  const slow = await rejectsWith(
    httpSource(throttled.url).read(0, 10),
    "NETWORK",
    /: too many requests \(HTTP 429\)$/,
  );
  assert.equal(slow.status, 429);
  assert.equal(slow.retryAfterMs, 2000);
  const slowDown = object(data, { kind: "throttle", status: 503, retryAfter: 1 });
  const hinted = await rejectsWith(
    httpSource(slowDown.url, { explainError: (_, body) => /<Code>(\w+)</.exec(body)?.[1] }).read(0, 10),
    "NETWORK",
    /: service unavailable \(HTTP 503\): SlowDown$/,
  );
  assert.equal(hinted.retryAfterMs, 1000);
});

test("other statuses are BAD_RESPONSE", async () => {
  const { url } = object(data, { kind: "status", status: 400 });
  const error = await rejectsWith(
    httpSource(url).read(0, 10),
    "BAD_RESPONSE",
    /: unexpected answer \(HTTP 400\)$/,
  );
  assert.equal(error.status, 400);
});

test("a stalled server times out", async () => {
  const { url, requests } = object(data, { kind: "stall" });
  const events: RequestEvent[] = [];
  const source = httpSource(url, { timeoutMs: 200, onRequest: (event) => events.push(event) });
  await rejectsWith(source.read(0, 10), "TIMEOUT", /timed out after 200 ms$/);
  assert.equal(requests().length, 1);
  assert.equal(events[0].status, 0);
});

test("the caller's signal aborts a pending request, and an aborted signal sends nothing", async () => {
  const { url, requests } = object(data, { kind: "stall" });
  const source = httpSource(url);
  const controller = new AbortController();
  const pending = source.read(0, 10, { signal: controller.signal });
  // Abort once the server holds the request, however long it took to arrive.
  while (requests().length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  controller.abort(new Error("user cancelled"));
  const error = await rejectsWith(pending, "ABORTED", /aborted$/);
  assert.equal((error.cause as Error).message, "user cancelled");
  assert.equal(requests().length, 1);
  await rejectsWith(source.read(0, 10, { signal: AbortSignal.abort() }), "ABORTED");
  assert.equal(requests().length, 1);
});

test("an injected fetch that ignores the signal still times out", async () => {
  const never: FetchLike = () => new Promise<Response>(() => {});
  await rejectsWith(
    httpSource("https://example.invalid/a", { fetch: never, timeoutMs: 50 }).read(0, 1),
    "TIMEOUT",
  );
});

test("connection failures are NETWORK and never reveal the query string", async () => {
  const closed = await startRangeServer();
  await closed.close();
  const url = `${closed.url}/a.fits?sv=2024&sig=SECRET`;
  const error = await rejectsWith(
    httpSource(url).read(0, 10),
    "NETWORK",
    /^Cannot read bytes 0-9 of http:\/\/127/,
  );
  assert.equal(error.url, `${closed.url}/a.fits`);
  let depth = 0;
  for (let cause: unknown = error.cause; cause !== undefined; cause = (cause as Error).cause, depth++) {
    assert.doesNotMatch(String((cause as Error).message), /SECRET/);
  }
  assert.ok(depth >= 1, "the runtime's error is kept as the cause");
});

test("an injected fetch receives the full URL, Range and identity encoding", async () => {
  const seen: Request[] = [];
  const fake: FetchLike = (input, init) => {
    seen.push(new Request(input, init));
    return Promise.resolve(
      new Response(new Uint8Array([1, 2, 3]), {
        status: 206,
        headers: { "content-range": "bytes 7-9/10", etag: '"v1"' },
      }),
    );
  };
  const source = httpSource("https://bucket.example/k.fits?sig=SECRET", { fetch: fake });
  assert.deepEqual(await source.read(7, 100), new Uint8Array([1, 2, 3]));
  assert.equal(source.size, 10);
  assert.equal(source.etag, "v1");
  assert.equal(seen.length, 1);
  assert.equal(seen[0].url, "https://bucket.example/k.fits?sig=SECRET");
  assert.equal(seen[0].method, "GET");
  assert.equal(seen[0].headers.get("range"), "bytes=7-106");
  assert.equal(seen[0].headers.get("accept-encoding"), "identity");
});

test("redaction drops query strings, fragments and userinfo", () => {
  assert.equal(
    redactUrl("https://user:pw@acct.blob.core.windows.net/c/a%20b.fits?sv=1&sig=SECRET#x"),
    "https://acct.blob.core.windows.net/c/a%20b.fits",
  );
  const source = httpSource("https://user:pw@host.example:8443/a.fits?token=SECRET");
  assert.equal(source.name, "https://host.example:8443/a.fits");
  assert.equal(
    httpSource("https://host.example/a.fits", { name: "s3://bucket/a.fits" }).name,
    "s3://bucket/a.fits",
  );
});

test("invalid arguments throw built-in errors", async () => {
  assert.throws(() => httpSource("ftp://host/a.fits"), TypeError);
  assert.throws(() => httpSource("not a url"), TypeError);
  assert.throws(() => httpSource("https://host/a", { timeoutMs: 0 }), RangeError);
  assert.throws(() => httpSource("https://host/a", { size: -1 }), RangeError);
  const source = httpSource("https://host.invalid/a");
  await assert.rejects(source.read(-1, 10), RangeError);
  await assert.rejects(source.read(0, 1.5), RangeError);
});

test("the range server streams files from a directory and refuses paths outside it", async (t) => {
  const base = await mkdtemp(join(tmpdir(), "cloudfits-range-"));
  const root = join(base, "public");
  await mkdir(root);
  await writeFile(join(root, "disk.bin"), data);
  await writeFile(join(base, "secret.bin"), data);
  const disk = await startRangeServer({ root });
  t.after(async () => {
    await disk.close();
    await rm(base, { recursive: true });
  });
  const source = httpSource(`${disk.url}/disk.bin`);
  assert.deepEqual(await source.read(70_000, 40_000), data.subarray(70_000));
  assert.equal(source.size, SIZE);
  assert.deepEqual(disk.log.map((entry) => [entry.status, entry.bytes]), [[206, 30_000]]);
  // fetch normalises "..", so send the raw path with node:http.
  const escape = "/../secret.bin";
  const status = await new Promise<number>((done, failed) => {
    get(`${disk.url}${escape}`, { path: escape }, (response) => {
      response.resume();
      done(response.statusCode ?? 0);
    }).on("error", failed);
  });
  assert.equal(status, 404);
  assert.equal(disk.log[1].url, escape);
  const whole = await fetch(`${disk.url}/disk.bin`, { headers: { range: "bytes=-10" } });
  assert.equal(whole.status, 206);
  assert.equal(whole.headers.get("content-range"), `bytes ${SIZE - 10}-${SIZE - 1}/${SIZE}`);
  assert.deepEqual(new Uint8Array(await whole.arrayBuffer()), data.subarray(SIZE - 10));
});
