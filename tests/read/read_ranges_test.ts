import { test } from "node:test";
import assert from "node:assert/strict";
import { isCloudFitsError } from "../../src/errors.ts";
import { fetchRanges, readRanges } from "../../src/read/read_ranges.ts";
import { countingSource } from "../../src/source/counting.ts";
import { memorySource } from "../../src/source/memory.ts";
import type { ByteSource } from "../../src/source/types.ts";

/** Bytes 0, 1, 2, … (mod 251, so that misplaced bytes show). */
function pattern(size: number): Uint8Array {
  return Uint8Array.from({ length: size }, (_, i) => i % 251);
}

/** A source whose reads settle a tick later, recording how many bytes were outstanding at most. */
function slowSource(bytes: Uint8Array): ByteSource & { peak: number; reads: number } {
  let outstanding = 0;
  const inner = memorySource(bytes);
  const source = {
    name: "slow",
    size: bytes.length,
    peak: 0,
    reads: 0,
    async read(offset: number, length: number): Promise<Uint8Array> {
      source.reads++;
      outstanding += length;
      source.peak = Math.max(source.peak, outstanding);
      await new Promise((resolve) => setTimeout(resolve, 1));
      outstanding -= length;
      return inner.read(offset, length);
    },
  };
  return source;
}

test("fetchRanges never holds more than the window, whatever the number of requests", async () => {
  const bytes = pattern(4 * 2 ** 20);
  const source = slowSource(bytes);
  // 4,096 ranges of 512 bytes, 1 KiB apart, fetched one request each: a strided selection.
  const ranges = Array.from({ length: 4096 }, (_, i) => ({ offset: i * 1024, length: 512 }));
  const result = await fetchRanges(source, ranges, { maxGap: 0, concurrency: 64, window: 4096 });
  assert.equal(result.requests, 4096);
  assert.equal(source.reads, 4096);
  assert.ok(result.peakBytesInFlight <= 4096, `${result.peakBytesInFlight} bytes in flight`);
  assert.ok(source.peak <= 4096, `${source.peak} bytes outstanding at the source`);
  assert.equal(result.bytes.length, 4096 * 512);
  for (const i of [0, 1, 2047, 4095]) {
    assert.deepEqual(result.bytes.subarray(i * 512, i * 512 + 512), bytes.subarray(i * 1024, i * 1024 + 512));
  }
});

test("a request longer than the window still goes out, alone", async () => {
  const source = slowSource(pattern(100_000));
  const result = await fetchRanges(source, [{ offset: 0, length: 50_000 }, { offset: 90_000, length: 10 }], {
    maxGap: 0,
    window: 1000,
  });
  assert.equal(result.requests, 2);
  assert.equal(source.peak, 50_000);
  assert.equal(result.bytes.length, 50_010);
});

test("a read over the limits fails before a single request", async () => {
  const source = countingSource(memorySource(new Uint8Array(1000)));
  const ranges = Array.from({ length: 100 }, (_, i) => ({ offset: i * 10, length: 1 }));
  await assert.rejects(
    fetchRanges(source, ranges, { maxGap: 0, limits: { maxRequests: 99 } }),
    (e) => isCloudFitsError(e, "COST_LIMIT") && /100 requests, 100 B to read/.test(e.message),
  );
  await assert.rejects(
    readRanges(source, ranges, { maxGap: 0, limits: { maxRequests: 99 } }),
    (e) => isCloudFitsError(e, "COST_LIMIT"),
  );
  assert.equal(source.stats.requests, 0);
  assert.equal((await fetchRanges(source, ranges, { maxGap: 0, limits: { maxRead: 0 } })).requests, 100);
});

test("ranges past the end of an object of known size are TRUNCATED before anything is fetched", async () => {
  const source = countingSource(memorySource(new Uint8Array(1000)));
  await assert.rejects(
    readRanges(source, [{ offset: 10, length: 5 }, { offset: 990, length: 20 }]),
    (e) => isCloudFitsError(e, "TRUNCATED") && e.offset === 1000,
  );
  assert.equal(source.stats.requests, 0);
});

test("a short answer from a source of unknown size is TRUNCATED, naming the offset", async () => {
  const inner = memorySource(new Uint8Array(1000));
  const unknownSize: ByteSource = { name: "stream", size: undefined, read: (o, l) => inner.read(o, l) };
  await assert.rejects(
    readRanges(unknownSize, [{ offset: 900, length: 200 }]),
    (e) => isCloudFitsError(e, "TRUNCATED") && e.offset === 1000,
  );
});

test("the first failure aborts the requests still in flight and rejects once", async () => {
  const aborted: number[] = [];
  const failing: ByteSource = {
    name: "failing",
    size: 10_000,
    read(offset, _length, options) {
      if (offset === 0) return Promise.reject(new Error("boom"));
      return new Promise((_, reject) => {
        options?.signal?.addEventListener("abort", () => {
          aborted.push(offset);
          reject(options.signal?.reason);
        });
      });
    },
  };
  const ranges = [0, 1000, 2000, 3000].map((offset) => ({ offset, length: 10 }));
  await assert.rejects(fetchRanges(failing, ranges, { maxGap: 0, concurrency: 4 }), /boom/);
  assert.deepEqual(aborted.sort((a, b) => a - b), [1000, 2000, 3000]);
});

test("readRanges hands back ranges in the order asked, overlaps included", async () => {
  const source = countingSource(memorySource(pattern(1000)));
  const [a, b, c] = await readRanges(source, [{ offset: 500, length: 4 }, { offset: 10, length: 4 }, {
    offset: 12,
    length: 4,
  }]);
  assert.deepEqual([...a], [500 % 251, 501 % 251, 502 % 251, 503 % 251]);
  assert.deepEqual([...b], [10, 11, 12, 13]);
  assert.deepEqual([...c], [12, 13, 14, 15]);
  assert.deepEqual(source.stats.ranges, [{ offset: 10, length: 494 }]);
});
