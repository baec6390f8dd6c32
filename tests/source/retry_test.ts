import { after, test } from "node:test";
import assert from "node:assert/strict";
import { CloudFitsError } from "../../src/errors.ts";
import { httpSource, type RequestEvent } from "../../src/source/http.ts";
import { memorySource } from "../../src/source/memory.ts";
import { type RetryEvent, withRetry } from "../../src/source/retry.ts";
import type { ByteSource } from "../../src/source/types.ts";
import { type Fault, serveObject, startRangeServer } from "../_support/range_server.ts";
import { assertCloudFitsError, rejectsWith } from "../_support/expect_error.ts";

const data = new Uint8Array(5000).map((_, i) => i % 253);
const server = await startRangeServer();
after(() => server.close());

const object = (fault?: Fault) => serveObject(server, data, { fault, prefix: "retry" });

/** A sleep that records its delays and returns at once. */
function recordingSleep(): { sleep: (ms: number) => Promise<void>; delays: number[] } {
  const delays: number[] = [];
  return { delays, sleep: (ms) => (delays.push(ms), Promise.resolve()) };
}

test("500s are retried with exponential backoff and full jitter until the read succeeds", async () => {
  const { url, requests } = object({ kind: "status", status: 500, times: 3 });
  const events: RequestEvent[] = [];
  const retries: RetryEvent[] = [];
  const { sleep, delays } = recordingSleep();
  const source = withRetry(httpSource(url, { onRequest: (event) => events.push(event) }), {
    baseDelayMs: 100,
    random: () => 0.5,
    sleep,
    onRetry: (event) => retries.push(event),
  });
  assert.deepEqual(await source.read(100, 50), data.subarray(100, 150));
  assert.equal(requests().length, 4);
  assert.deepEqual(delays, [50, 100, 200]);
  assert.deepEqual(events.map((event) => [event.attempt, event.status]), [[1, 500], [2, 500], [3, 500], [
    4,
    206,
  ]]);
  assert.deepEqual(retries.map((event) => [event.attempt, event.error.status]), [[1, 500], [2, 500], [
    3,
    500,
  ]]);
  assert.equal(source.size, data.length);
  assert.equal(source.name, url);
});

test("delays are capped by maxDelayMs", async () => {
  const { url } = object({ kind: "status", status: 502, times: 4 });
  const { sleep, delays } = recordingSleep();
  const source = withRetry(httpSource(url), {
    baseDelayMs: 100,
    maxDelayMs: 250,
    random: () => 0.999,
    sleep,
  });
  await source.read(0, 10);
  assert.deepEqual(delays.map(Math.round), [100, 200, 250, 250]);
});

test("after the last attempt the error keeps its code and names the attempt count", async () => {
  const { url, requests } = object({ kind: "status", status: 503 });
  const { sleep, delays } = recordingSleep();
  const source = withRetry(httpSource(url), { retries: 2, sleep });
  const caught = await rejectsWith(
    source.read(0, 10),
    "NETWORK",
    /service unavailable \(HTTP 503\) \(gave up after 3 attempts\)$/,
  );
  assert.equal(caught.status, 503);
  assert.equal(caught.url, url);
  assertCloudFitsError(caught.cause, "NETWORK");
  assert.equal(requests().length, 3);
  assert.equal(delays.length, 2);
});

test("Retry-After is honoured, capped at maxDelayMs", async () => {
  const throttled = object({ kind: "throttle", retryAfter: 3, times: 1 });
  const first = recordingSleep();
  await withRetry(httpSource(throttled.url), { sleep: first.sleep }).read(0, 10);
  assert.deepEqual(first.delays, [3000]);
  assert.equal(throttled.requests().length, 2);

  const slowDown = object({ kind: "throttle", status: 503, retryAfter: 60, times: 1 });
  const second = recordingSleep();
  await withRetry(httpSource(slowDown.url), { sleep: second.sleep, maxDelayMs: 1000 }).read(0, 10);
  assert.deepEqual(second.delays, [1000]);
});

test("connection resets and timeouts are retried", async (t) => {
  // A fresh server, so that the reset hits a new connection (Bun re-sends on reused ones).
  const fresh = await startRangeServer({ files: { "a.bin": data } });
  t.after(() => fresh.close());
  fresh.setFault({ kind: "reset", times: 1 });
  const { sleep, delays } = recordingSleep();
  assert.deepEqual(
    await withRetry(httpSource(`${fresh.url}/a.bin`), { sleep }).read(0, 4000),
    data.subarray(0, 4000),
  );
  assert.deepEqual(fresh.log.map((entry) => [entry.fault, entry.bytes]), [["reset", 2000], [
    undefined,
    4000,
  ]]);
  assert.equal(delays.length, 1);

  const stalled = object({ kind: "stall", times: 1 });
  const events: RequestEvent[] = [];
  const source = withRetry(
    httpSource(stalled.url, { timeoutMs: 200, onRequest: (event) => events.push(event) }),
    {
      sleep,
    },
  );
  assert.deepEqual(await source.read(0, 10), data.subarray(0, 10));
  assert.deepEqual(events.map((event) => [event.attempt, event.status]), [[1, 0], [2, 206]]);
  assert.equal(delays.length, 2);
});

test("other errors are not retried", async () => {
  const { sleep, delays } = recordingSleep();
  for (const fault of [{ kind: "not-found" }, { kind: "forbidden" }, { kind: "gzip" }] as const) {
    const { url, requests } = object(fault);
    await assert.rejects(withRetry(httpSource(url), { sleep }).read(0, 10), CloudFitsError);
    assert.equal(requests().length, 1, fault.kind);
  }
  assert.deepEqual(delays, []);
});

test("an abort while waiting stops retrying", async () => {
  const { url, requests } = object({ kind: "status", status: 500 });
  const controller = new AbortController();
  const source = withRetry(httpSource(url), {
    sleep: (_ms, signal) =>
      new Promise((_, reject) => {
        signal?.addEventListener("abort", () => reject(signal.reason));
        controller.abort();
      }),
  });
  await rejectsWith(
    source.read(0, 10, { signal: controller.signal }),
    "ABORTED",
    /aborted while waiting to retry$/,
  );
  assert.equal(requests().length, 1);
});

test("the default sleep waits and can be aborted", async () => {
  let calls = 0;
  const flaky: ByteSource = {
    name: "flaky",
    size: 10,
    read: (offset, length, options) => {
      calls++;
      if (calls === 1) return Promise.reject(new CloudFitsError("NETWORK", "Cannot read: connection reset"));
      return memorySource(new Uint8Array(10)).read(offset, length, options);
    },
  };
  assert.equal((await withRetry(flaky, { baseDelayMs: 1 }).read(0, 4)).length, 4);
  assert.equal(calls, 2);

  const failing: ByteSource = {
    name: "failing",
    size: 10,
    read: () => Promise.reject(new CloudFitsError("TIMEOUT", "Cannot read: timed out")),
  };
  const controller = new AbortController();
  const pending = withRetry(failing, { baseDelayMs: 60_000, random: () => 1 }).read(0, 4, {
    signal: controller.signal,
  });
  setTimeout(() => controller.abort(), 10);
  await rejectsWith(pending, "ABORTED");
});

test("invalid settings throw RangeError", () => {
  const source = memorySource(new Uint8Array(1));
  assert.throws(() => withRetry(source, { retries: -1 }), RangeError);
  assert.throws(() => withRetry(source, { retries: 1.5 }), RangeError);
  assert.throws(() => withRetry(source, { baseDelayMs: -1 }), RangeError);
});
