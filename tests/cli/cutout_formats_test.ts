/**
 * `cutout` outputs chosen by extension: long-format CSV and NDJSON, FITS that keeps the WCS and records
 * its provenance (checked with astropy), PNG images and line plots, and the errors of unknown extensions.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../_support/cli_io.ts";
import { VERSION } from "../../src/version.ts";

const scratch = await mkdtemp(join(tmpdir(), "cloudfits-formats-"));
after(() => rm(scratch, { recursive: true, force: true }));

const python = "/usr/bin/python3";
const hasAstropy = existsSync(python) &&
  await new Promise<boolean>((resolve) =>
    execFile(python, ["-c", "import astropy"], (error) => resolve(!error))
  );
const needsAstropy = { skip: hasAstropy ? false : "needs Debian's python3-astropy (.ci/run installs it)" };

function astropy(script: string, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(
      python,
      ["-c", script, ...args],
      (error, stdout, stderr) => error ? reject(new Error(stderr)) : resolve(stdout),
    )
  );
}

test("CSV of an N-D cutout is long format: a column per axis (the source's 1-based pixels) and value", async () => {
  const run = await runCli([
    "cutout",
    "testdata/wcs_cube.fits[0][2:3,7:7,4:5]",
    "-o",
    "-",
    "--format",
    "csv",
  ]);
  assert.equal(run.code, 0, run.stderr);
  const lines = run.stdout.trimEnd().split("\n");
  assert.equal(lines[0], "axis1,axis2,axis3,value");
  assert.equal(lines.length, 1 + 2 * 1 * 2);
  // NAXIS1 varies fastest; the pixel numbers are the source's, not the cutout's.
  assert.deepEqual(lines.slice(1).map((line) => line.split(",").slice(0, 3).join(",")), [
    "2,7,4",
    "3,7,4",
    "2,7,5",
    "3,7,5",
  ]);
  const json = JSON.parse(
    (await runCli(["cutout", "testdata/wcs_cube.fits[0][2:3,7:7,4:5]", "-o", "-"])).stdout,
  );
  assert.deepEqual(lines.slice(1).map((line) => Number(line.split(",")[3])), json.data);
});

test(
  "CSV and NDJSON name NaN and follow steps; astropy's values at the pixels they name",
  needsAstropy,
  async () => {
    const target = "testdata/wcs_cube.fits[0][1:24:5,15:18,4:4]";
    const csv = await runCli(["cutout", target, "-o", "-", "--format", "csv"]);
    const ndjson = await runCli(["cutout", target, "-o", "-", "--format", "ndjson"]);
    assert.equal(csv.code, 0, csv.stderr);
    const rows = csv.stdout.trimEnd().split("\n").slice(1).map((line) => line.split(","));
    const objects = ndjson.stdout.trimEnd().split("\n").map((line) => JSON.parse(line));
    assert.equal(objects.length, rows.length);
    assert.ok(rows.some((row) => row[3] === "NaN"), "the NaN corner is in the section");
    assert.deepEqual(
      objects.map((o) => [o.axis1, o.axis2, o.axis3].join(",")),
      rows.map((r) => r.slice(0, 3).join(",")),
    );
    assert.deepEqual(new Set(rows.map((r) => Number(r[0]))), new Set([1, 6, 11, 16, 21]));
    const want = JSON.parse(
      await astropy(
        `import json,sys
from astropy.io import fits
d = fits.getdata("testdata/wcs_cube.fits")
pixels = json.loads(sys.argv[1])
# float32 as numpy prints it: the shortest decimal that reads back as the same float32.
print(json.dumps(["NaN" if v != v else v for v in (float(str(d[z - 1, y - 1, x - 1])) for x, y, z in pixels)]))`,
        JSON.stringify(objects.map((o) => [o.axis1, o.axis2, o.axis3])),
      ),
    );
    assert.deepEqual(objects.map((o) => o.value), want);
  },
);

test(
  "a cube cutout to FITS keeps the WCS and units, records provenance, and maps pixels like the source",
  needsAstropy,
  async () => {
    const out = join(scratch, "cube.FITS");
    const section = "3:20:2,5:12,2:9:3";
    const run = await runCli(["cutout", `testdata/wcs_cube.fits[0][${section}]`, "-o", out]);
    assert.equal(run.code, 0, run.stderr);
    const script = `import json,sys
import numpy as np
from astropy.io import fits
from astropy.wcs import WCS
cut = fits.open(sys.argv[1])[0]
src = fits.open("testdata/wcs_cube.fits")[0]
h = cut.header
# Cutout pixel (i, j, k), 0-based, is source pixel (2 + 2i, 4 + j, 1 + 3k).
i, j, k = np.meshgrid(np.arange(h["NAXIS1"]), np.arange(h["NAXIS2"]), np.arange(h["NAXIS3"]), indexing="ij")
a = WCS(h).wcs_pix2world(i.ravel(), j.ravel(), k.ravel(), 0)
b = WCS(src.header).wcs_pix2world(2 + 2 * i.ravel(), 4 + j.ravel(), 1 + 3 * k.ravel(), 0)
print(json.dumps({
  "shape": [h["NAXIS1"], h["NAXIS2"], h["NAXIS3"]],
  "worst": max(float(np.max(np.abs(x - y))) for x, y in zip(a, b)),
  "same_values": bool(np.array_equal(cut.data, src.data[1:9:3, 4:12, 2:20:2], equal_nan=True)),
  "cards": {k: h.get(k) for k in ["BUNIT", "CTYPE3", "CUNIT3", "SPECSYS", "CFSOURCE", "CFHDU", "CFSECT", "CFVERS", "DATE"]},
}))`;
    const got = JSON.parse(await astropy(script, out));
    assert.deepEqual(got.shape, [9, 8, 3]);
    assert.ok(got.worst < 1e-12, `world coordinates differ by ${got.worst}`);
    assert.equal(got.same_values, true);
    const { DATE, ...cards } = got.cards;
    assert.deepEqual(cards, {
      BUNIT: "Jy/beam",
      CTYPE3: "WAVE",
      CUNIT3: "m",
      SPECSYS: "TOPOCENT",
      CFSOURCE: "testdata/wcs_cube.fits",
      CFHDU: 0,
      CFSECT: "3:19:2,5:12,2:8:3",
      CFVERS: VERSION,
    });
    assert.match(DATE, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
  },
);

test("provenance never records credentials or a query string", async () => {
  const { cutoutFits } = await import("../../src/cutout_file.ts");
  const { openFits } = await import("../../src/open.ts");
  const { memorySource } = await import("../../src/source/memory.ts");
  const { redactUrl } = await import("../../src/url.ts");
  const { concatBytes } = await import("../../src/_bytes.ts");
  const fits = await openFits(memorySource(new Uint8Array(await readFile("testdata/primary_only.fits"))));
  const source = redactUrl("https://user:secret@example.org/a.fits?X-Amz-Signature=abc");
  const stored = { shape: [1, 1], bytes: new Uint8Array([0, 7]) };
  const file = cutoutFits(fits.hdus[0], [[0, 1], [0, 1]], stored, {
    source,
    date: new Date(0),
    version: VERSION,
  });
  const text = new TextDecoder().decode(file[0]);
  assert.match(text, /CFSOURCE= 'https:\/\/example.org\/a.fits'/);
  assert.doesNotMatch(text, /secret|Signature/);
  // A long source continues on CONTINUE cards rather than being cut.
  const long = `s3://bucket/${"deep/".repeat(30)}it's.fits`;
  const continued = cutoutFits(fits.hdus[0], [[0, 1], [0, 1]], stored, {
    source: long,
    date: new Date(0),
    version: VERSION,
  });
  const reread = await openFits(memorySource(concatBytes(continued)));
  assert.equal(reread.hdus[0].header.get("CFSOURCE"), long);
  assert.equal(reread.hdus[0].header.get("LONGSTRN"), "OGIP 1.0");
});

test("the extension chooses the format in any case; --format wins; an unknown one lists the choices", async () => {
  const png = join(scratch, "Plane.PNG");
  assert.equal((await runCli(["cutout", "testdata/wcs_cube.fits[0][*,*,7:7]", "-o", png])).code, 0);
  assert.deepEqual([...(await readFile(png)).subarray(1, 4)], [0x50, 0x4e, 0x47]);
  const csv = join(scratch, "pixels.Csv");
  assert.equal((await runCli(["cutout", "testdata/wcs_cube.fits[0][1:2,1:1,1:1]", "-o", csv])).code, 0);
  assert.match(await readFile(csv, "utf8"), /^axis1,axis2,axis3,value\n1,1,1,/);
  const forced = join(scratch, "really-json.fits");
  assert.equal(
    (await runCli(["cutout", "testdata/wcs_cube.fits[0][1:2,1:1,1:1]", "-o", forced, "--format", "json"]))
      .code,
    0,
  );
  assert.equal(JSON.parse(await readFile(forced, "utf8")).dtype, "float32");

  for (const name of ["cut.txt", "cut"]) {
    const run = await runCli(["cutout", "testdata/wcs_cube.fits", "-o", join(scratch, name)]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /\.fits, \.fit, \.fts, \.csv, \.json, \.ndjson, \.jsonl, \.png/);
    await assert.rejects(stat(join(scratch, name)), "nothing written");
  }
  const table = await runCli(["table", "testdata/table_all.fits[1]", "-o", join(scratch, "rows.png")]);
  assert.equal(table.code, 2);
  assert.match(table.stderr, /table writes \.csv, \.ecsv, \.json, \.ndjson, \.jsonl/);
});

test("a PNG of one pixel's series is a line plot; of an image, a picture; of a cube, refused", async () => {
  const plot = await runCli([
    "cutout",
    "testdata/wcs_cube.fits[0][16:16,9:9,*]",
    "-o",
    "-",
    "--format",
    "png",
  ]);
  assert.equal(plot.code, 0, plot.stderr);
  const size = (bytes: Uint8Array) => {
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    return [view.getUint32(16), view.getUint32(20)];
  };
  assert.deepEqual(size(plot.bytes), [640, 320]);
  const image = await runCli(["cutout", "testdata/wcs_cube.fits[0][*,*,7:7]", "-o", "-", "--format", "png"]);
  assert.deepEqual(size(image.bytes), [24, 20]);
  const cube = await runCli([
    "cutout",
    "testdata/wcs_cube.fits[0][1:3,1:3,1:3]",
    "-o",
    "-",
    "--format",
    "png",
  ]);
  assert.equal(cube.code, 2);
  assert.match(cube.stderr, /shape \[3, 3, 3\] \(FITS order\).*line plot/);
  for (const [flag, value] of [["--cmap", "jet"], ["--nan-color", "#12"], ["--stretch", "log"]]) {
    const bad = await runCli([
      "cutout",
      "testdata/wcs_cube.fits[0][*,*,7:7]",
      "-o",
      "-",
      "--format",
      "png",
      flag,
      value,
    ]);
    assert.equal(bad.code, 2, `${flag} ${value}`);
  }
});

test("a section with fewer axes than the image takes the rest whole and says so, unless --quiet", async () => {
  const run = await runCli(["cutout", "testdata/wcs_cube.fits[0][1:2,1:1]", "-o", "-"]);
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout).shape, [2, 1, 12]);
  assert.equal(
    run.stderr,
    "warning: section [1:2,1:1] names 2 of 3 axes: axis 3 is taken whole, as in [1:2,1:1,*]\n",
  );
  const plan = await runCli(["plan", "testdata/wcs_cube.fits[0][1:2]"]);
  assert.match(plan.stderr, /axes 2-3 are taken whole/);
  const quiet = await runCli(["cutout", "testdata/wcs_cube.fits[0][1:2,1:1]", "-o", "-", "--quiet"]);
  assert.equal(quiet.stderr, "");
});

test("a compressed table (fpack -table) prints the rows of the table it holds, not its compressed bytes", {
  skip: existsSync("/usr/bin/fpack") ? false : "needs cfitsio's fpack (libcfitsio-bin)",
}, async () => {
  const copy = join(scratch, "ztable.fits");
  await new Promise<void>((resolve, reject) =>
    execFile(
      "/bin/sh",
      ["-c", `cp testdata/tess_cube.fits '${copy}' && /usr/bin/fpack -table '${copy}'`],
      (error) => error ? reject(error) : resolve(),
    )
  );
  const packed = await runCli(["table", `${copy}.fz[2][col TSTART;DQUALITY;FFI_FILE]`, "--rows", "2:5"]);
  const plain = await runCli([
    "table",
    "testdata/tess_cube.fits[2][col TSTART;DQUALITY;FFI_FILE]",
    "--rows",
    "2:5",
  ]);
  assert.equal(packed.code, 0, packed.stderr);
  assert.equal(packed.stdout, plain.stdout);
  assert.equal(packed.stdout.trim().split("\n").length, 5, "a header line and four rows");
});
