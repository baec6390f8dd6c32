import { test } from "node:test";
import assert from "node:assert/strict";
import { decodePlio } from "../../../src/fits/tiles/plio.ts";
import { plioMaxPixels } from "../../../src/fits/tiles/limits.ts";
import { throwsWith } from "../../_support/expect_error.ts";

test("an old-style list: zeros, pv += 4, a run of pv, then zeros to the end", () => {
  const words = new Int16Array([0, 7, 7, 0x0003, 0x2004, 0x4002, 0]);
  assert.deepEqual(decodePlio(words, 6), new Int32Array([0, 0, 0, 5, 5, 0]));
});

test("the new-style header fpack writes: instructions from word w1, length w4 × 2^15 + w3", () => {
  // What fpack -p writes for a 20,000-pixel row holding a 1 then zeros.
  const words = new Int16Array([0, 7, -100, 13, 0, 0, 0, 0x4001, 4095, 4095, 4095, 4095, 3619]);
  const pixels = decodePlio(words, 20_000);
  assert.equal(pixels[0], 1);
  assert.equal(pixels.subarray(1).every((v) => v === 0), true);
});

test("set-high, zeros-then-one, and the increment/decrement-and-emit opcodes", () => {
  const words = new Int16Array([
    0,
    7,
    -100,
    13,
    0,
    0,
    0,
    0x1005,
    2, // pv = 2 × 4096 + 5 = 8197
    0x5003, // two zeros, then one pixel of pv
    0x6002, // pv += 2, emit
    0x7001, // pv −= 1, emit
    0x3002, // pv −= 2 (no pixel)
  ]);
  assert.deepEqual(decodePlio(words, 7), new Int32Array([0, 0, 8197, 8199, 8198, 0, 0]));
});

test("output stops at the tile's pixel count even when the list runs on", () => {
  assert.deepEqual(decodePlio(new Int16Array([0, 7, 5, 0x4009, 0x0001]), 3), new Int32Array([1, 1, 1]));
});

test("damaged lists: a short header or a bad length is BAD_HEADER, a set-high without its word TRUNCATED", () => {
  throwsWith(() => decodePlio(new Int16Array([0, 7]), 4), "BAD_HEADER");
  throwsWith(() => decodePlio(new Int16Array([0, 7, 9, 0x4001]), 4), "BAD_HEADER");
  throwsWith(() => decodePlio(new Int16Array([0, 7, 4, 0x1001]), 4), "TRUNCATED");
  assert.equal(plioMaxPixels(10), 40_950);
});
