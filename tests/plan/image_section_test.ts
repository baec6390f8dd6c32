import { test } from "node:test";
import assert from "node:assert/strict";
import { type CloudFitsErrorCode, isCloudFitsError } from "../../src/errors.ts";
import { type HeaderValue, parseHeader } from "../../src/fits/header.ts";
import { describeHdu, type Hdu } from "../../src/fits/layout.ts";
import { walkHdus } from "../../src/read/walk.ts";
import { buildHeader, formatCard } from "../../src/fits/write.ts";
import { planImageSection, type SectionPlan, type SectionSpec } from "../../src/plan/image_section.ts";
import type { ByteRange } from "../../src/plan/types.ts";
import { readImageSection } from "../../src/read/image_section.ts";
import { countingSource } from "../../src/source/counting.ts";
import { memorySource } from "../../src/source/memory.ts";
import { fixture } from "../_support/fixtures.ts";
import { throwsWith } from "../_support/expect_error.ts";

function hduOf(cards: [string, HeaderValue][], headerOffset = 0): Hdu {
  return describeHdu(parseHeader(buildHeader(cards.map(([k, v]) => formatCard(k, v)))), 1, headerOffset);
}

function image(bitpix: number, axes: number[], headerOffset = 0): Hdu {
  return hduOf([
    ["XTENSION", "IMAGE"],
    ["BITPIX", bitpix],
    ["NAXIS", axes.length],
    ...axes.map((n, i): [string, HeaderValue] => [`NAXIS${i + 1}`, n]),
    ["PCOUNT", 0],
    ["GCOUNT", 1],
  ], headerOffset);
}

function planError(hdu: Hdu, spec: SectionSpec, code: CloudFitsErrorCode, pattern: RegExp): void {
  throwsWith(() => planImageSection(hdu, spec), code, pattern);
}

// A sector-26 TESS cube: numpy shape (2078 rows, 2136 columns, 1148 frames, 2 planes), float32, data at 5760.
const FRAMES = 1148;
const tess = image(-32, [2, FRAMES, 2136, 2078], 2880);
const pixelOffset = (r: number, c: number, t = 0, p = 0) =>
  5760 + 4 * (((r * 2136 + c) * FRAMES + t) * 2 + p);

test("a TESS light curve [r, c, all frames, all planes] is one range", () => {
  const plan = planImageSection(tess, [100, 200, null, null]);
  assert.deepEqual(plan.shape, [FRAMES, 2]);
  assert.deepEqual([...plan.ranges], [{ offset: pixelOffset(100, 200), length: FRAMES * 8 }]);
  const flux = planImageSection(tess, [100, 200, null, 0]);
  assert.deepEqual(flux.shape, [FRAMES]);
  assert.equal(flux.ranges.count, FRAMES);
  assert.deepEqual([...flux.ranges][1], { offset: pixelOffset(100, 200, 1), length: 4 });
});

/** A plan with its lazily listed ranges spelt out, for comparison. */
function listed(plan: SectionPlan): { shape: number[]; ranges: ByteRange[] } {
  return { shape: plan.shape, ranges: [...plan.ranges] };
}

test("a TESS cutout over all frames is one range per row when the columns are contiguous", () => {
  const plan = planImageSection(tess, [[10, 13], [20, 30], null, null]);
  assert.deepEqual(plan.shape, [3, 10, FRAMES, 2]);
  assert.deepEqual(
    [...plan.ranges],
    [10, 11, 12].map((r) => ({ offset: pixelOffset(r, 20), length: 10 * FRAMES * 8 })),
  );
});

test("a TESS time window is one range per pixel", () => {
  const plan = planImageSection(tess, [[10, 12], [20, 22], [100, 150], null]);
  assert.deepEqual(plan.shape, [2, 2, 50, 2]);
  assert.deepEqual([...plan.ranges], [
    { offset: pixelOffset(10, 20, 100), length: 400 },
    { offset: pixelOffset(10, 21, 100), length: 400 },
    { offset: pixelOffset(11, 20, 100), length: 400 },
    { offset: pixelOffset(11, 21, 100), length: 400 },
  ]);
});

test("a whole image, or whole rows, is one range", () => {
  const img = image(16, [10, 8], 0); // numpy shape (8, 10), int16, data at 2880
  assert.deepEqual(listed(planImageSection(img, [])), {
    shape: [8, 10],
    ranges: [{ offset: 2880, length: 160 }],
  });
  assert.deepEqual([...planImageSection(img, [[2, 5], null]).ranges], [{ offset: 2880 + 40, length: 60 }]);
  assert.deepEqual([...planImageSection(tess, [7]).ranges], [{
    offset: pixelOffset(7, 0),
    length: 2136 * FRAMES * 8,
  }]);
  assert.deepEqual(listed(planImageSection(tess, [5, 6, 7, 1])), {
    shape: [],
    ranges: [{ offset: pixelOffset(5, 6, 7, 1), length: 4 }],
  });
});

test("steps and negative indices follow numpy", () => {
  const img = image(16, [10, 8], 0);
  const plan = planImageSection(img, [[0, 8, 3], [1, 9, 4]]);
  assert.deepEqual(plan.shape, [3, 2]);
  const at = (r: number, c: number) => ({ offset: 2880 + 2 * (r * 10 + c), length: 2 });
  assert.deepEqual([...plan.ranges], [at(0, 1), at(0, 5), at(3, 1), at(3, 5), at(6, 1), at(6, 5)]);
  const tail = planImageSection(img, [-1, [-3, 10]]);
  assert.deepEqual(listed(tail), { shape: [3], ranges: [{ offset: 2880 + 2 * (7 * 10 + 7), length: 6 }] });
  // Slices clamp to the axis and may be empty, as in numpy.
  assert.deepEqual(planImageSection(img, [[0, 100], null]).shape, [8, 10]);
  assert.deepEqual(planImageSection(img, [[-100, 2], null]).shape, [2, 10]);
  assert.deepEqual(listed(planImageSection(img, [[5, 5], null])), { shape: [0, 10], ranges: [] });
  assert.deepEqual(listed(planImageSection(img, [[6, 2], null])), { shape: [0, 10], ranges: [] });
});

test("out-of-range indices say numpy order, 0-based", () => {
  const img = image(16, [10, 8], 0);
  planError(img, [8, null], "OUT_OF_RANGE", /index 8 on axis 0 .*length 8 \(numpy order, 0-based\)/);
  planError(img, [0, -11], "OUT_OF_RANGE", /index -11 on axis 1/);
  planError(img, [0, 0, 0], "OUT_OF_RANGE", /3 axes .*has 2 \(numpy order, 0-based\)/);
  assert.throws(() => planImageSection(img, [[0, 4, 0]]), RangeError);
  assert.throws(() => planImageSection(img, [[0, 4, -1]]), RangeError);
  assert.throws(() => planImageSection(img, [1.5]), RangeError);
  assert.throws(() => planImageSection(img, [[1] as unknown as [number, number]]), TypeError);
});

test("tables, compressed images and empty HDUs are refused", () => {
  const table = hduOf([
    ["XTENSION", "BINTABLE"],
    ["BITPIX", 8],
    ["NAXIS", 2],
    ["NAXIS1", 4],
    ["NAXIS2", 3],
    [
      "PCOUNT",
      0,
    ],
    ["GCOUNT", 1],
    ["TFIELDS", 0],
  ]);
  planError(table, [], "USAGE", /is a BINTABLE, not an image/);
  const compressed = hduOf([
    ["XTENSION", "BINTABLE"],
    ["BITPIX", 8],
    ["NAXIS", 2],
    ["NAXIS1", 8],
    ["NAXIS2", 1],
    [
      "PCOUNT",
      0,
    ],
    ["GCOUNT", 1],
    ["ZIMAGE", true],
  ]);
  planError(compressed, [], "UNSUPPORTED", /tile-compressed, so its ranges come from planTileSection/);
  planError(hduOf([["SIMPLE", true], ["BITPIX", 8], ["NAXIS", 0]]), [], "USAGE", /no data \(NAXIS = 0\)/);
});

test("random groups plan one range per group, skipping the group parameters", async () => {
  const { hdus } = await walkHdus(
    memorySource(fixture("random_groups")),
  );
  const groups = hdus[0];
  assert.equal(groups.type, "GROUPS");
  const plan = planImageSection(groups, []);
  assert.deepEqual(plan.shape, [6, 1, 2, 3]);
  // Each group: 6 float32 parameters, then 6 float32 array values.
  assert.deepEqual(
    [...plan.ranges],
    [0, 1, 2, 3, 4, 5].map((g) => ({ offset: 2880 + g * 48 + 24, length: 24 })),
  );
});

test("readImageSection reads a light curve of tess_cube.fits in one exact read", async () => {
  const bytes = fixture("tess_cube");
  const { hdus } = await walkHdus(memorySource(bytes));
  const source = countingSource(memorySource(bytes));
  const curve = await readImageSection(source, hdus[1], [2, 3, null, null]);
  assert.deepEqual(curve.shape, [8, 2]);
  // numpy shape (5, 6, 8, 2): pixel (2, 3) starts at 5760 + 4 × (2 × 6 + 3) × 16.
  assert.deepEqual(source.stats.ranges, [{ offset: 5760 + 4 * 15 * 16, length: 64 }]);
});

test("readImageSection coalesces nearby runs unless told not to", async () => {
  const bytes = fixture("tess_cube");
  const { hdus } = await walkHdus(memorySource(bytes));
  const spec: SectionSpec = [[1, 4], [2, 5], [3, 6], 1];
  const first = 5760 + 4 * (((1 * 6 + 2) * 8 + 3) * 2 + 1);
  const last = 5760 + 4 * (((3 * 6 + 4) * 8 + 5) * 2 + 1);
  const merged = countingSource(memorySource(bytes));
  const a = await readImageSection(merged, hdus[1], spec);
  assert.deepEqual(merged.stats.ranges, [{ offset: first, length: last + 4 - first }]);
  const separate = countingSource(memorySource(bytes));
  const b = await readImageSection(separate, hdus[1], spec, { maxGap: 0, concurrency: 2 });
  assert.equal(separate.stats.ranges.length, 3 * 3 * 3);
  assert.ok(separate.stats.ranges.every((r) => r.length === 4));
  assert.deepEqual(a, b);
  assert.deepEqual(a.shape, [3, 3, 3]);
});

test("readImageSection reports data cut short as TRUNCATED", async () => {
  const bytes = fixture("primary_only");
  const { hdus } = await walkHdus(memorySource(bytes));
  let caught: unknown;
  try {
    await readImageSection(memorySource(bytes.subarray(0, 3000)), hdus[0], []);
  } catch (e) {
    caught = e;
  }
  assert.ok(isCloudFitsError(caught, "TRUNCATED"), String(caught));
});
