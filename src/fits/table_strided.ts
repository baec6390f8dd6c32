/**
 * The fast path of whole-column reads: a scalar numeric column whose values are its stored values,
 * decoded from cells `stride` bytes apart in one tight loop per type, with no per-cell objects.
 *
 * @module
 */

import { allocateArray, type Dtype, type NumericTypeCode, type TypedArray } from "./dtype.ts";
import type { Column } from "./table_layout.ts";
import type { TableColumnData } from "./table_values.ts";

/**
 * Decode a scalar numeric column whose cells lie `stride` bytes apart in one buffer, in one tight loop
 * per type — the fast path of whole-column reads. Only columns whose values are their stored values
 * (TSCAL 1, TZERO 0, no TNULL) take it.
 *
 * @param column A fixed-width column, from `describeTable`.
 * @param rowCount Rows to decode.
 * @param bytes The buffer holding the cells.
 * @param first Byte offset of the first row's cell in `bytes`.
 * @param stride Bytes from one row's cell to the next.
 * @returns The decoded column, or undefined when the column needs the general decoder.
 *
 * @example A `J` column of three 6-byte rows
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildHeader, formatCard, parseHeader } from "@cloudfits/core";
 * import { describeHdu } from "./layout.ts";
 * import { describeTable } from "./tform.ts";
 * import { decodeStridedColumn } from "./table_strided.ts";
 *
 * const header = parseHeader(buildHeader([
 *   formatCard("XTENSION", "BINTABLE"), formatCard("BITPIX", 8), formatCard("NAXIS", 2),
 *   formatCard("NAXIS1", 6), formatCard("NAXIS2", 3), formatCard("PCOUNT", 0), formatCard("GCOUNT", 1),
 *   formatCard("TFIELDS", 2), formatCard("TFORM1", "I"), formatCard("TFORM2", "J"),
 * ]));
 * const [, column] = describeTable(describeHdu(header, 1, 0)).columns;
 * const rows = new Uint8Array([0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 2, 0, 0, 0xff, 0xff, 0xff, 0xfd]);
 * assert.deepEqual(decodeStridedColumn(column, 3, rows, 2, 6)?.values, new Int32Array([1, 2, -3]));
 * ```
 */
export function decodeStridedColumn(
  column: Column,
  rowCount: number,
  bytes: Uint8Array,
  first: number,
  stride: number,
): TableColumnData | undefined {
  if (!stridedDecodable(column)) return undefined;
  const values = allocateArray(column.dtype as Dtype, rowCount);
  decodeStridedInto(column, bytes, first, stride, values);
  return { column, kind: "number", values, nulls: null };
}

/**
 * Whether {@linkcode decodeStridedColumn} can decode a column: scalar, numeric, TSCAL 1, TZERO 0, no TNULL.
 *
 * @param column A column, from `describeTable`.
 * @returns True when the stored values are the values.
 */
export function stridedDecodable(column: Column): boolean {
  return column.shape.length === 0 && column.elementType === null && column.tnull === null &&
    column.typeCode in STRIDED_READERS && column.tscal === 1 && Number(column.tzero) === 0;
}

/**
 * Decode `out.length` cells of a {@linkcode stridedDecodable} column, `stride` bytes apart from
 * `bytes[first]`, into `out` (a typed array of the column's dtype).
 *
 * @param column The column.
 * @param bytes The buffer holding the cells.
 * @param first Byte offset of the first cell.
 * @param stride Bytes from one cell to the next.
 * @param out Where the values go, one per cell.
 */
export function decodeStridedInto(
  column: Column,
  bytes: Uint8Array,
  first: number,
  stride: number,
  out: TypedArray,
): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  STRIDED_READERS[column.typeCode as NumericTypeCode](view, first, stride, out);
}

type StridedReader = (view: DataView, first: number, stride: number, out: TypedArray) => void;

// One loop per type keeps each monomorphic.
const STRIDED_READERS: Record<NumericTypeCode, StridedReader> = {
  B: (view, at, stride, out) => {
    for (let i = 0; i < out.length; i++, at += stride) out[i] = view.getUint8(at);
  },
  I: (view, at, stride, out) => {
    for (let i = 0; i < out.length; i++, at += stride) out[i] = view.getInt16(at);
  },
  J: (view, at, stride, out) => {
    for (let i = 0; i < out.length; i++, at += stride) out[i] = view.getInt32(at);
  },
  K: (view, at, stride, out) => {
    const values = out as BigInt64Array;
    for (let i = 0; i < values.length; i++, at += stride) values[i] = view.getBigInt64(at);
  },
  E: (view, at, stride, out) => {
    for (let i = 0; i < out.length; i++, at += stride) out[i] = view.getFloat32(at);
  },
  D: (view, at, stride, out) => {
    for (let i = 0; i < out.length; i++, at += stride) out[i] = view.getFloat64(at);
  },
};
