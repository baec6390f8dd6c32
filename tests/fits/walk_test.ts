import { isCompressedTable } from "../../src/fits/compressed_header.ts";
import { test } from "node:test";
import assert from "node:assert/strict";
import { describeCompressedImage } from "../../src/fits/compressed.ts";
import { type Hdu, paddedSize } from "../../src/fits/layout.ts";
import { walkHdus } from "../../src/read/walk.ts";
import { buildHeader, formatCard } from "../../src/fits/write.ts";
import { concatBytes } from "../../src/_bytes.ts";
import { type CountingSource, countingSource } from "../../src/source/counting.ts";
import { memorySource } from "../../src/source/memory.ts";
import type { ByteSource } from "../../src/source/types.ts";
import { expected, fixture, FIXTURE_NAMES } from "../_support/fixtures.ts";
import { rejectsWith } from "../_support/expect_error.ts";

/** Bytes asked for (not returned): a read past the end still counts in full. */
function requestedBytes(source: CountingSource): number {
  return source.stats.ranges.reduce((sum, r) => sum + r.length, 0);
}

/** A large object that is all zeros except for the given pieces: no memory for the zeros. */
function sparseSource(size: number, pieces: { offset: number; bytes: Uint8Array }[]): ByteSource {
  return {
    name: "sparse",
    size,
    read(offset: number, length: number): Promise<Uint8Array> {
      const out = new Uint8Array(Math.max(0, Math.min(length, size - offset)));
      for (const piece of pieces) {
        const from = Math.max(offset, piece.offset);
        const to = Math.min(offset + out.length, piece.offset + piece.bytes.length);
        if (from < to) out.set(piece.bytes.subarray(from - piece.offset, to - piece.offset), from - offset);
      }
      return Promise.resolve(out);
    },
  };
}

const primaryHeader = (extra: string[] = []) =>
  buildHeader([formatCard("SIMPLE", true), formatCard("BITPIX", 8), formatCard("NAXIS", 0), ...extra]);

function imageHeader(
  bitpix: number,
  axes: (number | bigint)[],
  extension = true,
  extra: string[] = [],
): Uint8Array {
  return buildHeader([
    extension ? formatCard("XTENSION", "IMAGE") : formatCard("SIMPLE", true),
    formatCard("BITPIX", bitpix),
    formatCard("NAXIS", axes.length),
    ...axes.map((n, i) => formatCard(`NAXIS${i + 1}`, n)),
    ...(extension ? [formatCard("PCOUNT", 0), formatCard("GCOUNT", 1)] : []),
    ...extra,
  ]);
}

/**
 * The shape astropy reports for an HDU (`.shape` of its data, or the image shape of a compressed image;
 * for a compressed table, the rows funpack gives).
 */
function astropyShape(hdu: Hdu): number[] {
  switch (hdu.type) {
    case "BINTABLE":
      return isCompressedTable(hdu) ? [hdu.header.getInteger("ZNAXIS2")!] : [hdu.axes[1]];
    case "TABLE":
      return [hdu.axes[1]];
    case "COMPRESSED_IMAGE":
      return describeCompressedImage(hdu).shape;
    case "GROUPS":
      return [hdu.gcount, ...hdu.axes.slice(1).toReversed()];
    default:
      return hdu.axes.toReversed();
  }
}

for (const name of FIXTURE_NAMES) {
  test(`walkHdus matches astropy on ${name}.fits`, async () => {
    const bytes = fixture(name);
    const want = expected(name);
    assert.equal(bytes.length, want.size);
    const source = countingSource(memorySource(bytes, name));
    const { hdus, warnings } = await walkHdus(source);
    assert.equal(hdus.length, want.hdus.length);
    for (const [i, hdu] of hdus.entries()) {
      const e = want.hdus[i];
      const label = `${name} HDU ${i}`;
      assert.equal(hdu.index, e.index, label);
      assert.equal(hdu.type, e.type, label);
      assert.equal(hdu.headerOffset, e.hdrLoc, label);
      assert.equal(hdu.dataOffset, e.datLoc, label);
      assert.equal(paddedSize(hdu.dataSize), e.datSpan, label);
      // astropy names a primary HDU without EXTNAME "PRIMARY" only when the header says so.
      assert.equal(hdu.extname, e.extname, label);
      assert.equal(hdu.extver, e.extver, label);
      assert.equal(
        hdu.type === "COMPRESSED_IMAGE" ? describeCompressedImage(hdu).zbitpix : hdu.bitpix,
        e.bitpix,
      );
      assert.deepEqual(astropyShape(hdu), e.shape, label);
    }
    if (name === "mef_images") {
      // 92,160 bytes: the 64 KiB read-ahead ends inside HDU 11's header at 63360, which is extended by
      // the missing bytes only; that extension also holds HDUs 12–14, and HDU 15's header needs the rest.
      assert.deepEqual(source.stats.ranges, [
        { offset: 0, length: 65536 },
        { offset: 65536, length: 23040 },
        { offset: 88576, length: 3584 },
      ]);
    } else {
      // Below the 64 KiB read-ahead: one read of the whole object.
      assert.ok(bytes.length <= 65536);
      assert.deepEqual(source.stats.ranges, [{ offset: 0, length: bytes.length }]);
    }
    if (name === "no_final_pad") {
      assert.equal(warnings.length, 1);
      assert.match(warnings[0], /HDU 1 lacks 2803 bytes of final padding/);
    } else {
      assert.deepEqual(warnings.filter((w) => /padding|after the last HDU/.test(w)), []);
    }
  });
}

test("walkHdus reads tess_cube.fits in three reads with a small read-ahead, reusing bytes already read", async () => {
  const source = countingSource(memorySource(fixture("tess_cube"), "tess_cube.fits"));
  const { hdus } = await walkHdus(source, { readAhead: 8192 });
  assert.deepEqual(hdus.map((h) => h.headerOffset), [0, 2880, 8640]);
  // 1: primary and image headers; 2: eight blocks of the 9-block table header; 3: the rest, clamped
  // to the object's end.
  assert.deepEqual(source.stats.ranges, [
    { offset: 0, length: 8192 },
    { offset: 8640, length: 23040 },
    { offset: 31680, length: 11520 },
  ]);
});

test("walkHdus indexes a full-size TESS cube (40.8 GB) in three reads and under 200 KB", async () => {
  const frames = 1148;
  const primary = primaryHeader([formatCard("EXTEND", true), formatCard("SECTOR", 26)]);
  const image = imageHeader(-32, [2, frames, 2136, 2078]);
  const tableCards = [
    formatCard("XTENSION", "BINTABLE"),
    formatCard("BITPIX", 8),
    formatCard("NAXIS", 2),
    formatCard("NAXIS1", 1297),
    formatCard("NAXIS2", frames),
    formatCard("PCOUNT", 0),
    formatCard("GCOUNT", 1),
    formatCard("TFIELDS", 1),
    formatCard("TTYPE1", "FFI_FILE"),
    formatCard("TFORM1", "1297A"),
  ];
  // 16 header blocks, like the widest SPOC cube tables.
  while (tableCards.length < 15 * 36 + 1) {
    tableCards.push(formatCard("COMMENT", `filler ${tableCards.length}`));
  }
  const table = buildHeader(tableCards);
  assert.equal(table.length, 16 * 2880);
  const imageData = 4 * 2 * frames * 2136 * 2078;
  const tableOffset = 5760 + paddedSize(imageData);
  const size = tableOffset + table.length + paddedSize(1297 * frames);
  assert.equal(size, 40_765_717_440);
  const source = countingSource(sparseSource(size, [
    { offset: 0, bytes: primary },
    { offset: 2880, bytes: image },
    { offset: tableOffset, bytes: table },
  ]));
  const { hdus, warnings } = await walkHdus(source);
  assert.deepEqual(warnings, []);
  assert.deepEqual(hdus.map((h) => [h.type, h.headerOffset, h.dataOffset, h.dataSize]), [
    ["PRIMARY", 0, 2880, 0],
    ["IMAGE", 2880, 5760, imageData],
    ["BINTABLE", tableOffset, tableOffset + 46080, 1297 * frames],
  ]);
  assert.deepEqual(source.stats.ranges, [
    { offset: 0, length: 65536 },
    { offset: tableOffset, length: 23040 },
    { offset: tableOffset + 23040, length: 23040 },
  ]);
  assert.ok(requestedBytes(source) < 200_000);
});

test("walkHdus reuses the read-ahead for several small HDUs and stops at maxHdus", async () => {
  const source = countingSource(memorySource(fixture("mef_images"), "mef_images.fits"));
  const { hdus } = await walkHdus(source, { readAhead: 20_000, maxHdus: 4 });
  assert.equal(hdus.length, 4);
  // HDUs 0–2 come from the read-ahead; HDU 3's header at 17280 is only partly in it and is extended.
  assert.deepEqual(source.stats.ranges, [{ offset: 0, length: 20_000 }, { offset: 20_000, length: 23040 }]);
});

test("walkHdus rejects bytes that are not FITS", async () => {
  await rejectsWith(
    walkHdus(memorySource(new TextEncoder().encode("hello world".padEnd(2880)))),
    "NOT_FITS",
    /SIMPLE/,
  );
  await rejectsWith(walkHdus(memorySource(new Uint8Array(0))), "NOT_FITS", /not SIMPLE/);
});

test("walkHdus sends whole-file gzip to openFits, and refuses other compression by its magic bytes", async () => {
  const gz = new Uint8Array([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);
  await rejectsWith(
    walkHdus(memorySource(gz, "x.fits.gz")),
    "NOT_FITS",
    /gzip-compressed; open it with openFits/,
  );
  const bz2 = new TextEncoder().encode("BZh91AY&SY");
  await rejectsWith(
    walkHdus(memorySource(bz2, "x.fits")),
    "UNSUPPORTED",
    /x\.fits: it is bzip2 \(\.bz2\)-compressed/,
  );
  const z = new Uint8Array([0x1f, 0x9d, 0x90, 0x53]);
  await rejectsWith(walkHdus(memorySource(z, "x.fits.Z")), "UNSUPPORTED", /Unix compress \(\.Z\)-compressed/);
});

test("walkHdus reports a truncated primary header", async () => {
  const bytes = primaryHeader().subarray(0, 1000);
  const e = await rejectsWith(walkHdus(memorySource(bytes)), "TRUNCATED", /header at offset 0.*no END card/);
  assert.equal((e as { offset?: number }).offset, 1000);
});

test("walkHdus reports a header whose END block is cut short", async () => {
  const header = buildHeader(
    [...Array(40)].map((_, i) => formatCard(i === 0 ? "SIMPLE" : `KEY${i}`, i === 0 || i)),
  );
  // END sits in the second block; the object ends inside that block.
  await rejectsWith(walkHdus(memorySource(header.subarray(0, 2880 + 400))), "TRUNCATED", /no END card/);
});

test("walkHdus reports a header without END", async () => {
  const cards = [formatCard("SIMPLE", true), formatCard("BITPIX", 8), formatCard("NAXIS", 0)];
  const text = cards.join("").padEnd(3 * 2880);
  const source = countingSource(memorySource(new TextEncoder().encode(text)));
  await rejectsWith(walkHdus(source), "TRUNCATED", /no END card before the object ends at offset 8640/);
  assert.equal(source.stats.ranges.length, 1);
});

test("walkHdus stops at maxHeaderBytes when END never comes", async () => {
  const text = formatCard("SIMPLE", true).padEnd(200 * 2880);
  const source = countingSource(memorySource(new TextEncoder().encode(text)));
  await rejectsWith(
    walkHdus(source, { readAhead: 2880, maxHeaderBytes: 20 * 2880 }),
    "BAD_HEADER",
    /no END card/,
  );
  assert.ok(requestedBytes(source) < 40 * 2880);
});

test("walkHdus reports truncated data with the offset where the object ends", async () => {
  const bytes = concatBytes([imageHeader(16, [100, 100], false), new Uint8Array(5000)]);
  const e = await rejectsWith(
    walkHdus(memorySource(bytes)),
    "TRUNCATED",
    /HDU 0 data at offset 2880.*needs 20000 bytes.*ends at offset 7880/,
  );
  assert.equal((e as { offset?: number }).offset, 7880);
});

test("walkHdus rejects NAXIS1 = 10^15 without allocating or reading it", async () => {
  const bytes = concatBytes([imageHeader(8, [10n ** 15n], false), new Uint8Array(2880)]);
  const source = countingSource(memorySource(bytes));
  await rejectsWith(walkHdus(source), "TRUNCATED", /needs 1000000000000000 bytes/);
  assert.deepEqual(source.stats.ranges, [{ offset: 0, length: 5760 }]);
});

test("walkHdus rejects a negative NAXIS1 and BITPIX 7", async () => {
  await rejectsWith(walkHdus(memorySource(imageHeader(8, [-5], false))), "BAD_HEADER", /NAXIS1 -5.*offset 0/);
  await rejectsWith(walkHdus(memorySource(imageHeader(7, [5], false))), "BAD_HEADER", /BITPIX 7/);
});

test("walkHdus reports an extension header cut short", async () => {
  const bytes = concatBytes([primaryHeader(), imageHeader(8, [10]).subarray(0, 2000)]);
  await rejectsWith(walkHdus(memorySource(bytes)), "TRUNCATED", /header at offset 2880.*no END card/);
});

test("walkHdus ignores trailing bytes that are not an extension, with a warning", async () => {
  const bytes = concatBytes([primaryHeader(), new Uint8Array(2880)]);
  const { hdus, warnings } = await walkHdus(memorySource(bytes));
  assert.equal(hdus.length, 1);
  assert.deepEqual(warnings, [
    "Ignoring 2880 bytes after the last HDU at offset 2880: they do not start with XTENSION",
  ]);
  const junk = concatBytes([primaryHeader(), new TextEncoder().encode("garbage")]);
  assert.match((await walkHdus(memorySource(junk))).warnings[0], /Ignoring 7 bytes after the last HDU/);
});

test("walkHdus does not mistake data that looks like a header for an HDU", async () => {
  // The data block begins with "XTENSION=" and "END": arithmetic, not scanning, finds the next HDU.
  const fake = new TextEncoder().encode(
    (formatCard("XTENSION", "IMAGE") + formatCard("BITPIX", 8) + "END").padEnd(2880),
  );
  const bytes = concatBytes([
    imageHeader(8, [2880], false),
    fake,
    imageHeader(16, [2]),
    new Uint8Array(2880),
  ]);
  const { hdus } = await walkHdus(memorySource(bytes));
  assert.deepEqual(hdus.map((h) => [h.type, h.headerOffset, h.dataSize]), [["PRIMARY", 0, 2880], [
    "IMAGE",
    5760,
    4,
  ]]);
});

test("walkHdus honours an aborted signal", async () => {
  const controller = new AbortController();
  controller.abort();
  await rejectsWith(
    walkHdus(memorySource(fixture("primary_only")), { signal: controller.signal }),
    "ABORTED",
    /aborted/,
  );
});

test("walkHdus rejects invalid read sizes", async () => {
  await assert.rejects(walkHdus(memorySource(fixture("primary_only")), { readAhead: 0 }), RangeError);
});

test("walkHdus takes headerRead as the size of each later header read", async () => {
  const source = countingSource(memorySource(fixture("tess_cube"), "tess_cube.fits"));
  await walkHdus(source, { readAhead: 8192, headerRead: 10 * 2880 });
  assert.deepEqual(source.stats.ranges, [{ offset: 0, length: 8192 }, { offset: 8640, length: 28800 }]);
});

test("walkHdus finds the end of a source that never learns its size by an empty read", async () => {
  const inner = memorySource(fixture("dup_extnames"));
  const source = countingSource({
    name: "sizeless",
    size: undefined,
    read: (o, l, opts) => inner.read(o, l, opts),
  });
  const { hdus, warnings } = await walkHdus(source, { readAhead: 2880 * 4 });
  assert.equal(hdus.length, 8);
  assert.deepEqual(warnings, []);
  assert.deepEqual(source.stats.ranges.at(-1), { offset: 43200, length: 23040 });
});
