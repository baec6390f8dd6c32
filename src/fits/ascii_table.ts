/**
 * ASCII TABLE extensions: fields at TBCOLn with Fortran-style formats Aw, Iw, Fw.d, Ew.d and Dw.d.
 *
 * @module
 */

import { CloudFitsError } from "../errors.ts";
import { badKeyword } from "./bad_keyword.ts";
import { allocateArray, type Dtype } from "./dtype.ts";
import type { Hdu } from "./layout.ts";
import { applyScaling, bytesToText, type CellBytes } from "./table_decode.ts";
import type { AsciiTypeCode, Column, TableLayout } from "./table_layout.ts";
import type { TableColumnData } from "./table_values.ts";

const ASCII_TFORM = /^([AIFED])(\d+)(?:\.(\d+))?$/;
const INTEGER_TEXT = /^[+-]?\d+$/;
const FLOAT_TEXT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:E[+-]?\d+)?$|^[+-]?(?:INF|INFINITY|NAN)$/i;

/**
 * Describe the columns of an ASCII TABLE HDU: TBCOLn is the 1-based start of a field, and fields may
 * leave gaps between them. Iw decodes to int32 (int64 beyond 9 digits), Fw.d, Ew.d and Dw.d to
 * float64, Aw to strings; TSCAL/TZERO turn numeric fields into float64, and TNULLn is a string.
 *
 * @param hdu An ASCII TABLE HDU.
 * @returns The layout (no heap).
 * @throws {CloudFitsError} `BAD_HEADER` for a missing or bad TBCOL or TFORM, or a field past NAXIS1.
 *
 * @example Columns of an ASCII table
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildHeader, formatCard, parseHeader } from "@cloudfits/core";
 * import { describeAsciiTable } from "./ascii_table.ts";
 * import { describeHdu } from "./layout.ts";
 *
 * const header = parseHeader(buildHeader([
 *   formatCard("XTENSION", "TABLE"), formatCard("BITPIX", 8), formatCard("NAXIS", 2),
 *   formatCard("NAXIS1", 20), formatCard("NAXIS2", 4), formatCard("PCOUNT", 0), formatCard("GCOUNT", 1),
 *   formatCard("TFIELDS", 2),
 *   formatCard("TTYPE1", "NAME"), formatCard("TBCOL1", 1), formatCard("TFORM1", "A8"),
 *   formatCard("TTYPE2", "FLUX"), formatCard("TBCOL2", 11), formatCard("TFORM2", "E10.3"),
 * ]));
 * const table = describeAsciiTable(describeHdu(header, 1, 2880));
 * assert.deepEqual(table.columns.map((c) => [c.name, c.offset, c.width, c.dtype]), [
 *   ["NAME", 0, 8, "string"],
 *   ["FLUX", 10, 10, "float64"],
 * ]);
 * ```
 */
export function describeAsciiTable(hdu: Hdu): TableLayout {
  const header = hdu.header;
  if (hdu.axes.length !== 2) throw badKeyword(hdu, "NAXIS", hdu.axes.length, "a table has NAXIS = 2");
  const [rowBytes, rowCount] = hdu.axes;
  const fieldCount = header.getInteger("TFIELDS") ?? 0;
  if (fieldCount < 0 || fieldCount > 999) throw badKeyword(hdu, "TFIELDS", fieldCount, "expected 0 to 999");
  const columns: Column[] = [];
  for (let n = 1; n <= fieldCount; n++) {
    const formKeyword = `TFORM${n}`;
    const tform = header.getString(formKeyword)?.trim();
    if (tform === undefined) throw badKeyword(hdu, formKeyword, undefined, "the keyword is missing");
    const match = ASCII_TFORM.exec(tform.toUpperCase());
    if (!match) throw badKeyword(hdu, formKeyword, tform, "expected Aw, Iw, Fw.d, Ew.d or Dw.d");
    const typeCode = match[1] as AsciiTypeCode;
    const width = Number(match[2]);
    const tbcol = header.getInteger(`TBCOL${n}`);
    if (tbcol === undefined) throw badKeyword(hdu, `TBCOL${n}`, undefined, "the keyword is missing");
    if (tbcol < 1 || tbcol - 1 + width > rowBytes) {
      throw badKeyword(
        hdu,
        `TBCOL${n}`,
        tbcol,
        `a ${width}-character field must fit in NAXIS1 = ${rowBytes}`,
      );
    }
    const tscal = header.getNumber(`TSCAL${n}`) ?? 1;
    const tzero = header.getNumber(`TZERO${n}`) ?? 0;
    const nullValue = header.get(`TNULL${n}`);
    const scaled = typeCode !== "A" && (tscal !== 1 || tzero !== 0);
    columns.push({
      name: (header.getString(`TTYPE${n}`) ?? "").trim(),
      index: n,
      typeCode,
      tform,
      repeat: 1,
      width,
      offset: tbcol - 1,
      tdim: null,
      shape: [],
      tscal,
      tzero,
      tnull: nullValue === undefined || nullValue === null ? null : String(nullValue),
      tunit: header.getString(`TUNIT${n}`)?.trim() || null,
      tdisp: header.getString(`TDISP${n}`)?.trim() || null,
      dtype: typeCode === "A"
        ? "string"
        : scaled || typeCode !== "I"
        ? "float64"
        : width <= 9
        ? "int32"
        : "int64",
      elementType: null,
      emax: null,
      decimals: match[3] === undefined ? null : Number(match[3]),
    });
  }
  return { kind: "TABLE", rowBytes, rowCount, heapOffset: rowBytes * rowCount, heapSize: 0, columns };
}

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
 * import { decodeAsciiColumn } from "./ascii_table.ts";
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
