/**
 * Sequential round trips of cold reads, counted as waves of requests on a loopback server that waits
 * before answering: a TESS-like cube's light curve and a cutout of an image, each followed by another
 * HDU, opened eagerly, lazily and from an index, through the library and the CLI; and a small file,
 * which the first read holds whole, read in one request. A light curve by sky position reads the
 * cube's end (its frame table) with the first read: two round trips, with fallbacks where the suffix
 * does not hold the table or the server does not answer it.
 */
import { after, test } from "node:test";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import assert from "node:assert/strict";
import { openFits, type OpenFitsOptions } from "../src/open.ts";
import { lightCurve } from "../src/light_curve.ts";
import { httpSource } from "../src/source/http.ts";
import { memorySource } from "../src/source/memory.ts";
import { walkHdus } from "../src/read/walk.ts";
import { buildHeader, formatCard } from "../src/fits/write.ts";
import { concatBytes } from "../src/_bytes.ts";
import type { SectionSpec } from "../src/plan/image_section.ts";
import { type Fault, roundTrips, serveObject, startRangeServer } from "./_support/range_server.ts";
import { testdataFile } from "./_support/fixtures.ts";
import { FRAMES, tessLikeCube } from "./_support/tess_like_cube.ts";
import { runCli } from "./_support/cli_io.ts";

const server = await startRangeServer({ latency: 40 });
after(() => server.close());

/** An empty primary, a 1000 × 1000 float32 image (value i = i) and a small image after it. */
function imageFile(): Uint8Array {
  const image = (name: string, side: number) =>
    buildHeader([
      formatCard("XTENSION", "IMAGE"),
      formatCard("BITPIX", -32),
      formatCard("NAXIS", 2),
      formatCard("NAXIS1", side),
      formatCard("NAXIS2", side),
      formatCard("PCOUNT", 0),
      formatCard("GCOUNT", 1),
      formatCard("EXTNAME", name),
    ]);
  const data = new Uint8Array(Math.ceil((1000 * 1000 * 4) / 2880) * 2880);
  const view = new DataView(data.buffer);
  for (let i = 0; i < 1000 * 1000; i++) view.setFloat32(4 * i, i);
  const primary = buildHeader([
    formatCard("SIMPLE", true),
    formatCard("BITPIX", 8),
    formatCard("NAXIS", 0),
    formatCard("EXTEND", true),
  ]);
  return concatBytes([primary, image("SCI", 1000), data, image("ERR", 10), new Uint8Array(2880)]);
}

interface Case {
  name: string;
  bytes: Uint8Array;
  hdu: number;
  spec: SectionSpec;
  /** The value at each output position. */
  expect: (i: number) => number;
  length: number;
  /** Requests of the walk to the HDU after the one read: its header takes two when it is over 8 blocks. */
  laterHeaderReads: number;
}

const cases: Case[] = [
  {
    name: "a 5 × 5 light curve of a TESS-like cube",
    bytes: tessLikeCube(),
    hdu: 1,
    spec: [[0, 5], [0, 5], null, 0],
    length: 5 * 5 * FRAMES,
    laterHeaderReads: 2, // the table's header has 9 blocks
    // Output in C order (row, column, frame); the value is the element's index in the file.
    expect: (i) =>
      2 * ((Math.floor(i / (5 * FRAMES)) * 6 + Math.floor(i / FRAMES) % 5) * FRAMES + i % FRAMES),
  },
  {
    name: "a 100 × 100 cutout of an image",
    bytes: imageFile(),
    hdu: 1,
    spec: [[450, 550], [300, 400]],
    length: 100 * 100,
    laterHeaderReads: 1,
    expect: (i) => (450 + Math.floor(i / 100)) * 1000 + 300 + (i % 100),
  },
];

async function coldRead(item: Case, options: OpenFitsOptions): Promise<{ waves: number; requests: number }> {
  const object = serveObject(server, item.bytes);
  await using fits = await openFits(httpSource(object.url), options);
  const handle = options.lazy ? await fits.open(item.hdu) : fits.hdu(item.hdu);
  const section = await handle.section(item.spec);
  assert.equal(section.data.length, item.length);
  for (const i of [0, 1, item.length - 1]) assert.equal(section.data[i], item.expect(i), `value ${i}`);
  await server.idle();
  return { waves: roundTrips(object.requests()), requests: object.requests().length };
}

for (const item of cases) {
  test(`${item.name}: eager open walks every header first, a round trip per header read more`, async () => {
    const extra = item.laterHeaderReads;
    assert.deepEqual(await coldRead(item, {}), { waves: 2 + extra, requests: 2 + extra });
  });

  test(`${item.name}: a lazy open reads at the floor, two round trips`, async () => {
    assert.deepEqual(await coldRead(item, { lazy: true }), { waves: 2, requests: 2 });
  });

  test(`${item.name}: with the HDUs from an index, one round trip`, async () => {
    const { hdus } = await walkHdus(memorySource(item.bytes));
    assert.deepEqual(await coldRead(item, { hdus }), { waves: 1, requests: 1 });
  });

  test(`${item.name}: the rest of the headers, walked together with the section, overlaps it`, async () => {
    const object = serveObject(server, item.bytes);
    await using fits = await openFits(httpSource(object.url), { lazy: true });
    assert.equal(fits.complete, false);
    const handle = await fits.open(item.hdu);
    const [hdus] = await Promise.all([fits.allHdus(), handle.section(item.spec)]);
    assert.equal(hdus.length, 3);
    await server.idle();
    const extra = item.laterHeaderReads;
    assert.deepEqual([roundTrips(object.requests()), object.requests().length], [1 + extra, 2 + extra]);
  });
}

test("roundTrips counts waves, not requests", () => {
  const entry = (received: number, answered: number) => ({ received, answered }) as never;
  assert.equal(roundTrips([]), 0);
  assert.equal(roundTrips([entry(0, 40), entry(1, 41), entry(2, 42)]), 1, "three requests sent together");
  assert.equal(roundTrips([entry(0, 40), entry(41, 81), entry(42, 82), entry(90, 130)]), 3);
});

test("a lazily opened file finds a later HDU by name on demand; hdu() says how to walk on", async () => {
  const object = serveObject(server, cases[1].bytes);
  await using fits = await openFits(httpSource(object.url), { lazy: true });
  assert.deepEqual(fits.hdus.map((hdu) => hdu.extname ?? ""), [""]);
  assert.equal((await fits.open("SCI")).info.index, 1, "its header is in the first read");
  assert.throws(() => fits.hdu("ERR"), { code: "NOT_FOUND", message: /await fits\.open\("ERR"\) walks on/ });
  assert.deepEqual((await fits.open("ERR")).info.axes, [10, 10]);
  assert.ok(fits.complete);
  await assert.rejects(fits.open("DQ"), { code: "NOT_FOUND" });
  assert.equal(object.requests().length, 2, "the first read, then the header of ERR");
});

test("a small file is fetched once: the first read holds the section, eager or lazy", async () => {
  const bytes = testdataFile("tess_cube.fits");
  for (const lazy of [false, true]) {
    const object = serveObject(server, bytes);
    await using fits = await openFits(httpSource(object.url), { lazy });
    const pixel = await (await fits.open(1)).section([2, 3, null, 0]);
    assert.deepEqual([...pixel.data.subarray(0, 2)], [2030.5, 2031.5]);
    const quality = await (await fits.open(2)).rows(0, 8, { columns: ["DQUALITY"] });
    assert.deepEqual([...quality.columns.DQUALITY.values as Int32Array], [32, 0, 0, 0, 0, 128, 0, 0]);
    assert.deepEqual(object.requests().map((entry) => entry.range), [`bytes=0-65535`], `lazy: ${lazy}`);
  }
});

test("beyond the first read, reads go to the server: the bytes kept are only the first read's", async () => {
  const object = serveObject(server, cases[1].bytes);
  await using fits = await openFits(httpSource(object.url), { lazy: true });
  const image = await fits.open(1);
  // Row 0 of SCI starts at 5760, inside the first 64 KiB; row 100 does not.
  assert.deepEqual([...(await image.section([0, [0, 2]])).data], [0, 1]);
  assert.equal(object.requests().length, 1);
  assert.deepEqual([...(await image.section([100, [0, 2]])).data], [100_000, 100_001]);
  assert.equal(object.requests().length, 2);
});

/** Where the third HDU's header starts: after the primary's and the image's headers and the image's data. */
const ERR_HEADER_OFFSET = 2880 * 2 + Math.ceil((1000 * 1000 * 4) / 2880) * 2880;

/** A primary, an image, and a third header that is not FITS: the damage is found only when it is reached. */
function damagedAfterImage(): Uint8Array {
  const file = cases[1].bytes.slice();
  file.set(new TextEncoder().encode(formatCard("BITPIX", 7)), ERR_HEADER_OFFSET + 80);
  return file;
}

test("a damaged later header fails the reads that reach it, not a lazy read before it", async () => {
  const object = serveObject(server, damagedAfterImage());
  await assert.rejects(openFits(httpSource(object.url)), { code: "BAD_HEADER" }, "an eager open walks to it");
  const eagerRequests = object.requests().length;
  const lazyRanges = () => object.requests().slice(eagerRequests).map((entry) => entry.range);
  await using fits = await openFits(httpSource(object.url), { lazy: true });
  const cutout = await (await fits.open("SCI")).section([[0, 1], [0, 3]]);
  assert.deepEqual([...cutout.data], [0, 1, 2]);
  assert.deepEqual(lazyRanges(), ["bytes=0-65535"], "the cutout is in the first read: nothing beyond it");
  await assert.rejects(fits.open(2), { code: "BAD_HEADER" });
  assert.match(lazyRanges()[1] ?? "", new RegExp(`^bytes=${ERR_HEADER_OFFSET}-`), "then the damaged header");
  await assert.rejects(fits.allHdus(), { code: "BAD_HEADER" }, "and again when asked again");
  assert.equal(fits.complete, false);
});

/** testdata/mef_images.fits compressed whole with gzip. */
async function gzippedMef(): Promise<Uint8Array> {
  return new Uint8Array(
    await new Response(
      new Blob([testdataFile("mef_images.fits") as Uint8Array<ArrayBuffer>]).stream()
        .pipeThrough(new CompressionStream("gzip")),
    ).arrayBuffer(),
  );
}

test("a gzip file and a truncated last HDU open lazily as they open eagerly", async () => {
  const gzip = await gzippedMef();
  await using zipped = await openFits(memorySource(gzip, "mef.fits.gz"), { lazy: true });
  assert.equal(zipped.hdus.length, 1);
  await using eager = await openFits(memorySource(gzip, "mef.fits.gz"));
  assert.deepEqual(
    await (await zipped.open("CUBE3D")).section([0, null, [0, 2]]),
    await eager.hdu("CUBE3D").section([0, null, [0, 2]]),
  );
  assert.equal((await zipped.allHdus()).length, 16);

  // ERR keeps its header and 200 of its 400 bytes of data.
  const cut = cases[1].bytes.subarray(0, cases[1].bytes.length - 2880 + 200);
  await using truncated = await openFits(memorySource(cut), { lazy: true });
  assert.deepEqual(truncated.warnings, []);
  await truncated.allHdus();
  assert.match(truncated.warnings.join("\n"), /HDU 2 is truncated/);
  await assert.rejects(truncated.hdu(2).section([9, [0, 10]]), { code: "TRUNCATED" });
});

const scratch = await mkdtemp(join(tmpdir(), "cloudfits-round-trips-"));
after(() => rm(scratch, { recursive: true, force: true }));

/** Run the CLI against a fresh copy of `bytes` on the server: its output and its round trips. */
async function cliRead(
  bytes: Uint8Array,
  args: (url: string) => string[],
): Promise<{ stdout: string; waves: number; requests: number }> {
  const object = serveObject(server, bytes);
  const run = await runCli(args(object.url));
  assert.equal(run.code, 0, run.stderr);
  await server.idle();
  return { stdout: run.stdout, waves: roundTrips(object.requests()), requests: object.requests().length };
}

const cliCases = [
  { name: "the cube's 5 × 5 light curve", item: cases[0], select: ["[1][1:1,*,1:5,1:5]", "[1:1,*,1:5,1:5]"] },
  {
    name: "the 100 × 100 cutout",
    item: cases[1],
    select: ["[1][301:400,451:550]", "[SCI][301:400,451:550]", "[301:400,451:550]"],
  },
];

for (const { name, item, select } of cliCases) {
  test(`cloudfits cutout, ${name}: two round trips cold (HDU by number, by name, or the first image)`, async () => {
    for (const brackets of select) {
      const cold = await cliRead(item.bytes, (url) => ["cutout", `${url}${brackets}`, "--json", "-o", "-"]);
      const { data } = JSON.parse(cold.stdout) as { data: number[] };
      assert.equal(data.length, item.length, brackets);
      assert.deepEqual([data[0], data[item.length - 1]], [item.expect(0), item.expect(item.length - 1)]);
      assert.deepEqual([cold.waves, cold.requests], [2, 2], brackets);
    }
  });

  test(`cloudfits cutout --index, ${name}: one round trip`, async () => {
    const object = serveObject(server, item.bytes);
    const index = join(scratch, `${item.length}.cfidx`);
    assert.equal((await runCli(["index", object.url, "-o", index])).code, 0);
    await server.idle();
    const indexing = object.requests().length;
    const run = await runCli(["cutout", "--index", index, `${object.url}${select[0]}`, "--json", "-o", "-"]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal((JSON.parse(run.stdout) as { data: number[] }).data.length, item.length);
    await server.idle();
    const indexed = object.requests().slice(indexing);
    assert.deepEqual([roundTrips(indexed), indexed.length], [1, 1]);
  });
}

test("cloudfits lightcurve of a TESS-like cube: the frame table (it holds the WCS), then the pixels", async () => {
  const cube = tessLikeCube();
  const args = (url: string) => [
    "lightcurve",
    url,
    ...["--ra", "35.27524804", "--dec", "-36.06773067", "--size", "5", "--format", "csv", "-o", "-"],
  ];
  // The first read and the file's last 2 MiB (the table's header and the table); the pixels the WCS picks.
  const cold = await cliRead(cube, args);
  assert.equal(
    cold.stdout.trim().split("\n").length,
    2 + FRAMES,
    "a line of units, the column names, the frames",
  );
  assert.deepEqual([cold.waves, cold.requests], [2, 3]);

  const object = serveObject(server, cube);
  const index = join(scratch, "cube.cfidx");
  assert.equal((await runCli(["index", object.url, "-o", index])).code, 0);
  await server.idle();
  const indexing = object.requests().length;
  const run = await runCli([...args(object.url), "--index", index]);
  const withoutName = (csv: string) => csv.replace(/^#.*\n/, "");
  assert.equal(withoutName(run.stdout), withoutName(cold.stdout));
  await server.idle();
  const indexed = object.requests().slice(indexing);
  // The index holds the frame summary (times, quality, the WCS row): only the pixels are read.
  assert.deepEqual([roundTrips(indexed), indexed.length], [1, 1]);
});

test("lightcurve --targets: the first target reads the frame table, the others then run side by side", async () => {
  const object = serveObject(server, tessLikeCube());
  const position = ["--ra", "35.27524804", "--dec", "-36.06773067", "--size", "5", "--format", "csv"];
  const single = await runCli(["lightcurve", object.url, ...position, "-o", "-"]);
  assert.equal(single.code, 0, single.stderr);
  await server.idle();
  server.log.length = 0;
  const names = Array.from({ length: 9 }, (_, i) => `star${i}`);
  const list = join(scratch, "targets.csv");
  await writeFile(
    list,
    `name,ra,dec\n${names.map((name) => `${name},${position[1]},${position[3]}`).join("\n")}\n`,
  );
  const out = join(scratch, "curves");
  await mkdir(out);
  const run = await runCli(["lightcurve", object.url, "--targets", list, "--size", "5", "-o", `${out}/`]);
  assert.equal(run.code, 0, run.stderr);
  const withoutName = (csv: string) => csv.replace(/^#.*\n/, "");
  for (const name of names) {
    assert.equal(withoutName(await readFile(join(out, `${name}.csv`), "utf8")), withoutName(single.stdout));
  }
  await server.idle();
  // Round 1: the first read and the suffix; round 2: the first target's pixels; round 3: the other eight's.
  const log = object.requests();
  assert.deepEqual([roundTrips(log), log.length], [3, 2 + names.length]);
});

test("tailRead: a later header read together with the rest of the object serves that HDU's data", async () => {
  const cube = cases[0].bytes;
  const object = serveObject(server, cube);
  await using fits = await openFits(httpSource(object.url), { lazy: true, tailRead: 8 * 2 ** 20 });
  const table = await fits.open(2);
  const quality = await table.rows(0, FRAMES, { columns: ["DQUALITY"] });
  assert.deepEqual([...(quality.columns.DQUALITY.values as Int32Array).subarray(0, 8)], [
    32,
    0,
    0,
    0,
    0,
    128,
    0,
    0,
  ]);
  const ranges = object.requests().map((entry) => entry.range);
  assert.deepEqual(ranges, ["bytes=0-65535", `bytes=${table.info.headerOffset}-${cube.length - 1}`]);
});

/** Where the light curves below look: pixel (2.3, 1.7) of the cube, a 5 × 5 box. */
const POSITION = { ra: 35.27524804, dec: -36.06773067, size: 5 };
/** The suffix `cloudfits lightcurve` reads with the first read. */
const SUFFIX = 2 * 2 ** 20;
const expectedFlux = (await lightCurve(await openFits(memorySource(cases[0].bytes)), POSITION)).flux;

/** A cold light curve of the TESS-like cube: its server log, checked against the curve read from memory. */
async function coldLightCurve(options: OpenFitsOptions, fault?: Fault) {
  const object = serveObject(server, cases[0].bytes, { fault });
  await using fits = await openFits(httpSource(object.url), options);
  await fits.allHdus(); // a lazy open walks on (a light curve needs every HDU)
  const curve = await lightCurve(fits, POSITION);
  assert.deepEqual(curve.flux, expectedFlux);
  await server.idle();
  const log = object.requests();
  return { log, waves: roundTrips(log), ranges: log.map((entry) => entry.range) };
}

const size = cases[0].bytes.length;
const tableHeader = (await walkHdus(memorySource(cases[0].bytes))).hdus[2].headerOffset;

test("a light curve by sky position with suffixRead: two round trips, the frame table from the file's end", async () => {
  for (const lazy of [false, true]) {
    const { log, waves, ranges } = await coldLightCurve({ suffixRead: SUFFIX, lazy });
    assert.equal(waves, 2, `lazy: ${lazy}`);
    // Round 1: the first read and the last 2 MiB, which hold HDU 2's header and table; round 2: the box.
    assert.deepEqual(ranges.slice(0, 2).sort(), ["bytes=-2097152", "bytes=0-65535"]);
    assert.equal(ranges.length, 3, "one request for the box's rows");
    assert.ok(size - SUFFIX < tableHeader, "the suffix holds the table's header");
    const pixels = log[2].bytes;
    assert.equal(log.reduce((sum, entry) => sum + entry.bytes, 0), 65536 + SUFFIX + pixels);
    assert.ok(pixels < 5 * 6 * FRAMES * 2 * 4, `${pixels} B of pixels`);
  }
  // Without it, the table's header and the table are a round trip of their own.
  assert.equal((await coldLightCurve({ lazy: true, tailRead: 16 * 2 ** 20 })).waves, 3);
});

test("a suffix that does not reach the table's header: the usual read, of only the bytes in front of it", async () => {
  const suffix = 1024 * 1024;
  const { log, waves, ranges } = await coldLightCurve({ suffixRead: suffix, tailRead: 16 * 2 ** 20 });
  assert.equal(waves, 3);
  assert.deepEqual(ranges.slice(0, 2).sort(), [`bytes=-${suffix}`, "bytes=0-65535"]);
  assert.equal(ranges[2], `bytes=${tableHeader}-${size - suffix - 1}`, "no byte of the suffix read again");
  assert.equal(log.length, 4);
  assert.equal(log.reduce((sum, entry) => sum + entry.bytes, 0), 65536 + (size - tableHeader) + log[3].bytes);
});

test("a server that answers a suffix range with 200 or 416: the light curve reads as without it", async () => {
  for (const answer of ["ignore", "416"] as const) {
    const { log, waves, ranges } = await coldLightCurve(
      { suffixRead: SUFFIX, tailRead: 16 * 2 ** 20 },
      { kind: "suffix-range", answer },
    );
    assert.equal(waves, 3, answer);
    const refused = log.find((entry) => entry.range === `bytes=-${SUFFIX}`)!;
    assert.equal(refused.status, answer === "ignore" ? 200 : 416);
    assert.equal(ranges[2], `bytes=${tableHeader}-${size - 1}`, answer);
    assert.equal(log.length, 4, answer);
  }
});

test("an object that changed between the first read and the suffix is STALE, never mixed bytes", async () => {
  for (const answer of ["new-etag", "grown"] as const) {
    await assert.rejects(
      coldLightCurve({ suffixRead: SUFFIX }, { kind: "suffix-range", answer }),
      { code: "STALE", message: /changed while reading/ },
      answer,
    );
  }
});

test("cloudfits lightcurve --index with the index served remotely: the index in one request, then the rows", async () => {
  const object = serveObject(server, cases[0].bytes);
  const local = join(scratch, "remote.cfidx");
  assert.equal((await runCli(["index", object.url, "-o", local])).code, 0);
  const indexBytes = new Uint8Array(await readFile(local));
  const index = serveObject(server, indexBytes);
  await server.idle();
  const indexing = object.requests().length;
  const run = await runCli([
    "lightcurve",
    object.url,
    ...["--ra", String(POSITION.ra), "--dec", String(POSITION.dec), "--size", "5", "-o", "-"],
    ...["--index", index.url],
  ]);
  assert.equal(run.code, 0, run.stderr);
  await server.idle();
  assert.deepEqual(index.requests().map((entry) => entry.range), ["bytes=0-65535"]);
  const cube = object.requests().slice(indexing);
  assert.deepEqual([roundTrips(cube), cube.length], [1, 1], "the box's rows, in one request");
});

test("a gzip file drops the suffix read (its bytes are compressed) and opens as without it", async () => {
  const object = serveObject(server, await gzippedMef());
  await using fits = await openFits(httpSource(object.url), { suffixRead: SUFFIX });
  assert.equal(fits.hdus.length, 16);
  assert.deepEqual(object.requests().map((entry) => entry.range).sort(), ["bytes=-2097152", "bytes=0-65535"]);
});
