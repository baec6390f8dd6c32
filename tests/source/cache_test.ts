import { after, test } from "node:test";
import assert from "node:assert/strict";
import { CloudFitsError } from "../../src/errors.ts";
import { withCache } from "../../src/source/cache.ts";
import { countingSource } from "../../src/source/counting.ts";
import { httpSource } from "../../src/source/http.ts";
import { memorySource } from "../../src/source/memory.ts";
import type { ByteSource, ReadOptions } from "../../src/source/types.ts";
import { serveObject, startRangeServer } from "../_support/range_server.ts";
import { rejectsWith } from "../_support/expect_error.ts";

const data = new Uint8Array(10_000).map((_, i) => i % 241);
const server = await startRangeServer();
after(() => server.close());

const object = () => serveObject(server, data, { prefix: "cache" });

test("three concurrent identical reads share one request", async () => {
  const { url, requests } = object();
  const source = withCache(httpSource(url));
  const reads = await Promise.all([source.read(100, 200), source.read(100, 200), source.read(100, 200)]);
  for (const bytes of reads) assert.deepEqual(bytes, data.subarray(100, 300));
  assert.deepEqual(requests().map((entry) => entry.range), ["bytes=100-299"]);
  assert.equal(source.size, data.length);
  assert.equal(source.name, url);
});

test("later identical reads are served from the cache; other ranges are fetched", async () => {
  const { url, requests } = object();
  const source = withCache(httpSource(url));
  await source.read(0, 10);
  await source.read(0, 10);
  await source.read(0, 11);
  await source.read(5, 10);
  await source.read(0, 10);
  assert.deepEqual(requests().map((entry) => entry.range), ["bytes=0-9", "bytes=0-10", "bytes=5-14"]);
});

test("a failed read is evicted so the next read tries again", async () => {
  const { url, path, requests } = object();
  server.setFault({ kind: "status", status: 500, times: 1 }, path);
  const source = withCache(httpSource(url));
  const [first, second] = await Promise.allSettled([source.read(0, 10), source.read(0, 10)]);
  assert.equal(first.status, "rejected");
  assert.equal(second.status, "rejected");
  assert.deepEqual(await source.read(0, 10), data.subarray(0, 10));
  assert.deepEqual(requests().map((entry) => entry.status), [500, 206]);
});

test("the cache holds at most maxBytes, evicting the least recently used read", async () => {
  const inner = countingSource(memorySource(data));
  const source = withCache(inner, { maxBytes: 250 });
  await source.read(0, 100); // A
  await source.read(100, 100); // B
  await source.read(0, 100); // A again: a hit that makes B the oldest
  await source.read(200, 100); // C: 300 bytes > 250, so B goes
  await source.read(0, 100); // hit
  await source.read(200, 100); // hit
  await source.read(100, 100); // B again: a miss
  assert.deepEqual(inner.stats.ranges.map((range) => range.offset), [0, 100, 200, 100]);
  assert.equal(inner.stats.requests, 4);
  assert.equal(inner.stats.bytes, 400);
});

test("reads larger than maxBytes pass through uncached", async () => {
  const inner = countingSource(memorySource(data));
  const source = withCache(inner, { maxBytes: 100 });
  await source.read(0, 101);
  await source.read(0, 101);
  assert.equal(inner.stats.requests, 2);
});

test("entries are charged the bytes that came back, not the bytes asked for", async () => {
  const inner = countingSource(memorySource(data));
  const source = withCache(inner, { maxBytes: 250 });
  await source.read(9_900, 200); // only 100 bytes exist
  await source.read(0, 150); // 250 in total: both fit
  await source.read(9_900, 200);
  await source.read(0, 150);
  assert.equal(inner.stats.requests, 2);
});

/** A source whose reads wait until their signal aborts, recording the signals it was given. */
function hangingSource(): ByteSource & { signals: AbortSignal[] } {
  const signals: AbortSignal[] = [];
  return {
    name: "hanging",
    size: 100,
    signals,
    read(_offset: number, _length: number, options?: ReadOptions): Promise<Uint8Array> {
      const signal = options?.signal;
      if (signal === undefined) throw new Error("the cache must pass a signal");
      signals.push(signal);
      return new Promise((_, reject) => {
        signal.addEventListener(
          "abort",
          () => reject(new CloudFitsError("ABORTED", "Cannot read hanging: aborted")),
        );
      });
    },
  };
}

test("one caller's abort does not abort a shared read; the last caller's does", async () => {
  const inner = hangingSource();
  const source = withCache(inner);
  const first = new AbortController();
  const second = new AbortController();
  const a = source.read(0, 10, { signal: first.signal });
  const b = source.read(0, 10, { signal: second.signal });
  assert.equal(inner.signals.length, 1);

  first.abort();
  await rejectsWith(a, "ABORTED");
  assert.equal(inner.signals[0].aborted, false);

  second.abort();
  await rejectsWith(b, "ABORTED");
  assert.equal(inner.signals[0].aborted, true);

  // The aborted entry is gone: a new read starts a new request.
  source.read(0, 10).catch(() => {});
  assert.equal(inner.signals.length, 2);
});

test("a caller without a signal keeps a shared read alive", async () => {
  const inner = hangingSource();
  const source = withCache(inner);
  const controller = new AbortController();
  const patient = source.read(0, 10);
  const hasty = source.read(0, 10, { signal: controller.signal });
  controller.abort();
  await rejectsWith(hasty, "ABORTED");
  assert.equal(inner.signals[0].aborted, false);
  patient.catch(() => {});
});

test("an aborted signal sends nothing", async () => {
  const inner = countingSource(memorySource(data));
  const source = withCache(inner);
  await rejectsWith(source.read(0, 10, { signal: AbortSignal.abort() }), "ABORTED");
  assert.equal(inner.stats.requests, 0);
});

test("countingSource counts requests, ranges and returned bytes", async () => {
  const source = countingSource(memorySource(data, "mem"));
  await source.read(9_990, 20);
  await source.read(0, 5);
  assert.deepEqual(source.stats, {
    requests: 2,
    bytes: 15,
    ranges: [{ offset: 9_990, length: 20 }, { offset: 0, length: 5 }],
  });
  assert.equal(source.name, "mem");
  assert.equal(source.size, data.length);
});

test("invalid maxBytes throws RangeError", () => {
  assert.throws(() => withCache(memorySource(data), { maxBytes: -1 }), RangeError);
});
