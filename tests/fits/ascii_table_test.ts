import { test } from "node:test";
import assert from "node:assert/strict";
import { isCloudFitsError } from "../../src/errors.ts";
import { describeAsciiTable } from "../../src/fits/ascii_table.ts";
import { parseHeader } from "../../src/fits/header.ts";
import { describeHdu, type Hdu } from "../../src/fits/layout.ts";
import { describeTable } from "../../src/fits/tform.ts";
import { readTableRows } from "../../src/read/table_rows.ts";
import { rowsToJson } from "../../src/table_json.ts";
import { walkHdus } from "../../src/read/walk.ts";
import { buildHeader, formatCard } from "../../src/fits/write.ts";
import { countingSource } from "../../src/source/counting.ts";
import { memorySource } from "../../src/source/memory.ts";
import type { ByteSource } from "../../src/source/types.ts";
import { expected, fixture } from "../_support/fixtures.ts";

/** An ASCII TABLE HDU at offset 0 whose rows are the given strings; fields are [TTYPE, TBCOL, TFORM]. */
function asciiTable(
  rows: string[],
  fields: [string, number, string][],
  extra: string[] = [],
): { source: ByteSource; hdu: Hdu } {
  const rowBytes = rows[0].length;
  const header = buildHeader([
    formatCard("XTENSION", "TABLE"),
    formatCard("BITPIX", 8),
    formatCard("NAXIS", 2),
    formatCard("NAXIS1", rowBytes),
    formatCard("NAXIS2", rows.length),
    formatCard("PCOUNT", 0),
    formatCard("GCOUNT", 1),
    formatCard("TFIELDS", fields.length),
    ...fields.flatMap(([name, tbcol, form], i) => [
      formatCard(`TTYPE${i + 1}`, name),
      formatCard(`TBCOL${i + 1}`, tbcol),
      formatCard(`TFORM${i + 1}`, form),
    ]),
    ...extra,
  ]);
  const hdu = describeHdu(parseHeader(header), 0, 0);
  const data = new TextEncoder().encode(rows.join(""));
  const bytes = new Uint8Array(header.length + Math.ceil(data.length / 2880) * 2880).fill(0x20);
  bytes.set(header);
  bytes.set(data, header.length);
  return { source: memorySource(bytes, "ascii"), hdu };
}

test("ASCII table rows match astropy for every column of ascii_table.fits", async () => {
  const source = memorySource(fixture("ascii_table"), "ascii_table");
  const { hdus } = await walkHdus(source);
  const hdu = hdus[1];
  assert.equal(hdu.type, "TABLE");
  const rowSets = expected("ascii_table").hdus[1].rows ?? [];
  assert.ok(rowSets.length > 0);
  for (const rows of rowSets) {
    const counted = countingSource(source);
    const json = rowsToJson(await readTableRows(counted, hdu, { start: rows.start, stop: rows.stop }));
    assert.deepEqual(Object.keys(json), Object.keys(rows.columns));
    for (const [name, values] of Object.entries(rows.columns)) {
      assert.deepEqual(json[name], values, `column ${name} rows [${rows.start}, ${rows.stop})`);
    }
    // The last field ends at byte 68 of a 70-byte row, so the read stops there.
    const length = (rows.stop - rows.start - 1) * 70 + 68;
    assert.deepEqual(counted.stats.ranges, [{ offset: hdu.dataOffset + rows.start * 70, length }]);
  }
});

test("describeAsciiTable reads TBCOL, widths, decimals, gaps, scaling and TNULL", async () => {
  const source = memorySource(fixture("ascii_table"));
  const { hdus } = await walkHdus(source);
  const table = describeTable(hdus[1]);
  assert.equal(table.kind, "TABLE");
  assert.deepEqual(
    table.columns.map((c) => [c.name, c.typeCode, c.offset, c.width, c.decimals, c.dtype]),
    [
      ["NAME", "A", 0, 8, null, "string"],
      ["COUNT", "I", 10, 6, null, "int32"],
      ["FIX", "F", 17, 8, 3, "float64"],
      ["EXP", "E", 26, 12, 4, "float64"],
      ["DBL", "D", 39, 22, 14, "float64"],
      ["SCALED", "I", 62, 6, null, "float64"],
    ],
  );
  assert.equal(table.columns[1].tnull, "***");
  assert.deepEqual([table.columns[5].tscal, table.columns[5].tzero], [2, 100]);

  // One field of three rows: a single request trimmed to that field.
  const counted = countingSource(source);
  const rows = await readTableRows(counted, hdus[1], { start: 1, stop: 4, columns: ["dbl"] });
  assert.deepEqual(rowsToJson(rows), { DBL: [-1e-300, 2, 125] });
  assert.deepEqual(counted.stats.ranges, [{ offset: hdus[1].dataOffset + 70 + 39, length: 2 * 70 + 22 }]);
});

test("ASCII fields: D exponents, blanks are 0 as astropy reads them, TNULL strings null, TSCAL/TZERO apply", async () => {
  const { source, hdu } = asciiTable(
    [
      ["  12", "1.5D+02", " abc  ", "   3"],
      ["    ", " -2d-1 ", "      ", "  NA"],
      [" N/A", "   .5  ", "x     ", "  -4"],
    ].map((fields) => fields.join(" | ")),
    [["N", 1, "I4"], ["F", 8, "E7.2"], ["S", 18, "A6"], ["K", 27, "I4"]],
    [
      formatCard("TNULL1", "N/A"),
      formatCard("TNULL4", "NA"),
      formatCard("TSCAL4", 0.5),
      formatCard("TZERO4", 10),
    ],
  );
  const result = await readTableRows(source, hdu);
  assert.deepEqual(rowsToJson(result), {
    N: [12, 0, null],
    F: [150, -0.2, 0.5],
    S: [" abc", "", "x"],
    K: [11.5, null, 8],
  });
  const n = result.columns.N;
  assert.ok(n.kind === "number" && n.values instanceof Int32Array);
  assert.deepEqual(n.kind === "number" && n.nulls, new Uint8Array([0, 0, 1]));
});

test("blank ASCII numeric fields read as astropy reads them: 0, scaled; null only under a blank TNULLn", async () => {
  // astropy 5.2.1 on this table: N [0, 7], F [0.0, 1.5], K [10.0, 11.0] (blank → 0, then TSCAL/TZERO).
  const rows = ["    |       |    ", "   7|   1.5 |   2"].map((row) => row.replaceAll("|", " "));
  const plain = asciiTable(rows, [["N", 1, "I4"], ["F", 6, "F7.2"], ["K", 14, "I4"]], [
    formatCard("TSCAL3", 0.5),
    formatCard("TZERO3", 10),
  ]);
  assert.deepEqual(rowsToJson(await readTableRows(plain.source, plain.hdu)), {
    N: [0, 7],
    F: [0, 1.5],
    K: [10, 11],
  });
  const blankNull = asciiTable(rows, [["N", 1, "I4"], ["F", 6, "F7.2"], ["K", 14, "I4"]], [
    formatCard("TNULL1", " "),
  ]);
  assert.deepEqual(rowsToJson(await readTableRows(blankNull.source, blankNull.hdu)).N, [null, 7]);
});

test("an ASCII field that is not a number is an error naming row and column", async () => {
  const { source, hdu } = asciiTable(["  1", "  x"], [["N", 1, "I3"]]);
  await assert.rejects(
    readTableRows(source, hdu),
    (e: unknown) =>
      isCloudFitsError(e, "BAD_HEADER") && e.message.includes("'  x' in row 1, column 1 (N) as I3"),
  );
  assert.deepEqual(rowsToJson(await readTableRows(source, hdu, { stop: 1 })), { N: [1] });
});

test("describeAsciiTable rejects bad TFORMs, missing TBCOLs and fields past NAXIS1", () => {
  const bad = asciiTable(["1234"], [["N", 1, "J4"]]).hdu;
  assert.throws(
    () => describeAsciiTable(bad),
    (e: unknown) =>
      isCloudFitsError(e, "BAD_HEADER") && /TFORM1 'J4' at offset 800/.test(e.message) && e.offset === 800,
  );
  const past = asciiTable(["1234"], [["N", 2, "I4"]]).hdu;
  assert.throws(
    () => describeTable(past),
    (e: unknown) => isCloudFitsError(e, "BAD_HEADER") && /TBCOL1 '2'/.test(e.message),
  );
  const zero = asciiTable(["1234"], [["N", 0, "I4"]]).hdu;
  assert.throws(
    () => describeTable(zero),
    (e: unknown) => isCloudFitsError(e, "BAD_HEADER") && /TBCOL1/.test(e.message),
  );
});
