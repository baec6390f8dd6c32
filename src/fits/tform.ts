/**
 * Describing a table from its header: TFORMn (every BINTABLE type code, repeat counts, `rPt(emax)` and
 * `rQt(emax)` VLAs), TDIMn, TSCALn/TZEROn with the unsigned conventions, TNULLn, THEAP, and the row
 * offsets as prefix sums of the widths. ASCII tables are described by `describeAsciiTable`.
 *
 * @module
 */

import { CloudFitsError } from "../errors.ts";
import { describeAsciiTable } from "./ascii_table.ts";
import { badKeyword } from "./bad_keyword.ts";
import { isCompressedTable, uncompressedHeader } from "./compressed_header.ts";
import { describeTableTiling } from "./compressed_table.ts";
import { describeRandomGroups } from "./random_groups.ts";
import { conventionDtype, type Dtype } from "./dtype.ts";
import type { Header } from "./header.ts";
import type { Hdu } from "./layout.ts";
import {
  type BinaryTypeCode,
  type Column,
  elementDtype,
  type ElementTypeCode,
  elementWidth,
  type TableDtype,
  type TableLayout,
} from "./table_layout.ts";

const TFORM_PATTERN = /^(\d*)([LXBIJKAEDCMPQ])(.*)$/;
const VLA_PATTERN = /^([LXBIJKAEDCM])(?:\((\d*)\))?$/;
/** A display width after a type code, `w` or `w.d`, as in `3600D8.3`. */
const DISPLAY_WIDTH = /^\d+(\.\d+)?$/;

/**
 * Describe the columns and layout of a BINTABLE (or ASCII TABLE) HDU from its header.
 *
 * Widths: L, B, A 1; I 2; J, E 4; K, D, C, P 8; M, Q 16; X ceil(r/8). Offsets are prefix sums, and
 * their total must equal NAXIS1. Unsigned conventions (TSCAL = 1 and TZERO = 2^15, 2^31, 2^63 for
 * I, J, K; −128 for B) decode to unsigned (signed for B) integers; any other scaling to float64.
 *
 * A tile-compressed table (`ZTABLE = T`) is described as the table it stands for, with its `tiling`;
 * random groups as a table of groups (`describeRandomGroups`).
 *
 * @param hdu A BINTABLE (compressed or not), TABLE, random-groups or compressed-image HDU.
 * @returns The layout.
 * @throws {CloudFitsError} `BAD_HEADER` for a bad TFORM or TDIM (naming the keyword, value and offset),
 *   or widths that do not sum to NAXIS1; `USAGE` for an HDU that is not a table.
 *
 * @example Columns of a table
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildHeader, formatCard, parseHeader } from "@cloudfits/core";
 * import { describeHdu } from "./layout.ts";
 * import { describeTable } from "./tform.ts";
 *
 * const header = parseHeader(buildHeader([
 *   formatCard("XTENSION", "BINTABLE"),
 *   formatCard("BITPIX", 8),
 *   formatCard("NAXIS", 2),
 *   formatCard("NAXIS1", 10),
 *   formatCard("NAXIS2", 3),
 *   formatCard("PCOUNT", 0),
 *   formatCard("GCOUNT", 1),
 *   formatCard("TFIELDS", 2),
 *   formatCard("TTYPE1", "TIME"),
 *   formatCard("TFORM1", "D"),
 *   formatCard("TTYPE2", "COUNT"),
 *   formatCard("TFORM2", "I"),
 *   formatCard("TZERO2", 32768),
 * ]));
 * const table = describeTable(describeHdu(header, 1, 2880));
 * assert.equal(table.rowCount, 3);
 * assert.deepEqual(table.columns.map((c) => [c.name, c.offset, c.dtype]), [["TIME", 0, "float64"], ["COUNT", 8, "uint16"]]);
 * ```
 */
export function describeTable(hdu: Hdu): TableLayout {
  // With another GCOUNT the data size no longer covers NAXIS1 × NAXIS2 (GCOUNT = 0 makes it 0 bytes):
  // the rows would be a claim with no bytes behind it.
  if (
    hdu.gcount !== 1 && (hdu.type === "TABLE" || hdu.type === "BINTABLE" || hdu.type === "COMPRESSED_IMAGE")
  ) {
    throw badKeyword(hdu, "GCOUNT", hdu.gcount, "a table has GCOUNT = 1");
  }
  if (hdu.type === "TABLE") return describeAsciiTable(hdu);
  if (hdu.type === "GROUPS") return describeRandomGroups(hdu);
  if (isCompressedTable(hdu)) {
    // The table a compressed one stands for is described from the header funpack would restore.
    const header = uncompressedHeader(hdu);
    const axes = [header.getInteger("NAXIS1") ?? -1, header.getInteger("NAXIS2") ?? -1];
    if (axes.some((n) => n < 0)) {
      throw badKeyword(hdu, "ZNAXIS1", axes[0], "ZNAXIS1 and ZNAXIS2 are required");
    }
    const pcount = header.getInteger("PCOUNT") ?? 0;
    const table = describeBinaryTable({ ...hdu, header, axes, pcount });
    return { ...table, tiling: describeTableTiling(hdu, describeBinaryTable(hdu), table) };
  }
  return describeBinaryTable(hdu);
}

function describeBinaryTable(hdu: Hdu): TableLayout {
  if (hdu.type !== "BINTABLE" && hdu.type !== "COMPRESSED_IMAGE") {
    throw new CloudFitsError("USAGE", `Cannot read HDU ${hdu.index} as a table: it is ${hdu.type}`);
  }
  const header = hdu.header;
  if (hdu.axes.length !== 2) throw badKeyword(hdu, "NAXIS", hdu.axes.length, "a table has NAXIS = 2");
  const [rowBytes, rowCount] = hdu.axes;
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
  } else if (rest !== "" && typeCode !== "A" && !DISPLAY_WIDTH.test(rest)) {
    // rAw (the substring convention) and a display width rTw.d (e-Callisto's 3600D8.3, which astropy
    // reads as rT) are tolerated; anything else after a type code is not.
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
  const stored = elementDtype(code);
  if (!"BIJKED".includes(code) || (tscal === 1 && Number(tzero) === 0)) return stored;
  return conventionDtype(stored as Dtype, tscal, tzero) ?? "float64";
}

function numericKeyword(header: Header, keyword: string): number | bigint | undefined {
  const value = header.get(keyword);
  if (value === undefined || value === null) return undefined;
  if (typeof value === "bigint") return value;
  return header.getNumber(keyword);
}
