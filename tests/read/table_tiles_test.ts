import { after, test } from "node:test";
import assert from "node:assert/strict";
import { openFits } from "../../src/open.ts";
import { describeTable } from "../../src/fits/tform.ts";
import { readTableRows } from "../../src/read/table_rows.ts";
import { walkHdus } from "../../src/read/walk.ts";
import { memorySource } from "../../src/source/memory.ts";
import { numberToJson } from "../../src/json.ts";
import type { TableCell } from "../../src/fits/table_values.ts";
import { rowsToJson } from "../../src/table_json.ts";
import { expected, fixture } from "../_support/fixtures.ts";
import { type RequestLogEntry, startRangeServer } from "../_support/range_server.ts";

// Tile-compressed tables (fpack -table): every sampled row equals funpack's output, or the table before
// fpack where funpack fails (testdata/README.md), and a read fetches only the tiles and columns it needs.

const NAMES = ["ztable_fixed", "ztable_complex", "ztable_vla", "ztable_vla_text"];

/** A cell as the expected JSON writes it (numbers through numberToJson, typed arrays as lists). */
function cellJson(cell: TableCell): unknown {
  if (typeof cell === "number" || typeof cell === "bigint") return numberToJson(cell);
  if (ArrayBuffer.isView(cell)) return Array.from(cell as ArrayLike<number | bigint>, numberToJson);
  return Array.isArray(cell) ? cell.map((value) => cellJson(value as TableCell)) : cell;
}

test("rows, rowBatches and cell of every compressed table equal funpack's (or the original) rows", async () => {
  let checked = 0;
  for (const name of NAMES) {
    const want = expected(name);
    await using fits = await openFits(memorySource(fixture(name), `${name}.fits`));
    for (const hdu of want.hdus) {
      for (const sample of hdu.rows ?? []) {
        const label = `${name} HDU ${hdu.index} rows ${sample.start}-${sample.stop}`;
        const handle = fits.hdu(hdu.index);
        assert.deepEqual(rowsToJson(await handle.rows(sample.start, sample.stop)), sample.columns, label);
        const batches = [];
        for await (const batch of handle.rowBatches(sample.start, sample.stop)) {
          batches.push(rowsToJson(batch));
        }
        assert.equal(batches.length, 1, label);
        assert.deepEqual(batches[0], sample.columns, label);
        // The second column: bits, complex, PJ() and PL() cells in the four files.
        const [column, values] = Object.entries(sample.columns)[1];
        assert.deepEqual(cellJson(await handle.cell(sample.stop - 1, column)), values.at(-1), label);
        checked++;
      }
    }
  }
  assert.equal(
    checked,
    17,
    "3 samples in each of the 5 compressed HDUs, 2 in the table fpack left alone",
  );
});

test("a compressed table reads as its real shape and columns; its tiles as the stored BINTABLE", async () => {
  const { hdus } = await walkHdus(memorySource(fixture("ztable_vla")));
  const table = describeTable(hdus[1]);
  assert.equal(table.rowCount, 300);
  assert.deepEqual(table.columns.map((c) => c.tform), [
    "J",
    "PJ(10)",
    "PI(10)",
    "PB(10)",
    "PE(10)",
    "QD(10)",
    "PK(10)",
  ]);
  assert.deepEqual(table.tiling?.algorithms, [
    "RICE_1",
    "RICE_1",
    "RICE_1",
    "GZIP_1",
    "GZIP_1",
    "GZIP_2",
    "GZIP_2",
  ]);
  assert.deepEqual([table.tiling?.tileRows, table.tiling?.stored.rowCount], [64, 5]);
});

const server = await startRangeServer({ files: { "fixed.fits": fixture("ztable_fixed") } });
after(() => server.close());

test("rows 62-66 of two columns fetch the pointers, then the compressed columns, of tiles 0 and 1 only", async () => {
  // The HDUs as an index gives them: every read then reaches the server, none is served from a header read.
  const { hdus } = await walkHdus(memorySource(fixture("ztable_fixed")));
  await using fits = await openFits(`${server.url}/fixed.fits`, { retries: 0, maxGap: 0, hdus });
  const hdu = fits.hdus[1];
  const stored = describeTable(hdu).tiling!.stored;
  // The compressed sizes of each tile's SHORT and TIME columns, read from the stored BINTABLE in memory.
  const raw = await readTableRows(memorySource(fixture("ztable_fixed")), hdu, {
    table: stored,
    columns: ["SHORT", "TIME"],
  });
  const sizes = rowsToJson(raw) as Record<string, number[][]>;
  const tileBytes = (tile: number) => sizes.SHORT[tile].length + sizes.TIME[tile].length;
  const allTiles = [0, 1, 2, 3, 4].reduce((sum, tile) => sum + tileBytes(tile), 0);

  const plan = fits.hdu(1).planRows(62, 66, { columns: ["SHORT", "TIME"] });
  assert.deepEqual(
    [plan.requests, plan.bytesToRead, plan.complete],
    [4, 4 * 16, false],
    "the tiles' pointers",
  );

  server.log.length = 0;
  const rows = await fits.hdu(1).rows(62, 66, { columns: ["SHORT", "TIME"] });
  const want = expected("ztable_fixed").hdus[1].rows![1].columns;
  assert.deepEqual(rowsToJson(rows), { SHORT: want.SHORT, TIME: want.TIME });
  const ranged = server.log.filter((entry: RequestLogEntry) =>
    entry.range !== undefined && entry.status === 206
  );
  const bytes = ranged.reduce((sum, entry) => sum + entry.bytes, 0);
  assert.equal(ranged.length, 8, "4 pointers, then 4 compressed columns");
  assert.equal(bytes, 4 * 16 + tileBytes(0) + tileBytes(1));
  assert.ok(bytes < allTiles / 2, `${bytes} of ${allTiles} bytes`);
});

test("a VLA row fetches its tile's descriptor block and only its own compressed array", async () => {
  server.setFile("vla.fits", fixture("ztable_vla"));
  const { hdus } = await walkHdus(memorySource(fixture("ztable_vla")));
  await using fits = await openFits(`${server.url}/vla.fits`, { retries: 0, maxGap: 0, hdus });
  server.log.length = 0;
  const cell = await fits.hdu(1).cell(296, "VD");
  assert.deepEqual(cellJson(cell), expected("ztable_vla").hdus[1].rows![2].columns.VD[0]);
  const ranged = server.log.filter((entry) => entry.range !== undefined);
  assert.equal(ranged.length, 3, "the pointer of tile 4, its descriptor block, the row's array");
});
