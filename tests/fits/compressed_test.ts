import { test } from "node:test";
import assert from "node:assert/strict";
import { isCloudFitsError } from "../../src/errors.ts";
import { describeTileStorage, type StoredTile } from "../../src/fits/compressed.ts";
import { decodeTile } from "../../src/fits/tiles/decode_tile.ts";
import type { Dtype, TypedArray } from "../../src/fits/dtype.ts";
import { parseHeader } from "../../src/fits/header.ts";
import { describeHdu } from "../../src/fits/layout.ts";
import { walkHdus } from "../../src/read/walk.ts";
import { buildHeader, formatCard } from "../../src/fits/write.ts";
import type { SectionSpec } from "../../src/plan/image_section.ts";
import { readImageSection } from "../../src/read/image_section.ts";
import { readCompressedSection } from "../../src/read/compressed_section.ts";
import { planTileSection } from "../../src/plan/tile_section.ts";
import { countingSource } from "../../src/source/counting.ts";
import { memorySource } from "../../src/source/memory.ts";
import type { ByteSource } from "../../src/source/types.ts";
import { binTableCards, expected, fixture } from "../_support/fixtures.ts";

/** JSON values as the fixtures write them: NaN and infinities as strings, big integers as strings. */
function fromJson(value: number | string): number {
  return typeof value === "string" ? Number(value) : value;
}

async function checkSections(name: string): Promise<number> {
  const source = memorySource(fixture(name));
  const { hdus } = await walkHdus(source);
  let checked = 0;
  for (const hduExpected of expected(name).hdus) {
    if (hduExpected.type !== "COMPRESSED_IMAGE") continue;
    for (const section of hduExpected.sections ?? []) {
      const label = `${name} HDU ${hduExpected.index} ${JSON.stringify(section.spec)}`;
      const result = await readImageSection(source, hdus[hduExpected.index], section.spec);
      assert.deepEqual(result.shape, section.shape, label);
      assert.equal(result.dtype, section.dtype, label);
      assert.deepEqual(Array.from(result.data, Number), section.data.map(fromJson), label);
      checked++;
    }
  }
  return checked;
}

// Expected values of the compressed_* fixtures made by fpack come from funpack (cfitsio), not astropy
// 5.2: astropy returns numbers instead of NaN for ZBLANK pixels of quantized tiles, and cannot read
// NOCOMPRESS at all (see testdata/README.md).
const FPACK_FIXTURES = [
  "compressed_rice_i16",
  "compressed_rice_i32",
  "compressed_rice_u8",
  "compressed_gzip1_u16",
  "compressed_gzip2_f32",
  "compressed_dither2",
  "compressed_plio",
  "compressed_hcompress",
];

for (const name of FPACK_FIXTURES) {
  test(`${name}: every section equals funpack's decompressed values`, async () => {
    assert.ok(await checkSections(name) >= 2);
  });
}

test("compressed_dither1: SUBTRACTIVE_DITHER_1 with NaNs and a lossless GZIP_COMPRESSED_DATA tile equals funpack (astropy 5.2 drops the NaNs)", async () => {
  assert.equal(await checkSections("compressed_dither1"), 3);
  const bytes = fixture("compressed_dither1");
  const source = memorySource(bytes);
  const hdu = (await walkHdus(source)).hdus[1];
  const nan = await readImageSection(source, hdu, [3, [4, 8]]);
  assert.deepEqual(Array.from(nan.data as Float32Array).map(Number.isNaN), [false, true, true, false]);
  // Rows 16–23 were constant: that tile is stored losslessly, so the value is exact.
  const constant = await readImageSection(source, hdu, [[16, 24], [0, 40, 13]]);
  assert.ok(Array.from(constant.data as Float32Array).every((v) => v === 42.5));
});

test("compressed_nocompress: UNCOMPRESSED_DATA tiles equal funpack (astropy 5.2 cannot read NOCOMPRESS)", async () => {
  assert.equal(await checkSections("compressed_nocompress"), 2);
});

test("the astropy-made compressed fixtures decode to astropy's values", async () => {
  assert.equal(await checkSections("compressed_rice"), 3);
  assert.equal(await checkSections("compressed_gzip"), 2);
});

test("SUBTRACTIVE_DITHER_2 restores exact zeros", async () => {
  const bytes = fixture("compressed_dither2");
  const source = memorySource(bytes);
  const hdu = (await walkHdus(source)).hdus[1];
  assert.equal(describeTileStorage(hdu).info.compression, "RICE_1"); // written as RICE_ONE
  const zeros = await readImageSection(source, hdu, [10, [9, 13]]);
  assert.equal(zeros.data[1], 0);
  assert.equal(zeros.data[2], 0);
  assert.notEqual(zeros.data[0], 0);
  assert.equal((await readImageSection(source, hdu, [0, 0])).data[0], 0);
});

test("raw mode returns ZBITPIX values without BZERO", async () => {
  const bytes = fixture("compressed_gzip1_u16");
  const source = memorySource(bytes);
  const hdu = (await walkHdus(source)).hdus[1];
  const physical = await readImageSection(source, hdu, [[0, 2], [0, 3]]);
  const raw = await readImageSection(source, hdu, [[0, 2], [0, 3]], { raw: true });
  assert.equal(physical.dtype, "uint16");
  assert.equal(raw.dtype, "int16");
  assert.deepEqual(Array.from(raw.data as Int16Array, (v) => v + 32768), Array.from(physical.data, Number));
});

async function opened(name: string) {
  const bytes = fixture(name);
  const { hdus } = await walkHdus(memorySource(bytes));
  const source = countingSource(memorySource(bytes));
  return { bytes, source, hdu: hdus[1] };
}

test("a small cutout reads only the descriptor rows and heap bytes of the tiles it touches: 2 reads", async () => {
  // 64 × 48 int16 in 16 × 16 tiles: a 4 × 4 cutout at rows 18–21, columns 30–33 touches tiles 5 and 6
  // (row 1 of tiles, columns 1 and 2), which are adjacent rows of the table.
  const { source, hdu } = await opened("compressed_rice_i16");
  const storage = describeTileStorage(hdu);
  const plan = planTileSection(hdu, [[18, 22], [30, 34]]);
  assert.deepEqual(plan.rows, [5, 6]);
  assert.deepEqual(plan.shape, [4, 4]);
  const cutout = await readCompressedSection(source, hdu, [[18, 22], [30, 34]]);
  assert.equal(source.stats.requests, 2);
  const [rows, heap] = source.stats.ranges;
  assert.deepEqual(rows, {
    offset: hdu.dataOffset + 5 * storage.table.rowBytes,
    length: 2 * storage.table.rowBytes,
  });
  const heapStart = hdu.dataOffset + storage.table.heapOffset;
  assert.ok(heap.offset >= heapStart && heap.offset + heap.length <= heapStart + storage.table.heapSize);
  // Only two tiles' bytes: far less than the heap.
  assert.ok(heap.length < storage.table.heapSize / 3, `${heap.length} of ${storage.table.heapSize}`);
  assert.equal(source.stats.bytes, rows.length + heap.length);

  const whole = await readImageSection(memorySource(fixture("compressed_rice_i16")), hdu, []);
  const expected: number[] = [];
  for (let r = 18; r < 22; r++) for (let c = 30; c < 34; c++) expected.push(Number(whole.data[r * 64 + c]));
  assert.deepEqual(Array.from(cutout.data, Number), expected);
});

test("a strided selection skips the tiles it steps over", async () => {
  const { source, hdu } = await opened("compressed_rice_i16");
  // Rows 0 and 40 (tile rows 0 and 2), columns 0..63 step 40 (0 and 40: tile columns 0 and 2).
  const plan = planTileSection(hdu, [[0, 48, 40], [0, 64, 40]]);
  assert.deepEqual(plan.rows, [0, 2, 8, 10]);
  const result = await readCompressedSection(source, hdu, [[0, 48, 40], [0, 64, 40]]);
  assert.deepEqual(result.shape, [2, 2]);
  assert.equal(source.stats.requests, 2);
});

test("an empty selection reads nothing", async () => {
  const { source, hdu } = await opened("compressed_rice_i16");
  const result = await readCompressedSection(source, hdu, [[5, 5], null]);
  assert.deepEqual(result.shape, [0, 64]);
  assert.equal(result.data.length, 0);
  assert.equal(source.stats.requests, 0);
});

test("out-of-range indices and too many axes are OUT_OF_RANGE", async () => {
  const { source, hdu } = await opened("compressed_rice_i16");
  for (const spec of [[48], [0, 64], [0, 0, 0]] as SectionSpec[]) {
    await assert.rejects(
      readCompressedSection(source, hdu, spec),
      (e: unknown) => isCloudFitsError(e, "OUT_OF_RANGE"),
    );
  }
  assert.equal(source.stats.requests, 0);
});

test("HCOMPRESS_1 tiles decode through decodeHcompress, two reads for a one-tile cutout", async () => {
  const { source, hdu } = await opened("compressed_hcompress");
  const cutout = await readCompressedSection(source, hdu, [[40, 44], [60, 64]]);
  assert.equal(source.stats.requests, 2);
  const whole = expected("compressed_hcompress").hdus[1].sections![0];
  const want: number[] = [];
  for (let r = 40; r < 44; r++) for (let c = 60; c < 64; c++) want.push(Number(whole.data[r * 64 + c]));
  assert.deepEqual(Array.from(cutout.data as Int16Array), want);
});

/** A copy of a fixture with bytes patched. */
function patched(bytes: Uint8Array, offset: number, values: number[]): ByteSource {
  const copy = bytes.slice();
  copy.set(values, offset);
  return memorySource(copy);
}

test("a descriptor outside the heap is BAD_HEADER, before any heap read", async () => {
  const { bytes, hdu } = await opened("compressed_rice_i16");
  // Row 0's COMPRESSED_DATA descriptor (1PB): count then offset, big-endian int32. Point it past the heap.
  const source = countingSource(patched(bytes, hdu.dataOffset + 4, [0x00, 0xff, 0xff, 0x00]));
  await assert.rejects(
    readCompressedSection(source, hdu, [0, 0]),
    (e: unknown) =>
      isCloudFitsError(e, "BAD_HEADER") && /runs past the \d+-byte heap/.test((e as Error).message),
  );
  assert.equal(source.stats.requests, 1);
});

test("a tile too short for its pixels is refused before it is decoded", async () => {
  const { bytes, hdu } = await opened("compressed_rice_i16");
  // Count 2: two bytes cannot hold 256 Rice pixels of 2 bytes.
  const source = countingSource(patched(bytes, hdu.dataOffset, [0, 0, 0, 2]));
  await assert.rejects(
    readCompressedSection(source, hdu, [0, 0]),
    (e: unknown) =>
      isCloudFitsError(e, "BAD_HEADER") && /cannot hold a tile of 256 pixels/.test((e as Error).message),
  );
  assert.equal(source.stats.requests, 1);
});

test("a damaged Rice stream is TRUNCATED with the tile's file offset", async () => {
  const { bytes, hdu } = await opened("compressed_rice_i16");
  const storage = describeTileStorage(hdu);
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  const count = view.getInt32(hdu.dataOffset);
  const offset = view.getInt32(hdu.dataOffset + 4);
  // Keep the descriptor's length but fill the stream with 0xff: every block claims raw 16-bit values.
  const heapAt = hdu.dataOffset + storage.table.heapOffset + offset;
  const source = patched(bytes, heapAt, new Array(count).fill(0xff));
  await assert.rejects(
    readCompressedSection(source, hdu, [0, 0]),
    (e: unknown) => isCloudFitsError(e, "TRUNCATED") && (e as { offset?: number }).offset === heapAt,
  );
});

test("decodeTile returns the typed array of the storage's dtype, for every dtype", async () => {
  // One 2-pixel tile kept in UNCOMPRESSED_DATA as two int16: 1 and −2.
  const header = buildHeader([
    ...binTableCards(8, 1, [["UNCOMPRESSED_DATA", "1PI(2)"]], 4),
    formatCard("ZIMAGE", true),
    formatCard("ZBITPIX", 16),
    formatCard("ZNAXIS", 1),
    formatCard("ZNAXIS1", 2),
    formatCard("ZCMPTYPE", "NOCOMPRESS"),
  ]);
  const storage = describeTileStorage(describeHdu(parseHeader(header), 1, 0));
  assert.equal(storage.dtype, "int16");
  const tile: StoredTile = {
    row: 0,
    pixelCount: 2,
    axes: [2],
    column: "UNCOMPRESSED_DATA",
    bytes: new Uint8Array([0, 1, 0xff, 0xfe]),
    zscale: null,
    zzero: null,
    zblank: null,
  };
  const expected: Record<Dtype, TypedArray> = {
    uint8: new Uint8Array([1, 254]),
    int8: new Int8Array([1, -2]),
    int16: new Int16Array([1, -2]),
    uint16: new Uint16Array([1, 65534]),
    int32: new Int32Array([1, -2]),
    uint32: new Uint32Array([1, 2 ** 32 - 2]),
    int64: new BigInt64Array([1n, -2n]),
    uint64: new BigUint64Array([1n, 2n ** 64n - 2n]),
    float32: new Float32Array([1, -2]),
    float64: new Float64Array([1, -2]),
  };
  for (const [dtype, want] of Object.entries(expected) as [Dtype, TypedArray][]) {
    // Before one dtype table, int8, uint16, uint32 and uint64 came back as a Float64Array.
    assert.deepEqual(await decodeTile({ ...storage, dtype }, tile), want, dtype);
  }
});
