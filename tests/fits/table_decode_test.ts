import { test } from "node:test";
import assert from "node:assert/strict";
import {
  cellBytes,
  decodeFixedColumn,
  decodeVlaColumn,
  readVlaDescriptor,
  vlaCellLength,
} from "../../src/fits/table_decode.ts";
import { tableCell, tableRows } from "../../src/fits/table_values.ts";
import { describeTable } from "../../src/fits/tform.ts";
import { formatCard } from "../../src/fits/write.ts";
import { binTable } from "../_support/tables.ts";

/** The one column of a one-column BINTABLE of the given TFORM and extra cards. */
function column(tform: string, width: number, extra: string[] = [], pcount = 0) {
  return describeTable(binTable(width, 1, [["C", tform]], extra, pcount).hdu).columns[0];
}

/** Rows of `width` bytes each, big-endian, written by `write(view, row)`. */
function rowsOf(width: number, count: number, write: (view: DataView, at: number, row: number) => void) {
  const bytes = new Uint8Array(width * count);
  const view = new DataView(bytes.buffer);
  for (let row = 0; row < count; row++) write(view, row * width, row);
  return (i: number) => cellBytes(bytes, i * width);
}

test("each numeric TFORM decodes into the typed array of its dtype, conventions included", () => {
  const cases: [string, number, string[], (v: DataView, at: number) => void, unknown][] = [
    ["B", 1, [], (v, at) => v.setUint8(at, 200), new Uint8Array([200, 200])],
    ["B", 1, [formatCard("TZERO1", -128)], (v, at) => v.setUint8(at, 0), new Int8Array([-128, -128])],
    ["I", 2, [], (v, at) => v.setInt16(at, -3), new Int16Array([-3, -3])],
    ["I", 2, [formatCard("TZERO1", 32768)], (v, at) => v.setInt16(at, -32768), new Uint16Array([0, 0])],
    [
      "J",
      4,
      [formatCard("TZERO1", 2 ** 31)],
      (v, at) => v.setInt32(at, 2 ** 31 - 1),
      new Uint32Array([
        2 ** 32 - 1,
        2 ** 32 - 1,
      ]),
    ],
    ["K", 8, [], (v, at) => v.setBigInt64(at, -(2n ** 62n)), new BigInt64Array([-(2n ** 62n), -(2n ** 62n)])],
    [
      "K",
      8,
      [formatCard("TZERO1", 2n ** 63n)],
      (v, at) => v.setBigInt64(at, 0n),
      new BigUint64Array([
        2n ** 63n,
        2n ** 63n,
      ]),
    ],
    ["E", 4, [], (v, at) => v.setFloat32(at, 1.5), new Float32Array([1.5, 1.5])],
    ["D", 8, [], (v, at) => v.setFloat64(at, -0.25), new Float64Array([-0.25, -0.25])],
    [
      "I",
      2,
      [formatCard("TSCAL1", 0.5), formatCard("TZERO1", 10)],
      (v, at) => v.setInt16(at, 4),
      new Float64Array([
        12,
        12,
      ]),
    ],
  ];
  for (const [tform, width, extra, write, want] of cases) {
    const data = decodeFixedColumn(column(tform, width, extra), 2, rowsOf(width, 2, write));
    assert.equal(data.kind, "number");
    assert.deepEqual(data.values, want, `${tform} ${extra.join(" ")}`);
  }
});

test("a stored −0 stays −0, and TNULL is compared with the stored integer before the offset", () => {
  const negativeZero = decodeFixedColumn(column("D", 8), 1, rowsOf(8, 1, (v, at) => v.setFloat64(at, -0)));
  assert.ok(Object.is(negativeZero.values[0], -0));
  const unsigned = column("I", 2, [formatCard("TZERO1", 32768), formatCard("TNULL1", -32768)]);
  const data = decodeFixedColumn(unsigned, 3, rowsOf(2, 3, (v, at, row) => v.setInt16(at, row - 32768)));
  assert.deepEqual(data.values, new Uint16Array([0, 1, 2]));
  assert.deepEqual(data.kind === "number" && data.nulls, new Uint8Array([1, 0, 0]));
  assert.equal(tableCell(data, 0), null);
  assert.equal(tableCell(data, 2), 2);
});

test("arrays with TDIM, logicals, bits and complex numbers", () => {
  const matrix = column("6J", 24, [formatCard("TDIM1", "(3,2)")]);
  const data = decodeFixedColumn(
    matrix,
    1,
    rowsOf(24, 1, (v, at) => {
      for (let k = 0; k < 6; k++) v.setInt32(at + 4 * k, k);
    }),
  );
  assert.equal(data.kind, "numbers");
  assert.deepEqual(tableCell(data, 0), new Int32Array([0, 1, 2, 3, 4, 5]));
  const logicals = decodeFixedColumn(column("3L", 3), 1, () => cellBytes(new Uint8Array([0x54, 0x46, 0])));
  assert.deepEqual(logicals.values, [[true, false, null]]);
  const bits = decodeFixedColumn(
    column("10X", 2),
    1,
    () => cellBytes(new Uint8Array([0b10100000, 0b01000000])),
  );
  assert.deepEqual(bits.values, [[true, false, true, false, false, false, false, false, false, true]]);
  const complex = decodeFixedColumn(
    column("M", 16),
    1,
    rowsOf(16, 1, (v, at) => {
      v.setFloat64(at, 1.5);
      v.setFloat64(at + 8, -2);
    }),
  );
  assert.deepEqual(complex.values, [[1.5, -2]]);
  const strings = decodeFixedColumn(
    column("6A", 6, [formatCard("TDIM1", "(3,2)")]),
    1,
    () => cellBytes(new TextEncoder().encode("ab c\0x")),
  );
  assert.deepEqual(strings.values, [["ab", "c"]]);
});

test("VLA descriptors: P is two uint32, Q two uint64, and a Q beyond 2^53 is Infinity", () => {
  const bytes = new Uint8Array(16);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, 3);
  view.setUint32(4, 40);
  assert.deepEqual(readVlaDescriptor(cellBytes(bytes), false), { count: 3, offset: 40 });
  view.setBigUint64(0, 5n);
  view.setBigUint64(8, 2n ** 60n);
  assert.deepEqual(readVlaDescriptor(cellBytes(bytes), true), { count: 5, offset: Infinity });
  assert.deepEqual(
    ["L", "X", "B", "I", "J", "K", "A", "E", "D", "C", "M"].map((code) => vlaCellLength(code as "L", 9)),
    [9, 2, 9, 18, 36, 72, 9, 36, 72, 72, 144],
  );
});

test("VLA cells decode from the heap by their counts", () => {
  const heap = new Uint8Array(12);
  new DataView(heap.buffer).setFloat32(0, 0.5);
  new DataView(heap.buffer).setFloat32(4, -1);
  heap.set(new TextEncoder().encode("hi\0\0"), 8);
  const floats = decodeVlaColumn(column("PE(2)", 8, [], 12), [
    { ...cellBytes(heap), count: 2 },
    { ...cellBytes(heap, 4), count: 0 },
  ]);
  assert.deepEqual(floats.values, [new Float32Array([0.5, -1]), new Float32Array(0)]);
  const text = decodeVlaColumn(column("QA(4)", 16, [], 12), [{ ...cellBytes(heap, 8), count: 4 }]);
  assert.deepEqual(text.values, ["hi"]);
});

test("tableRows keys columns by name, and empty or repeated names by number", () => {
  const named = (index: number, name: string) => ({ ...column("J", 4), index, name });
  const rows = tableRows(
    3,
    3,
    [named(1, "A"), named(2, ""), named(3, "A")].map((c) => ({
      column: c,
      kind: "string" as const,
      values: [],
    })),
  );
  assert.deepEqual(Object.keys(rows.columns), ["A", "col2", "col3"]);
  assert.deepEqual([rows.start, rows.stop, rows.rowCount], [3, 3, 0]);
});
