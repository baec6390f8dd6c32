/**
 * Decoding table bytes into columns, with no I/O: row bytes of fixed-width BINTABLE columns, heap bytes
 * of variable-length arrays (VLAs), their descriptors, TSCAL/TZERO, TNULL and FITS strings. Whole
 * columns of stored values take the strided loops of `table_strided.ts`.
 *
 * {@linkcode TableColumnData} describes the shapes of the decoded values.
 *
 * @module
 */

import { allocateArray, conventionZero, type Dtype, type NumericTypeCode, type TypedArray } from "./dtype.ts";
import { type Column, type ElementTypeCode, elementWidth } from "./table_layout.ts";
import type { TableColumnData } from "./table_values.ts";

/** A cell's bytes: the array holding it and the cell's offset in that array. */
export interface CellBytes {
  /** Bytes holding the cell. */
  bytes: Uint8Array;
  /** A view over the same bytes. */
  view: DataView;
  /** Offset of the cell in `bytes`. */
  pos: number;
}

/** The bytes of a VLA cell in the heap, and its element count. */
export interface HeapCell extends CellBytes {
  /** Elements in the cell (characters for A, bits for X). */
  count: number;
}

/** A VLA descriptor: how many elements, and where they start in the heap. */
export interface VlaDescriptor {
  /** Elements (characters for A, bits for X). */
  count: number;
  /** Byte offset from the start of the heap. */
  offset: number;
}

/**
 * The bytes of `bytes` as a {@linkcode CellBytes} that starts at `pos`.
 *
 * @param bytes The bytes holding the cell.
 * @param pos The cell's offset in `bytes` (default 0).
 * @returns The bytes, a view over them, and the offset.
 *
 * @example A cell at offset 2
 * ```ts
 * import { cellBytes } from "./table_decode.ts";
 *
 * console.log(cellBytes(new Uint8Array([0, 0, 7]), 2).view.getUint8(2)); // 7
 * ```
 */
export function cellBytes(bytes: Uint8Array, pos = 0): CellBytes {
  return { bytes, view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), pos };
}

/**
 * Read a VLA descriptor: (count, offset) as two int32 for `P` or two int64 for `Q`. Values of `Q` beyond
 * 2^53 become Infinity, which no heap can hold, so a bounds check rejects them.
 *
 * @param cell The descriptor's bytes in a row.
 * @param wide True for `Q` descriptors.
 * @returns The element count and heap offset.
 *
 * @example A P descriptor of 3 elements at heap offset 16
 * ```ts
 * import { cellBytes, readVlaDescriptor } from "./table_decode.ts";
 *
 * console.log(readVlaDescriptor(cellBytes(new Uint8Array([0, 0, 0, 3, 0, 0, 0, 16])), false)); // { count: 3, offset: 16 }
 * ```
 */
export function readVlaDescriptor(cell: CellBytes, wide: boolean): VlaDescriptor {
  const { view, pos } = cell;
  if (!wide) return { count: view.getUint32(pos), offset: view.getUint32(pos + 4) };
  const safe = (value: bigint): number => value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : Infinity;
  return { count: safe(view.getBigUint64(pos)), offset: safe(view.getBigUint64(pos + 8)) };
}

/**
 * Bytes that a VLA cell of `count` elements of `code` takes in the heap (ceil(count/8) for bits).
 *
 * @param code The VLA's element type code.
 * @param count Elements in the cell.
 * @returns The cell's length in bytes.
 *
 * @example 3 doubles, 10 bits
 * ```ts
 * import { vlaCellLength } from "./table_decode.ts";
 *
 * console.log(vlaCellLength("D", 3), vlaCellLength("X", 10)); // 24 2
 * ```
 */
export function vlaCellLength(code: ElementTypeCode, count: number): number {
  return code === "X" ? Math.ceil(count / 8) : count * elementWidth(code);
}

/**
 * Decode a fixed-width (non-VLA) BINTABLE column over `rowCount` rows.
 *
 * @param column The column, from `describeTable`.
 * @param rowCount Rows to decode.
 * @param cell The bytes of row `i`'s cell.
 * @returns The decoded column.
 *
 * @example Two rows of an unsigned 16-bit column
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildHeader, formatCard, parseHeader } from "@cloudfits/core";
 * import { describeHdu } from "./layout.ts";
 * import { describeTable } from "./tform.ts";
 * import { cellBytes, decodeFixedColumn } from "./table_decode.ts";
 *
 * const header = parseHeader(buildHeader([
 *   formatCard("XTENSION", "BINTABLE"), formatCard("BITPIX", 8), formatCard("NAXIS", 2),
 *   formatCard("NAXIS1", 2), formatCard("NAXIS2", 2), formatCard("PCOUNT", 0), formatCard("GCOUNT", 1),
 *   formatCard("TFIELDS", 1), formatCard("TFORM1", "I"), formatCard("TZERO1", 32768),
 * ]));
 * const [column] = describeTable(describeHdu(header, 1, 0)).columns;
 * const rows = new Uint8Array([0x80, 0x01, 0x7f, 0xff]);
 * const data = decodeFixedColumn(column, 2, (i) => cellBytes(rows, 2 * i));
 * assert.deepEqual(data.values, new Uint16Array([1, 65535])); // stored −32767 and 32767, plus 2^15
 * ```
 */
export function decodeFixedColumn(
  column: Column,
  rowCount: number,
  cell: (i: number) => CellBytes,
): TableColumnData {
  if (column.width === 0) return zeroWidthColumn(column, rowCount);
  const code = column.typeCode as ElementTypeCode;
  const count = column.shape.reduce((a, b) => a * b, 1);
  const scalar = column.shape.length === 0;
  return decodeCells(column, code, rowCount, scalar, (i) => ({ ...cell(i), count }));
}

/**
 * Decode a VLA column from its heap cells, one per row.
 *
 * @param column The VLA column (`P` or `Q`), from `describeTable`.
 * @param cells Each row's heap bytes and element count.
 * @returns The decoded column: `numbers`, `string`, `logicals`, `bits` or `complexes`.
 *
 * @example Two rows of a `PJ` column
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildHeader, formatCard, parseHeader } from "@cloudfits/core";
 * import { describeHdu } from "./layout.ts";
 * import { describeTable } from "./tform.ts";
 * import { cellBytes, decodeVlaColumn } from "./table_decode.ts";
 *
 * const header = parseHeader(buildHeader([
 *   formatCard("XTENSION", "BINTABLE"), formatCard("BITPIX", 8), formatCard("NAXIS", 2),
 *   formatCard("NAXIS1", 8), formatCard("NAXIS2", 2), formatCard("PCOUNT", 8), formatCard("GCOUNT", 1),
 *   formatCard("TFIELDS", 1), formatCard("TFORM1", "PJ(2)"),
 * ]));
 * const [column] = describeTable(describeHdu(header, 1, 0)).columns;
 * const heap = new Uint8Array([0, 0, 0, 5, 0xff, 0xff, 0xff, 0xfe]);
 * const data = decodeVlaColumn(column, [{ ...cellBytes(heap), count: 2 }, { ...cellBytes(heap, 4), count: 0 }]);
 * assert.deepEqual(data.values, [new Int32Array([5, -2]), new Int32Array(0)]);
 * ```
 */
export function decodeVlaColumn(column: Column, cells: readonly HeapCell[]): TableColumnData {
  return decodeCells(column, column.elementType!, cells.length, false, (i) => cells[i]);
}

/**
 * Scale a stored value as astropy does: multiply only when TSCAL ≠ 1 and add only when TZERO ≠ 0,
 * so that a stored −0 stays −0.
 *
 * @param stored The stored value.
 * @param tscal TSCAL.
 * @param tzero TZERO.
 * @returns The physical value.
 *
 * @example
 * ```ts
 * import { applyScaling } from "./table_decode.ts";
 *
 * console.log(applyScaling(12, 0.5, 100), Object.is(applyScaling(-0, 1, 0), -0)); // 106 true
 * ```
 */
export function applyScaling(stored: number, tscal: number, tzero: number): number {
  const scaled = tscal === 1 ? stored : stored * tscal;
  return tzero === 0 ? scaled : scaled + tzero;
}

/**
 * Decode bytes as one character each (FITS text is ASCII), in chunks small enough for `fromCharCode`.
 *
 * @param bytes The text's bytes.
 * @returns The text.
 *
 * @example
 * ```ts
 * import { bytesToText } from "./table_decode.ts";
 *
 * console.log(bytesToText(new Uint8Array([70, 73, 84, 83]))); // "FITS"
 * ```
 */
export function bytesToText(bytes: Uint8Array): string {
  let text = "";
  for (let start = 0; start < bytes.length; start += 8192) {
    text += String.fromCharCode(...bytes.subarray(start, start + 8192));
  }
  return text;
}

interface NumericCodec {
  allocate(length: number): TypedArray;
  /** Decode the element at `pos` into `out[k]`; returns whether the stored integer equals TNULL. */
  decode(view: DataView, pos: number, out: TypedArray, k: number): boolean;
}

const READERS: Record<Exclude<NumericTypeCode, "K">, (view: DataView, pos: number) => number> = {
  B: (view, pos) => view.getUint8(pos),
  I: (view, pos) => view.getInt16(pos),
  J: (view, pos) => view.getInt32(pos),
  E: (view, pos) => view.getFloat32(pos),
  D: (view, pos) => view.getFloat64(pos),
};

function numericCodec(code: NumericTypeCode, column: Column): NumericCodec {
  const { tscal } = column;
  const dtype = column.dtype as Dtype;
  const tnull = column.tnull === null || typeof column.tnull === "string" ? null : column.tnull;
  const zero = Number(column.tzero);
  const scale = dtype === "float64" && (tscal !== 1 || zero !== 0);
  const allocate = (length: number): TypedArray => allocateArray(dtype, length);
  // The unsigned conventions (and int8) add a fixed offset to the stored integer.
  const offset = conventionZero(dtype);
  // TNULL is compared with the stored value, before scaling or the unsigned offset.
  if (code === "K") {
    const nullValue = tnull === null ? null : BigInt(tnull);
    return {
      allocate,
      decode(view, pos, out, k) {
        const stored = view.getBigInt64(pos);
        if (offset !== null) (out as BigUint64Array)[k] = stored + offset;
        else if (scale) (out as Float64Array)[k] = applyScaling(Number(stored), tscal, zero);
        else (out as BigInt64Array)[k] = stored;
        return stored === nullValue;
      },
    };
  }
  const read = READERS[code];
  const nullValue = tnull === null ? NaN : Number(tnull);
  const add = offset === null ? 0 : Number(offset);
  return {
    allocate,
    decode(view, pos, out, k) {
      const stored = read(view, pos);
      // A stored −0 stays −0: nothing is added without an offset.
      (out as Float64Array)[k] = scale
        ? applyScaling(stored, tscal, zero)
        : offset === null
        ? stored
        : stored + add;
      return stored === nullValue;
    },
  };
}

/** A column of repeat count 0 (`0J`, `0A`, `0P`…): every cell is empty. */
function zeroWidthColumn(column: Column, rowCount: number): TableColumnData {
  const code = column.elementType ?? (column.typeCode as ElementTypeCode);
  const empty = <T>(make: () => T): T[] => mapRows(rowCount, make);
  switch (code) {
    case "A":
      return { column, kind: "strings", values: empty(() => []) };
    case "L":
      return { column, kind: "logicals", values: empty(() => []) };
    case "X":
      return { column, kind: "bits", values: empty(() => []) };
    case "C":
    case "M":
      return { column, kind: "complexes", values: empty(() => []) };
    default:
      return {
        column,
        kind: "numbers",
        values: empty(() => allocateArray(column.dtype as Dtype, 0)),
        nulls: null,
      };
  }
}

function decodeCells(
  column: Column,
  code: ElementTypeCode,
  rowCount: number,
  scalar: boolean,
  cell: (i: number) => HeapCell,
): TableColumnData {
  switch (code) {
    case "A": {
      if (scalar || column.elementType !== null) {
        const values = mapRows(rowCount, (i) => {
          const { bytes, pos, count } = cell(i);
          return readString(bytes, pos, column.elementType !== null ? count : column.repeat);
        });
        return { column, kind: "string", values };
      }
      const length = column.tdim?.[0] ?? column.repeat;
      const values = arrayCells(rowCount, cell, length, ({ bytes }, pos) => readString(bytes, pos, length));
      return { column, kind: "strings", values };
    }
    case "L": {
      const logical: ElementReader<boolean | null> = ({ bytes }, pos) =>
        bytes[pos] === 0x54 ? true : bytes[pos] === 0x46 ? false : null;
      return scalar
        ? { column, kind: "logical", values: scalarCells(rowCount, cell, logical) }
        : { column, kind: "logicals", values: arrayCells(rowCount, cell, 1, logical) };
    }
    case "X": {
      const values = mapRows(rowCount, (i) => {
        const { bytes, pos, count: heapCount } = cell(i);
        const count = column.elementType !== null ? heapCount : column.repeat;
        return Array.from({ length: count }, (_, k) => ((bytes[pos + (k >> 3)] >> (7 - (k & 7))) & 1) === 1);
      });
      return { column, kind: "bits", values };
    }
    case "C":
    case "M": {
      const width = elementWidth(code) / 2;
      const complex: ElementReader<[number, number]> = ({ view }, pos) =>
        code === "C"
          ? [view.getFloat32(pos), view.getFloat32(pos + width)]
          : [view.getFloat64(pos), view.getFloat64(pos + width)];
      return scalar
        ? { column, kind: "complex", values: scalarCells(rowCount, cell, complex) }
        : { column, kind: "complexes", values: arrayCells(rowCount, cell, 2 * width, complex) };
    }
    default: {
      const codec = numericCodec(code, column);
      const width = elementWidth(code);
      const hasNull = column.tnull !== null;
      if (scalar) {
        const values = codec.allocate(rowCount);
        const nulls = hasNull ? new Uint8Array(rowCount) : null;
        for (let i = 0; i < rowCount; i++) {
          const { view, pos } = cell(i);
          if (codec.decode(view, pos, values, i) && nulls) nulls[i] = 1;
        }
        return { column, kind: "number", values, nulls };
      }
      const values: TypedArray[] = new Array(rowCount);
      const nulls: Uint8Array[] | null = hasNull ? new Array(rowCount) : null;
      for (let i = 0; i < rowCount; i++) {
        const { view, pos, count } = cell(i);
        const out = codec.allocate(count);
        const mask = new Uint8Array(hasNull ? count : 0);
        for (let k = 0; k < count; k++) {
          if (codec.decode(view, pos + k * width, out, k) && hasNull) mask[k] = 1;
        }
        values[i] = out;
        if (nulls) nulls[i] = mask;
      }
      return { column, kind: "numbers", values, nulls };
    }
  }
}

/** Reads one element of a cell at byte `pos`. */
type ElementReader<T> = (cell: CellBytes, pos: number) => T;

/** One element per row. */
function scalarCells<T>(rowCount: number, cell: (i: number) => CellBytes, read: ElementReader<T>): T[] {
  return mapRows(rowCount, (i) => {
    const bytes = cell(i);
    return read(bytes, bytes.pos);
  });
}

/** `count` elements per row, `stride` bytes apart. */
function arrayCells<T>(
  rowCount: number,
  cell: (i: number) => HeapCell,
  stride: number,
  read: ElementReader<T>,
): T[][] {
  return mapRows(rowCount, (i) => {
    const bytes = cell(i);
    return Array.from({ length: bytes.count }, (_, k) => read(bytes, bytes.pos + k * stride));
  });
}

function mapRows<T>(count: number, make: (i: number) => T): T[] {
  const out: T[] = new Array(count);
  for (let i = 0; i < count; i++) out[i] = make(i);
  return out;
}

/** Decode a FITS string: it ends at the first NUL, and trailing spaces are not significant. */
function readString(bytes: Uint8Array, pos: number, length: number): string {
  let end = pos;
  const limit = pos + length;
  while (end < limit && bytes[end] !== 0) end++;
  while (end > pos && bytes[end - 1] === 0x20) end--;
  return bytesToText(bytes.subarray(pos, end));
}
