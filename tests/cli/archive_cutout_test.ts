/**
 * `cutout --index CATALOG` and `lightcurve --index CATALOG` without a TARGET: one output per file and
 * HDU of the catalog that covers the position, each equal to the single-file command's, from local
 * files and over the loopback range server; nothing covering it is exit 3, a failing match exit 6.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../_support/cli_io.ts";
import { roundTrips, startRangeServer } from "../_support/range_server.ts";

const TESTDATA = join(import.meta.dirname!, "..", "..", "testdata");
// The fixture cube's pixel (2.3, 1.7), 0-based (astropy all_pix2world, as in tests/sky/find_test.ts).
const CUBE_STAR = ["--ra", "35.27524804", "--dec", "-36.06773067"];
// Pixel (20.5, 15.5) of images.fits[1] (testdata/sky/find_expected.json).
const IMAGE_STAR = ["--ra", "84.22310602158507", "--dec", "-80.46113340279433"];

/** An archive of two sectors of the same cube (same stem), two copies of images.fits and an edge file. */
async function withArchive(body: (dir: string, data: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "archive-"));
  try {
    const data = join(dir, "data");
    for (const sub of ["s1", "s2"]) await mkdir(join(data, sub), { recursive: true });
    await copyFile(join(TESTDATA, "tess_cube.fits"), join(data, "s1", "cube.fits"));
    await copyFile(join(TESTDATA, "tess_cube.fits"), join(data, "s2", "cube.fits"));
    await copyFile(join(TESTDATA, "sky", "images.fits"), join(data, "images.fits"));
    await copyFile(join(TESTDATA, "sky", "images.fits"), join(data, "images_b.fits"));
    await copyFile(join(TESTDATA, "sky", "find_edges.fits"), join(data, "find_edges.fits"));
    await body(dir, data);
  } finally {
    await rm(dir, { recursive: true });
  }
}

async function index(data: string, catalog: string, extra: string[] = []): Promise<void> {
  const run = await runCli(["index", data, "-o", catalog, ...extra]);
  assert.equal(run.code, 0, run.stderr);
}

/** The JSON of every output in `out`, by name. */
async function outputs(out: string): Promise<Record<string, string>> {
  const names = (await readdir(out)).sort();
  return Object.fromEntries(
    await Promise.all(names.map(async (n) => [n, await readFile(join(out, n), "utf8")])),
  );
}

/** JSON cutouts at IMAGE_STAR through the catalog: both copies of images.fits, each equal to a direct cutout. */
async function cutImagesThroughCatalog(catalog: string, data: string, out: string): Promise<void> {
  const size = ["--size", "4"];
  const run = await runCli([
    "cutout",
    "--index",
    catalog,
    ...IMAGE_STAR,
    ...size,
    "--format",
    "json",
    "-o",
    `${out}/`,
  ]);
  assert.equal(run.code, 0, run.stderr);
  const one = await runCli(["cutout", join(data, "images.fits"), ...IMAGE_STAR, ...size, "--json"]);
  assert.deepEqual(await outputs(out), { "images_b_hdu1.json": one.stdout, "images_hdu1.json": one.stdout });
}

test("cutout --index: one output per covering file and HDU, equal to the single-file cutout", async () => {
  await withArchive(async (dir, data) => {
    const catalog = join(dir, "all.cfidx");
    await index(data, catalog);
    const out = join(dir, "cubes");
    const cubes = await runCli(["cutout", "--index", catalog, ...CUBE_STAR, "--size", "3", "-o", `${out}/`]);
    assert.equal(cubes.code, 0, cubes.stderr);
    assert.deepEqual(await readdir(out).then((n) => n.sort()), ["s1_cube_hdu1.fits", "s2_cube_hdu1.fits"]);
    const single = join(dir, "single.fits");
    await runCli(["cutout", join(data, "s1", "cube.fits"), ...CUBE_STAR, "--size", "3", "-o", single]);
    const expected = await readFile(single);
    for (const name of ["s1_cube_hdu1.fits", "s2_cube_hdu1.fits"]) {
      const got = await readFile(join(out, name));
      // Equal apart from the creation date and the source's name in the TPF's header.
      assert.equal(got.length, expected.length);
      assert.deepEqual(got.subarray(-2880 * 4), expected.subarray(-2880 * 4), name);
    }

    await cutImagesThroughCatalog(catalog, data, join(dir, "images"));
  });
});

test("lightcurve --index: one curve per TESS cube that saw the position; images are not cubes", async () => {
  await withArchive(async (dir, data) => {
    const catalog = join(dir, "all.cfidx");
    await index(data, catalog);
    const out = join(dir, "curves");
    const run = await runCli(["lightcurve", "--index", catalog, ...CUBE_STAR, "-o", `${out}/`]);
    assert.equal(run.code, 0, run.stderr);
    const single = async (sector: string) =>
      (await runCli(["lightcurve", join(data, sector, "cube.fits"), ...CUBE_STAR])).stdout;
    assert.deepEqual(await outputs(out), {
      "s1_cube_hdu1.csv": await single("s1"),
      "s2_cube_hdu1.csv": await single("s2"),
    });

    const images = await runCli(["lightcurve", "--index", catalog, ...IMAGE_STAR, "-o", `${out}/`]);
    assert.equal(images.code, 3);
    assert.match(images.stderr, /None of the 2 files .* is a TESS FFI cube/);
  });
});

test("nothing covers the position: exit 3; a match that fails is reported, skipped, and exits 6", async () => {
  await withArchive(async (dir, data) => {
    const catalog = join(dir, "all.cfidx");
    await index(data, catalog);
    const out = join(dir, "none");
    const none = await runCli(["cutout", "--index", catalog, "--ra", "0", "--dec", "-45", "-o", `${out}/`]);
    assert.equal(none.code, 3);
    assert.match(none.stderr, /No footprint in .*all\.cfidx covers RA 0, Dec -45/);

    const usage = await runCli(["cutout", "--index", catalog, ...CUBE_STAR, "-o", join(dir, "one.fits")]);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /give -o DIR\//);

    // The second sector changed after indexing: its cutout is refused, the first is written.
    const changed = join(data, "s2", "cube.fits");
    await writeFile(changed, (await readFile(changed)).subarray(0, 2880 * 10));
    const cut = await runCli(["cutout", "--index", catalog, ...CUBE_STAR, "--size", "3", "-o", `${out}/`]);
    assert.equal(cut.code, 6, cut.stderr);
    assert.match(cut.stderr, /skipped s2\/cube\.fits.*\n1 of 2 matches skipped/);
    assert.deepEqual(await readdir(out), ["s1_cube_hdu1.fits"]);
  });
});

test("over HTTP: one catalog, the sky lookup, then only each match's data, the files side by side", async () => {
  await withArchive(async (dir, data) => {
    const server = await startRangeServer({ root: dir, latency: 30 });
    try {
      const catalog = join(dir, "all.cfidx");
      await index(data, catalog, ["--data-url", `${server.url}/data`]);
      const out = join(dir, "served");
      server.log.length = 0;
      await cutImagesThroughCatalog(`${server.url}/all.cfidx`, data, out);
      const paths = server.log.map((r) => r.path);
      // The catalog: its first read for the sky lookup, and again to open it for the data; then one
      // section read of each matching image, and no header read.
      assert.deepEqual(paths.filter((p) => p === "/all.cfidx").length, 2, paths.join(" "));
      assert.deepEqual(paths.filter((p) => p !== "/all.cfidx").sort(), [
        "/data/images.fits",
        "/data/images_b.fits",
      ]);
      assert.ok(server.log.every((r) => r.method === "GET"), "no HEAD: the index records the sizes");
      // The two images are read at once: one round trip for both.
      assert.equal(roundTrips(server.log.filter((r) => r.path !== "/all.cfidx")), 1);
    } finally {
      await server.close();
    }
  });
});
