/**
 * `find`: HEALPix cells against astropy_healpix, matches against astropy's all_world2pix on the WCS
 * fixtures (tools/make_find_fixtures.py), and the reads a lookup costs on a catalog served over HTTP.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildIndex } from "../../src/indexer/build_index.ts";
import { encodeIndex } from "../../src/index_format/encode.ts";
import { cellCentre, cellOf, cellRadius, separation } from "../../src/index_format/healpix.ts";
import type { FootprintRecord } from "../../src/index_format/sky_cells.ts";
import { readSkyRoot, skyPlaces } from "../../src/index_format/sky_read.ts";
import { findPosition } from "../../src/find.ts";
import { footprintOf } from "../../src/sky/footprint.ts";
import { httpSource } from "../../src/source/http.ts";
import { localFileAccess } from "../../src/source/file.ts";
import { seededRandom, serveObject, startRangeServer } from "../_support/range_server.ts";
import { runCli } from "../_support/cli_io.ts";

const SKY = join(import.meta.dirname!, "..", "..", "testdata", "sky");
const TESTDATA = join(SKY, "..");

test("cells and cell centres equal astropy_healpix's nested ones", async () => {
  const vectors = JSON.parse(await readFile(join(SKY, "healpix_vectors.json"), "utf8"));
  for (const [order, lon, lat, cell, clon, clat] of vectors) {
    assert.equal(cellOf(order, lon, lat), cell, `order ${order} (${lon}, ${lat})`);
    const [a, b] = cellCentre(order, cell);
    assert.ok(separation(a, b, clon, clat) < 1e-9, `centre of ${cell} at order ${order}`);
    assert.ok(separation(lon, lat, a, b) <= cellRadius(order), "the cell radius bounds its cells");
  }
});

async function catalogOfFixtures(dir: string): Promise<Uint8Array> {
  const output = join(dir, "all.cfidx");
  const warnings: string[] = [];
  await buildIndex(
    [join(SKY, "images.fits"), join(SKY, "find_edges.fits"), join(TESTDATA, "tess_cube.fits")],
    {
      output,
      ...localFileAccess(),
      checkpoint: null,
      onEvent: (event) => void (event.type === "warning" && warnings.push(event.message)),
    },
  );
  assert.deepEqual(warnings, []);
  return new Uint8Array(await readFile(output));
}

test("find equals astropy's all_world2pix on TAN-SIP, galactic CAR, compressed, SIN cube and TESS cube", async () => {
  const dir = await mkdtemp(join(tmpdir(), "find-"));
  try {
    const index = await catalogOfFixtures(dir);
    const cases = JSON.parse(await readFile(join(SKY, "find_expected.json"), "utf8"));
    let matched = 0;
    for (const { ra, dec, matches } of cases) {
      const found = await findPosition(index, { ra, dec });
      assert.deepEqual(
        found.map((m) => `${m.path} ${m.hdu}`),
        matches.map((m: { path: string; hdu: number }) => `${m.path} ${m.hdu}`),
        `RA ${ra}, Dec ${dec}`,
      );
      found.forEach((m, i) => {
        const off = Math.hypot(m.pixel![0] - matches[i].pixel[0], m.pixel![1] - matches[i].pixel[1]);
        assert.ok(off < 1e-6, `${m.path} ${m.hdu}: ${m.pixel} vs ${matches[i].pixel}`);
      });
      matched += found.length;
    }
    assert.ok(matched > 70, `${matched} matches`);
    const hdus = new Set(
      cases.flatMap((c: { matches: { path: string; hdu: number }[] }) =>
        c.matches.map((m) => `${m.path} ${m.hdu}`)
      ),
    );
    assert.equal(hdus.size, 7, "every image of the corpus is found somewhere");
  } finally {
    await rm(dir, { recursive: true });
  }
});

test("find --radius lists footprints within the radius, with their distance", async () => {
  const dir = await mkdtemp(join(tmpdir(), "find-"));
  try {
    const index = await catalogOfFixtures(dir);
    // 0.1° north of the WRAP image's top edge (Dec 10 + 10 × 0.005).
    const near = { ra: 0.02, dec: 10.15 };
    assert.deepEqual(await findPosition(index, near), []);
    const within = await findPosition(index, { ...near, radius: 0.11 });
    assert.deepEqual(within.map((m) => [m.path, m.hdu, m.covers]), [["sky/find_edges.fits", 1, false]]);
    assert.ok(Math.abs(within[0].distance - 0.1) < 1e-3, String(within[0].distance));
    assert.deepEqual(await findPosition(index, { ...near, radius: 0.09 }), []);
  } finally {
    await rm(dir, { recursive: true });
  }
});

test("cloudfits find: text, --json, and nothing found", async () => {
  const dir = await mkdtemp(join(tmpdir(), "find-"));
  try {
    await catalogOfFixtures(dir);
    const catalog = join(dir, "all.cfidx");
    // The fixture cube's pixel (2.3, 1.7), 0-based (astropy all_pix2world).
    const cube = ["--ra", "35.27524804", "--dec", "-36.06773067"];
    const json = await runCli(["find", catalog, ...cube, "--json"]);
    assert.equal(json.code, 0);
    const [match] = JSON.parse(json.stdout);
    assert.deepEqual([match.path, match.hdu], ["tess_cube.fits", 1]);
    assert.ok(Math.abs(match.pixel[0] - 3.3) < 1e-5 && Math.abs(match.pixel[1] - 2.7) < 1e-5);
    const text = await runCli(["find", catalog, ...cube]);
    assert.equal(text.stdout, "tess_cube.fits\t1\t3.3\t2.7\n");
    assert.deepEqual(
      await runCli(["find", catalog, "--ra", "0", "--dec", "-45", "--json"]).then((r) => [r.code, r.stdout]),
      [0, "[]\n"],
    );
    assert.equal((await runCli(["find", catalog, "--ra", "0", "--dec", "-45"])).code, 3);
    assert.equal(
      (await runCli(["find", catalog, "--ra", "0", "--dec", "-45", "--radius", "1 furlong"])).code,
      2,
    );
  } finally {
    await rm(dir, { recursive: true });
  }
});

/** A synthetic footprint: a 0.2° TAN image at a random position (its outline from the WCS engine). */
function syntheticFootprint(i: number, random: () => number): FootprintRecord {
  const ra = random() * 360;
  const dec = Math.asin(random() * 2 - 1) * 180 / Math.PI;
  const cards = new Map<string, string | number>([
    ["NAXIS", 2],
    ["NAXIS1", 200],
    ["NAXIS2", 200],
    ["CTYPE1", "RA---TAN"],
    ["CTYPE2", "DEC--TAN"],
    ["CRPIX1", 100.5],
    ["CRPIX2", 100.5],
    ["CRVAL1", ra],
    ["CRVAL2", dec],
    ["CDELT1", -0.001],
    ["CDELT2", 0.001],
  ]);
  const path = `archive/${String(i % 1000).padStart(3, "0")}/image_${String(i).padStart(7, "0")}.fits`;
  return { path, hdu: 1, ...footprintOf({ get: (k) => cards.get(k) }, [200, 200]) };
}

test("a lookup on a large catalog takes at most 4 range requests of at most 64 KiB", async () => {
  const random = seededRandom(14);
  const footprints = Array.from({ length: 30_000 }, (_, i) => syntheticFootprint(i, random));
  await assertLookups(await encodeIndex([], { footprints }), footprints.slice(0, 5));
});

/** Serve the index and find each target at its centre: found, in at most 4 reads of at most 64 KiB. */
async function assertLookups(index: Uint8Array, targets: readonly FootprintRecord[]): Promise<void> {
  const server = await startRangeServer();
  try {
    const served = serveObject(server, index);
    for (const target of targets) {
      const before = served.requests().length;
      const found = await findPosition(httpSource(served.url), { ra: target.ra, dec: target.dec });
      assert.ok(found.some((m) => m.path === target.path && m.covers), target.path);
      const requests = served.requests().slice(before);
      assert.ok(requests.length <= 4, `${requests.length} requests`);
      for (const request of requests) assert.ok(request.bytes <= 64 * 1024, `${request.bytes} bytes`);
    }
  } finally {
    await server.close();
  }
}

test("a catalog of more than 3,000 pages gets a node level, and a lookup still takes 4 reads", async () => {
  // Footprints padded with 16 KiB of incompressible text each (an unread keyword), so that a few
  // thousand of them fill more pages than one node may hold: the layout of a million-file catalog.
  const random = seededRandom(3);
  const letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const padding = () => Array.from({ length: 16384 }, () => letters[Math.floor(random() * 64)]).join("");
  const footprints = Array.from({ length: 4500 }, (_, i) => {
    const footprint = syntheticFootprint(i, random);
    return { ...footprint, keywords: `${footprint.keywords}\nNOTE='${padding()}'` };
  });
  const index = await encodeIndex([], { footprints });
  const places = skyPlaces(index, "padded")!;
  const root = await readSkyRoot((o, l) => Promise.resolve(index.subarray(o, o + l)), places, "padded");
  assert.equal(root.depth, 1, `${root.children.length} root children`);
  await assertLookups(index, footprints.slice(0, 4));
});
