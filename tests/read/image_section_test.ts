import { test } from "node:test";
import assert from "node:assert/strict";
import { isCloudFitsError } from "../../src/errors.ts";
import { parseHeader } from "../../src/fits/header.ts";
import { describeHdu, type Hdu } from "../../src/fits/layout.ts";
import { buildHeader, formatCard } from "../../src/fits/write.ts";
import { HduHandle } from "../../src/hdu_handle.ts";
import { openFits } from "../../src/open.ts";
import { walkHdus } from "../../src/read/walk.ts";
import { countingSource } from "../../src/source/counting.ts";
import { memorySource } from "../../src/source/memory.ts";
import { testdataFile } from "../_support/fixtures.ts";
import { rejectsWith } from "../_support/expect_error.ts";
import type { SectionSpec } from "../../src/plan/image_section.ts";
import type { ByteSource } from "../../src/source/types.ts";

/** HDU 1 of a TESS FFI cube (astrocut's layout) with `frames` frames; its header at 2880, data at 5760. */
function tessCube(frames: number): Hdu {
  const cards = [
    formatCard("XTENSION", "IMAGE"),
    formatCard("BITPIX", -32),
    formatCard("NAXIS", 4),
    formatCard("NAXIS1", 2),
    formatCard("NAXIS2", frames),
    formatCard("NAXIS3", 2136),
    formatCard("NAXIS4", 2078),
    formatCard("PCOUNT", 0),
    formatCard("GCOUNT", 1),
  ];
  return describeHdu(parseHeader(buildHeader(cards), { offset: 2880 }), 1, 2880);
}

/** A source of zeros that records its reads and the most bytes outstanding at once, and holds nothing. */
function zeros(size: number): ByteSource & { reads: { offset: number; length: number }[]; peak: number } {
  let outstanding = 0;
  const source = {
    name: "cube.fits",
    size,
    reads: [] as { offset: number; length: number }[],
    peak: 0,
    async read(offset: number, length: number): Promise<Uint8Array> {
      source.reads.push({ offset, length });
      outstanding += length;
      source.peak = Math.max(source.peak, outstanding);
      await new Promise((resolve) => setTimeout(resolve, 0));
      outstanding -= length;
      return new Uint8Array(Math.max(0, Math.min(length, size - offset)));
    },
  };
  return source;
}

const sector = tessCube(1239); // about 44 GB, as sector 22 camera 4 CCD 4
const sectorSize = 5760 + Math.ceil(1239 * 35_508_864 / 2880) * 2880;

test("one frame of a 44 GB cube is planned honestly and refused before a byte is fetched", async () => {
  const source = zeros(sectorSize);
  const cube = new HduHandle(source, sector);
  const frame: SectionSpec = [[0, 2048], [0, 2048], 599, 0];
  const plan = cube.plan(frame);
  assert.deepEqual(plan.shape, [2048, 2048]);
  assert.equal(plan.requests, 6144);
  assert.equal(plan.bytesToRead, 41_513_066_496);
  assert.equal(plan.bytesNeeded, 2048 * 2048 * 4);
  assert.equal(plan.complete, true);
  assert.equal(plan.cost.total.toFixed(2), "3.74");
  await assert.rejects(
    cube.section(frame),
    (e) =>
      isCloudFitsError(e, "COST_LIMIT") &&
      /6,144 requests, 41\.5 GB to read, 16\.8 MB needed/.test(e.message),
  );
  assert.equal(source.reads.length, 0);
  // Without coalescing the same frame is 4.2 million requests: refused for their number.
  await assert.rejects(cube.section(frame, { maxGap: 0 }), /more than 10,000 requests/);
  assert.equal(source.reads.length, 0);
});

test("a 5×5-pixel light curve of the same cube is 5 requests of exactly the bytes needed", async () => {
  const source = zeros(sectorSize);
  const cube = new HduHandle(source, sector);
  const lightCurve: SectionSpec = [[539, 544], [1012, 1017], null, null];
  const plan = cube.plan(lightCurve);
  assert.deepEqual([plan.requests, plan.bytesToRead, plan.bytesNeeded], [5, 247_800, 247_800]);
  const read = await cube.section(lightCurve);
  assert.deepEqual(read.shape, [5, 5, 1239, 2]);
  const row = (r: number) => 5760 + ((r * 2136 + 1012) * 1239 * 2) * 4;
  assert.deepEqual(
    source.reads,
    [539, 540, 541, 542, 543].map((r) => ({ offset: row(r), length: 5 * 1239 * 8 })),
  );
});

test("with the limit lifted, a strided frame read holds no more than the window", async () => {
  const hdu = tessCube(20);
  const source = zeros(5760 + Math.ceil(20 * 35_508_864 / 2880) * 2880);
  const cube = new HduHandle(source, hdu);
  const window = 16 * 2 ** 20;
  const frame = await cube.section([[0, 2048], [0, 2048], 9, 0], { limits: { maxRead: 0 }, window });
  assert.deepEqual(frame.shape, [2048, 2048]);
  assert.equal(frame.data.length, 2048 * 2048);
  const fetched = source.reads.reduce((sum, r) => sum + r.length, 0);
  assert.ok(fetched > 600e6, `${fetched} bytes fetched`);
  assert.ok(source.peak <= window, `${source.peak} bytes outstanding with a ${window}-byte window`);
});

test("a compressed cutout is held to the limits as one read: descriptors and tiles together", async () => {
  const source = countingSource(memorySource(testdataFile("compressed_rice.fits")));
  // The HDUs as an index gives them: no read is served from the bytes of a header read.
  const fits = await openFits(source, { hdus: (await walkHdus(source)).hdus });
  const cube = fits.hdu(1);
  const spec: SectionSpec = [[0, 5], [0, 5]];
  const first = cube.plan(spec);
  assert.equal(first.complete, false, "the tiles are planned from the descriptors");
  source.stats.ranges.length = 0;
  const whole = await cube.section(spec, { limits: { maxRead: 1e6 } });
  const [rows, tiles] = source.stats.ranges;
  assert.equal(rows.length, first.bytesToRead);
  const total = rows.length + tiles.length;
  assert.deepEqual(whole.shape, [5, 5]);
  // One byte under the two reads together: each alone would fit, the whole read does not.
  source.stats.ranges.length = 0;
  await rejectsWith(cube.section(spec, { limits: { maxRead: total - 1 } }), "COST_LIMIT");
  assert.deepEqual(source.stats.ranges, [rows], "the descriptors were read, no tile");
  assert.deepEqual(await cube.section(spec, { limits: { maxRead: total } }), whole);
});
