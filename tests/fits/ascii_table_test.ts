import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { isCloudFitsError } from "../../src/errors.ts";
import { describeAsciiTable } from "../../src/fits/ascii_table.ts";
import { parseHeader } from "../../src/fits/header.ts";
import { describeHdu, type Hdu } from "../../src/fits/layout.ts";
import { describeTable, readTableRows, rowsToJson } from "../../src/fits/table.ts";
import { walkHdus } from "../../src/fits/walk.ts";
import { memorySource } from "../../src/source/memory.ts";
import type { ByteRange, ByteSource } from "../../src/source/types.ts";

const testdata = fileURLToPath(new URL("../../testdata/", import.meta.url));

function counting(inner: ByteSource): { source: ByteSource; reads: ByteRange[] } {
  const reads: ByteRange[] = [];
  const source: ByteSource = {
    name: inner.name,
    get size() {
      return inner.size;
    },
    read(offset, length, options) {
      reads.push({ offset, length });
      return inner.read(offset, length, options);
    },
  };
  return { source, reads };
}

function card(keyword: string, value: string | number | boolean): string {
  const text = typeof value === "string"
    ? `'${value.padEnd(8)}'`
    : typeof value === "boolean"
    ? (value ? "T" : "F").padStart(20)
    : String(value).padStart(20);
  return `${keyword.padEnd(8)}= ${text}`.padEnd(80);
}

function headerBytes(cards: string[]): Uint8Array {
  const text = [...cards, "END"].map((c) => c.padEnd(80)).join("");
  return new TextEncoder().encode(text.padEnd(Math.ceil(text.length / 2880) * 2880));
}

/** An ASCII TABLE HDU at offset 0 whose rows are the given strings; fields are [TTYPE, TBCOL, TFORM]. */
function asciiTable(
  rows: string[],
  fields: [string, number, string][],
  extra: string[] = [],
): { source: ByteSource; hdu: Hdu } {
  const rowBytes = rows[0].length;
  const header = headerBytes([
    card("XTENSION", "TABLE"),
    card("BITPIX", 8),
    card("NAXIS", 2),
    card("NAXIS1", rowBytes),
    card("NAXIS2", rows.length),
    card("PCOUNT", 0),
    card("GCOUNT", 1),
    card("TFIELDS", fields.length),
    ...fields.flatMap(([name, tbcol, form], i) => [
      card(`TTYPE${i + 1}`, name),
      card(`TBCOL${i + 1}`, tbcol),
      card(`TFORM${i + 1}`, form),
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
  const source = memorySource(new Uint8Array(readFileSync(`${testdata}ascii_table.fits`)), "ascii_table");
  const expected = JSON.parse(readFileSync(`${testdata}ascii_table.expected.json`, "utf8"));
  const { hdus } = await walkHdus(source);
  const hdu = hdus[1];
  assert.equal(hdu.type, "TABLE");
  const rowSets = expected.hdus[1].rows as {
    start: number;
    stop: number;
    columns: Record<string, unknown[]>;
  }[];
  assert.ok(rowSets.length > 0);
  for (const rows of rowSets) {
    const { source: counted, reads } = counting(source);
    const json = rowsToJson(await readTableRows(counted, hdu, { start: rows.start, stop: rows.stop }));
    assert.deepEqual(Object.keys(json), Object.keys(rows.columns));
    for (const [name, values] of Object.entries(rows.columns)) {
      assert.deepEqual(json[name], values, `column ${name} rows [${rows.start}, ${rows.stop})`);
    }
    // The last field ends at byte 68 of a 70-byte row, so the read stops there.
    const length = (rows.stop - rows.start - 1) * 70 + 68;
    assert.deepEqual(reads, [{ offset: hdu.dataOffset + rows.start * 70, length }]);
  }
});

test("describeAsciiTable reads TBCOL, widths, decimals, gaps, scaling and TNULL", async () => {
  const source = memorySource(new Uint8Array(readFileSync(`${testdata}ascii_table.fits`)));
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
  const { source: counted, reads } = counting(source);
  const rows = await readTableRows(counted, hdus[1], { start: 1, stop: 4, columns: ["dbl"] });
  assert.deepEqual(rowsToJson(rows), { DBL: [-1e-300, 2, 125] });
  assert.deepEqual(reads, [{ offset: hdus[1].dataOffset + 70 + 39, length: 2 * 70 + 22 }]);
});

test("ASCII fields: D exponents, blanks and TNULL strings are null, TSCAL/TZERO apply, gaps are skipped", async () => {
  const { source, hdu } = asciiTable(
    [
      ["  12", "1.5D+02", " abc  ", "   3"],
      ["    ", " -2d-1 ", "      ", "  NA"],
      [" N/A", "   .5  ", "x     ", "  -4"],
    ].map((fields) => fields.join(" | ")),
    [["N", 1, "I4"], ["F", 8, "E7.2"], ["S", 18, "A6"], ["K", 27, "I4"]],
    [card("TNULL1", "N/A"), card("TNULL4", "NA"), card("TSCAL4", 0.5), card("TZERO4", 10)],
  );
  const result = await readTableRows(source, hdu);
  assert.deepEqual(rowsToJson(result), {
    N: [12, null, null],
    F: [150, -0.2, 0.5],
    S: [" abc", "", "x"],
    K: [11.5, null, 8],
  });
  const n = result.columns.N;
  assert.ok(n.kind === "number" && n.values instanceof Int32Array);
  assert.deepEqual(n.kind === "number" && n.nulls, new Uint8Array([0, 1, 1]));
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
