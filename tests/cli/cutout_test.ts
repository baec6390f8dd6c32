import { asGolden } from "../_support/float32_golden.ts";
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expected, runCli } from "../_support/cli_io.ts";
import { openFits } from "../../src/open.ts";
import { memorySource } from "../../src/source/memory.ts";

/** The numpy-order section of an expected sample, as a cfitsio section that keeps every axis. */
function fitsSection(spec: unknown[], shape: number[]): string {
  return spec.map((axis, i) => {
    if (axis === null) return "*";
    if (typeof axis === "number") return `${axis + 1}:${axis + 1}`;
    const [start, stop, step] = axis as number[];
    const last = Math.min(stop, shape[i]); // numpy clips a stop beyond the axis; cfitsio refuses it
    return step ? `${start + 1}:${last}:${step}` : `${start + 1}:${last}`;
  }).reverse().join(",");
}

test("cutout --json reproduces astropy's section values for every sampled section", async () => {
  let checked = 0;
  for (const name of ["mef_images", "tess_cube", "primary_only", "dup_extnames", "exotic_header"]) {
    const want = expected(name);
    for (const hdu of want.hdus) {
      for (const sample of hdu.sections ?? []) {
        const target = `testdata/${name}.fits[${hdu.index}][${fitsSection(sample.spec, hdu.shape)}]`;
        const run = await runCli(["cutout", target, "-o", "-", "--json"]);
        assert.equal(run.code, 0, `${target}: ${run.stderr}`);
        const got = JSON.parse(run.stdout);
        assert.equal(got.dtype, sample.dtype, target);
        // `shape` is in FITS order, `numpyShape` the reverse.
        assert.deepEqual(got.shape, [...got.numpyShape].reverse(), target);
        // Every axis is kept, so integer-indexed axes come back with length 1.
        const kept = sample.spec.map((axis, i) => (typeof axis === "number" ? 1 : got.numpyShape[i]));
        assert.deepEqual(got.numpyShape, kept, target);
        assert.deepEqual(
          got.numpyShape.filter((_: number, i: number) => typeof sample.spec[i] !== "number"),
          sample.shape,
        );
        assert.deepEqual(asGolden(got.data, sample.data), sample.data, target);
        checked++;
      }
    }
  }
  assert.ok(checked > 40, `checked ${checked} sections`);
});

test("astropy's hdul[1].section[0:2, 0:3, 1, 0] keeps every axis: shape [1, 1, 3, 2] in FITS order", async () => {
  const run = await runCli(["cutout", "testdata/tess_cube.fits[1][1:1,2:2,1:3,1:2]", "-o", "-", "--json"]);
  const got = JSON.parse(run.stdout);
  assert.deepEqual(got.shape, [1, 1, 3, 2]);
  assert.deepEqual(got.numpyShape, [2, 3, 1, 1]);
  // Fixture formula: flux = row*1000 + col*10 + frame + 0.5.
  assert.deepEqual(got.data, [1.5, 11.5, 21.5, 1001.5, 1011.5, 1021.5]);
});

test("cutout to FITS keeps the header, sets NAXISn, shifts CRPIX and round-trips the values", async () => {
  const dir = await mkdtemp(join(tmpdir(), "cloudfits-cutout-"));
  try {
    const out = join(dir, "cut.fits");
    const run = await runCli(["cutout", "testdata/primary_only.fits[0][11:20,6:15]", "-o", out]);
    assert.equal(run.code, 0, run.stderr);
    const bytes = new Uint8Array(await readFile(out));
    assert.equal(bytes.length % 2880, 0);
    const cut = await openFits(memorySource(bytes));
    const original = await openFits(
      memorySource(new Uint8Array(await readFile("testdata/primary_only.fits"))),
    );
    const header = cut.hdus[0].header;
    assert.deepEqual(cut.hdus[0].axes, [10, 10]);
    assert.equal(header.getNumber("CRPIX1"), original.hdus[0].header.getNumber("CRPIX1")! - 10);
    assert.equal(header.getNumber("CRPIX2"), original.hdus[0].header.getNumber("CRPIX2")! - 5);
    assert.equal(header.get("CTYPE1"), original.hdus[0].header.get("CTYPE1"));
    const a = await cut.hdu(0).section([null, null]);
    const b = await original.hdu(0).section([[5, 15], [10, 20]]);
    assert.equal(a.dtype, b.dtype);
    assert.deepEqual([...a.data], [...b.data]);

    const again = await runCli(["cutout", "testdata/primary_only.fits[0][11:20,6:15]", "-o", out]);
    assert.equal(again.code, 2, "an existing output is not overwritten without --force");
    assert.match(again.stderr, /--force/);
    assert.equal(
      (await runCli(["cutout", "testdata/primary_only.fits[0][1:2,1:2]", "-o", out, "--force"])).code,
      0,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

const python = "/usr/bin/python3";
const hasAstropy = existsSync(python) &&
  await new Promise<boolean>((resolve) =>
    execFile(python, ["-c", "import astropy"], (error) => resolve(!error))
  );

test("astropy reads a FITS cutout with identical values and fitsverify passes it", {
  skip: hasAstropy ? false : "needs Debian's python3-astropy (.ci/run installs it)",
}, async () => {
  const dir = await mkdtemp(join(tmpdir(), "cloudfits-cutout-"));
  try {
    for (
      const [target, name] of [
        ["testdata/mef_images.fits[UINT64][*,1:2]", "u64.fits"],
        ["testdata/mef_images.fits[SCALED16]", "s16.fits"],
        ["testdata/tess_cube.fits[1][*,2:5,2:3,1:4]", "tess.fits"],
      ]
    ) {
      const out = join(dir, name);
      assert.equal((await runCli(["cutout", target, "-o", out])).code, 0);
      const json = JSON.parse((await runCli(["cutout", target, "-o", "-", "--json"])).stdout);
      const script = `import json,sys,numpy as np
from astropy.io import fits
d = fits.getdata(sys.argv[1])
def enc(v):
    v = v.item()
    if isinstance(v, float) and v != v: return "NaN"
    if isinstance(v, int) and abs(v) > 2**53: return str(v)
    return v
print(json.dumps({"shape": list(d.shape)[::-1], "numpyShape": list(d.shape), "dtype": d.dtype.name, "data": [enc(v) for v in d.ravel()]}))`;
      const astropy = await new Promise<string>((resolve, reject) =>
        execFile(python, ["-c", script, out], (error, stdout) => (error ? reject(error) : resolve(stdout)))
      );
      assert.deepEqual(JSON.parse(astropy), json, target);
      if (existsSync("/usr/bin/fitsverify")) {
        const report = await new Promise<string>((resolve) =>
          execFile("/usr/bin/fitsverify", ["-q", out], (_error, stdout) => resolve(stdout))
        );
        assert.match(report, /verification OK/, `${target}: ${report}`);
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("a FITS cutout's data unit is astropy's stored section, bit for bit, then zero padding", {
  skip: hasAstropy ? false : "needs Debian's python3-astropy (.ci/run installs it)",
}, async () => {
  const dir = await mkdtemp(join(tmpdir(), "cloudfits-cutout-"));
  try {
    // Targets in FITS order (1-based, inclusive), with the same section as numpy slices of the source.
    const cases: [string, string, number | string, string][] = [
      ["mef_images.fits", "[UINT8][2:4,*]", "UINT8", "[:, 1:4]"],
      ["mef_images.fits", "[INT8]", "INT8", "[:, :]"],
      ["mef_images.fits", "[UINT16][2:5:2,*]", "UINT16", "[:, 1:5:2]"],
      ["mef_images.fits", "[INT32][3:7]", "INT32", "[2:7]"],
      ["mef_images.fits", "[UINT64][*,1:2]", "UINT64", "[0:2, :]"],
      ["mef_images.fits", "[INT64][2:3,1:3:2]", "INT64", "[0:3:2, 1:3]"],
      ["mef_images.fits", "[SCALED16][2:5,2:3]", "SCALED16", "[1:3, 1:5]"],
      ["mef_images.fits", "[FLOAT32][2:4,*]", "FLOAT32", "[:, 1:4]"],
      ["mef_images.fits", "[FLOAT64][1:3:2,2:3]", "FLOAT64", "[1:3, 0:3:2]"],
      ["tess_cube.fits", "[1][*,2:5,2:3,1:4]", 1, "[0:4, 1:3, 1:5, :]"],
    ];
    for (const [file, section, hdu, slices] of cases) {
      const out = join(dir, "cut.fits");
      const run = await runCli(["cutout", `testdata/${file}${section}`, "-o", out, "--force"]);
      assert.equal(run.code, 0, run.stderr);
      const script = `import sys, numpy as np
from astropy.io import fits
src = fits.open(sys.argv[1], do_not_scale_image_data=True)[${JSON.stringify(hdu)}]
want = np.ascontiguousarray(src.data${slices})
want = want.astype(want.dtype.newbyteorder(">")).tobytes()
cut = fits.open(sys.argv[2], do_not_scale_image_data=True)[0]
raw = open(sys.argv[2], "rb").read()
data = raw[cut._data_offset:]
print(data[:len(want)] == want and set(data[len(want):]) <= {0} and len(raw) % 2880 == 0)`;
      const verdict = await new Promise<string>((resolve, reject) =>
        execFile(
          python,
          ["-c", script, `testdata/${file}`, out],
          (error, stdout) => (error ? reject(error) : resolve(stdout)),
        )
      );
      assert.equal(verdict.trim(), "True", `${file}${section}`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("cutout to PNG writes a picture of a 2-D section; 3-D sections are refused", async () => {
  const png = await runCli(["cutout", "testdata/primary_only.fits", "-o", "-", "--format", "png"]);
  assert.equal(png.code, 0, png.stderr);
  assert.deepEqual([...png.bytes.subarray(1, 4)], [0x50, 0x4e, 0x47]);
  const cube = await runCli(["cutout", "testdata/mef_images.fits[CUBE3D]", "-o", "-", "--format", "png"]);
  assert.equal(cube.code, 2);
  assert.match(cube.stderr, /two axes/);
});

test("bad sections are usage errors that name the convention", async () => {
  const run = await runCli(["cutout", "testdata/primary_only.fits[0][0:5,1:2]", "-o", "-"]);
  assert.equal(run.code, 2);
  assert.match(run.stderr, /FITS order, 1-based, inclusive/);
});
