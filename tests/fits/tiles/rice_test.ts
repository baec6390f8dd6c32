import { test } from "node:test";
import assert from "node:assert/strict";
import { isCloudFitsError } from "../../../src/errors.ts";
import { decodeRice } from "../../../src/fits/tiles/rice.ts";
import { riceMaxPixels } from "../../../src/fits/tiles/limits.ts";

// Hand-made streams: the first pixel raw, then per block an FS code (3/4/5 bits for 1/2/4 bytes) holding
// fs + 1, then the zigzag-mapped differences.

test("4-byte pixels, a Rice-coded block with fs = 1: diffs 0, +1, −1, +2", () => {
  // 00010 | 1 0 | 01 0 | 1 1 | 001 0  → 0x14 0xb2
  const bytes = new Uint8Array([0, 0, 0, 5, 0x14, 0xb2]);
  assert.deepEqual(decodeRice(bytes, 4, 4, 4), new Int32Array([5, 6, 5, 7]));
});

test("2-byte pixels: a high-entropy block wraps around int16, then a low-entropy block repeats", () => {
  // first 0x7fff; 1111 | 0x0002 (+1) | 0x0001 (−1) ; 0000 (all zero)
  const bytes = new Uint8Array([0x7f, 0xff, 0xf0, 0x00, 0x20, 0x00, 0x10]);
  assert.deepEqual(decodeRice(bytes, 4, 2, 2), new Int16Array([-32768, 32767, 32767, 32767]));
});

test("1-byte pixels with fs = 0: pure unary codes", () => {
  // first 200; 001 | 001 (m=2: +1) | 000001 (m=5: −3) | 1 (0)
  assert.deepEqual(decodeRice(new Uint8Array([200, 0x24, 0x18]), 3, 1, 32), new Uint8Array([201, 198, 198]));
});

test("4-byte high-entropy differences wrap around int32", () => {
  // first 0x7fffffff; 11010 | 32-bit mapped diff 2 (+1)
  const bytes = new Uint8Array([0x7f, 0xff, 0xff, 0xff, 0xd0, 0, 0, 0, 0x10]);
  assert.deepEqual(decodeRice(bytes, 1, 4, 1), new Int32Array([-2147483648]));
});

test("a stream that ends early is TRUNCATED; an unknown BYTEPIX is UNSUPPORTED", () => {
  const bytes = new Uint8Array([0x7f, 0xff, 0xf0, 0x00, 0x20, 0x00]);
  assert.throws(() => decodeRice(bytes, 4, 2, 2), (e: unknown) => isCloudFitsError(e, "TRUNCATED"));
  assert.throws(
    () => decodeRice(new Uint8Array(1), 1, 2, 32),
    (e: unknown) => isCloudFitsError(e, "TRUNCATED"),
  );
  assert.throws(() => decodeRice(bytes, 4, 8, 32), (e: unknown) => isCloudFitsError(e, "UNSUPPORTED"));
  assert.throws(() => decodeRice(bytes, -1, 2, 32), RangeError);
  assert.throws(() => decodeRice(bytes, 4, 2, 0), RangeError);
  assert.deepEqual(decodeRice(new Uint8Array(0), 0, 2, 32), new Int16Array(0));
});

test("riceMaxPixels bounds the pixels a stream can hold: one FS code per block at least", () => {
  // 5 bytes after a 4-byte first pixel: 40 bits = 8 five-bit codes, + 1 partial block.
  assert.equal(riceMaxPixels(9, 4, 32), 9 * 32);
  assert.equal(riceMaxPixels(3, 2, 32), Math.floor(8 / 4 + 1) * 32);
  // The constant stream [0, 7, 0] holds at most 3 blocks of 32.
  assert.ok(riceMaxPixels(3, 2, 32) >= 3);
});
