/**
 * Decode the fields of an ASCII TABLE column (the layout is described in `ascii_table.ts`). Its own module,
 * with the binary table decoders it shares, so that they load only when table rows are read.
 *
 * @module
 */
import { CloudFitsError } from "../errors.ts";
import { allocateArray, type Dtype } from "./dtype.ts";
import { applyScaling, bytesToText, type CellBytes } from "./table_decode.ts";
import type { Column } from "./table_layout.ts";
import type { TableColumnData } from "./table_values.ts";

const INTEGER_TEXT = /^[+-]?\d+$/;
const FLOAT_TEXT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:E[+-]?\d+)?$|^[+-]?(?:INF|INFINITY|NAN)$/i;

/**
 * Decode one ASCII TABLE column. Numeric fields are trimmed, `D` exponents read as `E`; a field equal to
 * TNULLn (trimmed) is null (`nulls[i] = 1`, value 0 or NaN); a blank field is 0 (TZEROn once scaled), as
 * astropy and cfitsio read it, unless TNULLn is blank. Strings are right-trimmed.
 *
 * @param column A column from {@linkcode describeAsciiTable}.
 * @param rowCount Rows to decode.
 * @param cell The bytes of row `i`'s field.
 * @param firstRow The table row of `i = 0`, for messages.
 * @returns The decoded column: `string`, or `number` with a null mask.
 * @throws {CloudFitsError} `BAD_HEADER` for a numeric field that is not a number, naming row and column.
 *
 * @example Two rows of an I6 field, one blank
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildHeader, formatCard, parseHeader } from "@cloudfits/core";
 * import { describeAsciiTable } from "./ascii_table.ts";
 * import { describeHdu } from "./layout.ts";
 * import { decodeAsciiColumn } from "./ascii_decode.ts";
 * import { cellBytes } from "./table_decode.ts";
 *
 * const header = parseHeader(buildHeader([
 *   formatCard("XTENSION", "TABLE"), formatCard("BITPIX", 8), formatCard("NAXIS", 2),
 *   formatCard("NAXIS1", 6), formatCard("NAXIS2", 2), formatCard("PCOUNT", 0), formatCard("GCOUNT", 1),
 *   formatCard("TFIELDS", 1), formatCard("TBCOL1", 1), formatCard("TFORM1", "I6"),
 * ]));
 * const [column] = describeAsciiTable(describeHdu(header, 1, 0)).columns;
 * const rows = new TextEncoder().encode("   -42      ");
 * const data = decodeAsciiColumn(column, 2, (i) => cellBytes(rows, 6 * i));
 * assert.deepEqual(data.kind === "number" && [data.values, data.nulls], [new Int32Array([-42, 0]), new Uint8Array([0, 0])]);
 * // With a blank TNULLn, a blank field is null.
 * const nulled = decodeAsciiColumn({ ...column, tnull: " " }, 2, (i) => cellBytes(rows, 6 * i));
 * assert.deepEqual(nulled.kind === "number" && nulled.nulls, new Uint8Array([0, 1]));
 * ```
 */
export function decodeAsciiColumn(
  column: Column,
  rowCount: number,
  cell: (i: number) => CellBytes,
  firstRow = 0,
): TableColumnData {
  const texts: string[] = new Array(rowCount);
  for (let i = 0; i < rowCount; i++) {
    const { bytes, pos } = cell(i);
    texts[i] = bytesToText(bytes.subarray(pos, pos + column.width));
  }
  if (column.typeCode === "A") return { column, kind: "string", values: texts.map((text) => text.trimEnd()) };
  const nullText = column.tnull === null ? null : String(column.tnull).trim();
  const scale = column.tscal;
  const zero = Number(column.tzero);
  const values = allocateArray(column.dtype as Dtype, rowCount);
  const nulls = new Uint8Array(rowCount);
  for (let i = 0; i < rowCount; i++) {
    const text = texts[i].trim().replace(/[Dd]/, "E");
    if (text === nullText) {
      nulls[i] = 1;
      if (values instanceof Float64Array) values[i] = NaN;
      continue;
    }
    if (text === "") {
      // A blank field reads as 0 (then scaled), as astropy and cfitsio read it, unless TNULLn is blank.
      if (!(values instanceof BigInt64Array || values instanceof Int32Array)) values[i] = zero;
      continue;
    }
    const valid = column.typeCode === "I" ? INTEGER_TEXT.test(text) : FLOAT_TEXT.test(text);
    if (!valid) {
      throw new CloudFitsError(
        "BAD_HEADER",
        `Cannot parse ASCII table field '${texts[i]}' in row ${
          firstRow + i
        }, column ${column.index} (${column.name}) as ${column.tform}: not a number`,
      );
    }
    if (values instanceof BigInt64Array) values[i] = BigInt(text);
    else if (values instanceof Int32Array) values[i] = Number(text);
    else values[i] = applyScaling(parseNumber(text), scale, zero);
  }
  return { column, kind: "number", values, nulls };
}

function parseNumber(text: string): number {
  const upper = text.toUpperCase().replace(/^\+/, "");
  if (upper.endsWith("NAN")) return NaN;
  if (upper.endsWith("INF") || upper.endsWith("INFINITY")) {
    return upper.startsWith("-") ? -Infinity : Infinity;
  }
  return Number(text);
}
