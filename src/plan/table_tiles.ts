/**
 * Pure planning of reads from tile-compressed tables: which tiles hold the wanted rows, where the
 * pointers to their compressed columns lie, and where the compressed arrays of variable-length cells lie.
 *
 * @module
 */
import { CloudFitsError } from "../errors.ts";
import type { TableTiling } from "../fits/table_layout.ts";
import type { Hdu } from "../fits/layout.ts";
import { type Column, columnLabel, type TableLayout } from "../fits/table_layout.ts";
import type { VlaDescriptor } from "../fits/table_decode.ts";
import {
  checkRowRange,
  planTableRowAccess,
  type TableRowAccess,
  type TableRowPlanOptions,
} from "./table_rows.ts";
import type { ByteRange } from "./types.ts";
import type { CoalesceOptions } from "./coalesce.ts";
import { measurePlan, type PlanFigures } from "./cost.ts";

/** The first read of rows of a compressed table: the tiles, and the stored cells that point to their bytes. */
export interface TileRowPlan {
  /** The table's tiling. */
  tiling: TableTiling;
  /** First tile holding a wanted row. */
  firstTile: number;
  /** The tile after the last one holding a wanted row. */
  stopTile: number;
  /** The wanted columns that hold bytes, and the stored column of each. */
  columns: { column: Column; stored: Column; position: number }[];
  /** The stored cells (16-byte pointers into the heap) of those tiles and columns. */
  access: TableRowAccess;
}

/**
 * Plan the first read of rows `[start, stop)` of a compressed table: the pointers of the tiles that hold
 * them, for the wanted columns only.
 *
 * @param table The table's layout (with its tiling).
 * @param hdu The table's HDU.
 * @param start First row.
 * @param stop Row after the last.
 * @param columns The wanted columns.
 * @param options Request cost.
 * @returns The plan.
 * @throws {CloudFitsError} `OUT_OF_RANGE` for rows outside the table.
 *
 * @example
 * ```ts ignore
 * const plan = planTileRows(table, hdu, 60, 70, table.columns);
 * console.log(plan.firstTile, plan.stopTile); // 0 2 with 64 rows per tile
 * ```
 */
export function planTileRows(
  table: TableLayout,
  hdu: Hdu,
  start: number,
  stop: number,
  columns: readonly Column[],
  options: TableRowPlanOptions = {},
): TileRowPlan {
  checkRowRange(table, hdu, start, stop);
  const tiling = table.tiling!;
  const firstTile = Math.floor(start / tiling.tileRows);
  const stopTile = stop > start ? Math.floor((stop - 1) / tiling.tileRows) + 1 : firstTile;
  const wanted = columns.filter((column) => column.width > 0).map((column) => ({
    column,
    stored: tiling.stored.columns[column.index - 1],
    position: column.index - 1,
  }));
  const access = planTableRowAccess(
    tiling.stored,
    hdu,
    firstTile,
    stopTile,
    wanted.map((w) => w.stored),
    options,
  );
  return { tiling, firstTile, stopTile, columns: wanted, access };
}

/**
 * Plan the read of the compressed arrays of variable-length cells, each checked against the stored heap.
 *
 * @param tiling The table's tiling.
 * @param hdu The table's HDU.
 * @param column The variable-length column, for messages.
 * @param pointers The stored length and heap offset of each wanted cell.
 * @returns One range per pointer, in order.
 * @throws {CloudFitsError} `BAD_HEADER` for a pointer past the heap.
 *
 * @example
 * ```ts ignore
 * const ranges = planTileVlaCells(tiling, hdu, column, [{ count: 12, offset: 400 }]);
 * ```
 */
export function planTileVlaCells(
  tiling: TableTiling,
  hdu: Hdu,
  column: Column,
  pointers: readonly VlaDescriptor[],
): ByteRange[] {
  const { stored } = tiling;
  const heapStart = hdu.dataOffset + stored.heapOffset;
  return pointers.map(({ count, offset }) => {
    if (!(offset + count <= stored.heapSize)) {
      throw new CloudFitsError(
        "BAD_HEADER",
        `Cannot read column ${
          columnLabel(column)
        } of HDU ${hdu.index}: a compressed array of ${count} bytes at heap offset ${offset} ends past the heap of ${stored.heapSize} bytes`,
        { offset: hdu.headerOffset },
      );
    }
    return { offset: heapStart + offset, length: count };
  });
}

/**
 * The figures of the first read of rows of a compressed table (the tiles' pointers). The compressed
 * columns and arrays are planned once the pointers are read, so the figures are not complete.
 *
 * @param table The table's layout (with its tiling).
 * @param hdu The table's HDU.
 * @param start First row.
 * @param stop Row after the last.
 * @param columns The wanted columns.
 * @param options Request cost and span cap.
 * @returns The figures, with `complete: false`.
 *
 * @example
 * ```ts ignore
 * console.log(measureTileRead(table, hdu, 0, 10, table.columns).requests); // 1
 * ```
 */
export function measureTileRead(
  table: TableLayout,
  hdu: Hdu,
  start: number,
  stop: number,
  columns: readonly Column[],
  options: CoalesceOptions = {},
): PlanFigures & { complete: boolean } {
  const { access } = planTileRows(table, hdu, start, stop, columns, options);
  const { requests, bytesToRead, bytesNeeded } = measurePlan(access.ranges, options);
  return { requests, bytesToRead, bytesNeeded, complete: false };
}
