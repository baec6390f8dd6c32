/**
 * Pure planner for the heap reads of variable-length array (VLA) cells: once a read's rows have
 * arrived, their descriptors say where each cell lies in the heap.
 *
 * @module
 */

import { CloudFitsError } from "../errors.ts";
import type { Hdu } from "../fits/layout.ts";
import { vlaCellLength, type VlaDescriptor } from "../fits/table_decode.ts";
import { type Column, columnLabel, type TableLayout } from "../fits/table_layout.ts";
import type { ByteRange } from "./types.ts";

/**
 * Plan one byte range per VLA cell, column by column and row by row within a column, after checking
 * every descriptor against the heap, so that nothing is fetched or allocated for a descriptor that
 * points outside it.
 *
 * @param table The table layout (row size, heap offset and size).
 * @param hdu The table's HDU (for its data offset).
 * @param columns The VLA columns to read.
 * @param start First row (0-based).
 * @param stop One past the last row.
 * @param descriptor The descriptor of `column` in `row`, read from the row bytes.
 * @returns Ranges in the order `columns[0]` rows `start…stop − 1`, `columns[1]` rows…, not coalesced.
 * @throws {CloudFitsError} `BAD_HEADER` for a descriptor whose cell ends past the heap, naming the row,
 *   the column and the descriptor's file offset.
 *
 * @example Two cells of a `PJ` column
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildHeader, formatCard, parseHeader } from "@cloudfits/core";
 * import { describeHdu } from "../fits/layout.ts";
 * import { describeTable } from "../fits/tform.ts";
 * import { planTableHeap } from "./table_heap.ts";
 *
 * const header = parseHeader(buildHeader([
 *   formatCard("XTENSION", "BINTABLE"), formatCard("BITPIX", 8), formatCard("NAXIS", 2),
 *   formatCard("NAXIS1", 8), formatCard("NAXIS2", 2), formatCard("PCOUNT", 12), formatCard("GCOUNT", 1),
 *   formatCard("TFIELDS", 1), formatCard("TFORM1", "PJ(2)"),
 * ]));
 * const hdu = describeHdu(header, 1, 0);
 * const table = describeTable(hdu);
 * const descriptors = [{ count: 2, offset: 0 }, { count: 1, offset: 8 }];
 * const ranges = planTableHeap(table, hdu, table.columns, 0, 2, (row) => descriptors[row]);
 * assert.deepEqual(ranges, [{ offset: 2880 + 16, length: 8 }, { offset: 2880 + 24, length: 4 }]);
 * ```
 */
export function planTableHeap(
  table: TableLayout,
  hdu: Hdu,
  columns: readonly Column[],
  start: number,
  stop: number,
  descriptor: (row: number, column: Column) => VlaDescriptor,
): ByteRange[] {
  const heapStart = hdu.dataOffset + table.heapOffset;
  const ranges: ByteRange[] = [];
  for (const column of columns) {
    for (let row = start; row < stop; row++) {
      const { count, offset } = descriptor(row, column);
      const length = vlaCellLength(column.elementType!, count);
      if (!(offset + length <= table.heapSize)) {
        const at = hdu.dataOffset + row * table.rowBytes + column.offset;
        throw new CloudFitsError(
          "BAD_HEADER",
          `Cannot read row ${row} of column ${
            columnLabel(column)
          }: its descriptor at offset ${at} (${count} elements at heap offset ${offset}) ends past the heap of ${table.heapSize} bytes`,
          { offset: at },
        );
      }
      ranges.push({ offset: heapStart + offset, length });
    }
  }
  return ranges;
}
