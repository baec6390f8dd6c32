/**
 * The CLI on whole-file gzip: every command reads a .fits.gz as it reads the plain file, `ls` says the
 * file is gzipped, other whole-file compression is refused clearly, and damaged gzip data is exit 5.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../_support/cli_io.ts";

const GZ = "testdata/gzip/tess_cube.fits.gz";
const PLAIN = "testdata/tess_cube.fits";

test("ls says a file is gzipped, in text and JSON, with the offsets of the plain file", async () => {
  const json = JSON.parse((await runCli(["ls", "--json", GZ])).stdout).files[0];
  const plain = JSON.parse((await runCli(["ls", "--json", PLAIN])).stdout).files[0];
  assert.deepEqual([json.compression, json.storedSize, json.size], ["gzip", 5860, 43200]);
  assert.deepEqual(json.hdus, plain.hdus);
  assert.equal(plain.compression, undefined);
  const text = await runCli(["ls", "--format", "text", GZ]);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /tess_cube\.fits\.gz: whole-file gzip, 5\.86 kB stored, 43\.2 kB inflated/);
});

test("header, cutout, table and plan read a .fits.gz as they read the plain file", async () => {
  for (
    const args of [
      ["header", "--hdu", "2"],
      ["cutout", "--json", "--section", "1,1:3,2:4,*"],
      ["table", "--format", "csv", "--columns", "TSTART,DQUALITY", "--rows", "2:7"],
    ]
  ) {
    const fromGz = await runCli([args[0], GZ, ...args.slice(1)]);
    const fromPlain = await runCli([args[0], PLAIN, ...args.slice(1)]);
    assert.equal(fromGz.code, 0, fromGz.stderr);
    assert.equal(fromGz.stdout.replaceAll(GZ, PLAIN), fromPlain.stdout, args[0]);
  }
  // plan counts what the gzip file costs: its compressed bytes, not the inflated ones.
  const plan = JSON.parse((await runCli(["plan", "--json", `${GZ}[1][1,1:3,2:4,*]`])).stdout)[0];
  assert.deepEqual([plan.requests, plan.bytesToRead, plan.allowed], [1, 5860, true]);
  assert.deepEqual(plan.gzip, { accessPoints: 0 });
});

test("index, ls --index, verify and cutout --index on .fits.gz, multi-member included", async () => {
  const dir = await mkdtemp(join(tmpdir(), "cloudfits-gz-"));
  try {
    for (const name of ["tess_cube.fits.gz", "mef_images.multi.fits.gz"]) {
      await writeFile(join(dir, name), await readFile(`testdata/gzip/${name}`));
    }
    const index = join(dir, "all.fci");
    const built = await runCli(["index", dir, "-o", index, "--point-spacing", "32Ki"]);
    assert.equal(built.code, 0, built.stderr);
    const listed = JSON.parse((await runCli(["ls", "--json", "--index", index])).stdout).files;
    assert.deepEqual(
      listed.map((f: { path: string; compression: string; size: number }) => [f.path, f.compression, f.size]),
      [["mef_images.multi.fits.gz", "gzip", 92160], ["tess_cube.fits.gz", "gzip", 43200]],
    );
    const verified = await runCli(["verify", "--index", index, "--datasum"]);
    assert.equal(verified.code, 0, verified.stdout + verified.stderr);
    const cut = await runCli([
      "cutout",
      "--json",
      "--index",
      index,
      "mef_images.multi.fits.gz[CUBE3D][1:2,1,1]",
    ]);
    const plain = await runCli(["cutout", "--json", "testdata/mef_images.fits[CUBE3D][1:2,1,1]"]);
    assert.equal(cut.code, 0, cut.stderr);
    assert.equal(cut.stdout, plain.stdout);
    // An access point at the third member (after 32 KiB) of mef_images' 92,160 bytes: CUBE3D is read from it, not from the start.
    const plan = await runCli([
      "plan",
      "--json",
      "--index",
      index,
      "mef_images.multi.fits.gz[CUBE3D][1:2,1,1]",
    ]);
    const [{ gzip, bytesToRead }] = JSON.parse(plan.stdout);
    assert.deepEqual(gzip, { accessPoints: 1 });
    assert.ok(bytesToRead < 1999 / 2, `${bytesToRead} of 1,999 compressed bytes`);
    assert.match(
      (await runCli(["index", dir, "-o", index, "--point-spacing", "1K"])).stderr,
      /at least 32Ki/,
    );
  } finally {
    await rm(dir, { recursive: true });
  }
});

test("bzip2 and Unix compress are refused by their magic bytes; damaged gzip data is exit 5", async () => {
  const dir = await mkdtemp(join(tmpdir(), "cloudfits-gz-"));
  try {
    await writeFile(join(dir, "a.fits.bz2"), new TextEncoder().encode("BZh91AY&SY" + "x".repeat(100)));
    await writeFile(join(dir, "b.fits"), new Uint8Array([0x1f, 0x9d, 0x90, ...new Uint8Array(100)]));
    const bz2 = await runCli(["ls", join(dir, "a.fits.bz2")]);
    assert.equal(bz2.code, 1);
    assert.match(bz2.stderr, /it is bzip2 \(\.bz2\)-compressed, which cloudfits does not support/);
    const z = await runCli(["header", join(dir, "b.fits")]);
    assert.equal(z.code, 1);
    assert.match(z.stderr, /it is Unix compress \(\.Z\)-compressed/);

    const gz = await readFile(GZ);
    const flipped = gz.slice();
    flipped[gz.length - 6] ^= 0xff; // the CRC-32 of the only member
    await writeFile(join(dir, "crc.fits.gz"), flipped);
    const crc = await runCli(["ls", join(dir, "crc.fits.gz")]);
    assert.equal(crc.code, 5);
    assert.match(crc.stderr, /fails its CRC-32 or length check/);
    await writeFile(join(dir, "cut.fits.gz"), gz.subarray(0, 3000));
    const cut = await runCli(["ls", join(dir, "cut.fits.gz")]);
    assert.equal(cut.code, 5);
    assert.match(cut.stderr, /the file ends inside/);
  } finally {
    await rm(dir, { recursive: true });
  }
});
