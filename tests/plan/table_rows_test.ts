import { test } from "node:test";
import assert from "node:assert/strict";
import { isCloudFitsError } from "../../src/errors.ts";
import { parseHeader } from "../../src/fits/header.ts";
import { describeHdu, type Hdu } from "../../src/fits/layout.ts";
import type { TableLayout } from "../../src/fits/table_layout.ts";
import { describeTable } from "../../src/fits/tform.ts";
import { buildHeader } from "../../src/fits/write.ts";
import { coalesceRanges } from "../../src/plan/coalesce.ts";
import { planTableRowAccess, planTableRows, selectColumns } from "../../src/plan/table_rows.ts";
import { binTableCards } from "../_support/fixtures.ts";

/** A BINTABLE at offset 2880 (data at 5760 for small headers); columns are [TTYPE, TFORM] pairs. */
function table(
  rowBytes: number,
  rows: number,
  columns: [string, string][],
): { layout: TableLayout; hdu: Hdu } {
  const hdu = describeHdu(
    parseHeader(buildHeader(binTableCards(rowBytes, rows, columns)), { offset: 2880 }),
    1,
    2880,
  );
  return { layout: describeTable(hdu), hdu };
}

// Rows of 100 bytes: TIME at 0, FLUX at 8, PAD 80 bytes at 12, FLAG at 92, Q at 93.
const narrow = table(100, 1000, [["TIME", "D"], ["FLUX", "E"], ["PAD", "80A"], ["FLAG", "L"], ["Q", "7B"]]);

test("planTableRows reads whole rows as one block", () => {
  const { layout, hdu } = narrow;
  assert.equal(hdu.dataOffset, 5760);
  assert.deepEqual(planTableRows(layout, hdu, 10, 20), [{ offset: 5760 + 1000, length: 1000 }]);
});

test("planTableRows trims the block to the first and last wanted byte of a row", () => {
  const { layout, hdu } = narrow;
  assert.deepEqual(planTableRows(layout, hdu, 0, 10, ["flux"]), [{ offset: 5760 + 8, length: 9 * 100 + 4 }]);
  assert.deepEqual(planTableRows(layout, hdu, 3, 5, ["TIME", 4]), [{ offset: 5760 + 300, length: 100 + 93 }]);
  assert.deepEqual(planTableRows(layout, hdu, 7, 7, ["TIME"]), []);
});

test("planTableRowAccess locates each cell in the planned ranges", () => {
  const { layout, hdu } = narrow;
  const columns = selectColumns(layout, ["FLAG", "FLUX"]);
  const access = planTableRowAccess(layout, hdu, 4, 6, columns);
  assert.deepEqual(access.ranges, [{ offset: 5760 + 408, length: 100 + 85 }]);
  assert.deepEqual(access.locate(5, columns[0]), { range: 0, offset: 100 + 84 });
  assert.deepEqual(access.locate(4, columns[1]), { range: 0, offset: 0 });
});

test("wide rows with a few narrow columns are planned per row and per run of columns", () => {
  // 100 kB rows: A (8 B) and B (4 B) adjacent at the start, C (8 B) at the end.
  const wide = table(100_020, 50, [["A", "D"], ["B", "J"], ["PAD", "100000A"], ["C", "D"]]);
  const { layout, hdu } = wide;
  const columns = selectColumns(layout, ["A", "B", "C"]);
  const access = planTableRowAccess(layout, hdu, 2, 4, columns);
  const base = hdu.dataOffset;
  assert.deepEqual(access.ranges, [
    { offset: base + 2 * 100_020, length: 12 },
    { offset: base + 2 * 100_020 + 100_012, length: 8 },
    { offset: base + 3 * 100_020, length: 12 },
    { offset: base + 3 * 100_020 + 100_012, length: 8 },
  ]);
  assert.deepEqual(access.locate(3, columns[1]), { range: 2, offset: 8 });
  assert.deepEqual(access.locate(3, columns[2]), { range: 3, offset: 0 });
  // Coalescing merges C of row 2 with A and B of row 3 (8 bytes apart): 3 requests, 40 bytes.
  const spans = coalesceRanges(access.ranges);
  assert.equal(spans.length, 3);
  assert.equal(spans.reduce((sum, s) => sum + s.length, 0), 40);
  // A larger gap budget reads whole rows again.
  assert.equal(planTableRows(layout, hdu, 2, 4, ["A", "C"], { maxGap: 200_000 }).length, 1);
});

test("zero-width columns need no bytes", () => {
  const { layout, hdu } = table(8, 10, [["X", "D"], ["NONE", "0J"]]);
  assert.deepEqual(planTableRows(layout, hdu, 0, 10, ["NONE"]), []);
});

test("rows outside the table are OUT_OF_RANGE, described as 0-based, stop exclusive", () => {
  const { layout, hdu } = narrow;
  for (const [start, stop] of [[0, 1001], [-1, 3], [5, 4]]) {
    assert.throws(
      () => planTableRows(layout, hdu, start, stop),
      (e: unknown) =>
        isCloudFitsError(e, "OUT_OF_RANGE") &&
        e.message ===
          `Cannot read rows [${start}, ${stop}) of HDU 1: it has 1000 rows (0-based, stop exclusive)`,
    );
  }
  assert.deepEqual(planTableRows(layout, hdu, 1000, 1000), []);
  assert.throws(() => planTableRows(layout, hdu, 0.5, 2), RangeError);
});

test("selectColumns matches names exactly, then case-insensitively, and numbers 1-based", () => {
  const { layout } = table(12, 1, [["flux", "E"], ["FLUX", "E"], ["Time", "J"]]);
  assert.deepEqual(selectColumns(layout, ["FLUX", "flux", "time", 3]).map((c) => c.index), [2, 1, 3, 3]);
  assert.deepEqual(selectColumns(layout).map((c) => c.name), ["flux", "FLUX", "Time"]);
  assert.throws(
    () => selectColumns(layout, ["Flux"]),
    (e: unknown) => isCloudFitsError(e, "NOT_FOUND") && /2 columns match/.test(e.message),
  );
  assert.throws(
    () => selectColumns(layout, ["RATE"]),
    (e: unknown) =>
      isCloudFitsError(e, "NOT_FOUND") &&
      e.message === "Cannot find column 'RATE': no such column; columns are flux, FLUX, Time",
  );
  for (const number of [0, 4, 1.5]) {
    assert.throws(() => selectColumns(layout, [number]), (e: unknown) => isCloudFitsError(e, "NOT_FOUND"));
  }
});
