/**
 * Decoded table values as JSON, the shape `cloudfits table --format json` prints: JSON cannot hold
 * 64-bit integers, NaN or infinities, so they become strings, as in `json.ts`.
 *
 * @module
 */
import type { TableColumnData, TableRows } from "./fits/table_values.ts";
import { numberToJson } from "./json.ts";

/** A JSON value produced by {@linkcode tableColumnToJson}. */
export type TableJsonValue = number | string | boolean | null | TableJsonValue[];

/**
 * Convert a decoded column to JSON values, one per row: strings right-trimmed; arrays nested in C
 * order per TDIM; VLAs as arrays; logicals as true, false or null; bits as arrays of booleans;
 * complex numbers as `[re, im]`; integers equal to TNULL as null; NaN and ±Inf as `"NaN"`,
 * `"Infinity"`, `"-Infinity"`; integers beyond ±2^53 as decimal strings; zero-width cells as `[]`.
 *
 * @param data A decoded column, as `readTableRows` returns it.
 * @returns One JSON value per row.
 *
 * @example A column of 2 × 2 float cells
 * ```ts
 * import assert from "node:assert/strict";
 * import { type Column } from "@cloudfits/core";
 * import { tableColumnToJson } from "./table_json.ts";
 *
 * const column = { elementType: null, shape: [2, 2] } as unknown as Column;
 * const json = tableColumnToJson({ column, kind: "numbers", values: [new Float32Array([1, 2, NaN, 4])], nulls: null });
 * assert.deepEqual(json, [[[1, 2], ["NaN", 4]]]);
 * ```
 */
export function tableColumnToJson(data: TableColumnData): TableJsonValue[] {
  const shape = data.column.elementType === null ? data.column.shape : [];
  const nest = (flat: TableJsonValue[]): TableJsonValue[] =>
    shape.length > 1 ? nestCOrder(flat, shape) : flat;
  switch (data.kind) {
    case "number": {
      const { values, nulls } = data;
      return Array.from({ length: values.length }, (_, i) => nulls?.[i] ? null : numberToJson(values[i]));
    }
    case "numbers":
      return data.values.map((cell, row) => {
        const mask = data.nulls?.[row];
        return nest(Array.from({ length: cell.length }, (_, k) => mask?.[k] ? null : numberToJson(cell[k])));
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
 * @param rows A result of `readTableRows`.
 * @returns One array of JSON values per column.
 *
 * @example Two columns of two rows
 * ```ts
 * import assert from "node:assert/strict";
 * import { type Column, rowsToJson } from "@cloudfits/core";
 *
 * const column = { elementType: null, shape: [] } as unknown as Column;
 * const rows = rowsToJson({
 *   start: 0,
 *   stop: 2,
 *   rowCount: 2,
 *   columns: {
 *     ID: { column, kind: "number", values: new BigInt64Array([1n, 2n ** 62n]), nulls: null },
 *     OK: { column, kind: "logical", values: [true, null] },
 *   },
 * });
 * assert.deepEqual(rows, { ID: [1, "4611686018427387904"], OK: [true, null] });
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
  return Array.from({ length: shape[0] }, (_, i) => nestCOrder(flat.slice(i * size, (i + 1) * size), inner));
}
