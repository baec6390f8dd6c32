/**
 * openIndex → IndexHandle over every fixture: the round trip through the binary index reproduces
 * walkHdus' records (header bytes byte-exact, offsets equal to astropy's `fileinfo()`), opening from a
 * URL costs one 64 KiB read, data reads go straight to the data ranges, and a changed data file is
 * STALE, never wrong data.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { walkHdus } from "../src/read/walk.ts";
import { paddedSize } from "../src/fits/layout.ts";
import { encodeIndex } from "../src/index_format/encode.ts";
import type { IndexedFile } from "../src/index_format/types.ts";
import { openIndex } from "../src/open_index.ts";
import type { SectionSpec } from "../src/plan/image_section.ts";
import { httpSource } from "../src/source/http.ts";
import { memorySource } from "../src/source/memory.ts";
import { expected } from "./_support/cli_io.ts";
import { rejectsWith, throwsWith } from "./_support/expect_error.ts";
import { type RequestLogEntry, startRangeServer } from "./_support/range_server.ts";

const TESTDATA = new URL("../testdata/", import.meta.url);

/** Every top-level fixture that has astropy's expected values. */
const names = (await readdir(TESTDATA)).filter((n) => n.endsWith(".fits")).sort();
const fixtures = new Map<string, Uint8Array>();
for (const name of names) fixtures.set(name, new Uint8Array(await readFile(new URL(name, TESTDATA))));

/** Walk each fixture into the record the indexer would write (no ETag, as for local files). */
async function records(): Promise<IndexedFile[]> {
  const files: IndexedFile[] = [];
  for (const [name, bytes] of fixtures) {
    const { hdus } = await walkHdus(memorySource(bytes, name));
    files.push({ path: name, size: bytes.length, lastModified: 1_700_000_000_000, hdus });
  }
  return files;
}

const walked = await records();

test("every fixture: openIndex over the encoded bytes gives walkHdus' HDUs and astropy's offsets", async () => {
  assert.ok(names.length >= 14, `only ${names.length} fixtures`);
  const bytes = await encodeIndex(walked, { createdMs: 0, dataUrl: "https://data.example.org/fits" });
  const index = await openIndex(bytes);
  assert.equal(index.fileCount, names.length);
  assert.equal(index.dataRoot, "https://data.example.org/fits");
  const paths: string[] = [];
  for await (const path of index.paths()) paths.push(path);
  assert.deepEqual(paths, names);

  for (const original of walked) {
    const name = original.path;
    const want = expected(name.replace(/\.fits$/, ""));
    const file = await index.file(name);
    assert.equal(file.size, want.size, name);
    assert.equal(file.etag, undefined, `${name}: local files carry no ETag`);
    assert.equal(file.lastModified, 1_700_000_000_000);
    assert.notEqual(file.headerComplete, false);
    assert.equal(file.hdus.length, want.hdus.length, name);
    for (const [i, hdu] of file.hdus.entries()) {
      const label = `${name} HDU ${i}`;
      const source = original.hdus[i];
      const w = want.hdus[i];
      assert.deepEqual(hdu.header.bytes, source.header.bytes, `${label}: header bytes`);
      assert.deepEqual(hdu.header.cards, source.header.cards, `${label}: cards`);
      const { header: _a, ...rebuilt } = hdu;
      const { header: _b, ...original_ } = source;
      assert.deepEqual(rebuilt, original_, `${label}: layout`);
      assert.deepEqual(
        [hdu.headerOffset, hdu.dataOffset, paddedSize(hdu.dataSize), hdu.type, hdu.extname, hdu.extver],
        [w.hdrLoc, w.datLoc, w.datSpan, w.type, w.extname, w.extver],
        `${label}: astropy's fileinfo()`,
      );
      assert.equal(hdu.headerOffset + hdu.headerSize, hdu.dataOffset, label);
    }
    // The summary agrees without inflating header text.
    const summary = await index.summary(name);
    assert.deepEqual(
      summary.hdus.map((h) => [h.headerOffset, h.dataOffset, h.dataSize]),
      file.hdus.map((h) => [h.headerOffset, h.dataOffset, h.dataSize]),
    );
    // A full data URL maps back to the path.
    assert.equal(index.locationOf(name), `https://data.example.org/fits/${name}`);
    assert.equal((await index.file(index.locationOf(name))).path, name);
  }
  await rejectsWith(index.file("absent.fits"), "NOT_FOUND");
});

test("without header text the layout survives and the headers keep their structural cards", async () => {
  const full = await encodeIndex(walked, { createdMs: 0 });
  const lean = await encodeIndex(walked, { createdMs: 0, headerText: false });
  assert.ok(lean.length < full.length, `${lean.length} B vs ${full.length} B`);
  const index = await openIndex(lean);
  assert.equal(index.dataRoot, undefined);
  throwsWith(() => index.locationOf("tess_cube.fits"), "USAGE");
  for (const original of walked) {
    const file = await index.file(original.path);
    assert.equal(file.headerComplete, false);
    assert.deepEqual(
      file.hdus.map((
        h,
      ) => [h.type, h.headerOffset, h.headerSize, h.dataOffset, h.dataSize, h.axes, h.extname]),
      original.hdus.map((
        h,
      ) => [h.type, h.headerOffset, h.headerSize, h.dataOffset, h.dataSize, h.axes, h.extname]),
      original.path,
    );
    for (const [i, hdu] of file.hdus.entries()) {
      assert.equal(hdu.header.get("BITPIX"), original.hdus[i].header.get("BITPIX"));
      assert.ok(hdu.header.cards.length <= original.hdus[i].header.cards.length);
    }
  }
});

// One range server for the rest: the index and the data files side by side (data root ".").
const server = await startRangeServer({ files: fixtures });
after(() => server.close());
const indexBytes = await encodeIndex(walked, { createdMs: 0, dataUrl: "." });
server.setFile("all.cfidx", indexBytes);
const rangesOf = (log: RequestLogEntry[]) => log.map((e) => [e.method, e.path, e.range]);

test("opening an index from a URL costs one read of its first 64 KiB; file() needs the leaf only beyond it", async () => {
  server.log.length = 0;
  const index = await openIndex(`${server.url}/all.cfidx`, { retries: 0 });
  assert.deepEqual(rangesOf(server.log), [["GET", "/all.cfidx", "bytes=0-65535"]]);
  assert.equal(server.log[0].bytes, Math.min(65536, indexBytes.length));
  assert.equal(index.dataRoot, server.url);
  assert.equal(index.locationOf("mef_images.fits"), `${server.url}/mef_images.fits`);

  const file = await index.file("tess_cube.fits");
  assert.equal(file.hdus.length, 3);
  // Everything past the first 64 KiB comes in at most one more read (the leaf), and never from data.
  assert.ok(server.log.length <= 2, JSON.stringify(rangesOf(server.log)));
  assert.ok(server.log.every((e) => e.path === "/all.cfidx"));
  if (indexBytes.length <= 65536) assert.equal(server.log.length, 1);
});

test("open(path) reads sections from the data file with no header requests", async () => {
  const index = await openIndex(`${server.url}/all.cfidx`, { retries: 0 });
  for (const name of ["tess_cube", "mef_images"]) {
    const path = `${name}.fits`;
    const want = expected(name);
    const file = await index.file(path);
    server.log.length = 0;
    const fits = await index.open(path);
    assert.equal(server.log.length, 0, `${name}: opening from the index sends nothing`);
    let checked = 0;
    for (const w of want.hdus) {
      for (const section of w.sections ?? []) {
        const label = `${name} HDU ${w.index} ${JSON.stringify(section.spec)}`;
        server.log.length = 0;
        const result = await fits.hdu(w.index).section(section.spec as SectionSpec);
        assert.deepEqual(result.shape, section.shape, label);
        assert.equal(result.dtype, section.dtype, label);
        assertSameValues(result.data, section.data as (number | string)[], label);
        // Only data bytes of that HDU were requested.
        const hdu = file.hdus[w.index];
        assert.ok(server.log.length >= 1 || result.data.length === 0, label);
        for (const entry of server.log) {
          assert.equal(entry.path, `/${path}`, label);
          assert.equal(entry.status, 206, label);
          const [start, end] = /^bytes=(\d+)-(\d+)$/.exec(entry.range ?? "")!.slice(1).map(Number);
          assert.ok(
            start >= hdu.dataOffset && end < hdu.dataOffset + hdu.dataSize,
            `${label}: range ${entry.range} outside the data [${hdu.dataOffset}, ${
              hdu.dataOffset + hdu.dataSize
            })`,
          );
        }
        checked++;
      }
    }
    assert.ok(checked > 0, `${name} has no expected sections`);
  }
});

test("a data file that changed size since indexing is STALE, never wrong data", async () => {
  const original = fixtures.get("tess_cube.fits")!;
  const grown = new Uint8Array(original.length + 2880);
  grown.set(original);
  server.setFile("tess_cube.fits", grown);
  try {
    const index = await openIndex(`${server.url}/all.cfidx`, { retries: 0 });
    server.log.length = 0;
    const fits = await index.open("tess_cube.fits");
    await rejectsWith(fits.hdu(1).section([0, 0, null, 0]), "STALE", /43200/);
    assert.ok(server.log.length >= 1, "the size is checked on the data response");
    assert.ok(server.log.every((e) => e.path === "/tess_cube.fits"));
  } finally {
    server.setFile("tess_cube.fits", original);
  }
});

test("a recorded ETag catches a same-size change; a source of the right size opens fine", async () => {
  const original = fixtures.get("mef_images.fits")!;
  // Index this one file with the ETag the server sends, as remote indexing records it.
  const probe = httpSource(`${server.url}/mef_images.fits`);
  const { hdus } = await walkHdus(probe);
  assert.ok(probe.etag, "the range server sends a strong ETag");
  const bytes = await encodeIndex([{
    path: "mef_images.fits",
    size: original.length,
    etag: probe.etag,
    hdus,
  }], {
    createdMs: 0,
    dataUrl: server.url,
  });
  const index = await openIndex(bytes, { retries: 0 });
  assert.equal((await index.file("mef_images.fits")).etag, probe.etag);

  const changed = original.slice();
  changed[hdus[1].dataOffset] ^= 0xff;
  server.setFile("mef_images.fits", changed);
  try {
    const fits = await index.open("mef_images.fits");
    await rejectsWith(fits.hdu(1).section([]), "STALE");
  } finally {
    server.setFile("mef_images.fits", original);
  }
  const fits = await index.open("mef_images.fits");
  const section = await fits.hdu(1).section([]);
  assert.ok(section.data.length > 0);

  // A caller-supplied source of the wrong size is refused before any read.
  await rejectsWith(
    index.open("mef_images.fits", memorySource(original.subarray(0, 2880), "short")),
    "STALE",
  );
});

/** Compare decoded values with astropy's JSON (NaN and infinities as strings, int64 as decimal). */
function assertSameValues(
  actual: ArrayLike<number | bigint>,
  want: (number | string)[],
  label: string,
): void {
  assert.equal(actual.length, want.length, `${label}: length`);
  for (let i = 0; i < want.length; i++) {
    const a = actual[i];
    const w = want[i];
    const same = typeof a === "bigint"
      ? String(a) === String(w)
      : w === "NaN"
      ? Number.isNaN(a)
      : Object.is(a, typeof w === "string" ? Number(w) : w);
    assert.ok(same, `${label}: element ${i} is ${a}, expected ${w}`);
  }
}
