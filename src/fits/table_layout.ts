/**
 * The table model that describing a table produces and everything else reads: type codes, columns,
 * the table layout, and the width and decoded type of one element of each TFORM code.
 *
 * @module
 */

import { type Dtype, elementSize, type NumericTypeCode, TFORM_DTYPE } from "./dtype.ts";

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

/** Column compression algorithms of the tiled-table convention. */
export type TableCompression = "GZIP_1" | "GZIP_2" | "RICE_1";

/** How a compressed table is stored: the tiles and each column's algorithm. */
export interface TableTiling {
  /** The BINTABLE as stored: one row per tile, one byte-array column per column. */
  stored: TableLayout;
  /** Rows per tile (ZTILELEN); the last tile may hold fewer. */
  tileRows: number;
  /** ZCTYPn of each column (GZIP_2 when absent, as cfitsio reads it). */
  algorithms: TableCompression[];
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
  /**
   * For a tile-compressed table (`ZTABLE = T`): how its rows are stored. The rest of the layout then
   * describes the table it stands for (ZNAXISn, ZFORMn), whose bytes exist only once decoded.
   */
  tiling?: TableTiling;
  /**
   * For random groups: the parameters added to a column whose PTYPE name several parameters share
   * (each a column of its own bytes, not listed in `columns`).
   */
  summands?: Map<Column, Column[]>;
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

/**
 * Bytes of one element of a TFORM code: L, B, A 1; I 2; J, E 4; K, D, C 8; M 16. For X, the bytes
 * per 8 bits (a cell of r bits takes ceil(r/8) bytes).
 *
 * @param code An element type code.
 * @returns The width in bytes.
 *
 * @example Widths of J and M
 * ```ts
 * import { elementWidth } from "./table_layout.ts";
 *
 * console.log(elementWidth("J"), elementWidth("M")); // 4 16
 * ```
 */
export function elementWidth(code: ElementTypeCode): number {
  return isNumeric(code) ? elementSize(TFORM_DTYPE[code]) : OTHER_ELEMENTS[code][0];
}

/**
 * The decoded type of one element of a TFORM code before any TSCAL/TZERO.
 *
 * @param code An element type code.
 * @returns `bool` for L, `bit` for X, `string` for A, `complex64`/`complex128` for C/M, else the
 *   stored numeric type.
 *
 * @example Types of K and C
 * ```ts
 * import { elementDtype } from "./table_layout.ts";
 *
 * console.log(elementDtype("K"), elementDtype("C")); // "int64" "complex64"
 * ```
 */
export function elementDtype(code: ElementTypeCode): TableDtype {
  return isNumeric(code) ? TFORM_DTYPE[code] : OTHER_ELEMENTS[code][1];
}

/**
 * A column as messages name it: its number, and its name when it has one.
 *
 * @param column A column.
 * @returns For example `3 (FLUX)`, or `3`.
 *
 * @example Naming a column
 * ```ts
 * import { columnLabel } from "./table_layout.ts";
 *
 * console.log(columnLabel({ index: 3, name: "FLUX" })); // "3 (FLUX)"
 * ```
 */
export function columnLabel(column: Pick<Column, "index" | "name">): string {
  return column.name === "" ? `${column.index}` : `${column.index} (${column.name})`;
}
