import { test } from "node:test";
import assert from "node:assert/strict";
import { isCloudFitsError } from "../../src/errors.ts";
import { dataSum, encodeChecksum } from "../../src/fits/checksum.ts";
import { verifyHduChecksum } from "../../src/read/checksum.ts";
import { parseHeader } from "../../src/fits/header.ts";
import { describeHdu, paddedSize } from "../../src/fits/layout.ts";
import { walkHdus } from "../../src/read/walk.ts";
import { buildHeader, formatCard } from "../../src/fits/write.ts";
import { countingSource } from "../../src/source/counting.ts";
import { memorySource } from "../../src/source/memory.ts";
import { fixture } from "../_support/fixtures.ts";

test("dataSum adds big-endian words with end-around carry", () => {
  assert.equal(dataSum(new Uint8Array(0)), 0);
  assert.equal(dataSum(new Uint8Array([0, 0, 0, 5, 0, 0, 0, 7])), 12);
  assert.equal(dataSum(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 2])), 2);
  assert.equal(dataSum(new Uint8Array([0x80, 0, 0, 0, 0x80, 0, 0, 0])), 1);
  // Summing in pieces equals summing at once.
  const bytes = new Uint8Array(4000).map((_, i) => (i * 37 + 11) & 0xff);
  assert.equal(dataSum(bytes.subarray(2000), dataSum(bytes.subarray(0, 2000))), dataSum(bytes));
  assert.throws(() => dataSum(new Uint8Array(3)), RangeError);
});

test("encodeChecksum avoids punctuation and encodes the complement by default", () => {
  for (const value of [0, 1, 0x7fffffff, 0xfffffffe, 0x12345678, 4293328920]) {
    const text = encodeChecksum(value);
    assert.match(text, /^[0-9A-Za-z]{16}$/);
    assert.equal(encodeChecksum(~value >>> 0, false), text);
  }
});

test("CHECKSUM recomputed from checksum_good.fits equals what astropy wrote", async () => {
  const bytes = fixture("checksum_good");
  const { hdus } = await walkHdus(memorySource(bytes));
  assert.equal(hdus.length, 3);
  for (const hdu of hdus) {
    const recorded = hdu.header.getString("CHECKSUM");
    const data = bytes.subarray(hdu.dataOffset, hdu.dataOffset + paddedSize(hdu.dataSize));
    const datasum = dataSum(data);
    assert.equal(hdu.header.getString("DATASUM"), String(datasum));
    // The standard's recipe: zero the CHECKSUM value, sum header and data, encode the complement.
    const header = hdu.header.bytes.slice();
    const text = new TextDecoder().decode(header);
    const at = text.indexOf("CHECKSUM= '") + "CHECKSUM= '".length;
    assert.ok(at > 10);
    header.set(new TextEncoder().encode("0".repeat(16)), at);
    assert.equal(encodeChecksum(dataSum(header, datasum)), recorded);
  }
});

test("verifyHduChecksum accepts checksum_good.fits and reads each data span once", async () => {
  const source = countingSource(memorySource(fixture("checksum_good")));
  const { hdus } = await walkHdus(source);
  source.stats.ranges.length = 0;
  for (const hdu of hdus) {
    assert.deepEqual(await verifyHduChecksum(source, hdu), { checksum: "ok", datasum: "ok" });
  }
  assert.deepEqual(source.stats.ranges, [
    { offset: 2880, length: 2880 },
    { offset: 8640, length: 2880 },
    { offset: 14400, length: 2880 },
  ]);
});

test("verifyHduChecksum finds the flipped byte of checksum_bad.fits in HDU 1 only, as astropy does", async () => {
  const source = memorySource(fixture("checksum_bad"));
  const { hdus } = await walkHdus(source);
  const results = [];
  for (const hdu of hdus) results.push(await verifyHduChecksum(source, hdu));
  assert.deepEqual(results, [
    { checksum: "ok", datasum: "ok" },
    { checksum: "bad", datasum: "bad" },
    { checksum: "ok", datasum: "ok" },
  ]);
});

test("verifyHduChecksum reads nothing when neither keyword is present", async () => {
  const source = countingSource(memorySource(fixture("mef_images")));
  const { hdus } = await walkHdus(source);
  source.stats.ranges.length = 0;
  assert.deepEqual(await verifyHduChecksum(source, hdus[3]), { checksum: "absent", datasum: "absent" });
  assert.deepEqual(source.stats.ranges, []);
});

test("verifyHduChecksum reads big data in bounded chunks, and a header edit breaks only CHECKSUM", async () => {
  const data = new Uint8Array(3 * 2880).map((_, i) => (i * 7) & 0xff);
  const datasum = dataSum(data);
  const cards = (checksum: string) => [
    formatCard("XTENSION", "IMAGE"),
    formatCard("BITPIX", 8),
    formatCard("NAXIS", 1),
    formatCard("NAXIS1", data.length),
    formatCard("PCOUNT", 0),
    formatCard("GCOUNT", 1),
    formatCard("CHECKSUM", checksum),
    formatCard("DATASUM", String(datasum)),
  ];
  const checksum = encodeChecksum(dataSum(buildHeader(cards("0".repeat(16))), datasum));
  const header = buildHeader(cards(checksum));
  const file = new Uint8Array(header.length + data.length);
  file.set(header);
  file.set(data, header.length);
  const source = countingSource(memorySource(file));
  const hdu = describeHdu(parseHeader(header), 1, 0);
  const result = await verifyHduChecksum(source, hdu, { chunkSize: 4000, concurrency: 2 });
  assert.deepEqual(result, { checksum: "ok", datasum: "ok" });
  assert.deepEqual(source.stats.ranges, [
    { offset: 2880, length: 4000 },
    { offset: 6880, length: 4000 },
    { offset: 10880, length: 640 },
  ]);
  // A changed comment: the data still matches DATASUM, the HDU no longer sums to -0.
  const edited = describeHdu(
    parseHeader(buildHeader([...cards(checksum), formatCard("COMMENT", "x")])),
    1,
    0,
  );
  assert.deepEqual(await verifyHduChecksum(source, edited), { checksum: "bad", datasum: "ok" });
  await assert.rejects(verifyHduChecksum(source, hdu, { chunkSize: 3 }), RangeError);
});

test("verifyHduChecksum tolerates missing final padding but not missing data", async () => {
  const bytes = fixture("checksum_good");
  const { hdus } = await walkHdus(memorySource(bytes));
  const last = hdus[2];
  const unpadded = bytes.subarray(0, last.dataOffset + last.dataSize);
  assert.deepEqual(await verifyHduChecksum(memorySource(unpadded), last), { checksum: "ok", datasum: "ok" });
  let caught: unknown;
  try {
    await verifyHduChecksum(memorySource(bytes.subarray(0, last.dataOffset + 10)), last);
  } catch (e) {
    caught = e;
  }
  assert.ok(isCloudFitsError(caught, "TRUNCATED"), String(caught));
});

test("astrocut's comment-text CHECKSUM and DATASUM values count as absent, not as failures", async () => {
  const bytes = fixture("tess_cube");
  const source = memorySource(bytes);
  const { hdus } = await walkHdus(source);
  assert.equal(hdus[2].header.get("DATASUM"), "data unit checksum updated 2018-12-06T23:21:34Z");
  assert.deepEqual(await verifyHduChecksum(source, hdus[2]), { checksum: "absent", datasum: "absent" });
});
