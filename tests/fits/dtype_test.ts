import { test } from "node:test";
import assert from "node:assert/strict";
import {
  allocateArray,
  BITPIX_DTYPE,
  conventionDtype,
  conventionZero,
  type Dtype,
  elementSize,
  isArrayOf,
  TFORM_DTYPE,
  viewArray,
} from "../../src/fits/dtype.ts";
import { parseHeader } from "../../src/fits/header.ts";
import { imageInfo } from "../../src/fits/image.ts";
import { describeHdu } from "../../src/fits/layout.ts";
import { describeTable } from "../../src/fits/tform.ts";
import { buildHeader, formatCard } from "../../src/fits/write.ts";
import { binTable } from "../_support/tables.ts";

const ARRAYS: [Dtype, string, number][] = [
  ["uint8", "Uint8Array", 1],
  ["int8", "Int8Array", 1],
  ["int16", "Int16Array", 2],
  ["uint16", "Uint16Array", 2],
  ["int32", "Int32Array", 4],
  ["uint32", "Uint32Array", 4],
  ["float32", "Float32Array", 4],
  ["int64", "BigInt64Array", 8],
  ["uint64", "BigUint64Array", 8],
  ["float64", "Float64Array", 8],
];

test("every dtype has its own typed array and element size", () => {
  for (const [dtype, name, size] of ARRAYS) {
    const array = allocateArray(dtype, 3);
    assert.equal(array.constructor.name, name, dtype);
    assert.equal(array.length, 3);
    assert.equal(elementSize(dtype), size, dtype);
    assert.ok(isArrayOf(array, dtype));
    for (const [other] of ARRAYS) {
      if (other !== dtype) assert.ok(!isArrayOf(array, other), `${dtype} ${other}`);
    }
  }
});

test("viewArray shares memory and checks alignment", () => {
  const bytes = new Uint8Array(16);
  for (const [dtype, name, size] of ARRAYS) {
    const view = viewArray(bytes, dtype);
    assert.equal(view.constructor.name, name);
    assert.equal(view.length, 16 / size);
    assert.equal(view.buffer, bytes.buffer);
  }
  assert.equal(viewArray(bytes, "uint8"), bytes);
  assert.throws(() => viewArray(bytes.subarray(1, 5), "int32"), RangeError);
});

test("BITPIX and TFORM codes map to the same stored types", () => {
  const pairs: [number, keyof typeof TFORM_DTYPE][] = [
    [8, "B"],
    [16, "I"],
    [32, "J"],
    [64, "K"],
    [-32, "E"],
    [
      -64,
      "D",
    ],
  ];
  for (const [bitpix, code] of pairs) {
    assert.equal(BITPIX_DTYPE[bitpix], TFORM_DTYPE[code], `${bitpix} ${code}`);
  }
  assert.equal(Object.keys(BITPIX_DTYPE).length, pairs.length);
  assert.equal(Object.keys(TFORM_DTYPE).length, pairs.length);
});

test("the integer conventions need a scale of 1 and an exact zero", () => {
  assert.equal(conventionDtype("uint8", 1, -128), "int8");
  assert.equal(conventionDtype("int16", 1, 32768), "uint16");
  assert.equal(conventionDtype("int32", 1, 2 ** 31), "uint32");
  assert.equal(conventionDtype("int64", 1, 2n ** 63n), "uint64");
  assert.equal(conventionDtype("int64", 1, 2 ** 63), "uint64");
  assert.equal(conventionDtype("int64", 1, 2n ** 63n + 1n), null, "2^63 + 1 is not the convention");
  assert.equal(conventionDtype("int16", 2, 32768), null);
  assert.equal(conventionDtype("int16", 1, 32767), null);
  assert.equal(conventionDtype("float32", 1, 32768), null);
  assert.equal(conventionDtype("int32", 1, 32768), null);
  for (const dtype of ["int8", "uint16", "uint32", "uint64"] as const) {
    const stored = { int8: "uint8", uint16: "int16", uint32: "int32", uint64: "int64" }[dtype] as Dtype;
    assert.equal(conventionDtype(stored, 1, conventionZero(dtype)!), dtype);
  }
  for (const dtype of ["uint8", "int16", "int32", "int64", "float32", "float64"] as const) {
    assert.equal(conventionZero(dtype), null, dtype);
  }
});

test("images and tables decode every convention to the same dtype", () => {
  const cases: [number, string, number | bigint, Dtype][] = [
    [8, "B", -128, "int8"],
    [16, "I", 32768, "uint16"],
    [32, "J", 2 ** 31, "uint32"],
    [64, "K", 2n ** 63n, "uint64"],
    [16, "I", 0, "int16"],
  ];
  for (const [bitpix, code, zero, dtype] of cases) {
    const image = parseHeader(buildHeader([
      formatCard("SIMPLE", true),
      formatCard("BITPIX", bitpix),
      formatCard("NAXIS", 1),
      formatCard("NAXIS1", 2),
      formatCard("BZERO", zero),
    ]));
    assert.equal(imageInfo(describeHdu(image, 0, 0)).dtype, dtype, `BITPIX ${bitpix}`);
    const width = elementSize(TFORM_DTYPE[code as keyof typeof TFORM_DTYPE]);
    const table = binTable(width, 1, [["X", code]], [formatCard("TZERO1", zero)]);
    assert.equal(describeTable(table.hdu).columns[0].dtype, dtype, `TFORM ${code}`);
  }
});
