import { test } from "node:test";
import assert from "node:assert/strict";
import { parseHeader } from "../../src/fits/header.ts";
import { describeHdu, findHdu, type Hdu, paddedSize } from "../../src/fits/layout.ts";
import { buildHeader, formatCard } from "../../src/fits/write.ts";
import type { HeaderValue } from "../../src/fits/header.ts";
import { throwsWith } from "../_support/expect_error.ts";

function header(cards: [string, HeaderValue][]) {
  return parseHeader(buildHeader(cards.map(([k, v]) => formatCard(k, v))));
}

function extension(type: string, bitpix: number, axes: number[], extra: [string, HeaderValue][] = []) {
  return header([
    ["XTENSION", type],
    ["BITPIX", bitpix],
    ["NAXIS", axes.length],
    ...axes.map((n, i): [string, HeaderValue] => [`NAXIS${i + 1}`, n]),
    ["PCOUNT", 0],
    ["GCOUNT", 1],
    ...extra,
  ]);
}

test("paddedSize rounds up to whole blocks", () => {
  assert.deepEqual([0, 1, 2879, 2880, 2881, 40_764_175_872].map(paddedSize), [
    0,
    2880,
    2880,
    2880,
    5760,
    40_764_176_640,
  ]);
  assert.throws(() => paddedSize(-1), RangeError);
  assert.throws(() => paddedSize(1.5), RangeError);
});

test("describeHdu computes offsets and sizes of an image extension", () => {
  const hdu = describeHdu(extension("IMAGE", -32, [2, 1148, 2136, 2078], [["EXTNAME", "  CUBE  "]]), 1, 2880);
  assert.equal(hdu.type, "IMAGE");
  assert.equal(hdu.headerOffset, 2880);
  assert.equal(hdu.headerSize, 2880);
  assert.equal(hdu.dataOffset, 5760);
  assert.equal(hdu.dataSize, 40_764_175_872);
  assert.deepEqual(hdu.axes, [2, 1148, 2136, 2078]);
  assert.equal(hdu.bitpix, -32);
  assert.equal(hdu.pcount, 0);
  assert.equal(hdu.gcount, 1);
  assert.equal(hdu.extname, "CUBE");
  assert.equal(hdu.extver, null);
});

test("describeHdu includes PCOUNT (the heap) and GCOUNT in table sizes", () => {
  const cards: [string, HeaderValue][] = [
    ["XTENSION", "BINTABLE"],
    ["BITPIX", 8],
    ["NAXIS", 2],
    ["NAXIS1", 12],
    ["NAXIS2", 10],
    ["PCOUNT", 1000],
    ["GCOUNT", 1],
    ["EXTVER", 3],
  ];
  const hdu = describeHdu(header(cards), 2, 5760);
  assert.equal(hdu.type, "BINTABLE");
  assert.equal(hdu.dataSize, 12 * 10 + 1000);
  assert.equal(hdu.pcount, 1000);
  assert.equal(hdu.extver, 3);
  const compressed = describeHdu(header([...cards, ["ZIMAGE", true]]), 2, 5760);
  assert.equal(compressed.type, "COMPRESSED_IMAGE");
  const ascii = describeHdu(extension("TABLE", 8, [30, 4]), 1, 0);
  assert.equal(ascii.type, "TABLE");
  assert.equal(ascii.dataSize, 120);
});

test("describeHdu records unknown extensions as OTHER and still sizes them", () => {
  for (const type of ["IUEIMAGE", "A3DTABLE", "FOREIGN", "WEIRD"]) {
    const cards: [string, HeaderValue][] = [
      ["XTENSION", type],
      ["BITPIX", 16],
      ["NAXIS", 2],
      ["NAXIS1", 3],
      ["NAXIS2", 4],
      ["PCOUNT", 2],
      ["GCOUNT", 2],
    ];
    const hdu = describeHdu(header(cards), 3, 0);
    assert.equal(hdu.type, "OTHER");
    assert.equal(hdu.dataSize, 2 * 2 * (2 + 12));
  }
});

test("describeHdu drops NAXIS1 of random groups", () => {
  const hdu = describeHdu(
    header([
      ["SIMPLE", true],
      ["BITPIX", -32],
      ["NAXIS", 4],
      ["NAXIS1", 0],
      ["NAXIS2", 3],
      ["NAXIS3", 2],
      ["NAXIS4", 1],
      ["GROUPS", true],
      ["PCOUNT", 6],
      ["GCOUNT", 6],
    ]),
    0,
    0,
  );
  assert.equal(hdu.type, "GROUPS");
  assert.equal(hdu.dataSize, 4 * 6 * (6 + 3 * 2 * 1));
  // NAXIS1 = 0 without GROUPS is an empty primary array.
  const empty = describeHdu(
    header([["SIMPLE", true], ["BITPIX", 8], ["NAXIS", 2], ["NAXIS1", 0], ["NAXIS2", 5]]),
    0,
    0,
  );
  assert.equal(empty.type, "PRIMARY");
  assert.equal(empty.dataSize, 0);
});

test("describeHdu gives NAXIS = 0 no data", () => {
  const hdu = describeHdu(
    header([["SIMPLE", true], ["BITPIX", 16], ["NAXIS", 0], ["EXTNAME", "PRIMARY"]]),
    0,
    0,
  );
  assert.equal(hdu.dataSize, 0);
  assert.equal(hdu.dataOffset, 2880);
  assert.deepEqual(hdu.axes, []);
  assert.equal(hdu.extname, "PRIMARY");
});

test("describeHdu keeps a non-integer EXTVER in the header but reports null", () => {
  const hdu = describeHdu(extension("IMAGE", 8, [1], [["EXTVER", "extension version number"]]), 1, 0);
  assert.equal(hdu.extver, null);
  assert.equal(hdu.header.get("EXTVER"), "extension version number");
});

test("describeHdu rejects invalid BITPIX, NAXIS and NAXISn, naming the offset", () => {
  const e = throwsWith(
    () => describeHdu(extension("IMAGE", 7, [5]), 1, 5760),
    "BAD_HEADER",
    /Invalid BITPIX 7.*offset 5760/,
  );
  assert.equal(e.offset, 5760);
  throwsWith(() => describeHdu(extension("IMAGE", 8, [-5]), 1, 0), "BAD_HEADER", /NAXIS1 -5/);
  throwsWith(() => describeHdu(extension("IMAGE", 8, [2.5]), 1, 0), "BAD_HEADER", /NAXIS1 2.5/);
  throwsWith(
    () => describeHdu(header([["SIMPLE", true], ["BITPIX", 8], ["NAXIS", 1000]]), 0, 0),
    "BAD_HEADER",
    /NAXIS 1000/,
  );
  throwsWith(
    () => describeHdu(header([["SIMPLE", true], ["BITPIX", 8], ["NAXIS", 1]]), 0, 0),
    "BAD_HEADER",
    /NAXIS1 \(missing\)/,
  );
  throwsWith(
    () => describeHdu(header([["XTENSION", "IMAGE"], ["BITPIX", 8], ["NAXIS", 0], ["PCOUNT", -1]]), 1, 0),
    "BAD_HEADER",
    /PCOUNT/,
  );
  throwsWith(
    () => describeHdu(header([["BITPIX", 8], ["NAXIS", 0]]), 0, 0),
    "BAD_HEADER",
    /SIMPLE or XTENSION/,
  );
});

test("describeHdu rejects sizes beyond 2^53 instead of rounding them", () => {
  const e = throwsWith(
    () => describeHdu(extension("IMAGE", 64, [1e8, 1e8]), 1, 8640),
    "BAD_HEADER",
    /Data size 80000000000000000 bytes is too large.*offset 8640/,
  );
  assert.equal(e.offset, 8640);
  throwsWith(
    () =>
      describeHdu(header([["XTENSION", "IMAGE"], ["BITPIX", 8], ["NAXIS", 1], ["NAXIS1", 2n ** 60n]]), 1, 0),
    "BAD_HEADER",
    /NAXIS1 1\d+ is too large/,
  );
  // Just below the limit is fine: describing never allocates.
  const big = describeHdu(extension("IMAGE", 8, [1e15]), 1, 0);
  assert.equal(big.dataSize, 1e15);
});

function fakeHdus(): Hdu[] {
  const names: [string | null, number | null][] = [
    [null, null],
    ["SCI", 1],
    ["ERR", 1],
    ["SCI", 2],
    ["ERR", 2],
    ["sci", 3],
    ["EVENTS", null],
  ];
  return names.map(([name, ver], index) => {
    const extra: [string, HeaderValue][] = [];
    if (name !== null) extra.push(["EXTNAME", name]);
    if (ver !== null) extra.push(["EXTVER", ver]);
    return describeHdu(extension("IMAGE", 8, [1], extra), index, index * 5760);
  });
}

test("findHdu addresses HDUs by index, and by EXTNAME and EXTVER case-insensitively", () => {
  const hdus = fakeHdus();
  assert.equal(findHdu(hdus, 3).index, 3);
  assert.equal(findHdu(hdus, "sci").index, 1);
  assert.equal(findHdu(hdus, "SCI", 2).index, 3);
  assert.equal(findHdu(hdus, "Sci", 3).index, 5);
  assert.equal(findHdu(hdus, "err", 2).index, 4);
  assert.equal(findHdu(hdus, "PRIMARY").index, 0);
  // No EXTVER counts as version 1.
  assert.equal(findHdu(hdus, "events", 1).index, 6);
  assert.equal(findHdu(hdus, " EVENTS ").index, 6);
});

test("findHdu lists what exists when nothing matches", () => {
  const hdus = fakeHdus();
  throwsWith(() => findHdu(hdus, 7), "NOT_FOUND", /Cannot find HDU 7: the file has 7 HDUs \(0 to 6\)/);
  throwsWith(() => findHdu(hdus, -1), "NOT_FOUND", /HDU -1/);
  const e = throwsWith(() => findHdu(hdus, "SCI", 4), "NOT_FOUND", /Cannot find HDU \('SCI', 4\)/);
  assert.match(e.message, /1 IMAGE SCI,1; 2 IMAGE ERR,1; 3 IMAGE SCI,2/);
  throwsWith(() => findHdu(hdus, "DQ"), "NOT_FOUND", /'DQ'.*6 IMAGE EVENTS/);
});
