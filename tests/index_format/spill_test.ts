/**
 * Memory bounded by spilling (issue 14): the sky directory sorted in runs spilled to temporary
 * storage, the FRAMES blocks spooled as they come, a merge that streams both, and `files({ frames })`
 * reading blocks forward. Each path forced with a handful of records must give the bytes of the
 * in-memory one, and must have spilled.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { memorySpool, type SpoolFile } from "../../src/_bytes.ts";
import { crc32c } from "../../src/index_format/_crc32c.ts";
import { SortedRuns } from "../../src/index_format/_sorted_runs.ts";
import type { ByteReader, ByteWriter } from "../../src/index_format/_varint.ts";
import { encodeIndex } from "../../src/index_format/encode.ts";
import type { FootprintRecord } from "../../src/index_format/sky_cells.ts";
import type { IndexedFile } from "../../src/index_format/types.ts";
import { collectIndex, IndexWriter, SkySink } from "../../src/index_format/writer.ts";
import { mergeShards } from "../../src/indexer/merge.ts";
import { shardOfPath } from "../../src/indexer/shard.ts";
import { decodeIndex } from "../../src/read/index.ts";
import { seededRandom } from "../_support/range_server.ts";
import { syntheticFootprint } from "../_support/footprints.ts";
import { countedIndex, indexedFixture } from "./_support.ts";

/** Compare index bytes by length and CRC-32C: a failure's diff stays small. */
function sameBytes(actual: Uint8Array, expected: Uint8Array, message = "index bytes"): void {
  assert.deepEqual([actual.length, crc32c(actual)], [expected.length, crc32c(expected)], message);
}

/** Length and CRC-32C as Deno writes them (Bun's deflate compresses the pages differently). */
function pinned(bytes: Uint8Array, expected: [number, number]): void {
  if ("Deno" in globalThis) assert.deepEqual([bytes.length, crc32c(bytes)], expected);
}

/** Spools in memory that count what was written to them and read back. */
function countingSpools() {
  const written = { spools: 0, bytes: 0 };
  const read = { bytes: 0 };
  const open = (): Promise<SpoolFile> => {
    written.spools++;
    const spool = memorySpool();
    return Promise.resolve({
      get size() {
        return spool.size;
      },
      close: () => spool.close(),
      append: (bytes: Uint8Array) => {
        written.bytes += bytes.length;
        return spool.append(bytes);
      },
      read: async function* (end: number, start?: number) {
        for await (const chunk of spool.read(end, start)) {
          read.bytes += chunk.length;
          yield chunk;
        }
      },
    });
  };
  return { open, written, read };
}

/**
 * Small images and TESS-CCD-sized ones (filed at orders 7 and 3), and (when `wide`) a few 34° fields
 * (order 1), which lower the block order.
 */
function footprints(count: number, wide: boolean): FootprintRecord[] {
  const next = seededRandom(3);
  return Array.from({ length: count }, (_, i) => {
    // A third clustered (20° square), so that cells hold several footprints and pages refer back to them.
    const [ra, dec] = i % 3 === 0 ? [40 + next() * 20, 10 + next() * 20] : [next() * 360, next() * 160 - 80];
    if (wide && i % 10 === 9) return syntheticFootprint(`wide/f${i}.fits`, ra, dec, 2048, 60 / 3600);
    if (i % 5 === 4) return syntheticFootprint(`ccd/f${i}.fits`, ra, dec, 2048, 21 / 3600);
    return syntheticFootprint(`small/f${i}.fits`, ra, dec, 2000, (0.1 + next()) / 3600);
  });
}

async function skyIndex(
  records: FootprintRecord[],
  spill?: ReturnType<typeof countingSpools>,
  spillBytes = 2000,
) {
  const sky = new SkySink(spill ? { spool: spill.open, spillBytes } : {});
  const writer = new IndexWriter({ createdMs: 0, sinks: [sky] });
  await sky.footprints(records);
  return { bytes: await collectIndex(await writer.finish()), runs: sky.spilledRuns };
}

test("a sky directory sorted in spilled runs is byte for byte the one sorted in memory", async () => {
  const records = footprints(60, false);
  const held = await skyIndex(records);
  assert.equal(held.runs, 0, "the default budget holds 60 footprints");
  const spill = countingSpools();
  const spilled = await skyIndex(records, spill);
  assert.ok(spilled.runs > 5, `${spilled.runs} runs`);
  assert.equal(spill.written.spools, 1, "runs and cells share one temporary file");
  assert.ok(spill.written.bytes > held.bytes.length / 2, "runs and cells went to the spool");
  sameBytes(spilled.bytes, held.bytes);
  sameBytes(spilled.bytes, await encodeIndex([], { footprints: records, createdMs: 0 }));
  // What the encoder wrote before spilling existed: the layout has not moved.
  pinned(held.bytes, [73067, 0x5c47d3ae]);
  // An index without footprints opens no temporary storage for its empty sky directory.
  const none = countingSpools();
  sameBytes((await skyIndex([], none)).bytes, (await skyIndex([])).bytes, "an empty sky directory");
  assert.equal(none.written.spools, 0);
});

test("runs sorted before a larger footprint lowered the block order are sorted again", async () => {
  // The wide fields last: runs of orders 7 and 3 are first sorted for block order 3, then for 1.
  const wide = (record: FootprintRecord) => Number(record.path.startsWith("wide/"));
  const records = footprints(60, true).sort((a, b) => wide(a) - wide(b));
  const held = await skyIndex(records);
  // Runs large enough to hold entries of both orders from neighbouring blocks.
  const spilled = await skyIndex(records, countingSpools(), 20_000);
  assert.ok(spilled.runs >= 3, `${spilled.runs} runs`);
  sameBytes(spilled.bytes, held.bytes);
  pinned(held.bytes, [32167, 0xc483e0e2]);
});

const { hdus, size } = await indexedFixture("primary_only.fits");

test("more runs than are merged side by side are merged into longer runs first", async () => {
  const codec = {
    write: (writer: ByteWriter, value: number) => writer.varint(value),
    read: (reader: ByteReader) => reader.varint(),
    size: () => 10,
  };
  const spill = countingSpools();
  const runs = new SortedRuns<number>(codec, 40, spill.open);
  const next = seededRandom(9);
  const values = Array.from({ length: 2000 }, () => Math.floor(next() * 1e6));
  const ascending = (a: number, b: number) => a - b;
  for (const value of values) await runs.add(value, ascending);
  assert.equal(runs.runs, 500);
  const spilled = spill.written.bytes;
  const sorted = await Array.fromAsync(await runs.sorted(ascending));
  assert.deepEqual(sorted, [...values].sort(ascending));
  // 500 runs are more than 128 side by side: groups of them were written again as longer runs.
  assert.ok(spill.written.bytes > spilled * 1.5, `${spill.written.bytes} bytes after ${spilled}`);
});

/** A file standing for a TESS cube: its "frame block" is arbitrary bytes (blocks are copied, not read). */
function cube(i: number, blockBytes: number): IndexedFile {
  const next = seededRandom(100 + i);
  const frames = Uint8Array.from({ length: blockBytes }, () => Math.floor(next() * 256));
  return { path: `cubes/c${String(i).padStart(3, "0")}.fits`, size, hdus, frames };
}

test("FRAMES blocks go to temporary storage as they come; a checkpoint sees only the cubes added", async () => {
  const cubes = Array.from({ length: 6 }, (_, i) => cube(i, 3000 + i));
  const blockBytes = (files: IndexedFile[]) => files.reduce((sum, file) => sum + file.frames!.length, 0);
  const spill = countingSpools();
  const writer = new IndexWriter({ createdMs: 0, spools: spill.open });
  for (const file of cubes.slice(0, 4)) await writer.add(file);
  const checkpoint = await writer.snapshot();
  // The section's CRC-32C is the blocks' running one: placing the checkpoint reads nothing back.
  assert.equal(spill.read.bytes, 0);
  for (const file of cubes.slice(4)) await writer.add(file);
  const finishing = await writer.finish();
  assert.equal(spill.read.bytes, 0);
  const finished = await collectIndex(finishing);
  assert.equal(spill.written.bytes, blockBytes(cubes));
  assert.equal(spill.read.bytes, blockBytes(cubes), "writing the index reads each block once");
  sameBytes(finished, await encodeIndex(cubes, { createdMs: 0 }));
  // Read after more blocks were appended: the checkpoint still ends at its fourth cube.
  sameBytes(await collectIndex(checkpoint), await encodeIndex(cubes.slice(0, 4), { createdMs: 0 }));
  assert.equal(spill.read.bytes, blockBytes(cubes) + blockBytes(cubes.slice(0, 4)));
});

test("files({ frames }) reads the blocks forward in reads of about 1 MiB, not the section at once", async () => {
  const cubes = Array.from({ length: 40 }, (_, i) => cube(i, 60_000));
  const bytes = await encodeIndex(cubes, { createdMs: 0 });
  const source = countedIndex(bytes);
  const index = await decodeIndex(source);
  const files = await Array.fromAsync(index.files({ frames: true }));
  assert.equal(files.length, cubes.length);
  files.forEach((file, i) => sameBytes(file.frames!, cubes[i].frames!, file.path));
  const largest = Math.max(...source.stats.ranges.map((range) => range.length));
  assert.ok(largest <= 1024 * 1024 + 60_000, `largest read ${largest}`);
  assert.ok(source.stats.bytes < bytes.length * 1.1, "each block read once");
  assert.ok(source.stats.requests >= 3 && source.stats.requests <= 8, `${source.stats.requests} reads`);
});

test("a merge that spills its footprints and frame blocks equals the one-process index", async () => {
  const records = footprints(40, true);
  const cubes = Array.from({ length: 8 }, (_, i) => cube(i, 2000));
  const files: IndexedFile[] = [
    ...cubes,
    ...records.map((record) => ({ path: record.path, size, hdus })),
  ];
  const shards = await Promise.all([0, 1, 2].map(async (k) => {
    const mine = (path: string) => shardOfPath(path, 3) === k;
    const shard = { index: k, count: 3, sources: ["data/"] };
    const index = await encodeIndex(files.filter((file) => mine(file.path)), {
      shard,
      footprints: records.filter((record) => mine(record.path)),
    });
    return { name: `s${k}.cfidx`, index };
  }));
  const whole = await encodeIndex(files, { footprints: records, createdMs: 0 });
  const held = await mergeShards(shards, { createdMs: 0 });
  sameBytes(await collectIndex(held.index), whole);
  const [unspilled, spill] = [countingSpools(), countingSpools()];
  const stored = await mergeShards(shards, { createdMs: 0, spools: unspilled.open });
  const spilled = await mergeShards(shards, { createdMs: 0, spools: spill.open, spillBytes: 2000 });
  sameBytes(await collectIndex(stored.index), whole);
  sameBytes(await collectIndex(spilled.index), whole);
  assert.equal(spill.written.spools, 2, "one for the sky directory, one for the frame blocks");
  // Without spilling, the spools hold the cells and the blocks; spilling adds the runs.
  assert.ok(spill.written.bytes > unspilled.written.bytes + 40 * 300);
});

test("a merge reads each shard's sky directory ahead, in a few large reads, each byte once", async () => {
  const records = footprints(900, false);
  const shards = await Promise.all([0, 1, 2].map(async (k) => {
    const mine = (path: string) => shardOfPath(path, 3) === k;
    const index = await encodeIndex(
      records.filter((record) => mine(record.path)).map((record) => ({
        path: record.path,
        size,
        hdus,
      })),
      { shard: { index: k, count: 3, sources: ["data/"] }, footprints: records.filter((r) => mine(r.path)) },
    );
    return { name: `s${k}.cfidx`, bytes: index, index: countedIndex(index) };
  }));
  const merged = await mergeShards(shards, { createdMs: 0 });
  sameBytes(
    await collectIndex(merged.index),
    await encodeIndex(records.map((record) => ({ path: record.path, size, hdus })), {
      footprints: records,
      createdMs: 0,
    }),
  );
  for (const { bytes, index } of shards) {
    assert.ok(bytes.length > 2 * 65536, `a shard of ${bytes.length} B outgrows the first read`);
    assert.ok(index.stats.bytes <= bytes.length, `${index.stats.bytes} B read of ${bytes.length}`);
    assert.ok(index.stats.requests <= 4, `${index.stats.requests} reads`);
  }
});
