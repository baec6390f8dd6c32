/**
 * The page in a real browser: headless Chromium loads `index.html?url=…` from `cloudfits serve`, reads
 * a fixture from the loopback range server on another origin (with CORS, and without), and the test
 * checks what the page shows against astropy's values, its canvas pixel by pixel, and its request count
 * against the plans and the server's log. Skipped, saying so, when Chromium is not installed.
 *
 * Runs under `deno test` and `bun test` (node:child_process, node:http and the built-in WebSocket).
 * `CLOUDFITS_SCREENSHOT=docs/web.png` saves the first view's screenshot there (the README's), and
 * `CLOUDFITS_SHOTS=DIR` keeps every screenshot in DIR to look at.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { countingSource, openFits } from "../../mod.ts";
// Only the type: the page's module runs in the browser.
import type { PageState as ShownState } from "../../web/app.ts";
import { openFileSource } from "../../src/source/file.ts";
import { startPageServer } from "../../cli/serve.ts";
import { startRangeServer } from "../_support/range_server.ts";
import { type BrowserPage, findChromium, launchChromium } from "../_support/chromium.ts";

const root = join(import.meta.dirname!, "..", "..");
const testdata = join(root, "testdata");
const chromium = findChromium();
const skip = chromium === undefined
  ? "Chromium not found (apt-get install chromium fonts-dejavu-core, or set CHROMIUM): browser tests skipped"
  : false;
if (skip) console.warn(`SKIPPED: ${skip}`);

/** The page's state once it has read something: a view, and the HDU selected. */
type PageState = ShownState & { view: NonNullable<ShownState["view"]>; hdu: number };

let browser: BrowserPage;
let shots: string;
const servers: { close(): Promise<void> }[] = [];
let page: Awaited<ReturnType<typeof startPageServer>>;
let bucket: Awaited<ReturnType<typeof startRangeServer>>;
let noCors: Awaited<ReturnType<typeof startRangeServer>>;
const tess = JSON.parse(await readFile(join(testdata, "tess_cube.expected.json"), "utf8"));

before(async () => {
  if (skip) return;
  execFileSync(join(root, "node_modules", ".bin", "deno"), ["run", "-A", "web/build.ts"], { cwd: root });
  page = await startPageServer({ dir: testdata });
  bucket = await startRangeServer({ root: testdata, cors: true });
  noCors = await startRangeServer({ root: testdata });
  servers.push(page, bucket, noCors);
  shots = process.env.CLOUDFITS_SHOTS ?? await mkdtemp(join(tmpdir(), "cloudfits-shots-"));
  browser = await launchChromium(chromium!, { width: 1280, height: 640 });
});

after(async () => {
  await browser?.close();
  await Promise.all(servers.map((server) => server.close()));
  if (shots && !process.env.CLOUDFITS_SHOTS) await rm(shots, { recursive: true, force: true });
});

/** Load the page for `query` and wait until it has finished reading (or failed). */
async function load(query: string): Promise<PageState> {
  await browser.goto(`${page.url}/index.html?${query}`);
  await browser.waitFor(
    "['ready', 'error'].includes(document.body.dataset.state) && globalThis.cloudfitsPage.state !== 'loading'",
    `the page to read ${query}`,
  );
  return browser.evaluate<PageState>("globalThis.cloudfitsPage");
}

/** The sections the page read: its tiles and its light curve. */
function readsOf(state: PageState) {
  return [
    ...state.tiles.map((tile) => tile.section),
    ...(state.lightCurve ? [state.lightCurve.section] : []),
  ];
}

/** Requests the plans say: the header walk (as a local read counts it) plus each tile and the light curve. */
async function plannedRequests(file: string, state: PageState): Promise<number> {
  await using local = await openFileSource(join(testdata, file));
  const counted = countingSource(local);
  const fits = await openFits(counted);
  const hdu = fits.hdu(state.hdu);
  return counted.stats.requests +
    readsOf(state).reduce((sum, section) => sum + hdu.plan(section).requests, 0);
}

/** Requests the library sends for the page's reads of the local file (the walk's bytes answer some). */
async function libraryRequests(file: string, state: PageState): Promise<number> {
  await using local = await openFileSource(join(testdata, file));
  const counted = countingSource(local);
  const fits = await openFits(counted);
  for (const section of readsOf(state)) await fits.hdu(state.hdu).section(section);
  return counted.stats.requests;
}

/** Astropy's flux of the TESS fixture at (row, column, frame), NaN as null. */
function flux(row: number, column: number, frame: number): number | null {
  const value = tess.hdus[1].sections[0].data[((row * 6 + column) * 8 + frame) * 2];
  return value === "NaN" ? null : value;
}

test(
  "a cube from a CORS bucket: HDUs, header, tiles, canvas pixels, light curve and requests",
  { skip },
  async () => {
    bucket.log.length = 0;
    const url = `${bucket.url}/tess_cube.fits`;
    const state = await load(`url=${encodeURIComponent(url)}&frame=4&pixel=3,2&tile=4`);
    assert.equal(state.error?.message, undefined);

    // The HDU list and the header table, as astropy reads them.
    assert.deepEqual(
      state.hdus.map((hdu) => [hdu.index, hdu.type, hdu.axes]),
      tess.hdus.map((hdu: { index: number; type: string; shape: number[] }) => [
        hdu.index,
        hdu.type,
        [...hdu.shape].reverse(),
      ]),
    );
    assert.equal(state.hdu, 1, "the first HDU with a picture");
    assert.deepEqual(state.cards, tess.hdus[1].cards);
    const rows = await browser.evaluate<string[][]>(
      "[...document.querySelectorAll('#cards tr')].map((row) => [...row.cells].map((cell) => cell.textContent))",
    );
    assert.equal(rows.length, tess.hdus[1].cards.length);
    assert.deepEqual(rows[0], ["XTENSION", '"IMAGE"', "Image extension"]);

    // The whole 6 × 5 picture of frame 4 (the flux plane), tiles of 4 × 4: four tile reads.
    assert.deepEqual(state.view.section, [[0, 5, 1], [0, 6, 1], 4, 0]);
    assert.deepEqual(state.view.shape, [5, 6]);
    const expected = Array.from({ length: 30 }, (_, i) => flux(Math.floor(i / 6), i % 6, 4));
    assert.deepEqual(state.view.values, expected);
    assert.equal(expected.filter((v) => v === null).length, 1, "flux(2, 3, 4) is NaN");
    assert.equal(state.tiles.length, 4);

    // The canvas, read back: each pixel's grey level between the limits, NaN transparent, row 0 at the bottom.
    const { origin, scale, limits: [lo, hi] } = state.view;
    const samples = await browser.evaluate<number[][]>(`(() => {
    const context = document.getElementById("image").getContext("2d");
    const out = [];
    for (let row = 0; row < 5; row++) for (let column = 0; column < 6; column++) {
      const x = ${origin[0]} + (column + 0.5) * ${scale};
      const y = ${origin[1]} - (row + 0.5) * ${scale};
      out.push([...context.getImageData(Math.floor(x), Math.floor(y), 1, 1).data]);
    }
    return out;
  })()`);
    samples.forEach(([r, g, b, a], i) => {
      const value = expected[i];
      if (value === null) return assert.equal(a, 0, `pixel ${i} is NaN: transparent`);
      const grey = Math.round(255 * Math.min(1, Math.max(0, (value - lo) / (hi - lo))));
      assert.deepEqual([r, g, b, a], [grey, grey, grey, 255], `pixel ${i} (value ${value})`);
    });

    // The light curve of x = 3, y = 2 (column 3, row 2): astropy's section [2, 3, :, 0], NaN at frame 4.
    assert.deepEqual(state.lightCurve?.pixel, [3, 2]);
    const lightCurve = tess.hdus[1].sections[1];
    assert.deepEqual(lightCurve.spec, [2, 3, null, 0]);
    assert.deepEqual(
      state.lightCurve?.values,
      lightCurve.data.map((v: number | string) => v === "NaN" ? null : v),
    );

    // Requests: what the page counted = what the bucket saw, all GETs with one range; the plans count every
    // read, and the small cube's were answered from the first read: one request in all.
    await bucket.idle();
    const seen = bucket.log.filter((entry) => entry.path === "/tess_cube.fits");
    assert.equal(state.requests, seen.length);
    assert.equal(seen.length, 1);
    assert.equal(state.planned, await plannedRequests("tess_cube.fits", state));
    assert.ok(state.planned > seen.length);
    assert.ok(seen.every((entry) => entry.method === "GET" && /^bytes=\d+-\d+$/.test(entry.range ?? "")));
    const shown = await browser.evaluate<string>("document.getElementById('traffic').textContent");
    assert.match(shown, new RegExp(`^${seen.length} requests? sent \\(${state.planned} planned\\)`));

    const screenshot = process.env.CLOUDFITS_SCREENSHOT ?? join(shots, "cube.png");
    await browser.screenshot(screenshot);
    assert.ok((await stat(screenshot)).size <= 100_000, "the README's screenshot stays small");
  },
);

test(
  "zoomed in on a corner, the page reads only the tiles on screen; zooming out reads the rest",
  { skip },
  async () => {
    bucket.log.length = 0;
    const url = `${bucket.url}/tess_cube.fits`;
    // Scale 128 centred on (1, 1): pixels 0-2 × 0-2 on screen, so one of the four 4 × 4 tiles.
    const state = await load(`url=${encodeURIComponent(url)}&tile=4&scale=128&center=1,1`);
    assert.deepEqual(state.tiles.map((tile) => tile.section), [[[0, 4, 1], [0, 4, 1], 0, 0]]);
    assert.deepEqual(state.view.section, [[0, 3, 1], [0, 3, 1], 0, 0]);
    assert.deepEqual(
      state.view.values,
      [0, 1, 2].flatMap((row) => [0, 1, 2].map((column) => flux(row, column, 0))),
    );
    assert.equal(state.requests, await libraryRequests("tess_cube.fits", state));

    await browser.evaluate("document.getElementById('zoom-out').click()");
    await browser.waitFor(
      "globalThis.cloudfitsPage.view.scale === 64 && globalThis.cloudfitsPage.state === 'ready'",
      "the zoomed-out view",
    );
    // Scale 64 about the same centre: pixels 0-4 × 0-3 on screen, so the tile to the right as well.
    const zoomed = await browser.evaluate<PageState>("globalThis.cloudfitsPage");
    assert.deepEqual(zoomed.view.section, [[0, 4, 1], [0, 5, 1], 0, 0]);
    assert.deepEqual(zoomed.tiles.map((tile) => tile.section), [
      [[0, 4, 1], [0, 4, 1], 0, 0],
      [[0, 4, 1], [4, 6, 1], 0, 0],
    ]);
    await bucket.idle();
    const seen = bucket.log.filter((entry) => entry.path === "/tess_cube.fits").length;
    assert.equal(zoomed.requests, seen);
    assert.equal(await libraryRequests("tess_cube.fits", zoomed), seen);
    await browser.screenshot(join(shots, "zoomed.png"));
  },
);

test("a relative URL is read from beside the page (cloudfits serve DIR)", { skip }, async () => {
  const mef = JSON.parse(await readFile(join(testdata, "mef_images.expected.json"), "utf8"));
  const state = await load("url=mef_images.fits&hdu=15&frame=2");
  assert.equal(state.error?.message, undefined);
  assert.equal(state.hdus.length, 16);
  assert.deepEqual(state.cards, mef.hdus[15].cards);
  // CUBE3D: NAXIS1 × NAXIS2 = 5 × 4 on screen, frame 2 of NAXIS3; astropy's whole array, plane 2.
  assert.deepEqual(state.view.section, [2, [0, 4, 1], [0, 5, 1]]);
  assert.deepEqual(state.view.values, mef.hdus[15].sections[0].data.slice(40, 60));
  assert.equal(state.requests, await libraryRequests("mef_images.fits", state));
});

test(
  "a local file picked in the page is read with Blob.slice, only the bytes planned",
  { skip },
  async () => {
    const mef = JSON.parse(await readFile(join(testdata, "mef_images.expected.json"), "utf8"));
    await browser.goto(`${page.url}/`);
    await browser.chooseFile("#file", join(testdata, "mef_images.fits"));
    await browser.waitFor("globalThis.cloudfitsPage.source === 'mef_images.fits'", "the file to open");
    await browser.waitFor("globalThis.cloudfitsPage.state === 'ready'", "the file to be read");
    const state = await browser.evaluate<PageState>("globalThis.cloudfitsPage");
    assert.deepEqual(
      state.hdus.map((hdu) => hdu.extname),
      mef.hdus.map((hdu: { extname: string }) => hdu.extname),
    );
    // The first HDU with a picture is the primary int16 image, 4 × 3: astropy's whole array.
    assert.equal(state.hdu, 0);
    assert.deepEqual(state.view.values, mef.hdus[0].sections[0].data);
    assert.equal(state.requests, await libraryRequests("mef_images.fits", state));
  },
);

test(
  "a bucket without CORS rules: 'possibly CORS' with the advice, after one request",
  { skip },
  async () => {
    noCors.log.length = 0;
    const state = await load(`url=${encodeURIComponent(`${noCors.url}/tess_cube.fits`)}`);
    assert.equal(state.state, "error");
    assert.equal(state.error?.code, "CORS");
    assert.match(state.error!.message, /possibly CORS/);
    assert.match(
      state.error!.message,
      /allow the Range request header and expose Content-Range, Content-Length and ETag/,
    );
    const shown = await browser.evaluate<string>("document.getElementById('status').textContent");
    assert.equal(shown, state.error!.message);
    await noCors.idle();
    assert.equal(noCors.log.length, 1, "one attempt: a browser refuses the same way every time");
    assert.equal(state.requests, 1);
    await browser.screenshot(join(shots, "no_cors.png"));
  },
);
