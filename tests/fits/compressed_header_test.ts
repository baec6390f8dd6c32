import { test } from "node:test";
import assert from "node:assert/strict";
import { uncompressedHeader } from "../../src/fits/compressed_header.ts";
import { cardsToJson } from "../../src/json.ts";
import { walkHdus } from "../../src/read/walk.ts";
import { memorySource } from "../../src/source/memory.ts";
import { expected, fixture, FIXTURE_NAMES } from "../_support/fixtures.ts";

test("a compressed image's header is the image header astropy shows, for every fpack fixture", async () => {
  let checked = 0;
  for (const name of FIXTURE_NAMES) {
    const { hdus } = await walkHdus(memorySource(fixture(name)));
    for (const want of expected(name).hdus) {
      if (want.imageCards === undefined) continue;
      const hdu = hdus[want.index];
      assert.deepEqual(cardsToJson(uncompressedHeader(hdu)), want.imageCards, `${name} HDU ${want.index}`);
      assert.deepEqual(cardsToJson(hdu.header), want.cards, `${name} HDU ${want.index} stored cards`);
      checked++;
    }
  }
  assert.equal(checked, 12, "every compressed image fixture");
});

test("a compressed table's header is the table header funpack restores", async () => {
  const { hdus } = await walkHdus(memorySource(fixture("ztable_fixed")));
  const stored = hdus[1].header;
  const table = uncompressedHeader(hdus[1]);
  assert.deepEqual(
    [stored.get("NAXIS1"), stored.get("NAXIS2"), stored.get("TFORM4"), stored.get("ZTABLE")],
    [208, 5, "1QB(116)", true],
  );
  assert.deepEqual(
    [table.get("NAXIS1"), table.get("NAXIS2"), table.get("PCOUNT"), table.get("TFORM4"), table.get("TFORM2")],
    [68, 300, 0, "I", "11X"],
  );
  const keywords = table.cards.map((card) => card.keyword);
  for (
    const gone of ["ZTABLE", "ZTILELEN", "ZNAXIS1", "ZNAXIS2", "ZPCOUNT", "ZFORM1", "ZCTYP1", "CHECKSUM"]
  ) {
    assert.ok(!keywords.includes(gone), gone);
  }
  assert.equal(uncompressedHeader(hdus[3]), hdus[3].header, "a table fpack left alone is its own header");
});
