/**
 * Reading table rows: plan the row ranges (`planTableRowAccess`), fetch them with `readRanges`, then
 * plan and fetch the heap cells of any variable-length arrays (`planTableHeap`), and decode.
 *
 * @module
 */

import { CloudFitsError } from "../errors.ts";
import { decodeAsciiColumn } from "../fits/ascii_decode.ts";
import type { Hdu } from "../fits/layout.ts";
import {
  type CellBytes,
  cellBytes,
  decodeFixedColumn,
  decodeVlaColumn,
  type HeapCell,
  readVlaDescriptor,
} from "../fits/table_decode.ts";
import { decodeStridedColumn } from "../fits/table_strided.ts";
import type { Column, TableLayout } from "../fits/table_layout.ts";
import {
  type TableCell,
  tableCell,
  type TableColumnData,
  type TableRows,
  tableRows,
} from "../fits/table_values.ts";
import { describeTable } from "../fits/tform.ts";
import { planTableHeap } from "../plan/table_heap.ts";
import { checkPlanCost, measurePlan, type PlanFigures } from "../plan/cost.ts";
import {
  checkRowRange,
  type ColumnSelector,
  measureTableRead,
  planTableRowAccess,
  selectColumns,
  tableBatches,
  type TableRowAccess,
  withSummands,
} from "../plan/table_rows.ts";
import type { ByteSource } from "../source/types.ts";
import { DEFAULT_CONCURRENCY, DEFAULT_WINDOW, readRanges, type ReadRangesOptions } from "./read_ranges.ts";
import { readStridedColumns } from "./table_columns.ts";
import { measureTileRead } from "../plan/table_tiles.ts";

/** Options for {@linkcode readTableRows}. */
export interface ReadTableRowsOptions extends ReadRangesOptions {
  /** First row, 0-based (default 0). */
  start?: number;
  /** One past the last row (default: the row count). */
  stop?: number;
  /** Column names (case-insensitive) or 1-based numbers; default every column. */
  columns?: readonly ColumnSelector[];
  /** A layout already computed by `describeTable`. */
  table?: TableLayout;
}

/**
 * Refuse rows whose bytes the object does not hold, before anything is planned or allocated for them:
 * a header may claim 10^15 rows of a file of a few blocks.
 */
function checkRowsPresent(
  source: ByteSource,
  hdu: Hdu,
  table: TableLayout,
  start: number,
  stop: number,
): void {
  checkRowRange(table, hdu, start, stop);
  const end = hdu.dataOffset + stop * table.rowBytes;
  if (source.size !== undefined && start < stop && end > source.size) {
    throw new CloudFitsError(
      "TRUNCATED",
      `Cannot read rows ${
        start + 1
      } to ${stop} of HDU ${hdu.index} of ${source.name}: they need bytes up to offset ${end} but the object has ${source.size} bytes`,
      { url: source.name, offset: source.size },
    );
  }
}

/**
 * Read rows `[start, stop)` of a table, columnar, with the fewest range requests.
 *
 * The rows are planned by `planTableRowAccess` and fetched through `readRanges`. VLA cells then take
 * exactly one more coalesced read of the heap, after every descriptor has been checked against the heap
 * size and the object size (nothing is allocated before that).
 *
 * @param source Where the file's bytes live.
 * @param hdu The table's HDU.
 * @param options Rows (0-based, stop exclusive), columns and read settings.
 * @returns The decoded columns.
 * @throws {CloudFitsError} `OUT_OF_RANGE` for rows outside the table; `NOT_FOUND` for unknown columns;
 *   `BAD_HEADER` for a VLA descriptor outside the heap; `TRUNCATED` when the data runs past the object.
 *
 * @example Two rows of two columns, in one request
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildHeader, countingSource, formatCard, memorySource, parseHeader } from "@cloudfits/core";
 * import { describeHdu } from "../fits/layout.ts";
 * import { readTableRows } from "./table_rows.ts";
 *
 * const header = buildHeader([
 *   formatCard("XTENSION", "BINTABLE"), formatCard("BITPIX", 8), formatCard("NAXIS", 2),
 *   formatCard("NAXIS1", 6), formatCard("NAXIS2", 2), formatCard("PCOUNT", 0), formatCard("GCOUNT", 1),
 *   formatCard("TFIELDS", 2), formatCard("TTYPE1", "ID"), formatCard("TFORM1", "I"),
 *   formatCard("TTYPE2", "FLUX"), formatCard("TFORM2", "E"),
 * ]);
 * const file = new Uint8Array(header.length + 2880);
 * file.set(header);
 * file.set([0, 1, 0x3f, 0x80, 0, 0, 0, 2, 0x40, 0, 0, 0], header.length);
 * const source = countingSource(memorySource(file));
 * const hdu = describeHdu(parseHeader(header), 0, 0);
 * const rows = await readTableRows(source, hdu, { columns: ["flux", "ID"] });
 * assert.deepEqual(rows.columns.FLUX.values, new Float32Array([1, 2]));
 * assert.deepEqual(rows.columns.ID.values, new Int16Array([1, 2]));
 * assert.deepEqual(source.stats.ranges, [{ offset: 2880, length: 12 }]);
 * ```
 */
export async function readTableRows(
  source: ByteSource,
  hdu: Hdu,
  options: ReadTableRowsOptions = {},
): Promise<TableRows> {
  const table = options.table ?? describeTable(hdu);
  const start = options.start ?? 0;
  const stop = options.stop ?? table.rowCount;
  const columns = selectColumns(table, options.columns);
  const { concurrency, signal, maxGap, maxSpan, window, limits } = options;
  const what = `rows ${start + 1} to ${stop} of HDU ${hdu.index} of ${source.name}`;
  const readOptions: ReadRangesOptions = { concurrency, signal, maxGap, maxSpan, window, limits, what };
  // A compressed table's rows live in its tiles, which its own reader checks against the object.
  if (table.tiling) {
    // The codecs of tile-compressed tables load only for such a table.
    const { readTileRows } = await import("./table_tiles.ts");
    return await readTileRows(source, hdu, table, start, stop, columns, readOptions);
  }
  checkRowsPresent(source, hdu, table, start, stop);
  const access = planTableRowAccess(table, hdu, start, stop, withSummands(table, columns), {
    maxGap: options.maxGap,
  });
  const rowCount = stop - start;
  // Narrow rows read as one block: whole columns in chunks, without a buffer the size of the block.
  if (table.kind === "BINTABLE" && !columns.some((column) => table.summands?.has(column))) {
    const strided = await readStridedColumns(source, access, columns, start, rowCount, readOptions);
    if (strided !== undefined) return tableRows(start, stop, strided);
  }
  const pieces = await readRanges(source, access.ranges, readOptions);
  const rows = rowCells(access, pieces);
  const vlaColumns = columns.filter((c) => c.elementType !== null && c.width > 0);
  const heap = vlaColumns.length > 0
    ? await readHeap(
      source,
      hdu,
      table,
      vlaColumns,
      start,
      stop,
      rows,
      readOptions,
      measurePlan(access.ranges, readOptions),
    )
    : null;
  const decoded = columns.map((column): TableColumnData => {
    const cell = (i: number): CellBytes => rows(start + i, column);
    if (table.kind === "TABLE") return decodeAsciiColumn(column, rowCount, cell, start);
    if (column.elementType !== null && column.width > 0) return decodeVlaColumn(column, heap!.get(column)!);
    const data = stridedColumn(access, pieces, column, start, rowCount) ??
      decodeFixedColumn(column, rowCount, cell);
    // Random-groups parameters that share a name: their sum (the values are doubles).
    for (const summand of table.summands?.get(column) ?? []) {
      const added = decodeFixedColumn(summand, rowCount, (i) => rows(start + i, summand));
      if (data.kind === "number" && added.kind === "number") {
        for (let i = 0; i < data.values.length; i++) (data.values[i] as number) += added.values[i] as number;
      }
    }
    return data;
  });
  return tableRows(start, stop, decoded);
}

/**
 * Read one cell of a table.
 *
 * @param source Where the file's bytes live.
 * @param hdu The table's HDU.
 * @param row The row (0-based).
 * @param column The column's name (case-insensitive) or 1-based number.
 * @param options Read settings.
 * @returns The cell, as `tableCell` gives it.
 *
 * @example The flux of row 1, in one 4-byte request
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildHeader, countingSource, formatCard, memorySource, parseHeader } from "@cloudfits/core";
 * import { describeHdu } from "../fits/layout.ts";
 * import { readTableCell } from "./table_rows.ts";
 *
 * const header = buildHeader([
 *   formatCard("XTENSION", "BINTABLE"), formatCard("BITPIX", 8), formatCard("NAXIS", 2),
 *   formatCard("NAXIS1", 6), formatCard("NAXIS2", 2), formatCard("PCOUNT", 0), formatCard("GCOUNT", 1),
 *   formatCard("TFIELDS", 2), formatCard("TTYPE1", "ID"), formatCard("TFORM1", "I"),
 *   formatCard("TTYPE2", "FLUX"), formatCard("TFORM2", "E"),
 * ]);
 * const file = new Uint8Array(header.length + 2880);
 * file.set(header);
 * file.set([0, 1, 0x3f, 0x80, 0, 0, 0, 2, 0x40, 0, 0, 0], header.length);
 * const source = countingSource(memorySource(file));
 * assert.equal(await readTableCell(source, describeHdu(parseHeader(header), 0, 0), 1, "FLUX"), 2);
 * assert.deepEqual(source.stats.ranges, [{ offset: 2880 + 8, length: 4 }]);
 * ```
 */
export async function readTableCell(
  source: ByteSource,
  hdu: Hdu,
  row: number,
  column: ColumnSelector,
  options: Omit<ReadTableRowsOptions, "start" | "stop" | "columns"> = {},
): Promise<TableCell> {
  const rows = await readTableRows(source, hdu, { ...options, start: row, stop: row + 1, columns: [column] });
  return tableCell(Object.values(rows.columns)[0], 0);
}

/** Where each planned cell's bytes lie in the fetched pieces. */
type RowCells = (row: number, column: Column) => CellBytes;

/** A whole column in one loop, when the plan put every row in one range at a fixed stride. */
function stridedColumn(
  access: TableRowAccess,
  pieces: Uint8Array[],
  column: Column,
  start: number,
  rowCount: number,
): TableColumnData | undefined {
  if (access.rowStride === undefined || rowCount === 0) return undefined;
  const { offset } = access.locate(start, column);
  return decodeStridedColumn(column, rowCount, pieces[0], offset, access.rowStride);
}

function rowCells(access: TableRowAccess, pieces: Uint8Array[]): RowCells {
  const cells = pieces.map((piece) => cellBytes(piece));
  return (row, column) => {
    const { range, offset } = access.locate(row, column);
    return { bytes: cells[range].bytes, view: cells[range].view, pos: offset };
  };
}

/**
 * Read the heap cells of VLA columns: check the data against the object's size and every descriptor
 * against the heap first, then fetch all cells with one coalesced `readRanges`.
 */
async function readHeap(
  source: ByteSource,
  hdu: Hdu,
  table: TableLayout,
  columns: readonly Column[],
  start: number,
  stop: number,
  rows: RowCells,
  options: ReadRangesOptions,
  rowFigures: PlanFigures,
): Promise<Map<Column, HeapCell[]>> {
  const dataEnd = hdu.dataOffset + hdu.dataSize;
  if (source.size !== undefined && dataEnd > source.size) {
    throw new CloudFitsError(
      "TRUNCATED",
      `Cannot read the heap of HDU ${hdu.index}: its data claims bytes up to offset ${dataEnd} but ${source.name} has ${source.size} bytes`,
      { url: source.name, offset: source.size },
    );
  }
  const counts: number[] = [];
  const ranges = planTableHeap(table, hdu, columns, start, stop, (row, column) => {
    const descriptor = readVlaDescriptor(rows(row, column), column.typeCode === "Q");
    counts.push(descriptor.count);
    return descriptor;
  });
  // The rows and their heap are held to the limits as one read.
  const pieces = await readRanges(source, ranges, { ...options, spent: rowFigures });
  const rowCount = stop - start;
  return new Map(columns.map((column, c) => {
    const cells = Array.from({ length: rowCount }, (_, i): HeapCell => {
      const k = c * rowCount + i;
      return { ...cellBytes(pieces[k]), count: counts[k] };
    });
    return [column, cells];
  }));
}

/**
 * Stream rows `[start, stop)` of a table in batches (10,000 rows or 16 MiB of row data at most), one
 * planned read each, so that memory stays bounded however long the table is. Batches are fetched ahead
 * of the consumer, several at once — as many as fit in `window` bytes, at most `concurrency` (default
 * 16), the requests shared among them — and yielded in order, so a long column costs a few round trips,
 * not one per batch. The whole read is checked against the cost limits before the first batch; each
 * batch's variable-length arrays are checked as their rows arrive. Ending the loop early aborts the
 * batches fetched ahead.
 *
 * @param source Where the file's bytes live.
 * @param hdu The table's HDU.
 * @param options Rows (0-based, stop exclusive), columns and read settings.
 * @returns The batches, in order.
 * @throws {CloudFitsError} as {@linkcode readTableRows}, and `COST_LIMIT` before the first batch.
 *
 * @example
 * ```ts ignore
 * for await (const batch of streamTableRows(source, hdu, { columns: ["TIME"] })) console.log(batch.rowCount);
 * ```
 */
export async function* streamTableRows(
  source: ByteSource,
  hdu: Hdu,
  options: ReadTableRowsOptions = {},
): AsyncGenerator<TableRows, void, undefined> {
  const table = options.table ?? describeTable(hdu);
  const start = options.start ?? 0;
  const stop = options.stop ?? table.rowCount;
  const columns = selectColumns(table, options.columns);
  const measure = table.tiling ? measureTileRead : measureTableRead;
  checkPlanCost(
    measure(table, hdu, start, stop, columns, options),
    options.limits,
    `rows ${start + 1} to ${stop} of HDU ${hdu.index} of ${source.name}`,
  );
  // Batches come from a generator, so that a header's claim of 10^15 rows is never listed up front.
  const batches = tableBatches(table, start, stop);
  const firstStep = batches.next();
  if (firstStep.done) return;
  let unread: [number, number] | undefined = firstStep.value;
  const nextBatch = (): [number, number] | undefined => {
    const batch = unread ?? batches.next().value;
    unread = undefined;
    return batch ?? undefined;
  };
  const concurrency = Math.max(1, options.concurrency ?? DEFAULT_CONCURRENCY);
  const window = Math.max(1, options.window ?? DEFAULT_WINDOW);
  const [first, last] = firstStep.value;
  const batchBytes = Math.max(1, (last - first) * table.rowBytes);
  const ahead = Math.max(1, Math.min(concurrency, Math.floor(window / batchBytes)));
  const abort = new AbortController();
  const signal = options.signal === undefined
    ? abort.signal
    : AbortSignal.any([options.signal, abort.signal]);
  const batchOptions: ReadTableRowsOptions = {
    ...options,
    table,
    columns: columns.map((column) => column.index),
    signal,
    concurrency: Math.ceil(concurrency / ahead),
    window: Math.max(1, Math.floor(window / ahead)),
  };
  // Batches fetched ahead, oldest first: yielded in order, one more started as each is taken.
  const queue: Promise<TableRows>[] = [];
  const fetchNext = (): void => {
    const batch = nextBatch();
    if (batch === undefined) return;
    const read = readTableRows(source, hdu, { ...batchOptions, start: batch[0], stop: batch[1] });
    // Awaited in order below; until then a failure must not surface as unhandled.
    read.catch(() => {});
    queue.push(read);
  };
  try {
    for (let i = 0; i < ahead; i++) fetchNext();
    while (queue.length > 0) {
      const rows = await queue.shift()!;
      fetchNext();
      yield rows;
    }
  } finally {
    abort.abort(new CloudFitsError("ABORTED", `Stopped reading rows of HDU ${hdu.index} of ${source.name}`));
  }
}
