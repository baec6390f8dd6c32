import { test } from "node:test";
import assert from "node:assert/strict";
import { isCloudFitsError } from "../../src/errors.ts";
import { describeTable } from "../../src/fits/tform.ts";
import { formatCard } from "../../src/fits/write.ts";
import { planTableHeap } from "../../src/plan/table_heap.ts";
import { binTable } from "../_support/tables.ts";

// Rows of 24 bytes: a P descriptor of doubles at 0, a Q descriptor of bits at 8; a 40-byte heap that
// starts 16 bytes after the 3 rows (THEAP = 88).
const { hdu } = binTable(24, 3, [["D", "PD(4)"], ["X", "QX(30)"]], [formatCard("THEAP", 88)], 56);
const table = describeTable(hdu);
const heapStart = hdu.dataOffset + 88;

test("planTableHeap plans one range per cell, column by column, from the heap's start", () => {
  assert.equal(table.heapSize, 40);
  const descriptors: Record<string, [number, number][]> = {
    D: [[2, 0], [0, 16], [1, 32]],
    X: [[30, 16], [9, 20], [0, 0]],
  };
  const seen: string[] = [];
  const ranges = planTableHeap(table, hdu, table.columns, 0, 3, (row, column) => {
    seen.push(`${column.name}${row}`);
    const [count, offset] = descriptors[column.name][row];
    return { count, offset };
  });
  assert.deepEqual(seen, ["D0", "D1", "D2", "X0", "X1", "X2"]);
  assert.deepEqual(ranges, [
    { offset: heapStart, length: 16 },
    { offset: heapStart + 16, length: 0 },
    { offset: heapStart + 32, length: 8 },
    { offset: heapStart + 16, length: 4 },
    { offset: heapStart + 20, length: 2 },
    { offset: heapStart, length: 0 },
  ]);
  assert.deepEqual(
    planTableHeap(table, hdu, table.columns.slice(1), 1, 2, () => ({ count: 8, offset: 39 })),
    [
      { offset: heapStart + 39, length: 1 },
    ],
  );
});

test("planTableHeap rejects a cell that ends past the heap, naming row, column and descriptor offset", () => {
  for (const [count, offset] of [[3, 24], [1, 40], [1, Infinity], [Infinity, 0]]) {
    assert.throws(
      () => planTableHeap(table, hdu, table.columns.slice(0, 1), 1, 3, () => ({ count, offset })),
      (e: unknown) => {
        const at = hdu.dataOffset + 24;
        return isCloudFitsError(e, "BAD_HEADER") && e.offset === at &&
          e.message.startsWith(`Cannot read row 1 of column 1 (D): its descriptor at offset ${at}`) &&
          e.message.endsWith("ends past the heap of 40 bytes");
      },
      `${count} at ${offset}`,
    );
  }
});
