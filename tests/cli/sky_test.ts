/**
 * `cloudfits cutout --ra/--dec/--size`, `cloudfits lightcurve` and `--targets`: outputs by extension,
 * exit codes, a TESS cube's TPF, many targets in one run, and --index.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../_support/cli_io.ts";
import { openFits } from "../../src/open.ts";
import { memorySource } from "../../src/source/memory.ts";
import { buildHeader, formatCard } from "../../src/fits/write.ts";
import { EXPECTED, nulls, skyPath } from "../sky/_expected.ts";

const CUBE = "testdata/tess_cube.fits";
const TESS = EXPECTED.tess_cube;
const box = TESS.cases[0]; // 3 × 3 at pixel (2.3, 1.7)
const off = TESS.cases.find((c) => c.off)!;

/** Run `body` in a fresh temporary directory, removed afterwards. */
async function inTempDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "cloudfits-sky-"));
  try {
    await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The options naming a position on the sky, and a box size when given. */
function at(position: { ra: number; dec: number }, size?: string): string[] {
  return ["--ra", String(position.ra), "--dec", String(position.dec), ...(size ? ["--size", size] : [])];
}

test("cutout --ra --dec --size on an image writes astrocut's box; negative --dec needs no '='", async () => {
  const image = EXPECTED.images.find((i) => i.name === "TANSIP")!;
  const want = image.cases[3]; // padded at a corner
  const run = await runCli([
    "cutout",
    `${skyPath("images.fits")}[TANSIP]`,
    ...at(want, want.size),
    "-o",
    "-",
    "--json",
  ]);
  assert.equal(run.code, 0, run.stderr);
  const got = JSON.parse(run.stdout);
  assert.deepEqual([got.box.lo, got.box.hi, got.box.padding], [want.lo, want.hi, want.padding]);
  // Cutout JSON writes NaN as the string "NaN", as every cutout does.
  assert.deepEqual(got.data.map((v: number | string) => (v === "NaN" ? null : v)), want.values);
  assert.match(run.stderr, /20 pixels of the box lie off the image/);

  const fits = await runCli([
    "cutout",
    `${skyPath("images.fits")}[1]`,
    ...at(want, want.size),
    "-o",
    "-",
    "--format",
    "fits",
  ]);
  const header = (await openFits(memorySource(fits.bytes))).hdus[0].header;
  assert.deepEqual([header.get("NPADPIX"), header.get("LTV1"), header.get("CRVAL2P")], [20, 2, 27]);
});

test("a position off the image exits 3 and says where it fell", async () => {
  const run = await runCli(["cutout", CUBE, ...at(off), "-o", "-"]);
  assert.equal(run.code, 3);
  assert.match(run.stderr, /is off the cube .*pixel \(40\.0, 2\.0\) of a 6 × 5 image/);
  const bad = await runCli(["cutout", CUBE, "--ra", "1", "-o", "-"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /needs both --ra and --dec/);
});

test("cutout of a TESS cube to .fits writes a TPF; PNG shows the cadences' mean", async () => {
  await inTempDir(async (dir) => {
    const out = join(dir, "tpf.fits");
    const args = at(box, "3");
    const run = await runCli(["cutout", CUBE, ...args, "-o", out]);
    assert.equal(run.code, 0, run.stderr);
    const tpf = await openFits(memorySource(new Uint8Array(await readFile(out))));
    assert.deepEqual(tpf.hdus.map((hdu) => hdu.extname), ["PRIMARY", "PIXELS", "APERTURE"]);
    const flux = await tpf.hdu(1).rows(0, 8, { columns: ["FLUX"] });
    const values = flux.columns.FLUX.values as Float32Array | Float32Array[];
    const cells = Array.isArray(values) ? values.flatMap((c) => nulls(c)) : nulls(values);
    assert.deepEqual(cells, box.flux);
    const png = await runCli(["cutout", CUBE, ...args, "-o", join(dir, "tpf.png")]);
    assert.equal(png.code, 0, png.stderr);
    const bytes = new Uint8Array(await readFile(join(dir, "tpf.png")));
    const view = new DataView(bytes.buffer, bytes.byteOffset + 16, 8);
    assert.deepEqual([view.getUint32(0), view.getUint32(4)], [3, 3]);
  });
});

test("lightcurve writes CSV, JSON, a LIGHTCURVE FITS table and a PNG plot by extension", async () => {
  await inTempDir(async (dir) => {
    const args = ["lightcurve", CUBE, ...at(box)];
    const csv = await runCli(args);
    assert.equal(csv.code, 0, csv.stderr);
    const lines = csv.stdout.trimEnd().split("\n");
    assert.match(lines[0], /^# time: BTJD \(BJD - 2457000, days\); flux, flux_err: e-\/s/);
    assert.equal(lines[1], "time,flux,flux_err,quality,cadence");
    assert.equal(lines.length, 2 + 8);
    const first = lines[2].split(",").map(Number);
    assert.deepEqual([first[0], first[3], first[4]], [TESS.time[0], 32, 0]);
    assert.ok(Math.abs(first[1] - box.lightcurve!.flux[0]!) < 1e-3);

    const json = await runCli([...args, "-o", join(dir, "lc.json")]);
    assert.equal(json.code, 0, json.stderr);
    const parsed = JSON.parse(await readFile(join(dir, "lc.json"), "utf8"));
    assert.deepEqual([parsed.time_format, parsed.quality], ["BTJD", TESS.quality]);

    assert.equal((await runCli([...args, "-o", join(dir, "lc.fits")])).code, 0);
    const fits = await openFits(memorySource(new Uint8Array(await readFile(join(dir, "lc.fits")))));
    const table = fits.hdu("LIGHTCURVE");
    assert.deepEqual(
      ["TTYPE1", "TUNIT1", "TTYPE2", "TUNIT2", "BJDREFI", "TIMESYS"].map((k) => table.header.get(k)),
      ["TIME", "BJD - 2457000, days", "FLUX", "e-/s", 2457000, "TDB"],
    );
    const rows = await table.rows(0, 8);
    assert.deepEqual([...rows.columns.TIME.values as Float64Array], TESS.time);

    assert.equal((await runCli([...args, "--aperture", "circle:1", "-o", join(dir, "lc.png")])).code, 0);
    const png = new Uint8Array(await readFile(join(dir, "lc.png")));
    assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]);
    const ihdr = new DataView(png.buffer, png.byteOffset + 16, 10);
    assert.deepEqual([ihdr.getUint32(0), ihdr.getUint32(4)], [960, 480], "the plot's size");
    assert.equal(ihdr.getUint8(9), 6, "RGBA, as every PNG cloudfits draws");
  });
});

test("--aperture takes a FITS mask of the box's shape", async () => {
  await inTempDir(async (dir) => {
    const header = buildHeader([
      formatCard("SIMPLE", true),
      formatCard("BITPIX", 8),
      formatCard("NAXIS", 2),
      formatCard("NAXIS1", 3),
      formatCard("NAXIS2", 3),
    ]);
    const mask = new Uint8Array(header.length + 2880);
    mask.set(header);
    mask[header.length + 8] = 1; // row 2, column 2 of the box: the cube's row 2, column 3 (NaN in frame 4)
    await writeFile(join(dir, "mask.fits"), mask);
    const run = await runCli([
      "lightcurve",
      CUBE,
      ...at(box),
      "--aperture",
      join(dir, "mask.fits"),
      "-o",
      "-",
      "--format",
      "json",
    ]);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout).flux, [
      2030.5,
      2031.5,
      2032.5,
      2033.5,
      null,
      2035.5,
      2036.5,
      2037.5,
    ]);
  });
});

test("--targets makes one output per row, skips a target off the image and exits 6", async () => {
  await inTempDir(async (dir) => {
    const list = join(dir, "targets.csv");
    await writeFile(
      list,
      `name,ra,dec,size\nstar_a,${box.ra},${box.dec},3\nfar,${off.ra},${off.dec},\nstar_b,${
        TESS.cases[2].ra
      },${TESS.cases[2].dec},4\n`,
    );
    const out = join(dir, "out");
    await mkdir(out);
    const run = await runCli(["lightcurve", CUBE, "--targets", list, "-o", `${out}/`]);
    assert.equal(run.code, 6, run.stderr);
    assert.match(run.stderr, /skipped far: .*is off the cube/);
    assert.match(run.stderr, /1 of 3 targets skipped/);
    assert.deepEqual((await readdir(out)).sort(), ["star_a.csv", "star_b.csv"]);

    const cutouts = await runCli(["cutout", CUBE, "--targets", list, "-o", join(dir, "{name}_tpf.fits")]);
    assert.equal(cutouts.code, 6);
    assert.deepEqual((await readdir(dir)).filter((f) => f.endsWith("_tpf.fits")).sort(), [
      "star_a_tpf.fits",
      "star_b_tpf.fits",
    ]);
    const named = await runCli(["lightcurve", CUBE, "--targets", list, "-o", join(dir, "one.csv")]);
    assert.equal(named.code, 2);
    assert.match(named.stderr, /must contain \{name\} or end in '\/'/);
  });
});

test("lightcurve --index reads the headers from the index and gives the same curve", async () => {
  await inTempDir(async (dir) => {
    await copyFile(CUBE, join(dir, "tess_cube.fits"));
    const index = join(dir, "cubes.cfidx");
    const built = await runCli(["index", dir, "-o", index]);
    assert.equal(built.code, 0, built.stderr);
    const position = at(box);
    const direct = await runCli(["lightcurve", join(dir, "tess_cube.fits"), ...position, "--format", "json"]);
    const indexed = await runCli([
      "lightcurve",
      "--index",
      index,
      "tess_cube.fits",
      ...position,
      "--format",
      "json",
    ]);
    assert.equal(indexed.code, 0, indexed.stderr);
    assert.deepEqual(JSON.parse(indexed.stdout).flux, JSON.parse(direct.stdout).flux);
  });
});

test("sky cutouts and light curves choose formats as cutout does: any case, --format wins, unknown refused", async () => {
  await inTempDir(async (dir) => {
    const position = at(box, "3");
    const png = join(dir, "Mean.PNG");
    const cut = await runCli(["cutout", CUBE, ...position, "-o", png]);
    assert.equal(cut.code, 0, cut.stderr);
    assert.deepEqual([...(await readFile(png)).subarray(1, 4)], [0x50, 0x4e, 0x47]);
    const plot = join(dir, "Curve.PNG");
    assert.equal((await runCli(["lightcurve", CUBE, ...position, "-o", plot])).code, 0);
    assert.deepEqual([...(await readFile(plot)).subarray(1, 4)], [0x50, 0x4e, 0x47]);
    const forced = join(dir, "really-json.fits");
    assert.equal((await runCli(["lightcurve", CUBE, ...position, "-o", forced, "--format", "json"])).code, 0);
    assert.equal(JSON.parse(await readFile(forced, "utf8")).time_format, "BTJD");

    for (
      const [command, choices] of [
        ["cutout", /cutout --ra\/--dec writes \.fits, \.fit, \.fts, \.json, \.png/],
        ["lightcurve", /lightcurve writes \.fits, \.fit, \.fts, \.csv, \.json, \.png/],
      ] as const
    ) {
      const run = await runCli([command, CUBE, ...position, "-o", join(dir, "out.txt")]);
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, choices);
      const format = await runCli([command, CUBE, ...position, "-o", "-", "--format", "ndjson"]);
      assert.equal(format.code, 2);
      assert.match(format.stderr, /Unknown --format 'ndjson'/);
    }
    assert.deepEqual(
      (await readdir(dir)).sort(),
      ["Curve.PNG", "Mean.PNG", "really-json.fits"],
      "nothing else written",
    );

    const targets = join(dir, "targets.csv");
    await writeFile(targets, `name,ra,dec\nstar_a,${box.ra},${box.dec}\n`);
    const out = join(dir, "plots");
    await mkdir(out);
    assert.equal(
      (await runCli(["lightcurve", CUBE, "--targets", targets, "-o", `${out}/`, "--format", "png"])).code,
      0,
    );
    assert.deepEqual(await readdir(out), ["star_a.png"], "-o DIR/ names files by the asked format");
  });
});

test("lightcurve of an image cube: TARGET[HDU] picks it; time from its TIME axis; a 2-D image is refused", async () => {
  const timed = EXPECTED.images.find((image) => image.name === "TIMECUBE")!;
  const want = timed.cases[0];
  const run = await runCli([
    "lightcurve",
    `${skyPath("images.fits")}[TIMECUBE]`,
    ...at(want, "3"),
    "-o",
    "-",
  ]);
  assert.equal(run.code, 0, run.stderr);
  const lines = run.stdout.trim().split("\n");
  assert.match(lines[0], /^# time: TIME \(s since MJD 60310\); flux, flux_err: adu;/);
  const rows = lines.slice(2).map((line) => line.split(","));
  assert.deepEqual(rows.map((row) => Number(row[0])), want.lightcurve!.time);
  assert.deepEqual(rows.map((row) => (row[1] === "" ? null : Number(row[1]))), want.lightcurve!.flux);
  const plain = await runCli(["lightcurve", skyPath("images.fits"), "--hdu", "1", ...at(want, "3")]);
  assert.equal(plain.code, 1, plain.stderr);
  assert.match(plain.stderr, /image cube with RA\/Dec on axes 1-2/);
});
