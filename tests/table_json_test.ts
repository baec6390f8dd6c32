import { test } from "node:test";
import assert from "node:assert/strict";
import type { Column } from "../src/fits/table_layout.ts";
import { rowsToJson, tableColumnToJson } from "../src/table_json.ts";

const fixed = (shape: number[]): Column => ({ elementType: null, shape } as unknown as Column);
const vla = { elementType: "J", shape: [] } as unknown as Column;

test("tableColumnToJson nests fixed arrays in C order and leaves VLAs flat", () => {
  const values = [new Int32Array([1, 2, 3, 4, 5, 6])];
  assert.deepEqual(tableColumnToJson({ column: fixed([2, 3]), kind: "numbers", values, nulls: null }), [
    [[1, 2, 3], [4, 5, 6]],
  ]);
  assert.deepEqual(tableColumnToJson({ column: vla, kind: "numbers", values, nulls: null }), [[
    1,
    2,
    3,
    4,
    5,
    6,
  ]]);
  assert.deepEqual(
    tableColumnToJson({ column: fixed([2, 1]), kind: "complexes", values: [[[1, NaN], [-Infinity, 0]]] }),
    [[[[1, "NaN"]], [["-Infinity", 0]]]],
  );
  assert.deepEqual(
    tableColumnToJson({ column: fixed([2, 2]), kind: "strings", values: [["a", "b", "c", ""]] }),
    [
      [["a", "b"], ["c", ""]],
    ],
  );
});

test("tableColumnToJson writes TNULL as null, big integers as strings, and bits and logicals as is", () => {
  const nulls = [new Uint8Array([0, 1])];
  const big = new BigUint64Array([2n ** 64n - 1n, 7n]);
  assert.deepEqual(tableColumnToJson({ column: fixed([2]), kind: "numbers", values: [big], nulls }), [[
    "18446744073709551615",
    null,
  ]]);
  assert.deepEqual(
    tableColumnToJson({ column: fixed([]), kind: "number", values: big, nulls: new Uint8Array([1, 0]) }),
    [null, 7],
  );
  assert.deepEqual(tableColumnToJson({ column: fixed([3]), kind: "bits", values: [[true, false, true]] }), [[
    true,
    false,
    true,
  ]]);
  assert.deepEqual(tableColumnToJson({ column: fixed([]), kind: "logical", values: [true, null] }), [
    true,
    null,
  ]);
  assert.deepEqual(
    rowsToJson({
      start: 0,
      stop: 1,
      rowCount: 1,
      columns: { Z: { column: fixed([0]), kind: "numbers", values: [new Float64Array(0)], nulls: null } },
    }),
    { Z: [[]] },
  );
});
