/**
 * Decoded table values: one column over the rows read ({@linkcode TableColumnData}), the rows of a read
 * keyed by column name ({@linkcode TableRows}), and single cells ({@linkcode tableCell}).
 *
 * Decoded columns are columnar; `kind` says the shape of `values`:
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

import type { TypedArray } from "./dtype.ts";
import type { Column } from "./table_layout.ts";

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

/**
 * Key decoded columns by TTYPE, in order; a column with an empty or repeated name is keyed `col<n>` by
 * its 1-based number.
 *
 * @param start First row decoded (0-based).
 * @param stop One past the last row.
 * @param decoded The decoded columns, in the order requested.
 * @returns The rows, columnar.
 *
 * @example Two unnamed columns
 * ```ts
 * import { tableRows } from "./table_values.ts";
 * import type { Column } from "./table_layout.ts";
 *
 * const column = (index: number) => ({ index, name: "" }) as Column;
 * const rows = tableRows(0, 0, [{ column: column(1), kind: "string", values: [] }, { column: column(2), kind: "bits", values: [] }]);
 * console.log(Object.keys(rows.columns)); // [ "col1", "col2" ]
 * ```
 */
export function tableRows(start: number, stop: number, decoded: readonly TableColumnData[]): TableRows {
  const keys = columnKeys(decoded.map((data) => data.column));
  const entries = decoded.map((data, i): [string, TableColumnData] => [keys[i], data]);
  return { start, stop, rowCount: stop - start, columns: Object.fromEntries(entries) };
}

/**
 * The keys of columns in a result: TTYPE, or `col<n>` for an empty or repeated name.
 *
 * @param columns The columns, in result order.
 * @returns One key per column.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { columnKeys } from "./table_values.ts";
 *
 * assert.deepEqual(columnKeys([{ name: "X", index: 1 }, { name: "X", index: 2 }, { name: "", index: 3 }]), ["X", "col2", "col3"]);
 * ```
 */
export function columnKeys(columns: readonly Pick<Column, "name" | "index">[]): string[] {
  const used = new Set<string>();
  return columns.map((column) => {
    const key = column.name === "" || used.has(column.name) ? `col${column.index}` : column.name;
    used.add(key);
    return key;
  });
}

/**
 * One cell of decoded column data: a number, bigint, string, boolean, `[re, im]`, or for array cells
 * the flat C-order elements. An integer equal to TNULL (or a blank ASCII field) is `null`.
 *
 * @param data A decoded column, as `readTableRows` returns it.
 * @param row The row's position in the result (0 for the first row read).
 * @returns The cell.
 * @throws {RangeError} when `row` is not a row of the result.
 *
 * @example The second cell of a column with a TNULL mask
 * ```ts
 * import assert from "node:assert/strict";
 * import { tableCell, type TableColumnData } from "./table_values.ts";
 * import type { Column } from "./table_layout.ts";
 *
 * const data: TableColumnData = {
 *   column: { name: "FLUX" } as Column,
 *   kind: "number",
 *   values: new Int32Array([7, -999]),
 *   nulls: new Uint8Array([0, 1]),
 * };
 * assert.equal(tableCell(data, 0), 7);
 * assert.equal(tableCell(data, 1), null);
 * ```
 */
export function tableCell(data: TableColumnData, row: number): TableCell {
  if (!Number.isInteger(row) || row < 0 || row >= data.values.length) {
    throw new RangeError(`Cannot get cell ${row}: the column holds ${data.values.length} rows`);
  }
  if (data.kind === "number") return data.nulls?.[row] ? null : data.values[row];
  return data.values[row];
}
