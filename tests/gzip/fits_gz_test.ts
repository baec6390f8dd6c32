/**
 * Whole-file gzip FITS (`.fits.gz`): the fixtures read as astropy reads them, locally and over HTTP; a
 * remote file streams from its start until it is indexed, and then a cutout reads only from the nearest
 * access point; reads are planned and limited in compressed bytes.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { openFits, rowsToJson } from "../../mod.ts";
import { localFileAccess } from "../../src/source/file.ts";
import { buildHeader, formatCard } from "../../src/fits/write.ts";
import { encodeIndex } from "../../src/index_format/encode.ts";
import { openIndex } from "../../src/open_index.ts";
import { httpSource } from "../../src/source/http.ts";
import { gzipSource, isGzipSource } from "../../src/source/gzip.ts";
import { walkFile } from "../../src/walk_file.ts";
import { rejectsWith } from "../_support/expect_error.ts";
import { startRangeServer } from "../_support/range_server.ts";

interface ExpectedHdu {
  index: number;
  hdrLoc: number;
  datLoc: number;
  shape?: number[];
  data?: (number | string)[];
  rows?: number;
  columns?: Record<string, unknown[]>;
}
const expected: { files: Record<string, ExpectedHdu[]> } = JSON.parse(
  readFileSync("testdata/gzip/expected.json", "utf8"),
);

test("each .fits.gz fixture reads as astropy reads it: offsets, images, table columns", async () => {
  for (const [name, hdus] of Object.entries(expected.files)) {
    await using fits = await openFits(`testdata/gzip/${name}`, localFileAccess());
    assert.ok(isGzipSource(fits.source), name);
    assert.deepEqual(
      fits.hdus.map((hdu) => [hdu.index, hdu.headerOffset, hdu.dataOffset]),
      hdus.map((hdu) => [hdu.index, hdu.hdrLoc, hdu.datLoc]),
      name,
    );
    for (const want of hdus) {
      const handle = fits.hdu(want.index);
      if (want.data) {
        const image = await handle.section([]);
        assert.deepEqual(image.shape, want.shape, `${name} HDU ${want.index}`);
        const got = Array.from(image.data as ArrayLike<number | bigint>, (v) => {
          const value = Number(v);
          return Number.isFinite(value) ? value : String(value);
        });
        assert.deepEqual(got, want.data, `${name} HDU ${want.index}`);
      }
      if (want.columns) {
        const names = Object.keys(want.columns);
        const rows = await handle.rows(0, want.rows!, { columns: names });
        const json = rowsToJson(rows);
        for (const column of names) {
          const values = rows.columns[column].values;
          const got = typeof json[column][0] === "string"
            ? json[column]
            : Array.from(values as ArrayLike<number>);
          assert.deepEqual(got, want.columns[column], `${name} ${column}`);
        }
      }
    }
  }
});

/** A 1024 × 1024 int32 image of little-compressible values, gzipped: about 2.6 MB stored. */
function bigGzipFits(): { fits: Uint8Array; gz: Uint8Array } {
  const header = buildHeader([
    formatCard("SIMPLE", true),
    formatCard("BITPIX", 32),
    formatCard("NAXIS", 2),
    formatCard("NAXIS1", 1024),
    formatCard("NAXIS2", 1024),
  ]);
  const fits = new Uint8Array(header.length + 1024 * 1024 * 4);
  fits.set(header);
  const view = new DataView(fits.buffer, header.length);
  let seed = 20261204;
  for (let i = 0; i < 1024 * 1024; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    view.setInt32(4 * i, i * 16 + (seed >>> 24));
  }
  return { fits, gz: gzipSync(fits) };
}

test("a remote .fits.gz streams from its start; indexed, a cutout reads only from the nearest access point", async () => {
  const { fits, gz } = bigGzipFits();
  const server = await startRangeServer({ files: { "big.fits.gz": gz } });
  try {
    const url = `${server.url}/big.fits.gz`;
    // The header walk of an un-indexed file is held to the read limit too: it stops before exceeding it.
    await rejectsWith(
      openFits(url, { retries: 0, limits: { maxRead: 200_000 } }),
      "COST_LIMIT",
      /Refusing to inflate .*big\.fits\.gz further: .* Index it \(cloudfits index\)/,
    );
    assert.ok(server.log.reduce((n, e) => n + e.bytes, 0) <= 200_000);
    server.log.length = 0;
    // Not indexed: the walk inflates the file from its start, each compressed byte read once, in order.
    await using plain = await openFits(url, { retries: 0 });
    const walked = server.log.map((entry) => entry.range);
    let next = 0;
    for (const range of walked) {
      const [, a, b] = /^bytes=(\d+)-(\d+)$/.exec(range!)!.map(Number);
      assert.equal(a, next, `${walked}`);
      next = b + 1;
    }
    assert.equal(next, gz.length, "the whole file, once");
    assert.equal(plain.source.size, fits.length);

    // Far into the file: without access points the read inflates from the start, and the plan says so.
    const deep = await openFits(gzipSource(httpSource(url)), {
      hdus: plain.hdus,
      limits: { maxRead: 1_000_000 },
    });
    const noPoints = deep.hdu(0).plan([[1020, 1024], [0, 10]]);
    assert.equal(
      noPoints.bytesToRead,
      2880 + (1023 * 1024 + 10) * 4,
      "from the start to the end of the rows",
    );
    assert.equal(noPoints.allowed, false);
    server.log.length = 0;
    await rejectsWith(deep.hdu(0).section([[1020, 1024], [0, 10]]), "COST_LIMIT", /Refusing to read/);
    assert.equal(server.log.length, 0, "refused before any request");

    // Index it with an access point every 256 KiB of output.
    const indexed = await walkFile(httpSource(url), { spacing: 256 * 1024 });
    const gzip = { size: await indexed.gzip!.inflateToEnd(), points: [...indexed.gzip!.points] };
    assert.ok(gzip.points.length >= 3, `${gzip.points.length} points`);
    const bytes = await encodeIndex(
      [{ path: "big.fits.gz", size: gz.length, hdus: indexed.hdus, gzip }],
      { dataUrl: server.url, createdMs: 0 },
    );
    await using index = await openIndex(bytes, { retries: 0 });
    const file = await index.open("big.fits.gz");
    const spec = [[700, 702], [10, 20]] as [number, number][];
    const rowStart = 2880 + 700 * 4096;
    const from = gzip.points.findLast((p) => p.out <= rowStart + 40)!;
    const to = gzip.points.find((p) => p.out >= rowStart + 4096 + 80)!;
    const span = { offset: Math.floor(from.bit / 8), end: Math.ceil(to.bit / 8) };
    const plan = file.hdu(0).plan(spec);
    assert.deepEqual([plan.requests, plan.bytesToRead], [1, span.end - span.offset]);

    server.log.length = 0;
    const cut = await file.hdu(0).section(spec);
    assert.deepEqual(server.log.map((entry) => entry.range), [`bytes=${span.offset}-${span.end - 1}`]);
    assert.ok(span.end - span.offset < gz.length / 3);
    const source = new DataView(fits.buffer);
    const want = [700, 701].flatMap((row) =>
      Array.from({ length: 10 }, (_, i) => source.getInt32(2880 + (row * 1024 + 10 + i) * 4))
    );
    assert.deepEqual([...cut.data], want);
    await file.close();
  } finally {
    await server.close();
  }
});

test("an index records a gzip file's points; an index without gzip files needs no new feature", async () => {
  const { gz } = bigGzipFits();
  const { memorySource } = await import("../../src/source/memory.ts");
  const walked = await walkFile(memorySource(gz), { spacing: 1 << 20 });
  const gzip = { size: await walked.gzip!.inflateToEnd(), points: [...walked.gzip!.points] };
  const record = { path: "a.fits.gz", size: gz.length, hdus: walked.hdus, gzip };
  const bytes = await encodeIndex([record], { createdMs: 0 });
  const required = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset).getUint32(12, true);
  assert.equal(required(bytes), 1, "required feature GZIP: older readers refuse, never misread");
  await using index = await openIndex(bytes, { dataRoot: "." });
  const file = await index.file("a.fits.gz");
  assert.equal(file.gzip?.size, gzip.size);
  assert.deepEqual(file.gzip?.points, gzip.points, "bit and byte offsets, CRCs and windows round-trip");
  const summary = await index.index.findSummary("a.fits.gz");
  assert.deepEqual(summary?.gzip, { size: gzip.size, points: gzip.points.length });

  const plainBytes = await encodeIndex([{ ...record, path: "b.fits", gzip: undefined, size: gzip.size }], {
    createdMs: 0,
  });
  assert.equal(required(plainBytes), 0);
});

test("inflate throughput: this inflater against DecompressionStream (reported, not asserted)", async () => {
  const { gz } = bigGzipFits();
  const { Inflater } = await import("../../src/gzip/inflate.ts");
  const ours = performance.now();
  const inflater = new Inflater();
  inflater.feed(gz, true);
  let total = 0;
  for (let out = inflater.next(); out; out = inflater.next()) total += out.length;
  const oursMs = performance.now() - ours;
  const web = performance.now();
  const stream = new Blob([gz as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
    new DecompressionStream("gzip"),
  );
  const webTotal = (await new Response(stream).arrayBuffer()).byteLength;
  const webMs = performance.now() - web;
  assert.equal(total, webTotal);
  const rate = (ms: number) => `${(total / 1e6 / (ms / 1000)).toFixed(0)} MB/s`;
  console.log(
    `inflate ${(total / 1e6).toFixed(1)} MB: this inflater ${rate(oursMs)}, DecompressionStream ${
      rate(webMs)
    }`,
  );
});
