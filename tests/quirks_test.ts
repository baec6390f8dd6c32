/**
 * Quirks of real files (issue 15, item 4): `rTw.d` TFORMs and a file cut short in its last data unit
 * (fixtures in testdata/quirks/, made by tools/make_quirk_fixtures.py with astropy), and random-groups
 * parameters read as table columns (testdata/random_groups.fits). Blank ASCII fields: ascii_table_test.ts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { openFits } from "../src/open.ts";
import { arrayToJson } from "../src/json.ts";
import { memorySource } from "../src/source/memory.ts";
import { rowsToJson } from "../src/table_json.ts";
import { runCli } from "./_support/cli_io.ts";
import { rejectsWith } from "./_support/expect_error.ts";
import { expected, type ExpectedFile, fixture, testdataFile } from "./_support/fixtures.ts";

function quirk(file: string): { bytes: Uint8Array; want: ExpectedFile & { truncatedAt?: number } } {
  const name = file.split(".")[0];
  const want = JSON.parse(new TextDecoder().decode(testdataFile(`quirks/${name}.expected.json`)));
  return { bytes: testdataFile(`quirks/${file}`), want };
}

test("rTw.d TFORMs (20D8.3, 3E12.5) read as astropy reads them: 20 doubles, 3 floats", async () => {
  const { bytes, want } = quirk("tform_width.fits");
  await using fits = await openFits(memorySource(bytes, "tform_width.fits"));
  const table = fits.hdu("SPECTRA");
  assert.equal(table.header.get("TFORM2"), "20D8.3");
  const [sample] = want.hdus[1].rows!;
  assert.deepEqual(rowsToJson(await table.rows(sample.start, sample.stop)), sample.columns);
  assert.deepEqual(await table.cell(1, "FLUX"), new Float32Array([-1.5, -0.5, 0.5]));
});

test("a file cut short in its last data unit is listed and its headers printed, with a warning", async () => {
  const { want } = quirk("truncated_data.fits.part");
  const path = "testdata/quirks/truncated_data.fits.part";
  const ls = await runCli(["ls", "--json", path]);
  assert.equal(ls.code, 0, ls.stderr);
  const [file] = JSON.parse(ls.stdout).files;
  assert.equal(file.size, want.truncatedAt);
  assert.deepEqual(
    // astropy's shapes are numpy's order: ls --json gives it as numpyShape (shape is FITS order).
    file.hdus.map((h: { index: number; headerOffset: number; dataOffset: number; numpyShape: number[] }) => [
      h.index,
      h.headerOffset,
      h.dataOffset,
      h.numpyShape,
    ]),
    want.hdus.map((h) => [h.index, h.hdrLoc, h.datLoc, h.shape]),
  );
  assert.match(
    ls.stderr,
    /warning: .*truncated_data\.fits\.part: HDU 2 is truncated: its data needs 8000 bytes from offset 14400 but the object ends at offset 17400/,
  );

  const header = await runCli(["header", `${path}[LAST]`, "--json"]);
  assert.equal(header.code, 0, header.stderr);
  assert.deepEqual(JSON.parse(header.stdout), { cards: want.hdus[2].cards });
  assert.match(header.stderr, /HDU 2 is truncated/);
});

test("in a file cut short, the bytes before the cut read; the missing ones are a TRUNCATED error", async () => {
  const { bytes, want } = quirk("truncated_data.fits.part");
  await using fits = await openFits(memorySource(bytes, "truncated_data.fits"));
  assert.equal(fits.hdus.length, 3);
  assert.match(fits.warnings.join("\n"), /HDU 2 is truncated/);
  const [present] = want.hdus[2].sections!;
  const section = await fits.hdu("LAST").section(present.spec);
  assert.deepEqual([section.shape, arrayToJson(section.data)], [present.shape, present.data]);
  await rejectsWith(
    fits.hdu("LAST").section([[10, 20], null]),
    "TRUNCATED",
    /needs bytes up to offset 18400 but the object ends after 17400 bytes/,
  );
  const cutout = await runCli([
    "cutout",
    "testdata/quirks/truncated_data.fits.part[LAST][1:50,1:40]",
    "--format",
    "json",
  ]);
  assert.notEqual(cutout.code, 0);
  assert.match(cutout.stderr, /object ends after 17400 bytes/);
});

test("random-groups parameters read as table columns, as astropy's par(name) gives them; DATA per group", async () => {
  const want = expected("random_groups").hdus[0];
  await using fits = await openFits(memorySource(fixture("random_groups"), "random_groups.fits"));
  const groups = fits.hdu(0);
  const [sample] = want.rows!;
  const names = Object.keys(sample.columns);
  assert.deepEqual(names, ["UU", "VV", "WW", "DATE", "BASELINE"], "DATE twice in PTYPEn: one column, summed");
  const rows = await groups.rows(sample.start, sample.stop, { columns: names });
  assert.deepEqual(rowsToJson(rows), sample.columns);
  assert.deepEqual(groups.planRows(0, 6, { columns: ["DATE"] }).bytesNeeded, 6 * 8, "both DATE parameters");
  const data = rowsToJson(await groups.rows(3, 4, { columns: ["DATA"] })).DATA[0];
  assert.deepEqual(
    data,
    [[[2, 2.25, 2.5], [2.75, 3, "NaN"]]],
    "group 3, numpy order (1, 2, 3) as astropy's DATA",
  );
  const table = await runCli([
    "table",
    "testdata/random_groups.fits[0]",
    "--rows",
    "1:2",
    "--columns",
    "DATE,BASELINE",
    "--json",
  ]);
  assert.equal(table.code, 0, table.stderr);
  assert.deepEqual(JSON.parse(table.stdout), [
    { DATE: sample.columns.DATE[0], BASELINE: sample.columns.BASELINE[0] },
    { DATE: sample.columns.DATE[1], BASELINE: sample.columns.BASELINE[1] },
  ]);
});
