import { test } from "node:test";
import assert from "node:assert/strict";
import { readdir } from "node:fs/promises";
import { expected, runCli } from "../_support/cli_io.ts";

const fixtures = (await readdir(new URL("../../testdata/", import.meta.url)))
  .filter((name) => name.endsWith(".fits"))
  .map((name) => name.replace(/\.fits$/, ""));

test("ls --json matches astropy's fileinfo() offsets, types and shapes (FITS order) on every fixture", async () => {
  for (const name of fixtures) {
    const want = expected(name);
    const run = await runCli(["ls", "--json", `testdata/${name}.fits`]);
    assert.equal(run.code, 0, `${name}: ${run.stderr}`);
    const { files } = JSON.parse(run.stdout);
    assert.equal(files.length, 1);
    assert.equal(files[0].path, `testdata/${name}.fits`);
    assert.equal(files[0].size, want.size);
    assert.equal(files[0].hdus.length, want.hdus.length, name);
    for (const [i, hdu] of files[0].hdus.entries()) {
      const w = want.hdus[i];
      assert.deepEqual(Object.keys(hdu), [
        "index",
        "type",
        "extname",
        "extver",
        "bitpix",
        "shape",
        "headerOffset",
        "dataOffset",
        "dataSize",
        "numpyShape",
      ]);
      // FITS order (NAXIS1 first) beside astropy's numpy order.
      assert.deepEqual(hdu.shape, [...w.shape].reverse(), `${name} HDU ${i}`);
      assert.deepEqual(
        [
          hdu.index,
          hdu.type,
          hdu.extname,
          hdu.extver,
          hdu.bitpix,
          hdu.numpyShape,
          hdu.headerOffset,
          hdu.dataOffset,
        ],
        [w.index, w.type, w.extname, w.extver, w.bitpix, w.shape, w.hdrLoc, w.datLoc],
        `${name} HDU ${i}`,
      );
      assert.equal(Math.ceil(hdu.dataSize / 2880) * 2880, w.datSpan, `${name} HDU ${i} padded span`);
    }
  }
});

test("ls on a pipe prints TSV with a header row; several files and a missing one exit 6", async () => {
  const run = await runCli(["ls", "testdata/primary_only.fits", "testdata/nope.fits"]);
  assert.equal(run.code, 6);
  const lines = run.stdout.trimEnd().split("\n");
  assert.equal(lines[0].split("\t")[0], "path");
  assert.equal(lines.length, 2);
  assert.match(run.stderr, /nope\.fits/);
});

test("header --json of one HDU gives astropy's cards; without [HDU] every HDU", async () => {
  for (const name of ["exotic_header", "tess_cube", "dup_extnames"]) {
    const want = expected(name);
    const one = await runCli(["header", `testdata/${name}.fits[1]`, "--json"]);
    assert.equal(one.code, 0, one.stderr);
    assert.deepEqual(JSON.parse(one.stdout), { cards: want.hdus[1].cards });
    const all = await runCli(["header", `testdata/${name}.fits`, "--format", "json"]);
    assert.deepEqual(JSON.parse(all.stdout), {
      hdus: want.hdus.map((h) => ({ index: h.index, cards: h.cards })),
    });
  }
});

test("header addresses HDUs by EXTNAME,EXTVER case-insensitively and --hdu does the same", async () => {
  const want = expected("dup_extnames");
  const sci2 = want.hdus.findIndex((h) => h.extname === "SCI" && h.extver === 2);
  assert.ok(sci2 > 0);
  const byName = await runCli(["header", "testdata/dup_extnames.fits[sci,2]", "--json"]);
  assert.deepEqual(JSON.parse(byName.stdout), { cards: want.hdus[sci2].cards });
  const byFlag = await runCli(["header", "testdata/dup_extnames.fits", "--hdu", "SCI,2", "--json"]);
  assert.deepEqual(JSON.parse(byFlag.stdout), { cards: want.hdus[sci2].cards });
});

test("header -k prints a keyword table across HDUs", async () => {
  const run = await runCli(["header", "-k", "BITPIX,EXTNAME", "testdata/mef_images.fits", "--json"]);
  const { rows } = JSON.parse(run.stdout);
  const want = expected("mef_images");
  assert.equal(rows.length, want.hdus.length);
  assert.deepEqual(rows[1], { path: "testdata/mef_images.fits", index: 1, BITPIX: 8, EXTNAME: "UINT8" });
  assert.equal(rows[0].EXTNAME, null);
});

test("text header output is the card images, one per line", async () => {
  const run = await runCli(["header", "testdata/primary_only.fits[0]"]);
  const lines = run.stdout.trimEnd().split("\n");
  assert.ok(lines[0].startsWith("SIMPLE  =                    T"), lines[0]);
  assert.ok(lines.every((line) => line.length <= 80));
});

test("usage errors exit 2, missing files 3, missing HDUs 3, non-FITS 5", async () => {
  assert.equal((await runCli(["ls"])).code, 2);
  assert.equal((await runCli(["ls", "--bogus", "x"])).code, 2);
  assert.equal((await runCli(["frobnicate"])).code, 2);
  const missing = await runCli(["ls", "testdata/missing.fits"]);
  assert.equal(missing.code, 3);
  assert.match(missing.stderr, /^error: .*missing\.fits/);
  assert.equal((await runCli(["header", "testdata/mef_images.fits[NOPE]"])).code, 3);
  assert.equal((await runCli(["header", "testdata/mef_images.fits[99]"])).code, 3);
  const notFits = await runCli(["ls", "testdata/README.md"]);
  assert.equal(notFits.code, 5, notFits.stderr);
});

test("--version and --help", async () => {
  const version = await runCli(["--version"]);
  assert.match(version.stdout, /^cloudfits \d+\.\d+\.\d+\S* \((deno|bun) \S+, [\w-]+\)\n$/);
  for (const command of ["ls", "header", "cutout", "table", "index", "merge", "verify", "demo"]) {
    const help = await runCli([command, "--help"]);
    assert.equal(help.code, 0);
    assert.match(help.stdout, new RegExp(`cloudfits ${command}`));
  }
});

test("a terminal gets aligned columns and humanised sizes; a pipe gets TSV", async () => {
  const tty = await runCli(["ls", "testdata/tess_cube.fits"], {}, { tty: true });
  const lines = tty.stdout.trimEnd().split("\n");
  assert.equal(lines.length, 4);
  assert.ok(!tty.stdout.includes("\t"));
  assert.match(
    lines[2],
    /^testdata\/tess_cube\.fits\s+1\s+IMAGE\s+-32\s+\(2, 8, 6, 5\)\s+2880\s+5760\s+1\.92 kB$/,
  );
  // Every column starts at the same place on every line.
  const column = lines[0].indexOf("type");
  assert.ok(lines.slice(1).every((line) => /\S/.test(line[column]) && line[column - 1] === " "));
  const pipe = await runCli(["ls", "testdata/tess_cube.fits"]);
  assert.equal(
    pipe.stdout.split("\n")[2],
    "testdata/tess_cube.fits\t1\tIMAGE\t\t\t-32\t[2,8,6,5]\t2880\t5760\t1920",
  );
});

test("demo runs the tutorial on the bundled files: index, ls, header, table and cutout from the index", async () => {
  const run = await runCli(["demo"]);
  assert.equal(run.code, 0, run.stderr);
  for (const command of ["index", "ls --index", "header --index", "table --index", "cutout --index"]) {
    assert.match(run.stdout, new RegExp(`\\$ cloudfits ${command}`));
  }
  assert.match(run.stdout, /Indexed \d+ files \(0 unchanged, 0 failed\)/);
  assert.match(run.stdout, /1325\.2969,1325\.3177333,32,tess2018206190027-s0001-1-1-0120-s_ffic\.fits/);
  const cutout = JSON.parse(run.stdout.trimEnd().split("\n").at(-1)!);
  assert.deepEqual(cutout.shape, [1, 1, 3, 3]);
  assert.deepEqual(cutout.data.slice(0, 3), [5.5, 15.5, 25.5]);
});

test("header of a tile-compressed image shows astropy's image header; --raw the stored BINTABLE", async () => {
  for (const name of ["compressed_rice", "compressed_dither1", "compressed_gzip2_f32"]) {
    const want = expected(name).hdus[1];
    const image = await runCli(["header", `testdata/${name}.fits[1]`, "--json"]);
    assert.equal(image.code, 0, image.stderr);
    assert.deepEqual(JSON.parse(image.stdout), { cards: want.imageCards });
    const raw = await runCli(["header", `testdata/${name}.fits[1]`, "--json", "--raw"]);
    assert.deepEqual(JSON.parse(raw.stdout), { cards: want.cards });
  }
  const keywords = await runCli([
    "header",
    "-k",
    "BITPIX,NAXIS1,ZBITPIX",
    "testdata/compressed_rice.fits[1]",
    "--json",
  ]);
  assert.deepEqual(JSON.parse(keywords.stdout).rows[0], {
    path: "testdata/compressed_rice.fits",
    index: 1,
    BITPIX: 16,
    NAXIS1: 24,
    ZBITPIX: null,
  });
  const text = await runCli(["header", "testdata/compressed_rice.fits[1]"]);
  assert.ok(text.stdout.startsWith("XTENSION= 'IMAGE   '"), text.stdout);
});
