/**
 * Column descriptors of BINTABLE and TABLE headers, as the index stores them.
 *
 * @module
 */

import type { Header } from "../fits/header.ts";
import type { ColumnSummary } from "./types.ts";

/** Bytes per element of each binary-table type code (X counts bits and is handled apart). */
export const BINARY_TYPE_WIDTH: Readonly<Record<string, number>> = {
  L: 1,
  B: 1,
  A: 1,
  I: 2,
  J: 4,
  K: 8,
  E: 4,
  D: 8,
  C: 8,
  M: 16,
  P: 8,
  Q: 16,
};

/** Type codes of ASCII-table fields. */
export const ASCII_TYPES = "AIFED";

/** Bytes a binary-table field of `repeat` elements of `type` occupies in a row. */
export function binaryFieldWidth(type: string, repeat: number): number {
  if (type === "X") return Math.ceil(repeat / 8);
  if (type === "P" || type === "Q") return repeat === 0 ? 0 : BINARY_TYPE_WIDTH[type];
  return BINARY_TYPE_WIDTH[type] * repeat;
}

/**
 * Describe the columns of a table header. Throws an `Error` naming the column when a TFORMn (or
 * TBCOLn) cannot be parsed; the encoder then stores the HDU without column descriptors.
 */
export function describeColumns(header: Header, ascii: boolean): ColumnSummary[] {
  const count = integerValue(header.get("TFIELDS")) ?? 0;
  if (count < 0 || count > 999) throw new Error(`TFIELDS ${count} is outside 0 to 999`);
  const columns: ColumnSummary[] = [];
  let offset = 0;
  for (let n = 1; n <= count; n++) {
    const tform = (stringValue(header.get(`TFORM${n}`)) ?? "").trim().toUpperCase();
    const column: ColumnSummary = ascii ? asciiColumn(header, n, tform) : binaryColumn(n, tform, offset);
    offset += ascii ? 0 : column.width;
    column.name = stringValue(header.get(`TTYPE${n}`))?.trimEnd() ?? null;
    const scale = numberValue(header.get(`TSCAL${n}`));
    if (scale !== undefined) column.scale = scale;
    // 2^63 (the uint64 TZERO) arrives as a bigint and is exact as a float64.
    const zero = numberValue(header.get(`TZERO${n}`));
    if (zero !== undefined) column.zero = zero;
    const tnull = header.get(`TNULL${n}`);
    if (tnull !== undefined && tnull !== null) {
      if (ascii) column.null = String(tnull);
      else if (typeof tnull === "number" || typeof tnull === "bigint") column.null = BigInt(tnull);
    }
    const dim = stringValue(header.get(`TDIM${n}`));
    if (dim !== undefined) column.dim = dim;
    const unit = stringValue(header.get(`TUNIT${n}`));
    if (unit !== undefined) column.unit = unit;
    columns.push(column);
  }
  return columns;
}

function binaryColumn(n: number, tform: string, offset: number): ColumnSummary {
  const match = /^(\d*)([LXBIJKAEDCMPQ])(.*)$/.exec(tform);
  if (!match) throw new Error(`Cannot parse TFORM${n} '${tform}'`);
  const repeat = match[1] === "" ? 1 : Number(match[1]);
  const type = match[2];
  if (!Number.isSafeInteger(repeat)) throw new Error(`Cannot parse TFORM${n} '${tform}': repeat too large`);
  const column: ColumnSummary = { name: null, type, repeat, offset, width: binaryFieldWidth(type, repeat) };
  if (type === "P" || type === "Q") {
    const vla = /^([LXBIJKAEDCM])(?:\((\d+)\))?/.exec(match[3]);
    if (!vla) throw new Error(`Cannot parse TFORM${n} '${tform}': no array element type`);
    column.vlaType = vla[1];
    if (vla[2] !== undefined) column.vlaMax = Number(vla[2]);
  }
  return column;
}

function asciiColumn(header: Header, n: number, tform: string): ColumnSummary {
  const match = /^([AIFED])(\d+)(?:\.(\d+))?$/.exec(tform);
  if (!match) throw new Error(`Cannot parse TFORM${n} '${tform}'`);
  const tbcol = integerValue(header.get(`TBCOL${n}`));
  if (tbcol === undefined || tbcol < 1) throw new Error(`Missing or invalid TBCOL${n}`);
  const column: ColumnSummary = {
    name: null,
    type: match[1],
    repeat: 1,
    offset: tbcol - 1,
    width: Number(match[2]),
  };
  if (match[3] !== undefined) column.decimals = Number(match[3]);
  return column;
}

/** A numeric keyword value as a float64, or undefined when absent or not numeric. */
export function numberValue(value: unknown): number | undefined {
  if (typeof value === "bigint") return Number(value);
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

function integerValue(value: unknown): number | undefined {
  return typeof value === "number" && Number.isSafeInteger(value) ? value : undefined;
}

function stringValue(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}
