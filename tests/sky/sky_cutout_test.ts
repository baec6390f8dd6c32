import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { openFits } from "../../src/open.ts";
import { memorySource } from "../../src/source/memory.ts";
import { countingSource } from "../../src/source/counting.ts";
import { cutoutSky } from "../../src/sky_cutout.ts";
import { wcs } from "../../src/wcs/mod.ts";
import { angularSeparation } from "../../src/wcs/mod.ts";
import { EXPECTED, nulls, skyPath } from "./_expected.ts";

const images = readFileSync(skyPath("images.fits"));

test("the fixture is the one the expectations were made from", () => {
  assert.equal(images.length, EXPECTED.size);
});

test("sky cutouts of TAN-SIP, galactic CAR, RICE-compressed FK5 TAN SIN and TIME cube HDUs match astrocut's box and astropy's values", async () => {
  const fits = await openFits(memorySource(new Uint8Array(images)));
  let checked = 0;
  let worstPixel = 0;
  for (const image of EXPECTED.images) {
    for (const want of image.cases) {
      const label = `${image.name} ${want.size} at (${want.center.map((v) => v.toFixed(2))})`;
      const run = cutoutSky(fits, { ra: want.ra, dec: want.dec, size: want.size, hdu: image.hdu });
      if (want.off) {
        await assert.rejects(run, { code: "NOT_FOUND", message: /is off HDU/ }, label);
        checked++;
        continue;
      }
      const cut = await run;
      worstPixel = Math.max(worstPixel, ...cut.box.center.map((v, i) => Math.abs(v - want.center[i])));
      assert.deepEqual([cut.box.lo, cut.box.hi, cut.box.padding], [want.lo, want.hi, want.padding], label);
      assert.deepEqual(cut.image.shape, want.shape, label);
      assert.deepEqual(nulls(cut.image.data), want.values, label);

      // The FITS output: NAXISn, padding keyword, origin, and a WCS that maps cutout pixels to the same sky.
      const out = (await openFits(memorySource(cut.toFits()))).hdus[0];
      const header = out.header;
      assert.equal(header.get("NPADPIX"), want.padding, label);
      assert.deepEqual([header.get("LTV1"), header.get("LTV2")], [0 - want.lo![0], 0 - want.lo![1]], label);
      assert.deepEqual([header.get("CRVAL1P"), header.get("CRVAL2P")], [want.lo![0] + 1, want.lo![1] + 1]);
      assert.equal(header.get("WCSNAMEP"), "PHYSICAL");
      const cutWcs = wcs(header);
      for (const [key, [ra, dec]] of Object.entries(want.corners!)) {
        const [x, y] = key.split(",").map(Number);
        const sky = cutWcs.pixelToSky(x, y);
        assert.ok(angularSeparation(sky.ra, sky.dec, ra, dec) < 1e-9, `${label} pixel ${key}`);
        const [px, py] = cutWcs.skyToPixel(ra, dec);
        assert.ok(Math.abs(px - x) < 1e-6 && Math.abs(py - y) < 1e-6, `${label} pixel ${key} back`);
      }
      const stored = await (await openFits(memorySource(cut.toFits()))).hdu(0).section(
        out.axes.map(() => null),
      );
      assert.deepEqual(nulls(stored.data), want.values, `${label}: the FITS data read back`);
      if (want.padding! > 0 && !cut.image.dtype.startsWith("float")) {
        assert.fail("padded integers read as floats");
      }
      checked++;
    }
  }
  assert.ok(worstPixel < 1e-6, `worst centre difference from astropy: ${worstPixel} px`);
  assert.equal(checked, 19);
});

test("a padded integer cutout gets a BLANK that no pixel uses, and reads back as NaN there", async () => {
  const fits = await openFits(memorySource(new Uint8Array(images)));
  const want = EXPECTED.images.find((image) => image.name === "GALCAR")!.cases[1];
  const cut = await cutoutSky(fits, { ra: want.ra, dec: want.dec, size: want.size, hdu: "GALCAR" });
  const written = (await openFits(memorySource(cut.toFits()))).hdu(0);
  assert.equal(written.header.getInteger("BITPIX"), 16);
  assert.equal(written.header.getInteger("BLANK"), -32768);
  const raw = await written.section([null, null], { raw: true });
  assert.equal([...raw.data].filter((v) => v === -32768).length, want.padding);
});

test("a sky cutout reads only the rows of its box inside the image", async () => {
  const source = countingSource(memorySource(new Uint8Array(images)));
  const fits = await openFits(source);
  const [requests, bytes] = [source.stats.requests, source.stats.bytes];
  const want = EXPECTED.images[0].cases[0]; // 5 × 5 pixels of a 40-pixel-wide float32 image
  await cutoutSky(fits, { ra: want.ra, dec: want.dec, size: want.size, hdu: 1, maxGap: 0 });
  assert.equal(source.stats.requests - requests, 5, "one request per row");
  assert.equal(source.stats.bytes - bytes, 5 * 5 * 4, "exactly the box's bytes");
});

test("sexagesimal positions, and bad sizes or positions, are refused clearly", async () => {
  const fits = await openFits(memorySource(new Uint8Array(images)));
  const want = EXPECTED.images[0].cases[0];
  await assert.rejects(cutoutSky(fits, { ra: want.ra, dec: want.dec, size: "3 furlongs", hdu: 1 }), {
    code: "USAGE",
  });
  await assert.rejects(cutoutSky(fits, { ra: "12:00:00", dec: "95", hdu: 1 }), { code: "USAGE" });
  const hours = want.ra / 15;
  const h = Math.floor(hours);
  const m = Math.floor((hours - h) * 60);
  const s = ((hours - h) * 60 - m) * 60;
  const cut = await cutoutSky(fits, {
    ra: `${h}:${m}:${s.toFixed(6)}`,
    dec: String(want.dec),
    size: want.size,
    hdu: 1,
  });
  assert.deepEqual([cut.box.lo, cut.box.hi], [want.lo, want.hi]);
});
