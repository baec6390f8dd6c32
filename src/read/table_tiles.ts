/**
 * Reading rows of a tile-compressed table: fetch the pointers of the tiles that hold the rows (wanted
 * columns only), then those columns' compressed bytes, then, for variable-length columns, the compressed
 * arrays of the wanted rows; decode; and hand the bytes to the ordinary table decoders.
 *
 * @module
 */
import { tileRowRange } from "../fits/compressed_table.ts";
import { decodeTileColumn, decodeTileVla, tileVlaPointer } from "../fits/compressed_table_decode.ts";
import type { Hdu } from "../fits/layout.ts";
import {
  cellBytes,
  decodeFixedColumn,
  decodeVlaColumn,
  type HeapCell,
  readVlaDescriptor,
} from "../fits/table_decode.ts";
import type { Column, TableLayout } from "../fits/table_layout.ts";
import { type TableColumnData, type TableRows, tableRows } from "../fits/table_values.ts";
import { addFigures, measurePlan, type PlanFigures } from "../plan/cost.ts";
import type { ByteRange } from "../plan/types.ts";
import { planTableHeap } from "../plan/table_heap.ts";
import { planTileRows, planTileVlaCells } from "../plan/table_tiles.ts";
import type { ByteSource } from "../source/types.ts";
import { readRanges, type ReadRangesOptions } from "./read_ranges.ts";

/** The figures of ranges in any order (readRanges takes them so; measurePlan wants them ascending). */
function measureAny(ranges: readonly ByteRange[], options: ReadRangesOptions): PlanFigures {
  return measurePlan([...ranges].sort((x, y) => x.offset - y.offset), options);
}

/**
 * Read rows `[start, stop)` of a tile-compressed table: only the tiles that hold them, and in those only
 * the wanted columns. Three planned reads at most: the tiles' pointers, the compressed columns, and the
 * compressed arrays of variable-length cells, held to the cost limits as one read.
 *
 * @param source Where the file's bytes live.
 * @param hdu The table's HDU.
 * @param table Its layout (with its tiling).
 * @param start First row.
 * @param stop Row after the last.
 * @param columns The wanted columns.
 * @param options Read settings.
 * @returns The decoded columns.
 * @throws {CloudFitsError} `BAD_HEADER` for pointers past the heap or bytes that do not decode.
 *
 * @example
 * ```ts ignore
 * const rows = await readTileRows(source, hdu, describeTable(hdu), 60, 70, table.columns, {});
 * ```
 */
export async function readTileRows(
  source: ByteSource,
  hdu: Hdu,
  table: TableLayout,
  start: number,
  stop: number,
  columns: readonly Column[],
  options: ReadRangesOptions,
): Promise<TableRows> {
  const plan = planTileRows(table, hdu, start, stop, columns, { maxGap: options.maxGap });
  const { tiling, firstTile, stopTile } = plan;
  const tileCount = stopTile - firstTile;
  const pointerPieces = await readRanges(source, plan.access.ranges, options);
  let spent: PlanFigures = measurePlan(plan.access.ranges, options);
  const pointerCells = pointerPieces.map((piece) => cellBytes(piece));
  const storedColumns = plan.columns.map((w) => w.stored);
  const heapRanges = planTableHeap(tiling.stored, hdu, storedColumns, firstTile, stopTile, (tile, stored) => {
    const { range, offset } = plan.access.locate(tile, stored);
    return readVlaDescriptor({ ...pointerCells[range], pos: offset }, stored.typeCode === "Q");
  });
  const compressed = await readRanges(source, heapRanges, { ...options, spent });
  spent = addFigures(spent, measureAny(heapRanges, options));

  const rowCount = stop - start;
  const decoded = new Map<Column, TableColumnData>();
  for (const [c, { column, position }] of plan.columns.entries()) {
    const algorithm = tiling.algorithms[position];
    const tiles: { first: number; bytes: Uint8Array; rows: number }[] = [];
    for (let t = 0; t < tileCount; t++) {
      const [first, last] = tileRowRange(tiling, table.rowCount, firstTile + t);
      const bytes = await decodeTileColumn(column, algorithm, compressed[c * tileCount + t], last - first);
      tiles.push({ first, bytes, rows: last - first });
    }
    const locate = (row: number) => {
      const tile = tiles[Math.floor(row / tiling.tileRows) - firstTile];
      return { tile, within: row - tile.first };
    };
    if (column.elementType === null) {
      decoded.set(
        column,
        decodeFixedColumn(column, rowCount, (i) => {
          const { tile, within } = locate(start + i);
          return cellBytes(tile.bytes, within * column.width);
        }),
      );
      continue;
    }
    const pointers = Array.from({ length: rowCount }, (_, i) => {
      const { tile, within } = locate(start + i);
      return tileVlaPointer(column, tile.bytes, tile.rows, within);
    });
    const ranges = planTileVlaCells(tiling, hdu, column, pointers.map((p) => p.stored));
    const arrays = await readRanges(source, ranges, { ...options, spent });
    spent = addFigures(spent, measureAny(ranges, options));
    const cells: HeapCell[] = [];
    for (const [i, { original }] of pointers.entries()) {
      const bytes = original.count === 0
        ? new Uint8Array(0)
        : await decodeTileVla(column, algorithm, arrays[i], original.count);
      cells.push({ ...cellBytes(bytes), count: original.count });
    }
    decoded.set(column, decodeVlaColumn(column, cells));
  }
  return tableRows(
    start,
    stop,
    columns.map((column) =>
      decoded.get(column) ?? decodeFixedColumn(column, rowCount, () => cellBytes(new Uint8Array(0)))
    ),
  );
}
