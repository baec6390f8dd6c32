// Decoding from pieces that are views at any alignment (what readRanges hands back), against a
// reference decoder that reads every element with DataView.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Dtype, TypedArray } from "../../src/fits/dtype.ts";
import {
  decodeImageData,
  decodeImageParts,
  decodeOwnedImageData,
  type ImageInfo,
} from "../../src/fits/image.ts";
import { readImageSection } from "../../src/read/image_section.ts";
import { describeHdu } from "../../src/fits/layout.ts";
import { buildHeader, formatCard } from "../../src/fits/write.ts";
import { parseHeader } from "../../src/fits/header.ts";
import { memorySource } from "../../src/source/memory.ts";

function info(storedDtype: Dtype, dtype: Dtype, scaling: Partial<ImageInfo> = {}): ImageInfo {
  return { shape: [], storedDtype, dtype, bscale: 1, bzero: 0, blank: null, ...scaling };
}

/** Big-endian bytes of `count` elements of `size` bytes, every byte different. */
function pattern(count: number, size: number): Uint8Array {
  return Uint8Array.from({ length: count * size }, (_, i) => (i * 37 + 11) & 0xff);
}

/** Element `i` of big-endian `bytes` as the physical value of `dtype`, one DataView read at a time. */
function reference(bytes: Uint8Array, dtype: Dtype): (number | bigint)[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const reads: Record<Dtype, [number, (at: number) => number | bigint]> = {
    uint8: [1, (at) => view.getUint8(at)],
    int8: [1, (at) => view.getUint8(at) - 128],
    int16: [2, (at) => view.getInt16(at)],
    uint16: [2, (at) => view.getInt16(at) + 32768],
    int32: [4, (at) => view.getInt32(at)],
    uint32: [4, (at) => view.getInt32(at) + 2 ** 31],
    int64: [8, (at) => view.getBigInt64(at)],
    uint64: [8, (at) => view.getBigInt64(at) + 2n ** 63n],
    float32: [4, (at) => view.getFloat32(at)],
    float64: [8, (at) => view.getFloat64(at)],
  };
  const [size, read] = reads[dtype];
  return Array.from({ length: bytes.length / size }, (_, i) => read(i * size));
}

const CASES: [Dtype, Dtype, Partial<ImageInfo>][] = [
  ["uint8", "uint8", {}],
  ["uint8", "int8", { bzero: -128 }],
  ["int16", "int16", {}],
  ["int16", "uint16", { bzero: 32768 }],
  ["int32", "int32", {}],
  ["int32", "uint32", { bzero: 2 ** 31 }],
  ["int64", "int64", {}],
  ["int64", "uint64", { bzero: 2 ** 63 }],
  ["float32", "float32", {}],
  ["float64", "float64", {}],
];

test("decodeImageParts reads pieces at any alignment, as one element-by-element decode would", () => {
  for (const [stored, dtype, scaling] of CASES) {
    const size = dtype.endsWith("8") ? 1 : Number(/\d+/.exec(dtype)![0]) / 8;
    // Pieces of 3, 1 and 6 elements (odd counts leave a 16-bit tail), at byte offsets 1, 6 and 3 of one buffer.
    const whole = pattern(10, size);
    const buffer = new Uint8Array(64 + whole.length);
    const at = [1, 6 + 3 * size, 3 + 4 * size + 8];
    const counts = [3, 1, 6];
    const parts: Uint8Array[] = [];
    let from = 0;
    counts.forEach((count, k) => {
      buffer.set(whole.subarray(from, from + count * size), at[k]);
      parts.push(buffer.subarray(at[k], at[k] + count * size));
      from += count * size;
    });
    const before = buffer.slice();
    const decoded = decodeImageParts(parts, info(stored, dtype, scaling));
    assert.deepEqual(Array.from(decoded as ArrayLike<number | bigint>), reference(whole, dtype), dtype);
    assert.deepEqual(buffer, before, `${dtype}: the pieces are not modified`);
    assert.deepEqual(decodeImageData(whole, info(stored, dtype, scaling)), decoded, `${dtype}: one piece`);
    const owned = whole.slice();
    assert.deepEqual(
      decodeOwnedImageData(owned, info(stored, dtype, scaling)),
      decoded,
      `${dtype}: in place`,
    );
  }
});

test("decodeImageParts keeps NaN, infinities and -0, and scales after joining the pieces", () => {
  const values = [NaN, -0, Infinity, -Infinity, 1.5, -2.25];
  const f64 = new Uint8Array(8 * values.length);
  const f32 = new Uint8Array(4 * values.length);
  values.forEach((v, i) => {
    new DataView(f64.buffer).setFloat64(8 * i, v);
    new DataView(f32.buffer).setFloat32(4 * i, v);
  });
  const split = (bytes: Uint8Array, at: number) => [bytes.subarray(0, at), bytes.subarray(at)];
  assert.deepEqual(decodeImageParts(split(f64, 16), info("float64", "float64")), new Float64Array(values));
  assert.deepEqual(decodeImageParts(split(f32, 8), info("float32", "float32")), new Float32Array(values));

  const int16 = new Uint8Array([0x00, 0x02, 0xff, 0xfb, 0x00, 0x07]);
  const scaled: TypedArray = decodeImageParts(
    [int16.subarray(0, 2), int16.subarray(2)],
    info("int16", "float32", { bscale: 2, blank: -5 }),
  );
  assert.deepEqual(scaled, new Float32Array([4, NaN, 14]));
  const raw = decodeImageParts([int16.subarray(0, 4), int16.subarray(4)], info("int16", "float32"), {
    raw: true,
  });
  assert.deepEqual(raw, new Int16Array([2, -5, 7]));
});

test("decodeImageParts rejects a piece that is not whole elements", () => {
  assert.throws(
    () => decodeImageParts([new Uint8Array(4), new Uint8Array(3)], info("float32", "float32")),
    /Cannot decode 3 bytes as float32: not a whole number of elements/,
  );
});

test("readImageSection decodes runs straight from the source's views and leaves the source intact", async () => {
  // A 4 × 5 float64 image: a 2 × 2 section is two runs of two values, 40 bytes apart.
  const header = buildHeader([
    formatCard("SIMPLE", true),
    formatCard("BITPIX", -64),
    formatCard("NAXIS", 2),
    formatCard("NAXIS1", 5),
    formatCard("NAXIS2", 4),
  ]);
  const file = new Uint8Array(header.length + 2880);
  file.set(header);
  const view = new DataView(file.buffer, header.length);
  for (let i = 0; i < 20; i++) view.setFloat64(8 * i, i + 0.5);
  const before = file.slice();
  const hdu = describeHdu(parseHeader(header), 0, 0);
  const source = memorySource(file);
  const section = await readImageSection(source, hdu, [[1, 3], [2, 4]]);
  assert.deepEqual(section.shape, [2, 2]);
  assert.deepEqual(section.data, new Float64Array([7.5, 8.5, 12.5, 13.5]));
  assert.deepEqual(file, before);
});
