/**
 * Indexing holds nothing per file (issue 14, item 1): the writer keeps the records of one leaf, the
 * reorder window bounds the results waiting to be written, and the listing is packed bytes sorted in
 * index order. Structural checks, not memory figures: each fails if per-file state comes back.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { buildHeader, formatCard } from "../src/fits/write.ts";
import { decodeIndex } from "../src/read/index.ts";
import { IndexWriter } from "../src/index_format/writer.ts";
import type { IndexedFile } from "../src/index_format/types.ts";
import { CandidateTableBuilder } from "../src/indexer/candidate_table.ts";
import { runInOrder } from "../src/indexer/in_order.ts";
import { concatBytes, type SpoolFile } from "../src/_bytes.ts";
import { memorySource } from "../src/source/memory.ts";
import { walkFile } from "../src/walk_file.ts";

/** File `i` of a run, with the HDUs of one walked file. */
function indexedFile(i: number, hdus: IndexedFile["hdus"]): IndexedFile {
  const path = `d${String(Math.floor(i / 1000)).padStart(3, "0")}/f${String(i).padStart(6, "0")}.fits`;
  return { path, size: 5760, hdus };
}

test("IndexWriter holds one leaf of records: 6,000 files are spooled as they come, not kept", async () => {
  const header = buildHeader([
    formatCard("SIMPLE", true),
    formatCard("BITPIX", 16),
    formatCard("NAXIS", 2),
    formatCard("NAXIS1", 10),
    formatCard("NAXIS2", 10),
    ...Array.from({ length: 30 }, (_, k) => formatCard(`KEY${k}`, k * 1.5, "a value")),
  ]);
  const { hdus } = await walkFile(memorySource(concatBytes([header, new Uint8Array(2880)])));
  const spooled: Uint8Array[] = [];
  const spool: SpoolFile = {
    append: (bytes) => Promise.resolve(void spooled.push(bytes)),
    get size() {
      return spooled.reduce((sum, bytes) => sum + bytes.length, 0);
    },
    read: async function* () {
      yield concatBytes(spooled);
    },
    close: () => Promise.resolve(),
  };
  const writer = new IndexWriter({ indexer: "test", createdMs: 0, spool });
  const files = 6000;
  let mostHeld = 0;
  for (let i = 0; i < files; i++) {
    await writer.add(indexedFile(i, hdus));
    mostHeld = Math.max(mostHeld, writer.heldFiles);
  }
  // A leaf is ~56 KB of records: some hundreds of these files, never a growing share of them.
  assert.ok(mostHeld < files / 4, `the writer held ${mostHeld} of ${files} records`);
  assert.ok(spooled.length >= 4, `${spooled.length} leaves spooled while adding`);
  const index = await decodeIndex(concatBytes(await Array.fromAsync((await writer.finish()).chunks())));
  let count = 0;
  for await (const path of index.paths()) assert.equal(path, indexedFile(count++, hdus).path);
  assert.equal(count, files);
});

test("runInOrder keeps at most `window` items started and not yet emitted, over 5,000 items", async () => {
  let started = 0;
  let emitted = 0;
  let most = 0;
  const order: number[] = [];
  await runInOrder(5000, { concurrency: 4, window: 16 }, async (i) => {
    started++;
    most = Math.max(most, started - emitted);
    // Later items finish first now and then, so results wait for earlier ones.
    await new Promise((resolve) => setTimeout(resolve, i % 7 === 0 ? 2 : 0));
    return i;
  }, (i) => {
    emitted++;
    order.push(i);
    return Promise.resolve();
  });
  assert.ok(most <= 16, `${most} items in flight`);
  assert.deepEqual(order, Array.from({ length: 5000 }, (_, i) => i));
});

test("the listing sorts by UTF-8 bytes, filters, refuses equal paths, and makes candidates on demand", async () => {
  const builder = new CandidateTableBuilder();
  // UTF-16 order puts the emoji (a surrogate pair) before U+FF01; UTF-8 order (the index's) after.
  for (const path of ["\u{1F600}.fits", "\uFF01.fits", "b.fits", "a.fits"]) {
    builder.add(0, { path, size: 2880, etag: path === "b.fits" ? '"e"' : undefined });
  }
  const origin = {
    display: (path: string) => `/data/${path}`,
    open: (path: string) => Promise.resolve(memorySource(new Uint8Array(2880), path)),
  };
  const table = builder.sorted([origin], (path) => path !== "a.fits");
  assert.deepEqual(
    Array.from({ length: table.length }, (_, i) => table.path(i)),
    ["b.fits", "\uFF01.fits", "\u{1F600}.fits"],
  );
  const candidate = table.at(0);
  assert.deepEqual({ ...candidate, open: undefined }, {
    path: "b.fits",
    display: "/data/b.fits",
    size: 2880,
    etag: '"e"',
    open: undefined,
  });
  assert.equal((await candidate.open()).size, 2880);
  // Nothing is cached per file: each call makes the candidate afresh.
  assert.notEqual(table.at(0), table.at(0));

  builder.add(0, { path: "b.fits" });
  assert.throws(() => builder.sorted([origin]), {
    code: "USAGE",
    message: /Two sources give the same path 'b\.fits': \/data\/b\.fits and \/data\/b\.fits/,
  });
});
