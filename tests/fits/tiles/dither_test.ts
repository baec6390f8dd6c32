import { test } from "node:test";
import assert from "node:assert/strict";
import {
  dequantizeTile,
  DITHER_ZERO_VALUE,
  ditherTable,
  ditherTableLastSeed,
} from "../../../src/fits/tiles/dither.ts";

test("the Park–Miller table: 10,000 float32 values, and the 10,000th seed is 1043618065", () => {
  const table = ditherTable();
  assert.equal(table.length, 10_000);
  assert.equal(ditherTableLastSeed(), 1043618065);
  assert.equal(table[0], Math.fround(16807 / 2147483647));
  assert.equal(table[1], Math.fround(282475249 / 2147483647));
  assert.equal(table[9999], Math.fround(1043618065 / 2147483647));
  assert.ok(table.every((v) => v > 0 && v < 1));
});

test("NO_DITHER: I × ZSCALE + ZZERO, and ZBLANK becomes NaN", () => {
  const out = new Float32Array(3);
  dequantizeTile(new Int32Array([10, -5, -2147483647]), {
    method: "NO_DITHER",
    scale: 0.5,
    zero: 100,
    blank: -2147483647,
    tile: 1,
    dither0: 1,
  }, out);
  assert.deepEqual(Array.from(out), [105, 97.5, NaN]);
});

test("SUBTRACTIVE_DITHER_1: (I − r + 0.5) × ZSCALE + ZZERO from table[int(table[iseed] × 500)]", () => {
  const table = ditherTable();
  // Tile 3 with ZDITHER0 9999: iseed = (3 + 9999 − 2) mod 10000 = 0, so the walk starts at int(table[0] × 500) = 0.
  const out = new Float64Array(3);
  dequantizeTile(new Int32Array([7, 8, 9]), {
    method: "SUBTRACTIVE_DITHER_1",
    scale: 2,
    zero: 10,
    blank: null,
    tile: 3,
    dither0: 9999,
  }, out);
  assert.deepEqual(Array.from(out), [0, 1, 2].map((i) => (7 + i - table[i] + 0.5) * 2 + 10));
  // Tile 1 with ZDITHER0 43: iseed 42.
  const start = Math.trunc(Math.fround(table[42] * 500));
  dequantizeTile(new Int32Array([0]), {
    method: "SUBTRACTIVE_DITHER_1",
    scale: 1,
    zero: 0,
    blank: null,
    tile: 1,
    dither0: 43,
  }, out);
  assert.equal(out[0], 0.5 - table[start]);
});

test("the walk re-seeds at the end of the table: iseed + 1, from int(table[iseed + 1] × 500)", () => {
  const table = ditherTable();
  const values = new Int32Array(10_001); // starts at index 0 (iseed 0), so pixel 10,000 re-seeds
  const out = new Float64Array(values.length);
  dequantizeTile(values, {
    method: "SUBTRACTIVE_DITHER_1",
    scale: 1,
    zero: 0,
    blank: null,
    tile: 1,
    dither0: 1,
  }, out);
  assert.equal(out[9_999], 0.5 - table[9_999]);
  assert.equal(out[10_000], 0.5 - table[Math.trunc(Math.fround(table[1] * 500))]);
});

test("SUBTRACTIVE_DITHER_2 keeps exact zeros; blanks still advance the walk", () => {
  const table = ditherTable();
  const out = new Float32Array(4);
  const blank = -2147483647;
  dequantizeTile(new Int32Array([DITHER_ZERO_VALUE, blank, 3, DITHER_ZERO_VALUE]), {
    method: "SUBTRACTIVE_DITHER_2",
    scale: 1,
    zero: 0,
    blank,
    tile: 1,
    dither0: 1,
  }, out);
  assert.equal(out[0], 0);
  assert.ok(Number.isNaN(out[1]));
  assert.equal(out[2], Math.fround(3 - table[2] + 0.5));
  assert.equal(out[3], 0);
  // With SUBTRACTIVE_DITHER_1 the same value is an ordinary integer.
  dequantizeTile(new Int32Array([DITHER_ZERO_VALUE]), {
    method: "SUBTRACTIVE_DITHER_1",
    scale: 1,
    zero: 0,
    blank: null,
    tile: 1,
    dither0: 1,
  }, out);
  assert.notEqual(out[0], 0);
});
