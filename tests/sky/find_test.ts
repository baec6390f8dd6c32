/**
 * `find`: HEALPix cells against astropy_healpix, matches against astropy's all_world2pix on the WCS
 * fixtures (tools/make_find_fixtures.py), and the reads a lookup costs on a catalog served over HTTP.
 */
import { SectionType } from "../../src/index_format/_layout.ts";
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildIndex } from "../../src/indexer/build_index.ts";
import { encodeIndex } from "../../src/index_format/encode.ts";
import { cellCentre, cellOf, cellRadius, separation } from "../../src/index_format/healpix.ts";
import { layoutIndex } from "../../src/index_format/_assemble.ts";
import { concatBytes } from "../../src/_bytes.ts";
import type { FootprintRecord } from "../../src/index_format/sky_cells.ts";
import { parseSkyBlock } from "../../src/index_format/sky_decode.ts";
import { eachFootprint, readSkyRoot, skyPlaces } from "../../src/index_format/sky_read.ts";
import type { CloudFitsError } from "../../src/errors.ts";
import { findPosition } from "../../src/find.ts";
import { httpSource } from "../../src/source/http.ts";
import { localFileAccess } from "../../src/source/file.ts";
import { seededRandom, serveObject, startRangeServer } from "../_support/range_server.ts";
import { runCli } from "../_support/cli_io.ts";
import { syntheticFootprint } from "../_support/footprints.ts";

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

test("a lookup in a dense catalog of mixed sizes takes at most 4 range requests of at most 64 KiB", async () => {
  // The bench's mix (bench/find_scale.ts) packed into a 20° square: every 100th footprint a TESS CCD
  // (12°, filed at order 3), the rest 0.06°–0.5° images (orders 7–10, filed at 7), dense enough that
  // a block's node points at several pages, as on a uniform sky of about a million footprints.
  const random = seededRandom(14);
  const footprints = Array.from({ length: 3000 }, (_, i) => {
    const large = i % 100 === 0;
    const [ra, dec] = [40 + random() * 20, 10 + random() * 20];
    const path = `${large ? "tess" : "images"}/${String(i).padStart(5, "0")}.fits`;
    return large
      ? syntheticFootprint(path, ra, dec, 2048, 21 / 3600)
      : syntheticFootprint(path, ra, dec, 2000, (0.1 + random() * 0.8) / 3600);
  });
  const index = await encodeIndex([], { footprints });
  const read = (o: number, l: number) => Promise.resolve(index.subarray(o, o + l));
  const places = skyPlaces(index, "mixed")!;
  const root = await readSkyRoot(read, places, "mixed");
  assert.deepEqual([root.version, root.orders, root.blockOrder], [2, [3, 7], 3]);
  const blocks = await Promise.all(
    root.children.map(async (child) =>
      parseSkyBlock(await read(places.cells.offset + child.offset, child.length), "mixed")
    ),
  );
  assert.ok(blocks.some((block) => block.inline.length > 0 && block.pages.length >= 3), "a node with pages");
  const points = Array.from({ length: 4 }, () => ({ ra: 42 + random() * 16, dec: 12 + random() * 16 }));
  const [requests, largest] = await assertLookups(index, [
    ...footprints.filter((_, i) => i % 100 === 0).slice(0, 4),
    ...footprints.slice(1, 5),
  ], points);
  // SKY lies just after the (here empty) leaves, so the first read holds the root; a catalog with a
  // large file directory reads the root on its own: 4.
  assert.equal(requests, 3, "the first read, a node and a page");
  assert.ok(largest > 16384, `${largest} bytes: a page was read`);
  // A cone across several blocks: every footprint whose centre lies within it is found.
  const near = await findPosition(index, { ra: 50, dec: 20, radius: 6 });
  const expected = footprints.filter((f) => separation(50, 20, f.ra, f.dec) <= 6).map((f) => f.path);
  assert.ok(expected.length > 500, `${expected.length} footprints near`);
  assert.deepEqual(expected.filter((path) => !near.some((m) => m.path === path)), []);
});

/**
 * Serve the index and find each target at its centre (found) and each point: at most 4 reads of at
 * most 64 KiB each. Returns the most requests and the largest request of a lookup.
 */
async function assertLookups(
  index: Uint8Array,
  targets: readonly FootprintRecord[],
  points: readonly { path?: string; ra: number; dec: number }[] = [],
): Promise<[number, number]> {
  const server = await startRangeServer();
  let [most, largest] = [0, 0];
  try {
    const served = serveObject(server, index);
    for (const target of [...targets, ...points] as { path?: string; ra: number; dec: number }[]) {
      const before = served.requests().length;
      const found = await findPosition(httpSource(served.url), { ra: target.ra, dec: target.dec });
      if (target.path) assert.ok(found.some((m) => m.path === target.path && m.covers), target.path);
      const requests = served.requests().slice(before);
      assert.ok(requests.length <= 4, `${requests.length} requests`);
      for (const request of requests) assert.ok(request.bytes <= 64 * 1024, `${request.bytes} bytes`);
      most = Math.max(most, requests.length);
      largest = Math.max(largest, ...requests.map((request) => request.bytes));
    }
  } finally {
    await server.close();
  }
  return [most, largest];
}

test("an index of the older sky layout is read whole but refused by find, with a clear message", async () => {
  // Version 1: records 0, orders 0, depth 0, a root node of no children; SKY_CELLS empty.
  const { head, tail } = layoutIndex({
    createdMs: 0,
    requiredFlags: 0,
    optionalFlags: 0,
    meta: new Uint8Array([0, 0]),
    leaves: [],
    fileCount: 0,
    extraSections: [
      { type: SectionType.SKY, flags: 0, bytes: new Uint8Array([1, 0, 0, 0, 0]) },
      { type: SectionType.SKY_CELLS, flags: 0, bytes: new Uint8Array(0) },
    ],
  });
  const index = concatBytes([head, tail]);
  const read = (o: number, l: number) => Promise.resolve(index.subarray(o, o + l));
  assert.deepEqual(await Array.fromAsync((await eachFootprint(read, index, "old.cfidx"))!), []);
  await assert.rejects(
    findPosition(index, { ra: 10, dec: 20 }),
    (error: CloudFitsError) => error.code === "UNSUPPORTED" && /older layout: re-index/.test(error.message),
  );
});
