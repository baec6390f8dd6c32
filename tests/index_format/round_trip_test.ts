import { test } from "node:test";
import assert from "node:assert/strict";
import { readdir } from "node:fs/promises";
import { decodeIndex } from "../../src/read/index.ts";
import { encodeIndex } from "../../src/index_format/encode.ts";
import { parseHeader } from "../../src/fits/header.ts";
import { describeHdu, type Hdu, paddedSize } from "../../src/fits/layout.ts";
import { formatCard } from "../../src/fits/write.ts";
import type { IndexedFile } from "../../src/index_format/types.ts";
import { expected } from "../_support/fixtures.ts";
import { countedIndex, indexedFixture } from "./_support.ts";

const FIXTURES = (await readdir(new URL("../../testdata/", import.meta.url)))
  .filter((name) => name.endsWith(".fits"))
  .sort();

function structuralFields(hdu: Hdu): unknown {
  const { header: _header, ...fields } = hdu;
  return fields;
}

test("every fixture round-trips: header bytes byte-exact, offsets equal astropy's, one read", async () => {
  assert.ok(FIXTURES.length >= 10, `expected the testdata fixtures, found ${FIXTURES.length}`);
  for (const name of FIXTURES) {
    const file = await indexedFixture(name);
    const want = expected(name.replace(/\.fits$/, ""));
    const bytes = await encodeIndex([file], { createdMs: 1_700_000_000_000, indexer: "test 1" });
    const source = countedIndex(bytes);
    const index = await decodeIndex(source);
    const decoded = await index.findFile(name);
    assert.ok(decoded, name);
    assert.equal(decoded.hdus.length, want.hdus.length, name);
    decoded.hdus.forEach((hdu, i) => {
      const original = file.hdus[i];
      assert.deepEqual(hdu.header.bytes, original.header.bytes, `${name} HDU ${i} header bytes`);
      assert.deepEqual(hdu.header.cards, original.header.cards, `${name} HDU ${i} cards`);
      assert.deepEqual(structuralFields(hdu), structuralFields(original), `${name} HDU ${i}`);
      assert.equal(hdu.headerOffset, want.hdus[i].hdrLoc, `${name} HDU ${i} hdrLoc`);
      assert.equal(hdu.dataOffset, want.hdus[i].datLoc, `${name} HDU ${i} datLoc`);
      assert.equal(paddedSize(hdu.dataSize), want.hdus[i].datSpan, `${name} HDU ${i} datSpan`);
    });
    assert.equal(decoded.size, file.size);
    assert.equal(decoded.headerComplete, true);
    assert.equal(index.indexer, "test 1");
    assert.equal(index.createdMs, 1_700_000_000_000);
    assert.deepEqual(source.stats.ranges, [{ offset: 0, length: 65536 }], `${name} traffic`);
    assert.ok(bytes.length < 16384, `${name} index is ${bytes.length} bytes`);
  }
});

test("summaries describe columns without inflating header text", async () => {
  const file = await indexedFixture("table_all.fits");
  const index = await decodeIndex(await encodeIndex([file], { createdMs: 0 }));
  const summary = await index.findSummary("table_all.fits");
  assert.ok(summary);
  const table = summary.hdus.find((hdu) => hdu.type === "BINTABLE");
  assert.ok(table && table.columns.length > 0);
  const header = file.hdus[table.index].header;
  let offset = 0;
  table.columns.forEach((column, i) => {
    const n = i + 1;
    assert.equal(column.name, header.getString(`TTYPE${n}`) ?? null);
    assert.match(header.getString(`TFORM${n}`) ?? "", new RegExp(`^\\d*${column.type}`));
    assert.equal(column.offset, offset);
    offset += column.width;
    const zero = header.get(`TZERO${n}`);
    assert.equal(column.zero, zero === undefined ? undefined : Number(zero));
    assert.equal(column.unit, header.getString(`TUNIT${n}`));
    assert.equal(column.dim, header.getString(`TDIM${n}`));
  });
  assert.equal(offset, table.axes[0], "row width equals NAXIS1");
  assert.equal(table.headerCrc > 0, true);

  const ascii = await indexedFixture("ascii_table.fits");
  const asciiSummary = await (await decodeIndex(await encodeIndex([ascii], { createdMs: 0 }))).findSummary(
    "ascii_table.fits",
  );
  const asciiTable = asciiSummary?.hdus.find((hdu) => hdu.type === "TABLE");
  assert.ok(asciiTable && asciiTable.columns.length > 0);
  asciiTable.columns.forEach((column, i) => {
    assert.equal(column.offset, (ascii.hdus[asciiTable.index].header.getInteger(`TBCOL${i + 1}`) ?? 0) - 1);
  });
});

test("headerText: false keeps the structural cards, flags the header partial, and keeps every offset", async () => {
  const files = await Promise.all(FIXTURES.map(indexedFixture));
  const full = await encodeIndex(files, { createdMs: 0 });
  const structural = await encodeIndex(files, { createdMs: 0, headerText: false });
  assert.ok(structural.length < full.length, `${structural.length} < ${full.length}`);
  const index = await decodeIndex(structural);
  for (const file of files) {
    const decoded = await index.findFile(file.path);
    assert.ok(decoded);
    assert.equal(decoded.headerComplete, false);
    decoded.hdus.forEach((hdu, i) => {
      assert.deepEqual(structuralFields(hdu), structuralFields(file.hdus[i]), `${file.path} HDU ${i}`);
      for (const card of hdu.header.cards) {
        assert.equal(file.hdus[i].header.get(card.keyword), card.value, `${file.path} ${card.keyword}`);
      }
    });
  }
  const tess = await index.findFile("tess_cube.fits");
  assert.ok(tess);
  assert.equal(tess.hdus[2].header.has("TFORM107"), true);
  assert.equal(tess.hdus[0].header.has("TSTART"), false);
});

/** The cards of a header before END, as 80-character strings. */
function cardsOf(hdu: Hdu): string[] {
  const text = new TextDecoder("latin1").decode(hdu.header.bytes);
  const cards: string[] = [];
  for (let at = 0; text.slice(at, at + 80).trimEnd() !== "END"; at += 80) cards.push(text.slice(at, at + 80));
  return cards;
}

function setCard(cards: string[], keyword: string, value: number): void {
  const at = cards.findIndex((card) => card.startsWith(keyword.padEnd(8) + "="));
  cards[at] = formatCard(keyword, value, cards[at].slice(33).trim());
}

/** A TESS sector-1 cube's headers at real size: 1 + 1 + 16 blocks = 51,840 bytes, 107 table columns. */
async function realisticCube(): Promise<IndexedFile> {
  const small = await indexedFixture("tess_cube.fits");
  const [primary, image, table] = small.hdus.map(cardsOf);
  const frames = 1282;
  setCard(image, "NAXIS2", frames);
  setCard(image, "NAXIS3", 2136);
  setCard(image, "NAXIS4", 2078);
  setCard(table, "NAXIS2", frames);
  const columns = small.hdus[2].header.getInteger("TFIELDS") ?? 0;
  for (let n = 1; n <= columns; n++) {
    const form = small.hdus[2].header.getString(`TFORM${n}`) ?? "";
    table.push(
      formatCard(`TDISP${n}`, form.endsWith("A") ? `A${form.slice(0, -1)}` : "G15.7", "display format"),
    );
    table.push(
      formatCard(`TUNIT${n}`, n % 3 === 0 ? "d" : n % 3 === 1 ? "deg" : "pixel", "physical unit of field"),
    );
  }
  for (let i = 0; table.length < 16 * 36 - 1; i++) {
    table.push(
      formatCard(
        "HISTORY",
        `Cube built by astrocut 0.4 from ${frames} FFIs, step ${i}: copied keyword comments`,
      ),
    );
  }
  const hdus: Hdu[] = [];
  let offset = 0;
  for (const [i, cards] of [primary, image, table].entries()) {
    const text = [...cards, "END"].map((card) => card.padEnd(80)).join("");
    const header = parseHeader(new TextEncoder().encode(text.padEnd(Math.ceil(text.length / 2880) * 2880)), {
      offset,
    });
    const hdu = describeHdu(header, i, offset);
    hdus.push(hdu);
    offset = hdu.dataOffset + paddedSize(hdu.dataSize);
  }
  return {
    path: "tess-s0001-1-1-cube.fits",
    size: offset,
    etag: '"7b2e8f0d1c6a4e5f9a0b3c2d1e4f5a6b-5429"',
    lastModified: 1_600_000_000_000,
    hdus,
  };
}

test("a real-size TESS cube index with full header text is at most 10 KB and opens in one read", async () => {
  const cube = await realisticCube();
  const headerBytes = cube.hdus.reduce((sum, hdu) => sum + hdu.headerSize, 0);
  assert.equal(headerBytes, 51_840);
  assert.equal(cube.hdus[2].header.getInteger("TFIELDS"), 107);
  assert.equal(cube.hdus[2].dataOffset, 5760 + paddedSize(1282 * 35_508_864) + 16 * 2880);
  const options = { dataUrl: "s3://stpubdata/tess/public/mast", createdMs: 0, indexer: "cloudfits 0.1.0" };
  const bytes = await encodeIndex([cube], options);
  const bare = await encodeIndex([cube], { ...options, headerText: false });
  console.log(
    `TESS-like cube: ${headerBytes} header bytes -> index ${bytes.length} B with header text, ${bare.length} B structural only`,
  );
  assert.ok(bytes.length <= 10_000, `index is ${bytes.length} bytes`);
  assert.ok(bare.length < bytes.length, `structural index is ${bare.length} bytes`);

  const source = countedIndex(bytes);
  const index = await decodeIndex(source);
  const decoded = await index.findFile(cube.path);
  assert.ok(decoded);
  assert.equal(index.dataUrl, "s3://stpubdata/tess/public/mast");
  assert.equal(decoded.etag, cube.etag);
  assert.equal(decoded.lastModified, cube.lastModified);
  assert.equal(decoded.indexer, "cloudfits 0.1.0");
  decoded.hdus.forEach((hdu, i) => assert.deepEqual(hdu.header.bytes, cube.hdus[i].header.bytes));
  assert.equal(decoded.hdus[1].dataSize, 1282 * 35_508_864);
  assert.deepEqual(source.stats.ranges, [{ offset: 0, length: 65536 }]);
  assert.equal(source.stats.bytes, bytes.length);
});

test("an index never stores credentials: signed data URLs and paths are refused", async () => {
  const file = await indexedFixture("primary_only.fits");
  await assert.rejects(
    encodeIndex([file], { dataUrl: "https://bucket.s3.amazonaws.com/tess?X-Amz-Signature=abc" }),
    (error: Error) => error instanceof TypeError && !error.message.includes("abc"),
  );
  await assert.rejects(
    encodeIndex([file], { dataUrl: "https://account.blob.core.windows.net/c?sv=2024&sig=secret" }),
    (error: Error) => error instanceof TypeError && !error.message.includes("secret"),
  );
  await assert.rejects(encodeIndex([file], { dataUrl: "https://user:pw@example.org/data" }), TypeError);
  await assert.rejects(encodeIndex([{ ...file, path: "a.fits?X-Amz-Credential=AKIA" }]), TypeError);
  await assert.rejects(encodeIndex([{ ...file, path: "../a.fits" }]), TypeError);
  await assert.rejects(encodeIndex([file, { ...file }]), /twice/);
  await assert.rejects(encodeIndex([{ ...file, size: 100 }]), /beyond the file's 100 bytes/);
});
