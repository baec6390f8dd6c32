/**
 * Catalogs (issue 14, item 4): an index whose directory outgrows the first read gets two directory
 * levels, so that any file's entry is ≤ 3 range requests of ≤ 64 KiB away, over a real HTTP server on
 * loopback; an index that fits keeps the one-read v1.0 layout. Entries are synthetic (a fixture's HDUs
 * under many long paths), made here, never stored.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { encodeIndex } from "../../src/index_format/encode.ts";
import type { IndexedFile } from "../../src/index_format/types.ts";
import { openIndex } from "../../src/open_index.ts";
import { decodeIndex } from "../../src/read/index.ts";
import { runCli } from "../_support/cli_io.ts";
import { startRangeServer } from "../_support/range_server.ts";
import { testdataFile } from "../_support/fixtures.ts";
import { syntheticFootprint } from "../_support/footprints.ts";
import { countedIndex, indexedFixture } from "./_support.ts";

const KIB = 1024;
const FILES = 8_000;

/** Paths of ~900 bytes that differ at the start, so each directory entry is long: few leaves per page. */
function pathOf(i: number): string {
  const hash = (Math.imul(i + 1, 2654435761) >>> 0).toString(16).padStart(8, "0");
  return `${hash}/${"p".repeat(900)}/mef_${i}.fits`;
}

const mef = await indexedFixture("mef_images.fits");
const files: IndexedFile[] = Array.from({ length: FILES }, (_, i) => ({ ...mef, path: pathOf(i) }));
const catalog = await encodeIndex(files, { createdMs: 0, dataUrl: "." });
const server = await startRangeServer({
  files: { "catalog.cfidx": catalog, [pathOf(4321)]: testdataFile("mef_images.fits") },
});
after(() => server.close());

test("a catalog opens in one read and finds any entry in two more, each ≤ 64 KiB", async () => {
  const source = countedIndex(catalog);
  const index = await decodeIndex(source);
  assert.equal(index.levels, 2);
  assert.equal(index.version, "1.1");
  assert.ok(index.leafCount >= 2, `${index.leafCount} directory pages`);
  assert.equal(index.fileCount, FILES);
  assert.deepEqual(source.stats.ranges, [{ offset: 0, length: 64 * KIB }]);

  for (const i of [0, 4321, FILES - 1]) {
    source.stats.ranges.length = 0;
    const found = await index.findFile(pathOf(i));
    assert.equal(found?.path, pathOf(i));
    assert.deepEqual(found?.hdus.map((hdu) => hdu.dataOffset), mef.hdus.map((hdu) => hdu.dataOffset));
    assert.ok(source.stats.ranges.length <= 2, `${source.stats.ranges.length} reads for entry ${i}`);
    for (const range of source.stats.ranges) assert.ok(range.length <= 64 * KIB, `${range.length} B`);
  }
  // A path that is not there costs its page and its leaf, and is not found.
  source.stats.ranges.length = 0;
  assert.equal(await index.findSummary(`${pathOf(4321)}x`), undefined);
  assert.ok(source.stats.ranges.length <= 2, `${source.stats.ranges.length} reads for a missing path`);
  for (const range of source.stats.ranges) assert.ok(range.length <= 64 * KIB, `${range.length} B`);

  // Iterating every file streams page by page, batching adjacent leaves.
  source.stats.ranges.length = 0;
  let count = 0;
  let previous = "";
  for await (const path of index.paths()) {
    assert.ok(path > previous);
    previous = path;
    count++;
  }
  assert.equal(count, FILES);
  // A page and a batch of its leaves at most per page, and no byte read twice.
  const reads = source.stats.ranges.toSorted((a, b) => a.offset - b.offset);
  assert.ok(reads.length <= 2 * index.leafCount, `${reads.length} reads for ${index.leafCount} pages`);
  reads.slice(1).forEach((range, i) =>
    assert.ok(reads[i].offset + reads[i].length <= range.offset, "overlap")
  );
});

test("over HTTP: openIndex reads a catalog lazily, ≤ 3 requests and ≤ 192 KiB to one entry", async () => {
  server.log.length = 0;
  await using opened = await openIndex(`${server.url}/catalog.cfidx`, { retries: 0 });
  const file = await opened.file(pathOf(4321));
  assert.equal(file.hdus.length, mef.hdus.length);
  const indexReads = server.log.filter((entry) => entry.path === "/catalog.cfidx");
  assert.ok(indexReads.length <= 3, `${indexReads.length} requests`);
  const bytes = indexReads.reduce((sum, entry) => sum + entry.bytes, 0);
  assert.ok(bytes <= 192 * KIB, `${bytes} bytes of a ${catalog.length}-byte catalog`);
  for (const entry of indexReads) assert.ok(entry.bytes <= 64 * KIB, `${entry.range}: ${entry.bytes} B`);

  // Then the data: straight to the HDU's bytes.
  const data = await opened.open(pathOf(4321));
  assert.equal(data.hdus[1].dataOffset, mef.hdus[1].dataOffset);
});

test("ls --index and header through a catalog on a server read only what the entry needs", async () => {
  server.log.length = 0;
  const listed = await runCli(["ls", "--index", `${server.url}/catalog.cfidx`, pathOf(4321), "--json"]);
  assert.equal(listed.code, 0, listed.stderr);
  const rows = JSON.parse(listed.stdout).files;
  assert.equal(rows.length, 1);
  assert.equal(rows[0].hdus.length, mef.hdus.length);
  assertEntryReads();

  // header answers from the entry's stored header text: the data file itself is not read.
  server.log.length = 0;
  const header = await runCli([
    "header",
    `${pathOf(4321)}[1]`,
    "--index",
    `${server.url}/catalog.cfidx`,
    "--json",
  ]);
  assert.equal(header.code, 0, header.stderr);
  const direct = await runCli(["header", "testdata/mef_images.fits[1]", "--json"]);
  assert.deepEqual(JSON.parse(header.stdout), JSON.parse(direct.stdout), "the same cards as read directly");
  assertEntryReads();
  const dataReads = server.log.filter((entry) => entry.path !== "/catalog.cfidx");
  assert.deepEqual(
    dataReads.map((entry) => entry.range),
    [],
    "the cards come from the catalog's header text",
  );
});

test("an index whose directory fits the first read keeps the v1.0 layout", async () => {
  const small = await encodeIndex(files.slice(0, 10), { createdMs: 0 });
  const index = await decodeIndex(small);
  assert.equal(index.levels, 1);
  assert.equal(index.version, "1.0");
  assert.equal(new DataView(small.buffer).getUint32(12, true) & 2, 0, "no CATALOG feature flag");
});

test("leaves stay within 64 KiB, and a damaged directory page is BAD_INDEX naming it", async () => {
  const index = await decodeIndex(catalog);
  assert.equal(index.levels, 2);
  // The PAGES section is the last one (no extra sections here): damage its first byte.
  const view = new DataView(catalog.buffer, catalog.byteOffset);
  const sections = view.getUint32(20, true);
  const pagesEntry = 64 + 32 * (sections - 1);
  assert.equal(view.getUint16(pagesEntry, true), 9);
  const pagesAt = Number(view.getBigUint64(pagesEntry + 8, true));
  const damaged = catalog.slice();
  damaged[pagesAt + 3] ^= 0xff;
  const opened = await decodeIndex(damaged);
  const firstPath = files.map((file) => file.path).sort()[0];
  await assert.rejects(opened.findFile(firstPath), {
    code: "BAD_INDEX",
    message: /directory page at \d+.*CRC-32C/,
  });

  // Leaf sizes: every leaf read while iterating is ≤ 64 KiB (one file's record is far smaller).
  const source = countedIndex(catalog);
  const reread = await decodeIndex(source, { maxBatchBytes: 1 });
  for await (const _ of reread.summaries()) { /* read every leaf alone */ }
  for (const range of source.stats.ranges.slice(1)) assert.ok(range.length <= 64 * KIB, `${range.length} B`);
});

/** The catalog's requests since the log was cleared: ≤ 3, each ≤ 64 KiB. */
function assertEntryReads(): void {
  const reads = server.log.filter((entry) => entry.path === "/catalog.cfidx");
  assert.ok(
    reads.length <= 3 && reads.every((entry) => entry.bytes <= 64 * KIB),
    JSON.stringify(reads.map((entry) => [entry.range, entry.bytes])),
  );
}

test("a catalog with a sky directory and frame summaries: find and frames read a few ≤ 64 KiB ranges, merge keeps them byte for byte", async () => {
  const { encodeFrameBlock } = await import("../../src/index_format/frames.ts");
  const { findPosition } = await import("../../src/find.ts");
  const { mergeShards } = await import("../../src/indexer/merge.ts");
  const { collectIndex } = await import("../../src/index_format/writer.ts");
  const { shardOfPath } = await import("../../src/indexer/shard.ts");
  const block = await encodeFrameBlock({
    tstart: new Float64Array([1, 2]),
    tstop: new Float64Array([2, 3]),
    quality: new Int32Array([0, 0]),
    ffiFiles: ["a.fits", "b.fits"],
    wcsRow: 0,
    wcsKeywords: {},
  }, mef.size);
  const framed = new Set([17, 4321]);
  const records = files.map((file, i) => framed.has(i) ? { ...file, frames: block } : file);
  // A 0.02° TAN image per file, along the equator.
  const footprints = files.map((file, i) => syntheticFootprint(file.path, (i * 0.04) % 360, 0, 20, 0.001));
  const bytes = await encodeIndex(records, { createdMs: 0, dataUrl: ".", footprints });

  const source = countedIndex(bytes);
  const index = await decodeIndex(source);
  assert.equal(index.levels, 2);
  for (const i of [17, 4321]) {
    source.stats.ranges.length = 0;
    assert.deepEqual((await index.findFrames(pathOf(i)))?.ffiFiles, ["a.fits", "b.fits"]);
    assert.ok(source.stats.ranges.length <= 1, `${source.stats.ranges.length} reads`);
  }
  source.stats.ranges.length = 0;
  assert.equal(await index.findFrames(pathOf(18)), undefined);
  assert.ok(source.stats.ranges.length <= 1, `${source.stats.ranges.length} reads for a file without frames`);
  let carried = 0;
  for await (const file of index.files({ frames: true })) if (file.frames) carried++;
  assert.equal(carried, 2);

  for (const i of [0, 4321, FILES - 1]) {
    const lookup = countedIndex(bytes);
    const found = await findPosition(lookup, { ra: footprints[i].ra, dec: 0 });
    assert.ok(found.some((match) => match.path === pathOf(i)), pathOf(i));
    assert.ok(lookup.stats.ranges.length <= 4, `${lookup.stats.ranges.length} reads`);
    for (const range of lookup.stats.ranges) assert.ok(range.length <= 64 * KIB, `${range.length} B`);
  }

  // Two shards, merged: the same bytes as the one-process catalog.
  const shard = (k: number) => {
    const mine = (_: unknown, i: number) => shardOfPath(pathOf(i), 2) === k;
    return encodeIndex(records.filter(mine), {
      createdMs: 0,
      dataUrl: ".",
      footprints: footprints.filter(mine),
      shard: { index: k, count: 2, sources: ["data/"] },
    });
  };
  const shards = [countedIndex(await shard(0)), countedIndex(await shard(1))];
  const merged = await mergeShards(shards.map((index, k) => ({ name: `${k}.cfidx`, index })), {
    createdMs: 0,
  });
  assert.deepEqual(await collectIndex(merged.index), bytes);
  // Each shard is read once, from an opening read of 64 KiB (`decodeIndex`'s, whose leaves follow on).
  for (const counted of shards) {
    assert.deepEqual(counted.stats.ranges[0], { offset: 0, length: 64 * KIB });
    assert.equal(counted.stats.bytes, counted.size, "each byte of the shard read once");
  }
});
