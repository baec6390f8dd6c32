import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { expected, fixture, FIXTURE_NAMES, testdataPath } from "./_support/fixtures.ts";

// Sanity checks on testdata/: every fixture made by tools/make_fixtures.py has its expected JSON, is
// small, is documented, and its recorded HDU offsets land on real header starts.

const testdataDir = testdataPath();
const maxFixtureBytes = 100 * 1024;
const blockSize = 2880;

const hduTypes = ["PRIMARY", "IMAGE", "BINTABLE", "TABLE", "COMPRESSED_IMAGE", "GROUPS", "OTHER"];

function ascii(bytes: Uint8Array, offset: number, length: number): string {
  return new TextDecoder("ascii").decode(bytes.subarray(offset, offset + length));
}

test("every .fits file in testdata is a known fixture with an expected JSON file", () => {
  const files = readdirSync(testdataDir);
  const fitsFiles = files.filter((file) => file.endsWith(".fits")).sort();
  assert.deepEqual(fitsFiles, FIXTURE_NAMES.map((name) => `${name}.fits`).sort());
  for (const name of FIXTURE_NAMES) {
    assert.ok(files.includes(`${name}.expected.json`), `${name}.expected.json is missing`);
  }
});

test("each fixture's size equals the expected JSON's size and stays within 100 KB", () => {
  for (const name of FIXTURE_NAMES) {
    const size = statSync(`${testdataDir}${name}.fits`).size;
    const want = expected(name);
    assert.equal(want.file, `${name}.fits`);
    assert.equal(want.size, size, `${name}.fits size`);
    assert.ok(size <= maxFixtureBytes, `${name}.fits is ${size} bytes`);
    assert.ok(statSync(`${testdataDir}${name}.expected.json`).size <= maxFixtureBytes);
    assert.match(want.made_by, /^astropy \d+\.\d+\.\d+$/);
  }
});

test("recorded HDU offsets land on SIMPLE and XTENSION cards and tile the file", () => {
  for (const name of FIXTURE_NAMES) {
    const bytes = fixture(name);
    const { hdus, size } = expected(name);
    assert.ok(hdus.length > 0, name);
    let nextHeader = 0;
    for (const hdu of hdus) {
      assert.ok(hduTypes.includes(hdu.type), `${name} HDU ${hdu.index} type ${hdu.type}`);
      assert.equal(hdu.hdrLoc, nextHeader, `${name} HDU ${hdu.index} hdrLoc`);
      assert.equal(
        ascii(bytes, hdu.hdrLoc, 8),
        hdu.index === 0 ? "SIMPLE  " : "XTENSION",
        `${name} HDU ${hdu.index}`,
      );
      assert.equal(hdu.datLoc % blockSize, 0);
      assert.equal(hdu.datSpan % blockSize, 0);
      assert.equal(hdu.cards[0].keyword, hdu.index === 0 ? "SIMPLE" : "XTENSION");
      nextHeader = hdu.datLoc + hdu.datSpan;
    }
    if (name === "no_final_pad") {
      assert.ok(nextHeader > size, "no_final_pad.fits must lack its final padding");
    } else {
      assert.equal(nextHeader, size, `${name} ends after its last HDU's padded data`);
    }
  }
});

test("testdata/README.md has a section for every fixture", () => {
  const readme = readFileSync(`${testdataDir}README.md`, "utf8");
  for (const name of FIXTURE_NAMES) {
    assert.match(readme, new RegExp(`^#+ .*\`${name}\\.fits\``, "m"), `README section for ${name}.fits`);
  }
});
