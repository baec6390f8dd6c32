/**
 * Pure planner from a table row range (and optional column subset) to the byte ranges to fetch.
 *
 * @module
 */

import { CloudFitsError } from "../errors.ts";
import type { Column, TableLayout } from "../fits/table_layout.ts";
import type { Hdu } from "../fits/layout.ts";
import type { ByteRange } from "./types.ts";
import { type CoalesceOptions, DEFAULT_MAX_GAP } from "./coalesce.ts";
import { measurePlan, type PlanFigures } from "./cost.ts";

/** A column chosen by name (case-insensitive, as astropy) or by 1-based number. */
export type ColumnSelector = string | number;

/** Settings for {@linkcode planTableRows} and {@linkcode planTableRowAccess}. */
export interface TableRowPlanOptions {
  /**
   * Bytes of unwanted data worth reading to save a request (default 32 KiB, the gap budget of
   * `coalesceRanges`). Rows whose unwanted bytes exceed it are planned one range per row.
   */
  maxGap?: number;
}

/** Where one column's bytes of one row sit in the fetched ranges. */
export interface CellLocation {
  /** Index into {@linkcode TableRowAccess.ranges}. */
  range: number;
  /** Byte offset of the cell within that range. */
  offset: number;
}

/** A row plan: the ranges to fetch and how to find each cell in them. */
export interface TableRowAccess {
  /** Ranges to fetch, in file order; pass them to `readRanges`, which coalesces them. */
  readonly ranges: ByteRange[];
  /**
   * Find the cell of `column` in row `row` (an absolute 0-based row number within the planned range).
   *
   * @param row Row number, `start <= row < stop`.
   * @param column One of the planned columns.
   * @returns The range index and the offset of the cell inside it.
   */
  locate(row: number, column: Column): CellLocation;
  /**
   * Set when every planned row lies in range 0, one after another `rowStride` bytes apart: the cell of
   * row `start + i` is then at `locate(start, column).offset + i * rowStride`, which lets a decoder run
   * down a column without locating each cell.
   */
  readonly rowStride?: number;
}

/**
 * Resolve column selectors to the table's columns, in the order given.
 *
 * Names match exactly first, then case-insensitively (as astropy does); numbers are 1-based.
 *
 * @param table The table layout.
 * @param selection Names or 1-based numbers; omitted means every column.
 * @returns The selected columns.
 * @throws {CloudFitsError} `NOT_FOUND` for an unknown or ambiguous name or number, listing the names.
 *
 * @example Select two columns
 * ```ts ignore
 * import { describeTable } from "../fits/tform.ts";
 * import { selectColumns } from "./table_rows.ts";
 *
 * const columns = selectColumns(describeTable(hdu), ["time", 3]);
 * ```
 */
export function selectColumns(table: TableLayout, selection?: readonly ColumnSelector[]): Column[] {
  if (selection === undefined) return [...table.columns];
  const names = (): string => table.columns.map((c) => c.name || `#${c.index}`).join(", ");
  return selection.map((selector) => {
    if (typeof selector === "number") {
      const column = table.columns[selector - 1];
      if (!Number.isInteger(selector) || column === undefined) {
        throw new CloudFitsError(
          "NOT_FOUND",
          `Cannot find column number ${selector}: the table has ${table.columns.length} columns (${names()})`,
        );
      }
      return column;
    }
    const exact = table.columns.filter((c) => c.name === selector);
    const matches = exact.length > 0
      ? exact
      : table.columns.filter((c) => c.name.toLowerCase() === selector.toLowerCase());
    if (matches.length !== 1) {
      const reason = matches.length === 0 ? "no such column" : `${matches.length} columns match`;
      throw new CloudFitsError(
        "NOT_FOUND",
        `Cannot find column '${selector}': ${reason}; columns are ${names()}`,
      );
    }
    return matches[0];
  });
}

/**
 * The columns whose bytes a read of `columns` needs: those, and for random groups the parameters summed
 * into them.
 *
 * @param table The table layout.
 * @param columns The selected columns.
 * @returns The columns to plan.
 *
 * @example
 * ```ts ignore
 * planTableRowAccess(table, hdu, 0, 6, withSummands(table, columns));
 * ```
 */
export function withSummands(table: TableLayout, columns: readonly Column[]): Column[] {
  return [...columns, ...columns.flatMap((column) => table.summands?.get(column) ?? [])];
}

/**
 * Check a 0-based, stop-exclusive row range against the table.
 *
 * @param table The table layout.
 * @param hdu The table's HDU, for the message.
 * @param start First row (0-based).
 * @param stop One past the last row.
 * @throws {CloudFitsError} `OUT_OF_RANGE` when the range is outside `[0, rowCount]`.
 *
 * @example
 * ```ts ignore
 * import { checkRowRange } from "./table_rows.ts";
 *
 * checkRowRange(table, hdu, 0, 10);
 * ```
 */
export function checkRowRange(table: TableLayout, hdu: Hdu, start: number, stop: number): void {
  if (!Number.isInteger(start) || !Number.isInteger(stop)) {
    throw new RangeError(`Cannot read rows [${start}, ${stop}): row numbers must be integers`);
  }
  if (start < 0 || stop < start || stop > table.rowCount) {
    throw new CloudFitsError(
      "OUT_OF_RANGE",
      `Cannot read rows [${start}, ${stop}) of HDU ${hdu.index}: it has ${table.rowCount} rows (0-based, stop exclusive)`,
    );
  }
  // Rows of zero bytes are backed by no data, so nothing but NAXIS2 bounds their number: refuse to
  // produce (or iterate over) more empty rows than a real table could hold.
  if (table.rowBytes === 0 && stop - start > MAX_EMPTY_ROWS) {
    throw new CloudFitsError(
      "BAD_HEADER",
      `Cannot read ${
        stop - start
      } rows of HDU ${hdu.index} at offset ${hdu.headerOffset}: its rows are 0 bytes wide (NAXIS1 = 0), and more than ${MAX_EMPTY_ROWS} such rows are refused`,
      { offset: hdu.headerOffset },
    );
  }
}

/** Most rows of a zero-width table that one read or stream may produce (each costs a cell per column). */
export const MAX_EMPTY_ROWS = 1_000_000;

/**
 * Plan the reads for rows `[start, stop)` of some columns, and say where each cell lands.
 *
 * The plan reads whole row blocks, trimmed to the first and last wanted byte of a row, while the
 * unwanted bytes between consecutive rows stay within `maxGap`: one request is cheaper than skipping
 * them. When rows are wide and only a few narrow columns are wanted, it plans one range per row and
 * per run of adjacent wanted columns instead, and lets `coalesceRanges` merge whatever lies close;
 * that costs one range object per row and run, which is the price of skipping the unwanted bytes.
 * Zero-width columns need no bytes.
 *
 * @param table The table layout.
 * @param hdu The table's HDU (for its data offset).
 * @param start First row (0-based).
 * @param stop One past the last row.
 * @param columns The columns to read.
 * @param options Gap budget.
 * @returns The ranges and a locator for cells.
 * @throws {CloudFitsError} `OUT_OF_RANGE` when the rows are outside the table.
 *
 * @example Plan two columns of ten rows
 * ```ts ignore
 * import { describeTable } from "../fits/tform.ts";
 * import { planTableRowAccess, selectColumns } from "./table_rows.ts";
 *
 * const table = describeTable(hdu);
 * const access = planTableRowAccess(table, hdu, 0, 10, selectColumns(table, ["TIME", "FLUX"]));
 * console.log(access.ranges);
 * ```
 */
export function planTableRowAccess(
  table: TableLayout,
  hdu: Hdu,
  start: number,
  stop: number,
  columns: readonly Column[],
  options: TableRowPlanOptions = {},
): TableRowAccess {
  checkRowRange(table, hdu, start, stop);
  const maxGap = options.maxGap ?? DEFAULT_MAX_GAP;
  const runs = columnRuns(columns, maxGap);
  const runOf = new Map<Column, number>();
  for (const column of columns) {
    const run = runs.findIndex((r) => column.offset >= r.start && column.offset + column.width <= r.end);
    runOf.set(column, Math.max(0, run));
  }
  if (runs.length === 0 || start === stop) {
    return { ranges: [], locate: () => ({ range: 0, offset: 0 }) };
  }
  const rowBytes = table.rowBytes;
  const first = runs[0].start;
  if (runs.length === 1 && rowBytes - (runs[0].end - first) <= maxGap) {
    const length = (stop - start - 1) * rowBytes + runs[0].end - first;
    return {
      ranges: [{ offset: hdu.dataOffset + start * rowBytes + first, length }],
      locate: (row, column) => ({ range: 0, offset: (row - start) * rowBytes + column.offset - first }),
      rowStride: rowBytes,
    };
  }
  const ranges: ByteRange[] = [];
  for (let row = start; row < stop; row++) {
    const rowOffset = hdu.dataOffset + row * rowBytes;
    for (const run of runs) ranges.push({ offset: rowOffset + run.start, length: run.end - run.start });
  }
  return {
    ranges,
    locate: (row, column) => {
      const run = runOf.get(column) ?? 0;
      return { range: (row - start) * runs.length + run, offset: column.offset - runs[run].start };
    },
  };
}

/**
 * Plan the byte ranges that hold rows `[start, stop)` of a table (0-based, stop exclusive).
 *
 * See {@linkcode planTableRowAccess} for the choice between row blocks and per-row ranges. VLA heap
 * ranges depend on the descriptors in these rows, so they are planned after the rows arrive.
 *
 * @param table The table layout from `describeTable`.
 * @param hdu The table's HDU.
 * @param start First row (0-based).
 * @param stop One past the last row.
 * @param columns Column names or 1-based numbers; omitted means every column.
 * @param options Gap budget.
 * @returns Ranges in file order, not yet coalesced.
 * @throws {CloudFitsError} `OUT_OF_RANGE` for rows outside the table, `NOT_FOUND` for unknown columns.
 *
 * @example Rows 0 to 9 of two columns
 * ```ts ignore
 * import { describeTable } from "../fits/tform.ts";
 * import { planTableRows } from "./table_rows.ts";
 *
 * const ranges = planTableRows(describeTable(hdu), hdu, 0, 10, ["TIME", "FLUX"]);
 * ```
 */
export function planTableRows(
  table: TableLayout,
  hdu: Hdu,
  start: number,
  stop: number,
  columns?: readonly ColumnSelector[],
  options: TableRowPlanOptions = {},
): ByteRange[] {
  return planTableRowAccess(table, hdu, start, stop, selectColumns(table, columns), options).ranges;
}

/** Merge the wanted columns of one row into runs of bytes separated by more than `maxGap`. */
function columnRuns(columns: readonly Column[], maxGap: number): { start: number; end: number }[] {
  const sorted = columns.filter((c) => c.width > 0).sort((a, b) => a.offset - b.offset);
  const runs: { start: number; end: number }[] = [];
  for (const column of sorted) {
    const last = runs.at(-1);
    const end = column.offset + column.width;
    if (last && column.offset - last.end <= maxGap) last.end = Math.max(last.end, end);
    else runs.push({ start: column.offset, end });
  }
  return runs;
}

/** Rows read per batch at most when a table is streamed, so that memory stays bounded. */
const BATCH_ROWS = 10_000;
/** Bytes of row data per batch at most, for tables whose rows are wide. */
const BATCH_BYTES = 16 * 1024 * 1024;

/**
 * Cut rows `[start, stop)` into the batches a stream reads: at most 10,000 rows or 16 MiB of row data
 * each.
 *
 * @param table The table layout.
 * @param start First row (0-based).
 * @param stop One past the last row.
 * @returns `[start, stop)` of each batch, in order, made as they are asked for.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { TableLayout } from "../fits/table_layout.ts";
 * import { tableBatches } from "./table_rows.ts";
 *
 * const table = { rowBytes: 8 } as TableLayout;
 * assert.deepEqual([...tableBatches(table, 5, 25_000)], [[5, 10_005], [10_005, 20_005], [20_005, 25_000]]);
 * ```
 */
export function* tableBatches(table: TableLayout, start: number, stop: number): Generator<[number, number]> {
  const rows = batchRows(table);
  // A compressed table is read by whole tiles, so its batches end on tile boundaries.
  const tiled = table.tiling !== undefined;
  for (let first = start; first < stop;) {
    const last = Math.min(stop, tiled ? (Math.floor(first / rows) + 1) * rows : first + rows);
    yield [first, last];
    first = last;
  }
}

function batchRows(table: TableLayout): number {
  const rows = Math.max(1, Math.min(BATCH_ROWS, Math.floor(BATCH_BYTES / Math.max(1, table.rowBytes))));
  const tileRows = table.tiling?.tileRows;
  return tileRows === undefined ? rows : Math.max(1, Math.floor(rows / tileRows)) * tileRows;
}

/**
 * Count what reading rows `[start, stop)` batch by batch (as a stream reads them) would cost, without
 * fetching anything. Whole rows are read when that saves requests, so the bytes needed are only the
 * selected columns' bytes. Variable-length arrays live in the heap, planned from the rows once they
 * arrive: `complete` is false when a selected column has them, and the figures cover the rows only.
 *
 * @param table The table layout.
 * @param hdu The table's HDU.
 * @param start First row (0-based).
 * @param stop One past the last row.
 * @param columns The selected columns.
 * @param options Request cost and span cap.
 * @returns The figures, and whether they cover the whole read.
 *
 * @example
 * ```ts ignore
 * const figures = measureTableRead(table, hdu, 0, table.rowCount, selectColumns(table, ["TIME"]));
 * ```
 */
export function measureTableRead(
  table: TableLayout,
  hdu: Hdu,
  start: number,
  stop: number,
  columns: readonly Column[],
  options: CoalesceOptions = {},
): PlanFigures & { complete: boolean } {
  checkRowRange(table, hdu, start, stop);
  const width = withSummands(table, columns).reduce((sum, column) => sum + column.width, 0);
  const total = { requests: 0, bytesToRead: 0, bytesNeeded: (stop - start) * width, complete: true };
  // Every full batch plans the same ranges, shifted: measure one and count them, so that the cost of a
  // header's claim (10^15 rows) is computed, not iterated. (Compressed tables are measured by
  // measureTileRead.)
  const selected = withSummands(table, columns);
  const rows = batchRows(table);
  const full = Math.floor((stop - start) / rows);
  const shapes: [number, number, number][] = [[start, start + rows, full], [start + full * rows, stop, 1]];
  for (const [first, last, times] of shapes) {
    if (times === 0 || first === last) continue;
    const figures = measurePlan(
      planTableRowAccess(table, hdu, first, last, selected, options).ranges,
      options,
    );
    total.requests += figures.requests * times;
    total.bytesToRead += figures.bytesToRead * times;
  }
  total.complete = !columns.some((column) => column.elementType !== null && column.width > 0);
  return total;
}
