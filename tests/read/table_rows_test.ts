import { test } from "node:test";
import assert from "node:assert/strict";
import { isCloudFitsError } from "../../src/errors.ts";
import { tableCell } from "../../src/fits/table_values.ts";
import { describeTable } from "../../src/fits/tform.ts";
import { readTableCell, readTableRows } from "../../src/read/table_rows.ts";
import { countingSource } from "../../src/source/counting.ts";
import { memorySource } from "../../src/source/memory.ts";
import type { ByteSource } from "../../src/source/types.ts";
import { rowsToJson, tableColumnToJson } from "../../src/table_json.ts";
import { binTable, fileOf, openFixture, PRIMARY } from "../_support/tables.ts";
import { testdataFile } from "../_support/fixtures.ts";
import { rejectsWith } from "../_support/expect_error.ts";
import { walkHdus } from "../../src/read/walk.ts";

for (const [name, hduIndex] of [["table_all", 1], ["tess_cube", 2]] as const) {
  test(`readTableRows matches astropy for every column of ${name} HDU ${hduIndex}`, async () => {
    const { source, hdus, expected } = await openFixture(name);
    const hdu = hdus[hduIndex];
    assert.ok(expected[hduIndex].length > 0);
    for (const rows of expected[hduIndex]) {
      const counted = countingSource(source);
      const result = await readTableRows(counted, hdu, { start: rows.start, stop: rows.stop });
      const json = rowsToJson(result);
      assert.deepEqual(Object.keys(json), Object.keys(rows.columns));
      for (const [column, values] of Object.entries(rows.columns)) {
        assert.deepEqual(json[column], values, `${name} column ${column} rows [${rows.start}, ${rows.stop})`);
      }
      // The rows are one request; VLA heaps one more.
      const hasVla = describeTable(hdu).columns.some((c) => c.elementType !== null);
      assert.equal(counted.stats.ranges.length, hasVla ? 2 : 1);
      assert.equal(counted.stats.ranges[0].offset, hdu.dataOffset + rows.start * describeTable(hdu).rowBytes);
    }
  });
}

test("readTableRows decodes into typed arrays by dtype, with a TNULL mask", async () => {
  const { source, hdus } = await openFixture("table_all");
  const { columns } = await readTableRows(source, hdus[1]);
  const classes = Object.fromEntries(
    ["BYTE", "SHORT", "LONG", "U16", "U32", "U64", "I8", "SCALED", "FLOAT"].map((
      name,
    ) => [
      name,
      columns[name].kind === "number" ? columns[name].values.constructor.name : columns[name].kind,
    ]),
  );
  assert.deepEqual(classes, {
    BYTE: "Uint8Array",
    SHORT: "Int16Array",
    LONG: "BigInt64Array",
    U16: "Uint16Array",
    U32: "Uint32Array",
    U64: "BigUint64Array",
    I8: "Int8Array",
    SCALED: "Float64Array",
    FLOAT: "Float32Array",
  });
  const withNull = columns.WITHNULL;
  assert.equal(withNull.kind, "number");
  assert.deepEqual(withNull.kind === "number" && withNull.nulls, new Uint8Array([0, 1, 0, 1, 0]));
  assert.equal(tableCell(withNull, 1), null);
  assert.equal(tableCell(withNull, 2), 3);
  assert.equal(tableCell(columns.U64, 3), 2n ** 63n);
  assert.deepEqual(tableCell(columns.VLA_J, 0), new Int32Array([1, 2, 3]));
  assert.deepEqual(tableCell(columns.CODES, 2), ["1234", "5", "6 7"]);
  assert.deepEqual(tableCell(columns.FLAG, 2), null);
  assert.deepEqual(tableColumnToJson(columns.MATRIX)[0], [[-100, -89, -78], [-67, -56, -45]]);
  assert.throws(() => tableCell(withNull, 5), RangeError);
});

test("column selection is case-insensitive or by 1-based number, and VLAs cost one heap request", async () => {
  const { source: file, hdus } = await openFixture("table_all");
  const source = countingSource(file);
  const rows = await readTableRows(source, hdus[1], { start: 1, stop: 4, columns: ["vla_d", 1, "Name"] });
  assert.deepEqual(Object.keys(rows.columns), ["VLA_D", "FLAG", "NAME"]);
  assert.deepEqual(rowsToJson(rows), {
    VLA_D: [[], [2], ["-Infinity", 0, 5.5]],
    FLAG: [false, null, true],
    NAME: ["be ta", "", "  lead"],
  });
  assert.equal(source.stats.ranges.length, 2);
  // The heap read lies entirely inside the heap (after the THEAP gap).
  const table = describeTable(hdus[1]);
  assert.ok(source.stats.ranges[1].offset >= hdus[1].dataOffset + table.heapOffset);
  assert.ok(
    source.stats.ranges[1].offset + source.stats.ranges[1].length <= hdus[1].dataOffset + hdus[1].dataSize,
  );

  source.stats.ranges.length = 0;
  await readTableRows(source, hdus[1], { start: 0, stop: 5, columns: ["SHORT", "DOUBLE"] });
  assert.equal(source.stats.ranges.length, 1, "no heap read without VLA columns");

  await assert.rejects(
    readTableRows(source, hdus[1], { columns: ["NOPE"] }),
    (e: unknown) => isCloudFitsError(e, "NOT_FOUND") && /NOPE/.test(e.message) && /VLA_S/.test(e.message),
  );
  await assert.rejects(
    readTableRows(source, hdus[1], { columns: [27] }),
    (e) => isCloudFitsError(e, "NOT_FOUND"),
  );
});

test("readTableCell reads one cell with one request (two for a VLA)", async () => {
  const { source: file, hdus } = await openFixture("table_all");
  const source = countingSource(file);
  assert.equal(await readTableCell(source, hdus[1], 4, "U64"), 2n ** 64n - 1n);
  assert.equal(source.stats.ranges.length, 1);
  assert.equal(source.stats.ranges[0].length, 8);
  assert.deepEqual(await readTableCell(source, hdus[1], 2, "VLA_S"), "variable length");
  assert.equal(source.stats.ranges.length, 3);
  await assert.rejects(readTableCell(source, hdus[1], 5, 1), (e) => isCloudFitsError(e, "OUT_OF_RANGE"));
});

test("reading 10 rows of 3 columns of a wide table is one request of at most 10 row widths", async () => {
  const columns: [string, string][] = Array.from({ length: 200 }, (_, i) => [`C${i}`, "D"]);
  const rowBytes = 200 * 8;
  const rows = 1000;
  const data = new Uint8Array(rowBytes * rows);
  const view = new DataView(data.buffer);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < 200; c++) view.setFloat64(r * rowBytes + c * 8, r * 1000 + c);
  }
  const { header, hdu } = binTable(rowBytes, rows, columns);
  const source = countingSource(memorySource(fileOf(header, data)));
  const result = await readTableRows(source, hdu, { start: 0, stop: 10, columns: ["C3", "C50", "C120"] });
  assert.equal(source.stats.ranges.length, 1);
  assert.ok(source.stats.ranges[0].length <= 10 * rowBytes);
  assert.deepEqual(source.stats.ranges[0], {
    offset: hdu.dataOffset + 3 * 8,
    length: 9 * rowBytes + (121 - 3) * 8,
  });
  assert.deepEqual(
    rowsToJson(result).C50,
    Array.from({ length: 10 }, (_, r) => r * 1000 + 50),
  );
});

test("rows far wider than the gap budget are read column by column, row by row", async () => {
  // Two 40 kB string columns surround two narrow ones; rows are ~80 kB.
  const columns: [string, string][] = [["PAD1", "40000A"], ["ID", "J"], ["PAD2", "40000A"], ["X", "E"]];
  const rowBytes = 80008;
  const rows = 20;
  const data = new Uint8Array(rowBytes * rows);
  const view = new DataView(data.buffer);
  for (let r = 0; r < rows; r++) {
    view.setInt32(r * rowBytes + 40000, r);
    view.setFloat32(r * rowBytes + 80004, r / 2);
  }
  const { header, hdu } = binTable(rowBytes, rows, columns);
  const source = countingSource(memorySource(fileOf(header, data)));
  const result = await readTableRows(source, hdu, { start: 5, stop: 8, columns: ["ID", "X"] });
  assert.deepEqual(rowsToJson(result), { ID: [5, 6, 7], X: [2.5, 3, 3.5] });
  // The X of row r and the ID of row r + 1 are 40 kB apart: each cell is its own request.
  const base = hdu.dataOffset;
  assert.deepEqual(
    source.stats.ranges.sort((a, b) => a.offset - b.offset),
    [5, 6, 7].flatMap((r) => [
      { offset: base + r * rowBytes + 40000, length: 4 },
      { offset: base + r * rowBytes + 80004, length: 4 },
    ]),
  );
});

test("row 5 of a million-row table reads only that row", async () => {
  const rowBytes = 12;
  const rows = 1_000_000;
  const { header, hdu } = binTable(rowBytes, rows, [["ROW", "J"], ["HALF", "D"]]);
  const dataOffset = 2880 + header.length;
  // A virtual file: rows are computed on demand, so nothing of the 12 MB is ever built.
  const virtual: ByteSource = {
    name: "virtual",
    size: dataOffset + Math.ceil((rowBytes * rows) / 2880) * 2880,
    read(offset, length) {
      const out = new Uint8Array(length);
      const view = new DataView(out.buffer);
      for (let i = 0; i < length; i++) {
        const at = offset + i;
        if (at < 2880) out[i] = PRIMARY[at];
        else if (at < dataOffset) out[i] = header[at - 2880];
      }
      const first = Math.max(0, Math.floor((offset - dataOffset) / rowBytes));
      for (let r = first; dataOffset + r * rowBytes < offset + length && r < rows; r++) {
        const row = new DataView(new ArrayBuffer(rowBytes));
        row.setInt32(0, r);
        row.setFloat64(4, r / 2);
        for (let b = 0; b < rowBytes; b++) {
          const at = dataOffset + r * rowBytes + b - offset;
          if (at >= 0 && at < length) view.setUint8(at, row.getUint8(b));
        }
      }
      return Promise.resolve(out);
    },
  };
  const source = countingSource(virtual);
  const result = await readTableRows(source, hdu, { start: 5, stop: 6 });
  assert.deepEqual(rowsToJson(result), { ROW: [5], HALF: [2.5] });
  assert.deepEqual(source.stats.ranges, [{ offset: dataOffset + 5 * rowBytes, length: rowBytes }]);
  assert.equal(await readTableCell(source, hdu, 999_999, "half"), 499_999.5);
  assert.deepEqual(source.stats.ranges[1], { offset: dataOffset + 999_999 * rowBytes + 4, length: 8 });
  await assert.rejects(
    readTableRows(source, hdu, { start: 999_999, stop: 1_000_001 }),
    (e: unknown) => isCloudFitsError(e, "OUT_OF_RANGE") && /0-based, stop exclusive/.test(e.message),
  );
  assert.equal(source.stats.ranges.length, 2);
});

test("Q descriptors are two int64, not two int32", async () => {
  // Row 0: 2 elements at heap offset 0; row 1: 1 element at heap offset 8.
  const { header, hdu } = binTable(16, 2, [["Q", "QJ(2)"]], [], 12);
  const data = new Uint8Array(32 + 12);
  const view = new DataView(data.buffer);
  view.setBigUint64(0, 2n);
  view.setBigUint64(8, 0n);
  view.setBigUint64(16, 1n);
  view.setBigUint64(24, 8n);
  view.setInt32(32, 7);
  view.setInt32(36, -8);
  view.setInt32(40, 9);
  const source = countingSource(memorySource(fileOf(header, data)));
  const result = await readTableRows(source, hdu);
  assert.deepEqual(rowsToJson(result), { Q: [[7, -8], [9]] });
  // The rows, then both heap cells in one coalesced request of exactly the heap's 12 bytes.
  assert.deepEqual(source.stats.ranges, [
    { offset: hdu.dataOffset, length: 32 },
    { offset: hdu.dataOffset + 32, length: 12 },
  ]);
});

test("a VLA descriptor pointing outside the heap fails before any heap read", async () => {
  const { header, hdu } = binTable(8, 2, [["V", "PJ(4)"]], [], 16);
  const data = new Uint8Array(16 + 16);
  const view = new DataView(data.buffer);
  view.setUint32(0, 2); // row 0: 2 elements at 0 — fine
  view.setUint32(4, 0);
  view.setUint32(8, 3); // row 1: 3 elements at 8 → ends at 20 > 16
  view.setUint32(12, 8);
  const source = countingSource(memorySource(fileOf(header, data)));
  await assert.rejects(readTableRows(source, hdu), (e: unknown) => {
    const offset = hdu.dataOffset + 8;
    return isCloudFitsError(e, "BAD_HEADER") && e.offset === offset &&
      /row 1 of column 1 \(V\)/.test(e.message) &&
      e.message.includes(`offset ${offset}`);
  });
  assert.equal(source.stats.ranges.length, 1, "only the rows were read");
  assert.deepEqual(rowsToJson(await readTableRows(source, hdu, { stop: 1 })), { V: [[0, 0]] });
});

test("a heap claiming 1 TB is refused without reading or allocating it", async () => {
  const terabyte = 1e12;
  const { header, hdu } = binTable(8, 1, [["V", "PB"]], [], terabyte);
  assert.equal(hdu.dataSize, 8 + terabyte);
  const data = new Uint8Array(8);
  new DataView(data.buffer).setUint32(0, 900_000_000_000); // 900 GB of bytes inside the claimed heap
  const source = countingSource(memorySource(fileOf(header, data)));
  assert.equal(describeTable(hdu).heapSize, terabyte);
  await assert.rejects(
    readTableRows(source, hdu),
    (e: unknown) => isCloudFitsError(e, "TRUNCATED") && /heap of HDU 1/.test(e.message),
  );
  assert.deepEqual(source.stats.ranges, [{ offset: hdu.dataOffset, length: 8 }]);
});

test("columns without a name are keyed by number, and zero-width columns give empty cells", async () => {
  const zeros: [string, string][] = [["Z", "0D"], ["ZA", "0A"], ["ZX", "0X"], ["ZP", "0PJ"], ["ZL", "0L"]];
  const { header, hdu } = binTable(6, 2, [["", "I"], ["", "J"], ...zeros]);
  const data = new Uint8Array([0, 1, 0, 0, 0, 2, 0, 3, 0, 0, 0, 4]);
  const source = countingSource(memorySource(fileOf(header, data)));
  const result = await readTableRows(source, hdu);
  const empty = { Z: [[], []], ZA: [[], []], ZX: [[], []], ZP: [[], []], ZL: [[], []] };
  assert.deepEqual(rowsToJson(result), { col1: [1, 3], col2: [2, 4], ...empty });
  assert.deepEqual(tableCell(result.columns.Z, 1), new Float64Array(0));
  assert.equal(source.stats.ranges.length, 1);
  source.stats.ranges.length = 0;
  assert.deepEqual(
    rowsToJson(await readTableRows(source, hdu, { columns: ["Z", "ZA", "ZX", "ZP", "ZL"] })),
    empty,
  );
  assert.equal(source.stats.ranges.length, 0);
});

test("rows and their heap are held to the limits as one read", async () => {
  const source = countingSource(memorySource(testdataFile("table_all.fits")));
  const { hdus } = await walkHdus(source);
  const options = { start: 0, stop: 2, columns: ["VLA_J"] };
  source.stats.ranges.length = 0;
  const whole = await readTableRows(source, hdus[1], { ...options, limits: { maxRead: 1e6 } });
  const [rows, heap] = source.stats.ranges;
  const total = rows.length + heap.length;
  // One byte under the two reads together: each alone would fit, the whole read does not.
  source.stats.ranges.length = 0;
  await rejectsWith(
    readTableRows(source, hdus[1], { ...options, limits: { maxRead: total - 1 } }),
    "COST_LIMIT",
  );
  assert.deepEqual(source.stats.ranges, [rows], "the rows were read, not the heap");
  assert.deepEqual(await readTableRows(source, hdus[1], { ...options, limits: { maxRead: total } }), whole);
});
