import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { openFits } from "../src/open.ts";
import { countingSource } from "../src/source/counting.ts";
import { memorySource } from "../src/source/memory.ts";
import { isCloudFitsError } from "../src/errors.ts";
import { expected } from "./_support/cli_io.ts";
import { buildHeader, formatCard } from "../src/fits/write.ts";
import { concatBytes } from "../src/_bytes.ts";

const bytes = new Uint8Array(await readFile(new URL("../testdata/tess_cube.fits", import.meta.url)));

test("openFits walks the headers once; a small file's sections, rows and cells then come from the first read", async () => {
  const source = countingSource(memorySource(bytes, "tess_cube.fits"));
  const fits = await openFits(source);
  assert.equal(source.stats.requests, 1, "the 64 KiB read-ahead covers this small cube");
  assert.deepEqual(fits.hdus.map((h) => h.type), ["PRIMARY", "IMAGE", "BINTABLE"]);
  const want = expected("tess_cube");

  const before = source.stats.requests;
  const section = await fits.hdu(1).section([[0, 2], 3, null, 0]);
  assert.deepEqual(section.shape, [2, 8]);
  assert.equal(source.stats.requests - before, 0, "the first read held the whole file: no request");

  const rows = await fits.hdu(2).rows(0, 3, { columns: ["TSTART", "dquality"] });
  assert.deepEqual(
    [...(rows.columns.TSTART as { values: Float64Array }).values],
    want.hdus[2].rows![0].columns.TSTART.slice(0, 3),
  );
  const cell = await fits.hdu(2).cell(5, "DQUALITY");
  const sample = want.hdus[2].rows!.find((r) => r.start <= 5 && 5 < r.stop)!;
  assert.equal(cell, sample.columns.DQUALITY[5 - sample.start]);
  assert.equal(fits.hdu("name of extension").info.index, 2);
  assert.equal(source.stats.requests, 1, "one request in all: the file is fetched once");
});

test("openFits of a location string needs openFile for local paths, and says so", async () => {
  await assert.rejects(
    openFits("testdata/tess_cube.fits"),
    (e) => isCloudFitsError(e, "UNSUPPORTED") && /openFile/.test(String(e)),
  );
});

test("maxHdus stops the walk: HDU 1 of a file whose next header lies beyond the read-ahead costs one read", async () => {
  const block = (cards: string[]) => buildHeader(cards);
  const primary = block([formatCard("SIMPLE", true), formatCard("BITPIX", 8), formatCard("NAXIS", 0)]);
  const image = block([
    formatCard("XTENSION", "IMAGE"),
    formatCard("BITPIX", 8),
    formatCard("NAXIS", 1),
    formatCard("NAXIS1", 100_000),
    formatCard("PCOUNT", 0),
    formatCard("GCOUNT", 1),
  ]);
  const table = block([
    formatCard("XTENSION", "BINTABLE"),
    formatCard("BITPIX", 8),
    formatCard("NAXIS", 2),
    formatCard("NAXIS1", 0),
    formatCard("NAXIS2", 0),
    formatCard("PCOUNT", 0),
    formatCard("GCOUNT", 1),
    formatCard("TFIELDS", 0),
  ]);
  const imageData = new Uint8Array(Math.ceil(100_000 / 2880) * 2880);
  const file = concatBytes([primary, image, imageData, table]);
  const all = countingSource(memorySource(file));
  assert.equal((await openFits(all)).hdus.length, 3);
  assert.equal(all.stats.requests, 2, "the walk reads the far header too");
  const first = countingSource(memorySource(file));
  const fits = await openFits(first, { maxHdus: 2 });
  assert.equal(fits.hdus.length, 2);
  assert.equal(first.stats.requests, 1);
  assert.deepEqual([...(await fits.hdu(1).section([[0, 3]])).data], [0, 0, 0]);
});
