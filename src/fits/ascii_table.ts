/**
 * ASCII TABLE extensions: fields at TBCOLn with Fortran-style formats Aw, Iw, Fw.d, Ew.d and Dw.d.
 *
 * @module
 */

import { badKeyword } from "./bad_keyword.ts";
import type { Hdu } from "./layout.ts";
import type { AsciiTypeCode, Column, TableLayout } from "./table_layout.ts";

const ASCII_TFORM = /^([AIFED])(\d+)(?:\.(\d+))?$/;

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
