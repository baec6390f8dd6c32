/**
 * Random groups (`GROUPS = T`, NAXIS1 = 0) as a table: each group a row, each parameter a column
 * (PTYPEn, scaled by PSCALn and PZEROn), and the group's array a last column, DATA — the columns astropy's
 * `GroupsHDU.data` has. Parameters that share a PTYPE name are one column whose value is their sum, as
 * astropy's `data.par(name)` and the random-groups convention give it.
 *
 * @module
 */
import { BITPIX_DTYPE, conventionDtype, type NumericTypeCode, TFORM_DTYPE } from "./dtype.ts";
import type { Hdu } from "./layout.ts";
import type { Column, TableDtype, TableLayout } from "./table_layout.ts";

/**
 * Describe a random-groups HDU as a table of GCOUNT rows: one column per distinct PTYPE name, then DATA.
 *
 * @param hdu An HDU of type `GROUPS`.
 * @returns The layout; `summands` lists, for a column whose name several parameters share, the other
 *   parameters added to it.
 *
 * @example The parameters of a random-groups file
 * ```ts
 * import assert from "node:assert/strict";
 * import { openFits } from "@cloudfits/core";
 * import { openFileSource } from "@cloudfits/core/file";
 * import { describeRandomGroups } from "./random_groups.ts";
 *
 * await using fits = await openFits("testdata/random_groups.fits", { openFile: openFileSource });
 * const table = describeRandomGroups(fits.hdus[0]);
 * assert.deepEqual(table.columns.map((c) => c.name), ["UU", "VV", "WW", "DATE", "BASELINE", "DATA"]);
 * assert.equal(table.summands?.get(table.columns[3])?.length, 1, "two DATE parameters, summed");
 * ```
 */
export function describeRandomGroups(hdu: Hdu): TableLayout {
  const header = hdu.header;
  const stored = BITPIX_DTYPE[hdu.bitpix];
  // The TFORM code whose stored type is BITPIX's: every BITPIX has one.
  const code = (Object.keys(TFORM_DTYPE) as NumericTypeCode[]).find((c) => TFORM_DTYPE[c] === stored)!;
  const bytes = Math.abs(hdu.bitpix) / 8;
  const arrayAxes = hdu.axes.slice(1);
  const arrayLength = arrayAxes.reduce((a, b) => a * b, 1);
  const rowBytes = bytes * (hdu.pcount + arrayLength);
  const column = (
    name: string,
    index: number,
    offset: number,
    repeat: number,
    scale: string,
    zero: string,
  ) => {
    const tscal = header.getNumber(scale) ?? 1;
    const tzero = header.getNumber(zero) ?? 0;
    const scaled = tscal !== 1 || tzero !== 0;
    const dtype: TableDtype = scaled ? conventionDtype(stored, tscal, tzero) ?? "float64" : stored;
    return {
      name,
      index,
      typeCode: code,
      tform: `${repeat}${code}`,
      repeat,
      width: repeat * bytes,
      offset,
      tdim: null,
      shape: repeat === 1 && offset < hdu.pcount * bytes ? [] : [...arrayAxes].reverse(),
      tscal,
      tzero,
      tnull: null,
      tunit: null,
      tdisp: null,
      dtype,
      elementType: null,
      emax: null,
      decimals: null,
    } satisfies Column;
  };
  const columns: Column[] = [];
  const byName = new Map<string, Column>();
  const summands = new Map<Column, Column[]>();
  for (let n = 1; n <= hdu.pcount; n++) {
    const name = (header.getString(`PTYPE${n}`) ?? "").trim();
    const parameter = column(name, columns.length + 1, (n - 1) * bytes, 1, `PSCAL${n}`, `PZERO${n}`);
    const first = name === "" ? undefined : byName.get(name.toUpperCase());
    if (first === undefined) {
      columns.push(parameter);
      byName.set(name.toUpperCase(), parameter);
      continue;
    }
    // A sum is a double whatever the stored type (astropy's par()).
    first.dtype = "float64";
    summands.set(first, [...(summands.get(first) ?? []), parameter]);
  }
  columns.push(column("DATA", columns.length + 1, hdu.pcount * bytes, arrayLength, "BSCALE", "BZERO"));
  const mainSize = rowBytes * hdu.gcount;
  return {
    kind: "BINTABLE",
    rowBytes,
    rowCount: hdu.gcount,
    heapOffset: mainSize,
    heapSize: 0,
    columns,
    summands,
  };
}
