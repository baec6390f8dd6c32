/**
 * Binary and ASCII tables: column layout (TFORM, TDIM, TSCAL/TZERO, TNULL), row reads planned by
 * `planTableRowAccess`, decoding into columns, and variable-length arrays from the heap.
 *
 * Decoded columns ({@linkcode TableColumnData}) are columnar; `kind` says the shape of `values`:
 *
 * | kind | `values` | for |
 * |---|---|---|
 * | `number` | one typed array, one element per row; `nulls[i] = 1` where the stored integer equals TNULL (or an ASCII field is blank) | numeric scalars |
 * | `numbers` | one typed array per row: the cell's elements, flat in C order (`column.shape`), or the VLA's elements | numeric arrays, VLAs, zero-width columns |
 * | `string` | `(string \| null)[]`, right-trimmed | `A` scalars, `PA`/`QA` VLAs; ASCII `A` fields |
 * | `strings` | `string[][]`, flat in C order of `column.shape` | `A` with TDIM |
 * | `logical` / `logicals` | `(boolean \| null)[]` / one flat array per row; `0x00` (undefined) is `null` | `L` |
 * | `bits` | `boolean[][]`, one array of `repeat` bits per row | `X` |
 * | `complex` / `complexes` | `[re, im][]` / one flat array of pairs per row | `C`, `M` |
 *
 * Typed arrays follow `column.dtype`: `Int16Array` for I, `Uint16Array` for I with TZERO = 2^15,
 * `BigInt64Array` for K, `BigUint64Array` for K with TZERO = 2^63, `Int8Array` for B with TZERO = −128,
 * `Float64Array` for any other scaling, and so on.
 *
 * @module
 */

import { CloudFitsError } from "../errors.ts";
import { numberToJson } from "../json.ts";
import {
  allocateArray,
  conventionDtype,
  conventionZero,
  type Dtype,
  elementSize,
  type NumericTypeCode,
  TFORM_DTYPE,
  type TypedArray,
} from "./dtype.ts";
import {
  type ColumnSelector,
  planTableRowAccess,
  selectColumns,
  type TableRowAccess,
} from "../plan/table_rows.ts";
import { readRanges } from "../read/read_ranges.ts";
import type { ByteRange } from "../plan/types.ts";
import type { ByteSource } from "../source/types.ts";
import { decodeAsciiColumn, describeAsciiTable } from "./ascii_table.ts";
import type { Header } from "./header.ts";
import type { Hdu } from "./layout.ts";

/** BINTABLE TFORM type codes. */
export type BinaryTypeCode = "L" | "X" | "B" | "I" | "J" | "K" | "A" | "E" | "D" | "C" | "M" | "P" | "Q";
/** Element types a VLA (`P`, `Q`) can hold. */
export type ElementTypeCode = Exclude<BinaryTypeCode, "P" | "Q">;
/** ASCII TABLE TFORM type codes. */
export type AsciiTypeCode = "A" | "I" | "F" | "E" | "D";

/** The type of a column's decoded values (per element for arrays and VLAs). */
export type TableDtype = Dtype | "bool" | "bit" | "string" | "complex64" | "complex128";

/** One table column: where it sits in a row and how to decode it. */
export interface Column {
  /** TTYPEn, trimmed; empty when absent. */
  name: string;
  /** The column number n (1-based). */
  index: number;
  /** TFORM type code; `P`/`Q` for VLAs (see `elementType`). ASCII tables use A, I, F, E, D. */
  typeCode: BinaryTypeCode | AsciiTypeCode;
  /** TFORMn as written, trimmed. */
  tform: string;
  /** Repeat count (characters for A, bits for X; 1 for ASCII fields). */
  repeat: number;
  /** Bytes in a row. */
  width: number;
  /** Byte offset in a row (a prefix sum for BINTABLE; TBCOLn − 1 for ASCII tables). */
  offset: number;
  /** TDIMn in FITS order, or null. */
  tdim: number[] | null;
  /**
   * Shape of one cell in C order: `[]` for a scalar; for A the string length is not an axis; for X
   * `[repeat]`; `[0]` for zero-width columns; `[]` for VLAs, whose length is per row.
   */
  shape: number[];
  /** TSCALn (1 when absent). */
  tscal: number;
  /** TZEROn, exact (a bigint when beyond 2^53, as 2^63 for unsigned 64-bit). */
  tzero: number | bigint;
  /** TNULLn: an integer for BINTABLE integer columns, the null string for ASCII tables, else null. */
  tnull: number | bigint | string | null;
  /** TUNITn, or null. */
  tunit: string | null;
  /** TDISPn, or null. */
  tdisp: string | null;
  /** Type of the decoded values (of the elements, for arrays and VLAs). */
  dtype: TableDtype;
  /** For `P`/`Q`: the element type code; else null. */
  elementType: ElementTypeCode | null;
  /** For `P`/`Q`: the maximum element count from `(emax)`, or null when not given. */
  emax: number | null;
  /** For ASCII F, E, D fields: the digits after the decimal point; else null. */
  decimals: number | null;
}

/** The layout of a table HDU. */
export interface TableLayout {
  /** BINTABLE or (ASCII) TABLE. */
  kind: "BINTABLE" | "TABLE";
  /** NAXIS1: bytes per row. */
  rowBytes: number;
  /** NAXIS2: rows. */
  rowCount: number;
  /** THEAP: the heap's offset from the start of the data (default NAXIS1 × NAXIS2). */
  heapOffset: number;
  /** Bytes from the heap's start to the end of the data (0 when there is no heap). */
  heapSize: number;
  /** The columns in order. */
  columns: Column[];
}

/** Decoded values of one column over the rows read. See the module documentation for each kind. */
export type TableColumnData =
  | { column: Column; kind: "number"; values: TypedArray; nulls: Uint8Array | null }
  | { column: Column; kind: "numbers"; values: TypedArray[]; nulls: Uint8Array[] | null }
  | { column: Column; kind: "string"; values: (string | null)[] }
  | { column: Column; kind: "strings"; values: string[][] }
  | { column: Column; kind: "logical"; values: (boolean | null)[] }
  | { column: Column; kind: "logicals"; values: (boolean | null)[][] }
  | { column: Column; kind: "bits"; values: boolean[][] }
  | { column: Column; kind: "complex"; values: [number, number][] }
  | { column: Column; kind: "complexes"; values: [number, number][][] };

/** Rows `[start, stop)` of a table, columnar. */
export interface TableRows {
  /** First row read (0-based). */
  start: number;
  /** One past the last row read. */
  stop: number;
  /** `stop - start`. */
  rowCount: number;
  /**
   * The columns read, in the order requested, keyed by TTYPE; a column with an empty or repeated
   * name is keyed `col<n>` by its 1-based number.
   */
  columns: Record<string, TableColumnData>;
}

/** One cell's value, as {@linkcode tableCell} returns it. */
export type TableCell =
  | number
  | bigint
  | string
  | boolean
  | null
  | [number, number]
  | TypedArray
  | string[]
  | (boolean | null)[]
  | boolean[]
  | [number, number][];

/** A JSON value produced by {@linkcode tableColumnToJson}. */
export type TableJsonValue = number | string | boolean | null | TableJsonValue[];

/** Options for {@linkcode readTableRows}. */
export interface ReadTableRowsOptions {
  /** First row, 0-based (default 0). */
  start?: number;
  /** One past the last row (default: the row count). */
  stop?: number;
  /** Column names (case-insensitive) or 1-based numbers; default every column. */
  columns?: readonly ColumnSelector[];
  /** Abort the reads. */
  signal?: AbortSignal;
  /** Requests in flight at once (default 16). */
  concurrency?: number;
  /** Gap budget for planning and coalescing (default 32 KiB). */
  maxGap?: number;
  /** Largest single request (default 8 MiB). */
  maxSpan?: number;
  /** A layout already computed by {@linkcode describeTable}. */
  table?: TableLayout;
}

/** Width and decoded type of one element of the TFORM codes that are not numbers (see `TFORM_DTYPE`). */
const OTHER_ELEMENTS: Readonly<Record<Exclude<ElementTypeCode, NumericTypeCode>, [number, TableDtype]>> = {
  L: [1, "bool"],
  X: [1, "bit"],
  A: [1, "string"],
  C: [8, "complex64"],
  M: [16, "complex128"],
};

function isNumeric(code: ElementTypeCode): code is NumericTypeCode {
  return code in TFORM_DTYPE;
}

/** Bytes of one element of a TFORM code (of 8 bits for X). */
function elementWidth(code: ElementTypeCode): number {
  return isNumeric(code) ? elementSize(TFORM_DTYPE[code]) : OTHER_ELEMENTS[code][0];
}

const TFORM_PATTERN = /^(\d*)([LXBIJKAEDCMPQ])(.*)$/;
const VLA_PATTERN = /^([LXBIJKAEDCM])(?:\((\d*)\))?$/;

/**
 * Describe the columns and layout of a BINTABLE (or ASCII TABLE) HDU from its header.
 *
 * Widths: L, B, A 1; I 2; J, E 4; K, D, C, P 8; M, Q 16; X ceil(r/8). Offsets are prefix sums, and
 * their total must equal NAXIS1. Unsigned conventions (TSCAL = 1 and TZERO = 2^15, 2^31, 2^63 for
 * I, J, K; −128 for B) decode to unsigned (signed for B) integers; any other scaling to float64.
 *
 * @param hdu A BINTABLE, TABLE or compressed-image HDU.
 * @returns The layout.
 * @throws {CloudFitsError} `BAD_HEADER` for a bad TFORM or TDIM (naming the keyword, value and offset),
 *   or widths that do not sum to NAXIS1; `USAGE` for an HDU that is not a table.
 *
 * @example Columns of a table
 * ```ts ignore
 * import { describeTable } from "@cloudfits/core";
 *
 * const table = describeTable(hdu);
 * console.log(table.rowCount, table.columns.map((c) => `${c.name}:${c.dtype}`));
 * ```
 */
export function describeTable(hdu: Hdu): TableLayout {
  if (hdu.type === "TABLE") return describeAsciiTable(hdu);
  if (hdu.type !== "BINTABLE" && hdu.type !== "COMPRESSED_IMAGE") {
    throw new CloudFitsError("USAGE", `Cannot read HDU ${hdu.index} as a table: it is ${hdu.type}`);
  }
  const header = hdu.header;
  const [rowBytes, rowCount] = tableAxes(hdu);
  const fieldCount = header.getInteger("TFIELDS") ?? 0;
  if (fieldCount < 0 || fieldCount > 999) {
    throw badKeyword(hdu, "TFIELDS", fieldCount, "expected 0 to 999");
  }
  const columns: Column[] = [];
  let offset = 0;
  for (let n = 1; n <= fieldCount; n++) {
    const column = describeBinaryColumn(hdu, n, offset);
    columns.push(column);
    offset += column.width;
  }
  if (offset !== rowBytes) {
    throw new CloudFitsError(
      "BAD_HEADER",
      `Cannot lay out the columns of HDU ${hdu.index}: TFORM widths sum to ${offset} bytes but NAXIS1 is ${rowBytes}`,
      { offset: hdu.headerOffset },
    );
  }
  const mainSize = rowBytes * rowCount;
  const heapOffset = header.getInteger("THEAP") ?? mainSize;
  const heapSize = Math.max(0, mainSize + hdu.pcount - heapOffset);
  if (
    columns.some((c) => c.elementType !== null) &&
    (heapOffset < mainSize || heapOffset > mainSize + hdu.pcount)
  ) {
    throw badKeyword(
      hdu,
      "THEAP",
      heapOffset,
      `the heap must start within [${mainSize}, ${mainSize + hdu.pcount}]`,
    );
  }
  return { kind: "BINTABLE", rowBytes, rowCount, heapOffset, heapSize, columns };
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
 * @example Ten rows of two columns
 * ```ts ignore
 * import { readTableRows } from "@cloudfits/core";
 *
 * const rows = await readTableRows(source, hdu, { start: 0, stop: 10, columns: ["TIME", "FLUX"] });
 * console.log(rows.columns.TIME.values);
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
  // Rows of zero bytes are backed by no data, so nothing but NAXIS2 bounds their number: refuse to build
  // more empty cells than a real table could hold rather than allocate what the header claims.
  if (table.rowBytes === 0 && stop - start > MAX_EMPTY_ROWS) {
    throw new CloudFitsError(
      "BAD_HEADER",
      `Cannot read ${
        stop - start
      } rows of HDU ${hdu.index} at offset ${hdu.headerOffset}: its rows are 0 bytes wide (NAXIS1 = 0), and more than ${MAX_EMPTY_ROWS} such rows are refused`,
      { offset: hdu.headerOffset },
    );
  }
  const access = planTableRowAccess(table, hdu, start, stop, columns, { maxGap: options.maxGap });
  const readOptions = {
    concurrency: options.concurrency,
    signal: options.signal,
    maxGap: options.maxGap,
    maxSpan: options.maxSpan,
  };
  const pieces = await readRanges(source, access.ranges, readOptions);
  const rows = new RowBytes(access, pieces);
  const rowCount = stop - start;
  const decoded: TableColumnData[] = [];
  const vlaColumns = columns.filter((c) => c.elementType !== null && c.width > 0);
  const heap = vlaColumns.length > 0
    ? await readHeap(source, hdu, table, vlaColumns, start, stop, rows, readOptions)
    : null;
  for (const column of columns) {
    if (table.kind === "TABLE") {
      decoded.push(decodeAsciiColumn(column, rowCount, (i) => rows.cell(start + i, column), start));
    } else if (column.elementType !== null && column.width > 0) {
      decoded.push(decodeVlaColumn(column, heap!.get(column)!));
    } else {
      decoded.push(decodeFixedColumn(column, rowCount, (i) => rows.cell(start + i, column)));
    }
  }
  const used = new Set<string>();
  const entries = decoded.map((data): [string, TableColumnData] => {
    const name = data.column.name;
    const key = name === "" || used.has(name) ? `col${data.column.index}` : name;
    used.add(key);
    return [key, data];
  });
  return { start, stop, rowCount, columns: Object.fromEntries(entries) };
}

/**
 * Read one cell of a table.
 *
 * @param source Where the file's bytes live.
 * @param hdu The table's HDU.
 * @param row The row (0-based).
 * @param column The column's name (case-insensitive) or 1-based number.
 * @param options Read settings.
 * @returns The cell, as {@linkcode tableCell} gives it.
 *
 * @example The flux of row 5
 * ```ts ignore
 * import { readTableCell } from "@cloudfits/core";
 *
 * console.log(await readTableCell(source, hdu, 5, "FLUX"));
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

/**
 * One cell of decoded column data: a number, bigint, string, boolean, `[re, im]`, or for array cells
 * the flat C-order elements. An integer equal to TNULL (or a blank ASCII field) is `null`.
 *
 * @param data A column from {@linkcode readTableRows}.
 * @param row The row's position in the result (0 for the first row read).
 * @returns The cell.
 *
 * @example
 * ```ts ignore
 * import { readTableRows, tableCell } from "@cloudfits/core";
 *
 * const rows = await readTableRows(source, hdu, { start: 10, stop: 20 });
 * console.log(tableCell(rows.columns.FLUX, 0)); // the flux of row 10
 * ```
 */
export function tableCell(data: TableColumnData, row: number): TableCell {
  if (!Number.isInteger(row) || row < 0 || row >= data.values.length) {
    throw new RangeError(`Cannot get cell ${row}: the column holds ${data.values.length} rows`);
  }
  if (data.kind === "number") return data.nulls?.[row] ? null : data.values[row];
  return data.values[row];
}

/**
 * Convert a decoded column to JSON values, one per row: strings right-trimmed; arrays nested in C
 * order per TDIM; VLAs as arrays; logicals as true, false or null; bits as arrays of booleans;
 * complex numbers as `[re, im]`; integers equal to TNULL as null; NaN and ±Inf as `"NaN"`,
 * `"Infinity"`, `"-Infinity"`; integers beyond ±2^53 as decimal strings; zero-width cells as `[]`.
 *
 * @param data A column from {@linkcode readTableRows}.
 * @returns One JSON value per row.
 *
 * @example
 * ```ts ignore
 * import { readTableRows, tableColumnToJson } from "@cloudfits/core";
 *
 * const rows = await readTableRows(source, hdu, { columns: ["FLUX"] });
 * console.log(JSON.stringify(tableColumnToJson(rows.columns.FLUX)));
 * ```
 */
export function tableColumnToJson(data: TableColumnData): TableJsonValue[] {
  const shape = data.column.elementType === null ? data.column.shape : [];
  const nest = (flat: TableJsonValue[]): TableJsonValue[] =>
    shape.length > 1 ? nestCOrder(flat, shape) : flat;
  switch (data.kind) {
    case "number": {
      const { values, nulls } = data;
      return mapRows(values.length, (i) => nulls?.[i] ? null : numberToJson(values[i]));
    }
    case "numbers":
      return data.values.map((cell, row) => {
        const mask = data.nulls?.[row];
        return nest(mapRows(cell.length, (k) => mask?.[k] ? null : numberToJson(cell[k])));
      });
    case "string":
    case "logical":
      return [...data.values];
    case "bits":
      return data.values.map((cell) => [...cell]);
    case "strings":
    case "logicals":
      return data.values.map((cell) => nest([...cell]));
    case "complex":
      return data.values.map(complexToJson);
    case "complexes":
      return data.values.map((cell) => nest(cell.map(complexToJson)));
  }
}

/**
 * Convert every column of a read to JSON (see {@linkcode tableColumnToJson}), keyed as in the result.
 *
 * @param rows A result of {@linkcode readTableRows}.
 * @returns One array of JSON values per column.
 *
 * @example
 * ```ts ignore
 * import { readTableRows, rowsToJson } from "@cloudfits/core";
 *
 * console.log(JSON.stringify(rowsToJson(await readTableRows(source, hdu, { start: 0, stop: 3 }))));
 * ```
 */
export function rowsToJson(rows: TableRows): Record<string, TableJsonValue[]> {
  return Object.fromEntries(
    Object.entries(rows.columns).map(([key, data]) => [key, tableColumnToJson(data)]),
  );
}

function complexToJson([re, im]: [number, number]): TableJsonValue {
  return [numberToJson(re), numberToJson(im)];
}

/** Split a flat C-order list into nested lists of the given shape. */
function nestCOrder(flat: TableJsonValue[], shape: readonly number[]): TableJsonValue[] {
  if (shape.length <= 1) return flat;
  const inner = shape.slice(1);
  const size = inner.reduce((a, b) => a * b, 1);
  return mapRows(shape[0], (i) => nestCOrder(flat.slice(i * size, (i + 1) * size), inner));
}

// ---------------------------------------------------------------------------------------------------
// Layout

function tableAxes(hdu: Hdu): [number, number] {
  if (hdu.axes.length !== 2) {
    throw badKeyword(hdu, "NAXIS", hdu.axes.length, "a table has NAXIS = 2");
  }
  return [hdu.axes[0], hdu.axes[1]];
}

function describeBinaryColumn(hdu: Hdu, n: number, offset: number): Column {
  const header = hdu.header;
  const keyword = `TFORM${n}`;
  const tform = header.getString(keyword)?.trim();
  if (tform === undefined) throw badKeyword(hdu, keyword, undefined, "the keyword is missing");
  const match = TFORM_PATTERN.exec(tform.toUpperCase());
  if (!match) {
    throw badKeyword(hdu, keyword, tform, `unknown type code ${tform.replace(/^\d*/, "")[0] ?? "''"}`);
  }
  const repeat = match[1] === "" ? 1 : Number(match[1]);
  const typeCode = match[2] as BinaryTypeCode;
  const rest = match[3].trim();
  let elementType: ElementTypeCode | null = null;
  let emax: number | null = null;
  if (typeCode === "P" || typeCode === "Q") {
    const vla = VLA_PATTERN.exec(rest);
    if (!vla) throw badKeyword(hdu, keyword, tform, "expected rPt(emax) or rQt(emax)");
    if (repeat > 1) throw badKeyword(hdu, keyword, tform, "a VLA repeat count is 0 or 1");
    elementType = vla[1] as ElementTypeCode;
    emax = vla[2] ? Number(vla[2]) : null;
  } else if (rest !== "" && typeCode !== "A") {
    // rAw (the substring convention) is tolerated; anything else after a type code is not.
    throw badKeyword(hdu, keyword, tform, `unexpected '${rest}' after type code ${typeCode}`);
  }
  if (!Number.isSafeInteger(repeat)) throw badKeyword(hdu, keyword, tform, "the repeat count is too large");
  const width = typeCode === "X"
    ? Math.ceil(repeat / 8)
    : typeCode === "P"
    ? 8 * repeat
    : typeCode === "Q"
    ? 16 * repeat
    : repeat * elementWidth(typeCode);
  const tdim = parseTdim(hdu, n, elementType === null ? repeat : Infinity, typeCode);
  const valueType = elementType ?? (typeCode as ElementTypeCode);
  const tscal = header.getNumber(`TSCAL${n}`) ?? 1;
  const tzero = numericKeyword(header, `TZERO${n}`) ?? 0;
  const tnull = "BIJK".includes(valueType) ? numericKeyword(header, `TNULL${n}`) ?? null : null;
  return {
    name: (header.getString(`TTYPE${n}`) ?? "").trim(),
    index: n,
    typeCode,
    tform,
    repeat,
    width,
    offset,
    tdim,
    shape: repeat === 0 ? [0] : elementType !== null ? [] : cellShape(typeCode, repeat, tdim),
    tscal,
    tzero,
    tnull,
    tunit: header.getString(`TUNIT${n}`)?.trim() || null,
    tdisp: header.getString(`TDISP${n}`)?.trim() || null,
    dtype: decodedDtype(valueType, tscal, tzero),
    elementType,
    emax,
    decimals: null,
  };
}

function parseTdim(hdu: Hdu, n: number, repeat: number, typeCode: BinaryTypeCode): number[] | null {
  const keyword = `TDIM${n}`;
  const text = hdu.header.getString(keyword);
  if (text === undefined || text.trim() === "") return null;
  const match = /^\s*\(([\d\s,]+)\)\s*$/.exec(text);
  const axes = match ? match[1].split(",").map((axis) => Number(axis.trim())) : [];
  if (
    axes.length === 0 || axes.some((axis) => !Number.isSafeInteger(axis) || axis < 0) ||
    match![1].trim() === ""
  ) {
    throw badKeyword(hdu, keyword, text, "expected (n1,n2,...)");
  }
  const product = axes.reduce((a, b) => a * b, 1);
  if (product > repeat) {
    throw badKeyword(hdu, keyword, text, `${product} elements exceed the repeat count ${repeat}`);
  }
  return typeCode === "X" ? null : axes;
}

function cellShape(typeCode: BinaryTypeCode, repeat: number, tdim: number[] | null): number[] {
  if (typeCode === "X") return [repeat];
  if (typeCode === "A") return tdim ? tdim.slice(1).reverse() : [];
  if (tdim) return [...tdim].reverse();
  return repeat === 1 ? [] : [repeat];
}

/** TSCAL/TZERO apply to B, I, J, K, E, D: the conventions, or float64 for any other scaling. */
function decodedDtype(code: ElementTypeCode, tscal: number, tzero: number | bigint): TableDtype {
  if (!isNumeric(code)) return OTHER_ELEMENTS[code][1];
  const stored = TFORM_DTYPE[code];
  if (tscal === 1 && Number(tzero) === 0) return stored;
  return conventionDtype(stored, tscal, tzero) ?? "float64";
}

function numericKeyword(header: Header, keyword: string): number | bigint | undefined {
  const value = header.get(keyword);
  if (value === undefined || value === null) return undefined;
  if (typeof value === "bigint") return value;
  return header.getNumber(keyword);
}

/**
 * A `BAD_HEADER` error naming the keyword, its value and the offset of its card.
 *
 * @param hdu The HDU whose header holds the keyword.
 * @param keyword The keyword.
 * @param value Its value, or undefined when missing.
 * @param reason What is wrong.
 * @returns The error to throw.
 */
export function badKeyword(hdu: Hdu, keyword: string, value: unknown, reason: string): CloudFitsError {
  const offset = cardOffset(hdu, keyword);
  const shown = value === undefined ? "" : ` '${String(value)}'`;
  return new CloudFitsError("BAD_HEADER", `Cannot parse ${keyword}${shown} at offset ${offset}: ${reason}`, {
    offset,
  });
}

function cardOffset(hdu: Hdu, keyword: string): number {
  let offset = hdu.headerOffset;
  for (const card of hdu.header.cards) {
    if (card.keyword.toUpperCase() === keyword) return offset;
    offset += Math.max(80, card.raw.length);
  }
  return hdu.headerOffset;
}

// ---------------------------------------------------------------------------------------------------
// Decoding

/** A cell's bytes: the array holding it and the cell's offset in that array. */
export interface CellBytes {
  /** Bytes holding the cell. */
  bytes: Uint8Array;
  /** A view over the same bytes. */
  view: DataView;
  /** Offset of the cell in `bytes`. */
  pos: number;
}

class RowBytes {
  readonly #access: TableRowAccess;
  readonly #pieces: Uint8Array[];
  readonly #views: DataView[];

  constructor(access: TableRowAccess, pieces: Uint8Array[]) {
    this.#access = access;
    this.#pieces = pieces;
    this.#views = pieces.map((p) => new DataView(p.buffer, p.byteOffset, p.byteLength));
  }

  cell(row: number, column: Column): CellBytes {
    const { range, offset } = this.#access.locate(row, column);
    return { bytes: this.#pieces[range], view: this.#views[range], pos: offset };
  }
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

/**
 * Scale a stored value as astropy does: multiply only when TSCAL ≠ 1 and add only when TZERO ≠ 0,
 * so that a stored −0 stays −0.
 *
 * @param stored The stored value.
 * @param tscal TSCAL.
 * @param tzero TZERO.
 * @returns The physical value.
 */
export function applyScaling(stored: number, tscal: number, tzero: number): number {
  const scaled = tscal === 1 ? stored : stored * tscal;
  return tzero === 0 ? scaled : scaled + tzero;
}

/** Decode a fixed-width (non-VLA) BINTABLE column over `rowCount` rows. */
function decodeFixedColumn(
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

/** Decode a VLA column from its heap cells. */
function decodeVlaColumn(column: Column, cells: CountedCell[]): TableColumnData {
  return decodeCells(column, column.elementType!, cells.length, false, (i) => cells[i]);
}

interface CountedCell extends CellBytes {
  /** Elements in the cell (characters for A; ignored for scalars). */
  count: number;
}

function decodeCells(
  column: Column,
  code: ElementTypeCode,
  rowCount: number,
  scalar: boolean,
  cell: (i: number) => CountedCell,
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
      const values = mapRows(rowCount, (i) => {
        const { bytes, pos, count } = cell(i);
        return Array.from({ length: count }, (_, k) => readString(bytes, pos + k * length, length));
      });
      return { column, kind: "strings", values };
    }
    case "L": {
      const logical = (bytes: Uint8Array, pos: number): boolean | null =>
        bytes[pos] === 0x54 ? true : bytes[pos] === 0x46 ? false : null;
      if (scalar) {
        return {
          column,
          kind: "logical",
          values: mapRows(rowCount, (i) => {
            const { bytes, pos } = cell(i);
            return logical(bytes, pos);
          }),
        };
      }
      const values = mapRows(rowCount, (i) => {
        const { bytes, pos, count } = cell(i);
        return Array.from({ length: count }, (_, k) => logical(bytes, pos + k));
      });
      return { column, kind: "logicals", values };
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
      const width = code === "C" ? 4 : 8;
      const read = (view: DataView, pos: number): [number, number] =>
        code === "C"
          ? [view.getFloat32(pos), view.getFloat32(pos + width)]
          : [view.getFloat64(pos), view.getFloat64(pos + width)];
      if (scalar) {
        return {
          column,
          kind: "complex",
          values: mapRows(rowCount, (i) => {
            const { view, pos } = cell(i);
            return read(view, pos);
          }),
        };
      }
      const values = mapRows(rowCount, (i) => {
        const { view, pos, count } = cell(i);
        return Array.from({ length: count }, (_, k) => read(view, pos + 2 * width * k));
      });
      return { column, kind: "complexes", values };
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

/** Most rows of a zero-width table that one read may produce (each costs a cell per column). */
const MAX_EMPTY_ROWS = 1_000_000;

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

/**
 * Decode bytes as one character each (FITS text is ASCII), in chunks small enough for `fromCharCode`.
 *
 * @param bytes The text's bytes.
 * @returns The text.
 */
export function bytesToText(bytes: Uint8Array): string {
  let text = "";
  for (let start = 0; start < bytes.length; start += 8192) {
    text += String.fromCharCode(...bytes.subarray(start, start + 8192));
  }
  return text;
}

// ---------------------------------------------------------------------------------------------------
// Variable-length arrays

/**
 * Read the heap cells of VLA columns: check every descriptor against the heap and the object first,
 * then fetch all cells with one coalesced `readRanges`.
 */
async function readHeap(
  source: ByteSource,
  hdu: Hdu,
  table: TableLayout,
  columns: readonly Column[],
  start: number,
  stop: number,
  rowBytes: RowBytes,
  options: { concurrency?: number; signal?: AbortSignal; maxGap?: number; maxSpan?: number },
): Promise<Map<Column, CountedCell[]>> {
  const dataEnd = hdu.dataOffset + hdu.dataSize;
  if (source.size !== undefined && dataEnd > source.size) {
    throw new CloudFitsError(
      "TRUNCATED",
      `Cannot read the heap of HDU ${hdu.index}: its data claims bytes up to offset ${dataEnd} but ${source.name} has ${source.size} bytes`,
      { url: source.name, offset: source.size },
    );
  }
  const heapStart = hdu.dataOffset + table.heapOffset;
  const ranges: ByteRange[] = [];
  const counts: number[] = [];
  for (const column of columns) {
    const code = column.elementType!;
    for (let row = start; row < stop; row++) {
      const { view, pos } = rowBytes.cell(row, column);
      const [count, offset] = readDescriptor(view, pos, column.typeCode === "Q");
      const length = code === "X" ? Math.ceil(count / 8) : count * elementWidth(code);
      if (!(offset + length <= table.heapSize)) {
        const at = hdu.dataOffset + row * table.rowBytes + column.offset;
        throw new CloudFitsError(
          "BAD_HEADER",
          `Cannot read row ${row} of column ${
            describeColumn(column)
          }: its descriptor at offset ${at} (${count} elements at heap offset ${offset}) ends past the heap of ${table.heapSize} bytes`,
          { url: source.name, offset: at },
        );
      }
      ranges.push({ offset: heapStart + offset, length });
      counts.push(count);
    }
  }
  const pieces = await readRanges(source, ranges, options);
  const cells = new Map<Column, CountedCell[]>();
  const rowCount = stop - start;
  columns.forEach((column, c) => {
    cells.set(
      column,
      mapRows(rowCount, (i) => {
        const k = c * rowCount + i;
        const bytes = pieces[k];
        return {
          bytes,
          view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength),
          pos: 0,
          count: counts[k],
        };
      }),
    );
  });
  return cells;
}

/** Read a VLA descriptor: (count, offset) as two int32 for P or two int64 for Q. */
function readDescriptor(view: DataView, pos: number, wide: boolean): [number, number] {
  if (!wide) return [view.getUint32(pos), view.getUint32(pos + 4)];
  // Values beyond 2^53 cannot be within any heap; Infinity makes the bounds check reject them.
  const count = view.getBigUint64(pos);
  const offset = view.getBigUint64(pos + 8);
  const safe = (value: bigint): number => value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : Infinity;
  return [safe(count), safe(offset)];
}

function describeColumn(column: Column): string {
  return column.name === "" ? `${column.index}` : `${column.index} (${column.name})`;
}
