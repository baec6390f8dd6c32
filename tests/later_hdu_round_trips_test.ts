/**
 * Cold reads of a later HDU, whose header lies beyond the first read: the header of the HDU asked for is
 * read with the start of its data, so that the first rows of a TESS cube's frame table, or a small section
 * of a MEF's third image, cost no round trip of their own — through the library and the CLI, counted as
 * requests, ranges and waves on a loopback server that waits before answering. Values as astropy reads
 * testdata/tess_cube.fits (its `.expected.json`).
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { openFits, type OpenFitsOptions } from "../src/open.ts";
import { httpSource } from "../src/source/http.ts";
import { memorySource } from "../src/source/memory.ts";
import { walkHdus } from "../src/read/walk.ts";
import { buildHeader, formatCard } from "../src/fits/write.ts";
import { rowsToJson } from "../src/table_json.ts";
import { concatBytes } from "../src/_bytes.ts";
import { roundTrips, serveObject, startRangeServer } from "./_support/range_server.ts";
import { expected } from "./_support/fixtures.ts";
import { runCli } from "./_support/cli_io.ts";
import { FRAMES, tessLikeCube } from "./_support/tess_like_cube.ts";

const server = await startRangeServer({ latency: 40 });
after(() => server.close());

const FIRST_READ = "bytes=0-65535";
const TARGET_READ = 65536;
const HEADER_READ = 8 * 2880;

const cube = tessLikeCube();
const tableHeader = (await walkHdus(memorySource(cube))).hdus[2].headerOffset;
const COLUMNS = ["TSTART", "TSTOP", "DQUALITY", "FFI_FILE"];

/** astropy's values of the fixture's 8 rows, by column; row i of the cube's table holds row i % 8. */
const golden: Record<string, unknown[]> = Object.fromEntries(COLUMNS.map((name) => [
  name,
  expected("tess_cube").hdus[2].rows!.flatMap((range) => range.columns[name]),
]));

/** astropy's rows `[start, stop)` of the cube's table, by column. */
function goldenRows(start: number, stop: number): Record<string, unknown[]> {
  const rows = Array.from({ length: stop - start }, (_, i) => (start + i) % 8);
  return Object.fromEntries(COLUMNS.map((name) => [name, rows.map((row) => golden[name][row])]));
}

/** Rows of the cube's table read cold through the library: the values and the server's log. */
async function coldRows(options: OpenFitsOptions, start: number, stop: number) {
  const object = serveObject(server, cube);
  await using fits = await openFits(httpSource(object.url), options);
  const table = options.lazy ? await fits.open(2) : fits.hdu(2);
  const rows = await table.rows(start, stop, { columns: COLUMNS });
  assert.deepEqual(rowsToJson(rows), goldenRows(start, stop));
  await server.idle();
  const log = object.requests();
  return { waves: roundTrips(log), ranges: log.map((entry) => entry.range) };
}

test("rows 1–10 of a TESS-like cube's frame table: two round trips, the table's header with its first rows", async () => {
  const ranges = [FIRST_READ, `bytes=${tableHeader}-${tableHeader + TARGET_READ - 1}`];
  // As the bench opens it (maxHdus stops the walk at the table), and lazily, then open(2).
  for (const options of [{ maxHdus: 3 }, { lazy: true }]) {
    assert.deepEqual(await coldRows(options, 0, 10), { waves: 2, ranges }, JSON.stringify(options));
  }
  assert.ok(cube.length - tableHeader > TARGET_READ, "the read does not reach the file's end");
});

test("rows beyond what came with the header: one more request, of the bytes not held only", async () => {
  const data = tableHeader + 9 * 2880;
  const held = tableHeader + TARGET_READ;
  /** The byte range of the third request, the first of the rows read. */
  const rowsRead = async (start: number, stop: number) => {
    const { waves, ranges } = await coldRows({ lazy: true }, start, stop);
    assert.equal(waves, 3);
    const range = ranges[2] ?? "";
    const [, from, to] = /^bytes=(\d+)-(\d+)$/.exec(range)!.map(Number);
    assert.ok(to < data + stop * 778, range);
    return from;
  };
  // Rows 46–60 start in the bytes read with the header (rows 1–50) and end past them: only the rest is read.
  assert.equal(await rowsRead(45, 60), held);
  // Rows 1001–1010 lie beyond: their bytes, from the first column asked for in row 1001.
  const from = await rowsRead(1000, 1010);
  assert.ok(from >= data + 1000 * 778 && from < data + 1001 * 778, String(from));
});

test("targetRead sizes the read of the header asked for; a header read that must grow keeps what it read", async () => {
  // 8 blocks do not hold the table's 9-block header: it grows by 8 more, which hold rows 1–10.
  const { waves, ranges } = await coldRows({ maxHdus: 3, targetRead: HEADER_READ }, 0, 10);
  assert.deepEqual({ waves, ranges }, {
    waves: 3,
    ranges: [
      FIRST_READ,
      `bytes=${tableHeader}-${tableHeader + HEADER_READ - 1}`,
      `bytes=${tableHeader + HEADER_READ}-${tableHeader + 2 * HEADER_READ - 1}`,
    ],
  });
});

const WIDTH = 1000;
const HEIGHT = 300;
const imageBytes = Math.ceil((WIDTH * HEIGHT * 4) / 2880) * 2880;

/** An empty primary and three 1000 × 300 float32 images, A, B and C; value i of image k is k·10⁶ + i. */
function mefFile(): Uint8Array {
  const primary = buildHeader([
    formatCard("SIMPLE", true),
    formatCard("BITPIX", 8),
    formatCard("NAXIS", 0),
    formatCard("EXTEND", true),
  ]);
  const parts = [primary];
  for (const [k, name] of ["A", "B", "C"].entries()) {
    parts.push(buildHeader([
      formatCard("XTENSION", "IMAGE"),
      formatCard("BITPIX", -32),
      formatCard("NAXIS", 2),
      formatCard("NAXIS1", WIDTH),
      formatCard("NAXIS2", HEIGHT),
      formatCard("PCOUNT", 0),
      formatCard("GCOUNT", 1),
      formatCard("EXTNAME", name),
    ]));
    const data = new Uint8Array(imageBytes);
    const view = new DataView(data.buffer);
    for (let i = 0; i < WIDTH * HEIGHT; i++) view.setFloat32(4 * i, (k + 1) * 1e6 + i);
    parts.push(data);
  }
  return concatBytes(parts);
}

const mef = mefFile();
/** Where the headers of B (HDU 2) and C (HDU 3) start. */
const [headerB, headerC] = [2880 + 2880 + imageBytes, 2880 + 2 * (2880 + imageBytes)];
/** Rows 0–9, columns 0–9 of C: what `[3][1:10,1:10]` selects. */
const cornerOfC = Array.from({ length: 100 }, (_, i) => 3e6 + Math.floor(i / 10) * WIDTH + (i % 10));
/** The reads of a walk to C, its own header read with the start of its data. */
const walkToC = [
  FIRST_READ,
  `bytes=${headerB}-${headerB + HEADER_READ - 1}`,
  `bytes=${headerC}-${headerC + TARGET_READ - 1}`,
];

test("a 10 × 10 section of a MEF's third image: a round trip per header, none more for the data", async () => {
  for (const key of [3, "C"]) {
    const object = serveObject(server, mef);
    await using fits = await openFits(httpSource(object.url), { lazy: true });
    const image = await fits.open(key);
    const section = await image.section([[0, 10], [0, 10]]);
    assert.deepEqual([...section.data], cornerOfC);
    await server.idle();
    const log = object.requests();
    // By name, B's header is read as a candidate too: with the start of its data.
    const expected = key === 3
      ? walkToC
      : [walkToC[0], `bytes=${headerB}-${headerB + TARGET_READ - 1}`, walkToC[2]];
    assert.deepEqual([roundTrips(log), log.map((entry) => entry.range)], [3, expected], String(key));
  }
});

/** Run the CLI against a fresh copy of `bytes` on the server: its output and its server log. */
async function cliRead(bytes: Uint8Array, args: (url: string) => string[]) {
  const object = serveObject(server, bytes);
  const run = await runCli(args(object.url));
  assert.equal(run.code, 0, run.stderr);
  await server.idle();
  const log = object.requests();
  return { stdout: run.stdout, waves: roundTrips(log), ranges: log.map((entry) => entry.range) };
}

test("cloudfits table URL[2][col …] --rows 1:10 of a TESS-like cube: two round trips", async () => {
  const cold = await cliRead(
    cube,
    (url) => ["table", `${url}[2][col ${COLUMNS.join(";")}]`, "--rows", "1:10", "--json"],
  );
  const rows = JSON.parse(cold.stdout) as Record<string, unknown>[];
  const columns = goldenRows(0, 10);
  assert.deepEqual(
    rows,
    rows.map((_, i) => Object.fromEntries(COLUMNS.map((name) => [name, columns[name][i]]))),
  );
  assert.equal(rows.length, 10);
  assert.deepEqual([cold.waves, cold.ranges], [2, [
    FIRST_READ,
    `bytes=${tableHeader}-${tableHeader + TARGET_READ - 1}`,
  ]]);
});

test("cloudfits cutout URL[3][1:10,1:10] of a MEF: a round trip per header, none more for the data", async () => {
  const cold = await cliRead(mef, (url) => ["cutout", `${url}[3][1:10,1:10]`, "--json", "-o", "-"]);
  assert.deepEqual((JSON.parse(cold.stdout) as { data: number[] }).data, cornerOfC);
  assert.deepEqual([cold.waves, cold.ranges], [3, walkToC]);
});

test("cloudfits header URL[2] and plan read no data: the table's header as any header, 8 blocks, then the rest", async () => {
  const headerOnly = [
    FIRST_READ,
    `bytes=${tableHeader}-${tableHeader + HEADER_READ - 1}`,
    `bytes=${tableHeader + HEADER_READ}-${tableHeader + 2 * HEADER_READ - 1}`,
  ];
  const header = await cliRead(cube, (url) => ["header", `${url}[2]`]);
  assert.match(header.stdout, /^XTENSION= 'BINTABLE'/);
  assert.match(header.stdout, new RegExp(`NAXIS2  = +${FRAMES} `));
  assert.deepEqual([header.waves, header.ranges], [3, headerOnly]);
  const plan = await cliRead(
    cube,
    (url) => ["plan", `${url}[2][col ${COLUMNS.join(";")}]`, "--rows", "1:10"],
  );
  assert.match(plan.stdout, /1 request/);
  assert.deepEqual([plan.waves, plan.ranges], [3, headerOnly]);
});
