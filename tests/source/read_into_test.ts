/**
 * The `into` read option: sources that can write a read straight into the caller's buffer, and
 * fetchRanges offering its output for requests that are all one piece.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { fetchRanges } from "../../src/read/read_ranges.ts";
import { withCache } from "../../src/source/cache.ts";
import { openFileSource } from "../../src/source/file.ts";
import { httpSource } from "../../src/source/http.ts";
import { memorySource } from "../../src/source/memory.ts";
import { withRetry } from "../../src/source/retry.ts";
import { type ByteSource, isReadInto, type ReadOptions } from "../../src/source/types.ts";
import { serveObject, startRangeServer } from "../_support/range_server.ts";
import { testdataFile, testdataPath } from "../_support/fixtures.ts";

const server = await startRangeServer();
after(() => server.close());
const fixture = testdataFile("tess_cube.fits");

/** A memory source that records the `into` each read was offered. */
function offeredSource(): { source: ByteSource; offered: (Uint8Array | undefined)[] } {
  const inner = memorySource(fixture);
  const offered: (Uint8Array | undefined)[] = [];
  const source: ByteSource = {
    name: inner.name,
    size: inner.size,
    read(offset: number, length: number, options?: ReadOptions) {
      offered.push(options?.into);
      return inner.read(offset, length);
    },
  };
  return { source, offered };
}

test("fetchRanges offers its output to a request that is all one piece, not to one with gaps", async () => {
  const { source, offered } = offeredSource();
  const one = await fetchRanges(source, [{ offset: 100, length: 50 }]);
  assert.equal(offered.length, 1);
  assert.ok(offered[0] !== undefined && isReadInto(offered[0], one.bytes), "the whole output");
  const two = await fetchRanges(source, [{ offset: 0, length: 4 }, { offset: 8, length: 4 }]);
  assert.equal(offered[1], undefined, "one request, two pieces: copied");
  assert.deepEqual([...two.bytes], [...fixture.subarray(0, 4), ...fixture.subarray(8, 12)]);
  assert.deepEqual([...one.bytes], [...fixture.subarray(100, 150)], "a source that ignores `into` is copied");
});

test("a file source reads into the offered buffer; at the end of the file, a view of what exists", async () => {
  await using file = await openFileSource(testdataPath("tess_cube.fits"));
  const into = new Uint8Array(64);
  const bytes = await file.read(2880, 64, { into });
  assert.ok(isReadInto(bytes, into));
  assert.deepEqual([...into], [...fixture.subarray(2880, 2944)]);
  const tail = await file.read(fixture.length - 10, 64, { into });
  assert.deepEqual([tail.length, isReadInto(tail, into)], [10, true]);
  const { bytes: all } = await fetchRanges(file, [{ offset: 0, length: fixture.length }]);
  assert.deepEqual(all, fixture);
});

test("an HTTP source, through withRetry, collects a ranged body into the offered buffer", async () => {
  const object = serveObject(server, fixture);
  const source = withRetry(httpSource(object.url));
  const into = new Uint8Array(100_000);
  const bytes = await source.read(5760, 2880, { into: into.subarray(10) });
  assert.ok(isReadInto(bytes, into.subarray(10)));
  assert.deepEqual(bytes, fixture.subarray(5760, 8640));
  const { bytes: all } = await fetchRanges(source, [{ offset: 0, length: fixture.length }]);
  assert.deepEqual(all, fixture);
});

test("a cache keeps its own copy: the caller's buffer is never what it hands out later", async () => {
  await using file = await openFileSource(testdataPath("tess_cube.fits"));
  const cached = withCache(file);
  const into = new Uint8Array(80);
  const first = await cached.read(0, 80, { into });
  assert.ok(!isReadInto(first, into));
  into.fill(0); // a caller that decodes in place must not spoil the next read
  assert.deepEqual(await cached.read(0, 80), fixture.subarray(0, 80));
});
