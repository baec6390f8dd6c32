import { test } from "node:test";
import assert from "node:assert/strict";
import { decodeIndex } from "../../src/read/index.ts";
import { encodeIndex } from "../../src/index_format/encode.ts";
import { paddedSize } from "../../src/fits/layout.ts";
import type { IndexedFile } from "../../src/index_format/types.ts";
import { countedIndex, indexedFixture } from "./_support.ts";

/** 10,000 FFI-like files under a bucket prefix: a primary and two image HDUs each (from a fixture). */
async function manyFiles(count: number): Promise<IndexedFile[]> {
  const mef = await indexedFixture("mef_images.fits");
  const hdus = mef.hdus.slice(0, 3);
  const template = { ...mef, hdus, size: hdus[2].dataOffset + paddedSize(hdus[2].dataSize) };
  const files: IndexedFile[] = [];
  for (let i = 0; i < count; i++) {
    const sector = String(1 + (i % 70)).padStart(4, "0");
    files.push({
      ...template,
      path: `s${sector}/cam${1 + (i % 4)}/tess${String(2018206190027 + i * 600)}-s${sector}-${i}-ffic.fits`,
      etag: `"${(i * 2654435761 % 2 ** 32).toString(16).padStart(8, "0")}0123456789abcdef01234567"`,
      lastModified: 1_600_000_000_000 + i * 1000,
    });
  }
  return files;
}

test("10,000 files: open in one read, findFile costs at most one more, leaves are cached", async () => {
  const files = await manyFiles(10_000);
  const started = performance.now();
  const bytes = await encodeIndex(files, { createdMs: 0, dataUrl: "s3://example-bucket/tess/ffi" });
  const encodeMs = performance.now() - started;

  const source = countedIndex(bytes);
  const opening = performance.now();
  const index = await decodeIndex(source);
  const openMs = performance.now() - opening;
  assert.equal(index.fileCount, 10_000);
  assert.ok(index.leafCount > 1, `${index.leafCount} leaves`);
  assert.deepEqual(source.stats.ranges, [{ offset: 0, length: 65536 }]);

  const wanted = files[7_777];
  const found = await index.findFile(wanted.path);
  assert.ok(found);
  assert.equal(found.path, wanted.path);
  assert.equal(found.etag, wanted.etag);
  assert.equal(found.lastModified, wanted.lastModified);
  assert.deepEqual(found.hdus.map((hdu) => hdu.dataOffset), wanted.hdus.map((hdu) => hdu.dataOffset));
  assert.deepEqual(found.hdus[1].header.bytes, wanted.hdus[1].header.bytes);
  assert.equal(source.stats.ranges.length, 2, "one extra read for the leaf");
  assert.ok(
    source.stats.ranges[1].length < 256 * 1024,
    `leaf read of ${source.stats.ranges[1].length} bytes`,
  );

  // Same leaf again, and a path that sorts into it but does not exist: no more reads.
  assert.ok(await index.findSummary(wanted.path));
  assert.equal(await index.findFile(wanted.path + "x"), undefined);
  assert.equal(source.stats.ranges.length, 2);
  assert.equal(await index.findFile("0-before-everything.fits"), undefined);
  assert.equal(source.stats.ranges.length, 2, "a path before the first leaf needs no read");

  // Listing every path reads the remaining leaves in large batches, not one read per leaf.
  const decoding = performance.now();
  const paths: string[] = [];
  for await (const path of index.paths()) paths.push(path);
  const listMs = performance.now() - decoding;
  assert.equal(paths.length, 10_000);
  const expected = files.map((file) => file.path).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  assert.deepEqual(paths, expected);
  // One batch for every leaf (the index is well under the 8 MiB batch cap): iteration streams, and
  // keeps no leaf, so memory stays bounded on a catalog of any size.
  assert.equal(source.stats.ranges.length, 3, `${source.stats.ranges.length} reads`);
  assert.ok(source.stats.bytes <= bytes.length + 65536 + 64 * 1024, "the index once, plus the leaf found");

  let materialized = 0;
  const filesStarted = performance.now();
  for await (const file of index.files()) materialized += file.hdus.length;
  const filesMs = performance.now() - filesStarted;
  assert.equal(materialized, 10_000 * wanted.hdus.length);
  console.log(
    `10,000 files: index ${bytes.length} B in ${index.leafCount} leaves; encode ${encodeMs.toFixed(0)} ms, ` +
      `open ${openMs.toFixed(1)} ms, list all paths ${listMs.toFixed(0)} ms, rebuild every Hdu ${
        filesMs.toFixed(0)
      } ms`,
  );
});
