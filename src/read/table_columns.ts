/**
 * Whole columns of a table read as one block of rows (narrow rows, where reading the gaps between
 * cells is cheaper than a request per row): the block is fetched in the requests its plan makes (cut
 * every `maxSpan` bytes), in parallel, into a few buffers that are reused, and each request is decoded
 * straight into the columns; a cell cut by a request boundary is put together from both sides. Memory
 * is the columns plus those buffers, not the block — no buffer the size of the table is allocated (on
 * a virtual machine, touching fresh memory costs more than reading it).
 *
 * @module
 */
import { allocateArray, type Dtype } from "../fits/dtype.ts";
import { decodeStridedInto, stridedDecodable } from "../fits/table_strided.ts";
import type { Column } from "../fits/table_layout.ts";
import type { TableColumnData } from "../fits/table_values.ts";
import { planRequests } from "../plan/coalesce.ts";
import { addFigures, checkPlanCost, measurePlan } from "../plan/cost.ts";
import type { TableRowAccess } from "../plan/table_rows.ts";
import type { ByteSource } from "../source/types.ts";
import { DEFAULT_CONCURRENCY, DEFAULT_WINDOW, type ReadRangesOptions, shortRead } from "./read_ranges.ts";

/**
 * Reads start two at a time; a read slower than this (a network round trip, not a page cache copy)
 * adds another, up to the concurrency: local files keep two small buffers, remote objects fill the pipe.
 */
const SLOW_READ_MS = 10;

/**
 * Read rows `[start, start + rowCount)` of columns that a plan put in one block at a fixed stride,
 * request by request into reused buffers, or return undefined when the general path should (a column
 * that needs the general decoder, or a block of one request).
 *
 * @param source Where the table lives.
 * @param access The row plan (`rowStride` set: one block, rows one after another).
 * @param columns The columns to decode, all located in the block.
 * @param start First row.
 * @param rowCount Rows.
 * @param options Coalescing (`maxSpan`), concurrency, window, limits, signal and the description for errors.
 * @returns One decoded column per entry of `columns`, or undefined.
 * @throws {CloudFitsError} `COST_LIMIT` before fetching when the block exceeds the limits; `TRUNCATED`
 *   when the object ends early.
 *
 * @example A `J` column of a long table, read request by request
 * ```ts ignore
 * const access = planTableRowAccess(table, hdu, 0, table.rowCount, [column]);
 * const [data] = (await readStridedColumns(source, access, [column], 0, table.rowCount))!;
 * ```
 */
export async function readStridedColumns(
  source: ByteSource,
  access: TableRowAccess,
  columns: readonly Column[],
  start: number,
  rowCount: number,
  options: ReadRangesOptions = {},
): Promise<TableColumnData[] | undefined> {
  const stride = access.rowStride;
  if (stride === undefined || access.ranges.length !== 1 || !columns.every(stridedDecodable)) {
    return undefined;
  }
  const block = access.ranges[0];
  // The requests the plan promised (cut every maxSpan bytes, so a cell may straddle two).
  const requests = [...planRequests(access.ranges, options)];
  if (requests.length < 2) return undefined;
  const what = options.what ?? source.name;
  const figures = measurePlan(access.ranges, { ...options, transfer: source.transferOf?.bind(source) });
  checkPlanCost(options.spent ? addFigures(options.spent, figures) : figures, options.limits, what);

  const values = columns.map((column) => allocateArray(column.dtype as Dtype, rowCount));
  const firsts = columns.map((column) => access.locate(start, column).offset);
  const concurrency = Math.max(1, options.concurrency ?? DEFAULT_CONCURRENCY);
  const window = Math.max(1, options.window ?? DEFAULT_WINDOW);
  const longest = Math.max(...requests.map((request) => request.length));
  const buffers = Math.max(1, Math.min(concurrency, Math.floor(window / longest), requests.length));
  const controller = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, controller.signal]) : controller.signal;
  // Cells cut by a request boundary, assembled from both sides: `${column}:${row}` → bytes and halves seen.
  const straddling = new Map<string, { bytes: Uint8Array; halves: number }>();
  const keepPart = (c: number, row: number, part: Uint8Array, at: number): void => {
    const key = `${c}:${row}`;
    const cell = straddling.get(key) ?? { bytes: new Uint8Array(columns[c].width), halves: 0 };
    cell.bytes.set(part, at);
    if (++cell.halves < 2) return void straddling.set(key, cell);
    straddling.delete(key);
    decodeStridedInto(columns[c], cell.bytes, 0, stride, values[c].subarray(row, row + 1));
  };

  /** Read and decode one request; resolves to how long the read took, in milliseconds. */
  const readRequest = async (index: number, into: Uint8Array): Promise<number> => {
    const { offset, length } = requests[index];
    const started = performance.now();
    const bytes = await source.read(offset, length, { signal, into: into.subarray(0, length) });
    const took = performance.now() - started;
    if (bytes.length !== length) throw shortRead(source, offset, length, bytes.length);
    const from = offset - block.offset; // the request's bytes are [from, to) of the block
    const to = from + length;
    columns.forEach((column, c) => {
      const width = column.width;
      // Rows whose cell lies wholly inside the request, then the cells cut at either end.
      const low = Math.max(0, Math.ceil((from - firsts[c]) / stride));
      const high = Math.min(rowCount, Math.floor((to - firsts[c] - width) / stride) + 1);
      if (low < high) {
        const out = values[c].subarray(low, high);
        decodeStridedInto(column, bytes, firsts[c] + low * stride - from, stride, out);
      }
      const head = Math.floor((from - firsts[c]) / stride);
      const headStart = firsts[c] + head * stride;
      if (head >= 0 && headStart < from && headStart + width > from) {
        keepPart(c, head, bytes.subarray(0, headStart + width - from), from - headStart);
      }
      const tail = Math.floor((to - firsts[c]) / stride);
      const tailStart = firsts[c] + tail * stride;
      if (tail < rowCount && tailStart < to && tailStart + width > to) {
        keepPart(c, tail, bytes.subarray(tailStart - from), 0);
      }
    });
    return took;
  };

  let next = 0;
  let workers = 0;
  const running: Promise<void>[] = [];
  const startWorker = (): void => {
    workers++;
    running.push((async () => {
      const buffer = new Uint8Array(longest);
      // A worker's first reads also fault its new buffer in and wait for the compiler: later ones time the source.
      for (let reads = 0; next < requests.length; reads++) {
        const took = await readRequest(next++, buffer);
        const slow = reads > 1 && took > SLOW_READ_MS;
        if (slow && workers < buffers && next < requests.length) startWorker();
      }
    })());
  };
  for (let i = 0; i < Math.min(2, buffers); i++) startWorker();
  try {
    // Workers started while waiting join the list: wait until none is left running.
    for (let settled = 0; settled < running.length; settled++) await running[settled];
  } catch (error) {
    controller.abort(error);
    throw error;
  }
  return columns.map((column, c) => ({ column, kind: "number", values: values[c], nulls: null }));
}
