/**
 * A TESS cube's frame summary in the index (FRAMES section): `cloudfits index` stores it, and light
 * curves and target pixel files through the index then read only the pixels from the cube — library and
 * CLI, counted on the loopback range server. Old indexes without it still work (the frame table is read),
 * and a summary that does not fit the file is refused.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openFits } from "../../src/open.ts";
import { openIndex } from "../../src/open_index.ts";
import { memorySource } from "../../src/source/memory.ts";
import { lightCurve } from "../../src/light_curve.ts";
import { cutoutSky } from "../../src/sky_cutout.ts";
import { walkHdus } from "../../src/read/walk.ts";
import { encodeIndex } from "../../src/index_format/encode.ts";
import { decodeIndex } from "../../src/read/index.ts";
import { encodeFrameBlock, framesSection } from "../../src/index_format/frames.ts";
import { collectIndex, IndexWriter } from "../../src/index_format/writer.ts";
import { FrameSectionReader } from "../../src/read/index_frames.ts";
import { crc32c } from "../../src/index_format/_crc32c.ts";
import { readFrameSummary } from "../../src/tess_cube.ts";
import { mergeShards } from "../../src/indexer/merge.ts";
import { countingSource } from "../../src/source/counting.ts";
import { runCli } from "../_support/cli_io.ts";
import { startRangeServer } from "../_support/range_server.ts";
import { EXPECTED } from "./_expected.ts";

const cubeBytes = new Uint8Array(readFileSync(new URL("../../testdata/tess_cube.fits", import.meta.url)));
const TESS = EXPECTED.tess_cube;
const box = TESS.cases[0]; // 3 × 3 pixels
const frames = TESS.time.length;
/** One row of a 3-pixel-wide box: (flux, error) of every frame of 3 adjacent pixels, contiguous in the cube. */
const rowBytes = 3 * frames * 2 * 4;

async function indexOf(withFrames: boolean, size = cubeBytes.length): Promise<Uint8Array> {
  const { hdus } = await walkHdus(memorySource(cubeBytes));
  const fits = await openFits(memorySource(cubeBytes), { hdus });
  const frames = withFrames ? await encodeFrameBlock(await readFrameSummary(fits), size) : undefined;
  return await encodeIndex([{
    path: "tess_cube.fits",
    size: cubeBytes.length,
    hdus,
    ...(frames ? { frames } : {}),
  }]);
}

test("through an index with frame summaries, a light curve reads only the box's rows from the cube", async () => {
  const server = await startRangeServer({ files: { "tess_cube.fits": cubeBytes } });
  try {
    for (const withFrames of [true, false]) {
      const bytes = await indexOf(withFrames);
      await using index = await openIndex(bytes, { dataRoot: server.url });
      const fits = await index.open("tess_cube.fits");
      server.log.length = 0;
      // Rows of a real cube lie 20 MB apart and never share a request; maxGap 0 makes the fixture's do the same.
      const curve = await lightCurve(fits, { ra: box.ra, dec: box.dec, size: 3, maxGap: 0 });
      await server.idle();
      const read = server.log.reduce((sum, entry) => sum + entry.bytes, 0);
      const table = fits.hdus[2];
      if (withFrames) {
        assert.equal(server.log.length, 3, "one request per row of the box, nothing else");
        assert.equal(read, 3 * rowBytes, "exactly the pixels");
        assert.ok(
          server.log.every((entry) => Number(entry.range!.slice(6).split("-")[0]) < table.headerOffset),
        );
      } else {
        assert.equal(server.log.length, 1 + 3, "an old index: the frame table, then the rows");
        assert.equal(read, table.dataSize + 3 * rowBytes);
      }
      assert.deepEqual([...curve.time], TESS.time);
      assert.deepEqual([...curve.quality], TESS.quality);
      const direct = await lightCurve(await openFits(memorySource(cubeBytes)), {
        ra: box.ra,
        dec: box.dec,
        size: 3,
      });
      const body = (csv: string) => csv.split("\n").slice(1);
      assert.deepEqual(body(curve.toCsv()), body(direct.toCsv()), "the same curve as from the cube alone");
      await fits.close();
    }
  } finally {
    await server.close();
  }
});

test("a TPF through the index equals the TPF from the cube alone", async () => {
  await using index = await openIndex(await indexOf(true), { dataRoot: "unused" });
  const fits = await index.open("tess_cube.fits", memorySource(cubeBytes));
  const viaIndex = await cutoutSky(fits, { ra: box.ra, dec: box.dec, size: 3 });
  const direct = await cutoutSky(await openFits(memorySource(cubeBytes)), {
    ra: box.ra,
    dec: box.dec,
    size: 3,
  });
  assert.equal(viaIndex.cube?.wcsRow, 4);
  assert.deepEqual(viaIndex.toFits(), direct.toFits());
});

test("frame summaries are found by path; one for a file of another size, or damaged, is refused", async () => {
  const bytes = await indexOf(true);
  const served = new Map([["cubes.cfidx", bytes]]);
  const server = await startRangeServer({ files: served });
  try {
    const index = await decodeIndex(memorySource(bytes));
    assert.equal(index.fileCount, 1);
    await using remote = await openIndex(`${server.url}/cubes.cfidx`, { dataRoot: "unused" });
    server.log.length = 0;
    const summary = await remote.index.findFrames("tess_cube.fits");
    assert.deepEqual([...summary!.quality], TESS.quality);
    assert.equal(server.log.length, 0, "an index this small arrived whole with its first read");
    assert.equal(await remote.index.findFrames("other.fits"), undefined);

    // A summary made for a file of another size: the index contradicts itself.
    await using wrong = await openIndex(await indexOf(true, cubeBytes.length + 2880), { dataRoot: "unused" });
    const fits = await wrong.open("tess_cube.fits", memorySource(cubeBytes));
    await assert.rejects(lightCurve(fits, { ra: box.ra, dec: box.dec }), { code: "BAD_INDEX" });

    // A damaged block fails its CRC-32C.
    const damaged = bytes.slice();
    damaged[damaged.length - 5] ^= 0xff;
    const broken = await decodeIndex(damaged);
    await assert.rejects(broken.findFrames("tess_cube.fits"), { code: "BAD_INDEX", message: /FRAMES/ });
  } finally {
    await server.close();
  }
});

test("cloudfits index stores the frame summary; lightcurve --index then reads only pixels (CLI, HTTP)", async () => {
  const server = await startRangeServer({ files: { "tess_cube.fits": cubeBytes } });
  const dir = await mkdtemp(join(tmpdir(), "cloudfits-frames-"));
  try {
    const index = join(dir, "cubes.cfidx");
    const built = await runCli(["index", `${server.url}/tess_cube.fits`, "-o", index]);
    assert.equal(built.code, 0, built.stderr);
    const decoded = await decodeIndex(new Uint8Array(await readFile(index)));
    assert.ok(await decoded.findFrames("tess_cube.fits"), "the indexer stored the summary");
    // A rewrite of the index (every record kept) keeps it too.
    const again = await runCli(["index", `${server.url}/tess_cube.fits`, "-o", index]);
    assert.equal(again.code, 0, again.stderr);
    assert.ok(await (await decodeIndex(new Uint8Array(await readFile(index)))).findFrames("tess_cube.fits"));

    server.log.length = 0;
    const csv = join(dir, "lc.csv");
    const run = await runCli([
      "lightcurve",
      "--index",
      index,
      "tess_cube.fits",
      "--ra",
      String(box.ra),
      "--dec",
      String(box.dec),
      "--size",
      "3",
      "--request-cost",
      "0",
      "-o",
      csv,
    ]);
    assert.equal(run.code, 0, run.stderr);
    await server.idle();
    assert.equal(server.log.length, 3, server.log.map((entry) => entry.range).join(" "));
    assert.equal(server.log.reduce((sum, entry) => sum + entry.bytes, 0), 3 * rowBytes);
    const rows = (await readFile(csv, "utf8")).trim().split("\n");
    assert.equal(rows.length, 2 + frames);
  } finally {
    await rm(dir, { recursive: true, force: true });
    await server.close();
  }
});

test("merging shards keeps each cube's frame summary; a many-file index reads the table, then the block", async () => {
  const { hdus } = await walkHdus(memorySource(cubeBytes));
  const summary = await readFrameSummary(await openFits(memorySource(cubeBytes), { hdus }));
  const frames = await encodeFrameBlock(summary, cubeBytes.length);
  const shard = (index: number) => ({ index, count: 2, sources: ["cubes/"] });
  const record = (path: string) => ({ path, size: cubeBytes.length, hdus, frames });
  // A cube of 8,000 frames with incompressible times: its block alone outgrows the first read.
  const random = (n: number) =>
    Float64Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898) * 43758.5453);
  const big = await encodeFrameBlock({
    ...summary,
    tstart: random(8000),
    tstop: random(8000).map((v) => v + 1),
    barycorr: random(8000),
    quality: new Int32Array(8000),
    ffiFiles: Array.from({ length: 8000 }, (_, i) => `f${i}.fits`),
  }, cubeBytes.length);
  const merged = await mergeShards([
    { name: "a.cfidx", index: await encodeIndex([record("a.fits"), record("b.fits")], { shard: shard(0) }) },
    {
      name: "b.cfidx",
      index: await encodeIndex([record("c.fits"), { ...record("d.fits"), frames: big }], { shard: shard(1) }),
    },
  ]).then(async (merged) => ({ ...merged, bytes: await collectIndex(merged.index) }));
  assert.ok(merged.bytes.length > 16384 + 64 * 1024, `${merged.bytes.length} B`);
  const index = await decodeIndex(merged.bytes);
  for (const path of ["a.fits", "b.fits", "c.fits"]) {
    assert.deepEqual((await index.findFrames(path))?.ffiFiles, summary.ffiFiles, path);
  }
  assert.equal((await index.findFrames("d.fits"))?.tstart.length, 8000);

  const counted = countingSource(memorySource(merged.bytes));
  const remote = await decodeIndex(counted);
  const reads = () => counted.stats.requests;
  const opened = reads();
  assert.equal((await remote.findFrames("b.fits"))?.wcsRow, 4);
  assert.equal(reads() - opened, 1, "the first 64 KiB of the section: the table and the small blocks");
  assert.equal((await remote.findFrames("a.fits"))?.wcsRow, 4);
  assert.equal(reads() - opened, 1, "the table and those blocks are kept");
  assert.equal((await remote.findFrames("d.fits"))?.tstart.length, 8000);
  assert.equal(reads() - opened, 2, "one read of the large block");

  // A one-file index larger than the first read: one more read, of exactly the bytes the first missed.
  const alone = await encodeIndex([{ ...record("d.fits"), frames: big }]);
  assert.ok(alone.length > 16384, `${alone.length} B`);
  const source = countingSource(memorySource(alone));
  const single = await decodeIndex(source);
  assert.equal((await single.findFrames("d.fits"))?.tstart.length, 8000);
  assert.deepEqual([source.stats.requests, source.stats.bytes], [2, alone.length]);
});

test("a cube rewritten after indexing (same size, new ETag) fails its pixel reads as stale, with a frame summary too", async () => {
  const server = await startRangeServer({ files: { "tess_cube.fits": cubeBytes } });
  const dir = await mkdtemp(join(tmpdir(), "cloudfits-stale-"));
  try {
    const index = join(dir, "cubes.cfidx");
    assert.equal((await runCli(["index", `${server.url}/tess_cube.fits`, "-o", index])).code, 0);
    const rewritten = cubeBytes.slice();
    rewritten[5760 + 100] ^= 1; // one pixel changes; the size and the frame table do not
    server.setFile("tess_cube.fits", rewritten);
    await using opened = await openIndex(new Uint8Array(await readFile(index)));
    const fits = await opened.open("tess_cube.fits");
    await assert.rejects(lightCurve(fits, { ra: box.ra, dec: box.dec }), { code: "STALE" });
  } finally {
    await rm(dir, { recursive: true, force: true });
    await server.close();
  }
});

test("a FRAMES table longer than the first 64 KiB is completed with one read of the rest", async () => {
  const block = await encodeFrameBlock({
    tstart: new Float64Array([7]),
    tstop: new Float64Array([8]),
    quality: new Int32Array(1),
    ffiFiles: ["f.fits"],
    wcsRow: 0,
    wcsKeywords: {},
  }, 2880);
  const entries = Array.from(
    { length: 6000 },
    (_, i) => ({ path: `s${String(i).padStart(5, "0")}.fits`, block }),
  );
  // An index of no file with this FRAMES section alone, placed by the writer as any section after the leaves.
  const rows = entries.map(({ path }) => ({ path, length: block.length, crc: crc32c(block) }));
  const sink = {
    add() {},
    sections: () => [
      framesSection(
        rows,
        () => entries.map((e) => e.block),
        entries.reduce((crc, e) => crc32c(e.block, crc), 0),
      ),
    ],
  };
  const bytes = await collectIndex(await new IndexWriter({ createdMs: 0, sinks: [sink] }).finish());
  // The open region only (the index's first read would hold more): the section lies beyond it.
  const head = bytes.subarray(0, new DataView(bytes.buffer).getUint32(32, true));
  const reads: [number, number][] = [];
  const frames = new FrameSectionReader(
    (offset, length) => {
      reads.push([offset, length]);
      return Promise.resolve(bytes.slice(offset, offset + length));
    },
    "many.cfidx",
    head,
    6000,
  );
  assert.deepEqual([...(await frames.find("s05999.fits"))!.tstart], [7]);
  assert.equal(await frames.find("s06000.fits"), undefined);
  const section = head.length;
  assert.deepEqual(reads[0], [section, 65536], "the first 64 KiB of the section");
  assert.equal(reads[1][0], section + 65536, "then the rest of the table, not the first 64 KiB again");
  assert.equal(reads.length, 3, "then the block");
});
