import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { openFits } from "../../src/open.ts";
import { memorySource } from "../../src/source/memory.ts";
import { lightCurve } from "../../src/light_curve.ts";
import { parseAperture } from "../../src/sky/aperture.ts";
import { startRangeServer } from "../_support/range_server.ts";
import { parseHeader } from "../../src/fits/header.ts";
import { buildHeader, formatCard } from "../../src/fits/write.ts";
import { concatBytes } from "../../src/_bytes.ts";
import { EXPECTED, nulls, skyPath } from "./_expected.ts";

const cubeBytes = new Uint8Array(readFileSync(new URL("../../testdata/tess_cube.fits", import.meta.url)));
const TESS = EXPECTED.tess_cube;

function close(got: (number | null)[], want: (number | null)[], label: string): void {
  assert.equal(got.length, want.length, label);
  got.forEach((v, i) => {
    if (v === null || want[i] === null) return assert.equal(v, want[i], `${label} [${i}]`);
    // numpy sums the float32 pixels in float32; we sum them in float64.
    assert.ok(Math.abs(v - want[i]!) <= 1e-6 * Math.abs(want[i]!), `${label} [${i}]: ${v} vs ${want[i]}`);
  });
}

test("light curves sum the aperture per cadence as lightkurve does (NaN skipped, all-NaN cadence NaN)", async () => {
  const fits = await openFits(memorySource(cubeBytes));
  let checked = 0;
  for (const want of TESS.cases) {
    if (want.off || !want.lightcurve) continue;
    const label = `size ${want.size} aperture ${want.aperture ?? "all"}`;
    const curve = await lightCurve(fits, {
      ra: want.ra,
      dec: want.dec,
      size: want.size,
      ...(want.aperture ? { aperture: parseAperture(want.aperture) } : {}),
    });
    close(nulls(curve.flux), want.lightcurve.flux, label);
    close(nulls(curve.fluxErr), want.lightcurve.flux_err, label);
    assert.deepEqual([...curve.time], TESS.time);
    assert.deepEqual([...curve.quality], TESS.quality);
    assert.deepEqual([...curve.cadence], TESS.time.map((_, t) => t));
    checked++;
  }
  assert.equal(checked, 5);
  // Row 2, column 3 of frame 4 is NaN in the cube: an aperture of that pixel alone is NaN on that cadence only.
  const box = TESS.cases[0];
  assert.deepEqual([box.lo, box.hi], [[1, 0], [4, 3]]);
  const mask = new Uint8Array(9);
  mask[(2 - 0) * 3 + (3 - 1)] = 1;
  const curve = await lightCurve(fits, {
    ra: box.ra,
    dec: box.dec,
    size: 3,
    aperture: { kind: "mask", mask, width: 3, height: 3 },
  });
  assert.deepEqual(nulls(curve.flux), [2030.5, 2031.5, 2032.5, 2033.5, null, 2035.5, 2036.5, 2037.5]);
  assert.deepEqual(nulls(curve.fluxErr).map((v) => v === null), [
    false,
    false,
    false,
    false,
    true,
    false,
    false,
    false,
  ]);
});

test("lightcurve over HTTP reads the frame table once and one request per row of the box", async () => {
  const server = await startRangeServer({ files: { "tess_cube.fits": cubeBytes } });
  try {
    const want = TESS.cases[0]; // 3 × 3 pixels
    const fits = await openFits(`${server.url}/tess_cube.fits`);
    server.log.length = 0;
    const table = fits.hdus[2];
    const frames = TESS.time.length;
    const rowBytes = 3 * frames * 2 * 4; // 3 pixels of (flux, error) for every frame: contiguous in the cube
    const neededBytes = table.dataSize + 3 * rowBytes;

    // Rows of a real cube lie 20 MB apart and never share a request; maxGap 0 makes the fixture's do the same.
    await lightCurve(fits, { ra: want.ra, dec: want.dec, size: 3, maxGap: 0 });
    await server.idle();
    const bytes = server.log.reduce((sum, entry) => sum + entry.bytes, 0);
    assert.equal(server.log.length, 1 + 3, "the frame table, then one request per row");
    assert.ok(bytes <= 1.05 * neededBytes, `${bytes} B read for ${neededBytes} B needed`);
    assert.equal(bytes, neededBytes);
    const ranges = server.log.map((entry) => entry.range);
    assert.equal(ranges[0], `bytes=${table.dataOffset}-${table.dataOffset + table.dataSize - 1}`);

    // With the default request cost the three rows, 384 B apart, are fetched in one request.
    server.log.length = 0;
    await lightCurve(fits, { ra: want.ra, dec: want.dec, size: 3 });
    await server.idle();
    assert.equal(server.log.length, 2);
    await fits.close();
  } finally {
    await server.close();
  }
});

test("light curves of image cubes equal numpy's sums over the box per plane; time from a TIME axis, else the plane", async () => {
  const fits = await openFits(memorySource(new Uint8Array(readFileSync(skyPath("images.fits")))));
  let checked = 0;
  for (const image of EXPECTED.images) {
    for (const want of image.cases) {
      if (!want.lightcurve) continue;
      const label = `${image.name} ${want.size} at ${want.lo}`;
      const curve = await lightCurve(fits, { ra: want.ra, dec: want.dec, size: want.size, hdu: image.hdu });
      assert.deepEqual([curve.box.lo, curve.box.hi], [want.lo, want.hi], label);
      close(nulls(curve.flux), want.lightcurve.flux, label);
      assert.ok(nulls(curve.fluxErr).every((v) => v === null), `${label}: an image cube has no errors`);
      assert.deepEqual([...curve.time], want.lightcurve.time, label);
      assert.deepEqual([...curve.quality], want.lightcurve.time.map(() => 0));
      assert.equal(curve.cube, undefined);
      if (want.lightcurve.time_axis) {
        assert.deepEqual([curve.timeFormat, curve.timeUnit, curve.fluxUnit], [
          "TIME",
          "s since MJD 60310",
          "adu",
        ]);
      } else {
        assert.equal(curve.timeFormat, "plane");
        assert.match(
          curve.toCsv(),
          /^# time: plane \(plane number, 0-based: CTYPE3 'FREQ' is not a time axis\)/,
        );
      }
      checked++;
    }
  }
  assert.equal(checked, 5, "3 on the FREQ cube, 2 on the TIME cube");

  // The FITS light curve states the cube's time system, not TESS's.
  const timed = EXPECTED.images.find((image) => image.name === "TIMECUBE")!;
  const curve = await lightCurve(fits, {
    ra: timed.cases[0].ra,
    dec: timed.cases[0].dec,
    size: 3,
    hdu: "TIMECUBE",
  });
  const table = parseHeader(curve.toFits().subarray(2880));
  // Column units are FITS units (astropy parses them without a warning); the reference is in MJDREF.
  assert.deepEqual([table.get("TUNIT1"), table.get("TUNIT2")], ["s", "adu"]);
  assert.deepEqual([table.get("TIMESYS"), table.get("MJDREF"), table.get("TIMEUNIT"), table.get("BJDREFI")], [
    "UTC",
    60310,
    "s",
    undefined,
  ]);
});

test("a light curve of an image it cannot interpret as a cube is refused, naming the layout", async () => {
  const fits = await openFits(memorySource(new Uint8Array(readFileSync(skyPath("images.fits")))));
  const want = EXPECTED.images[0].cases[0];
  await assert.rejects(lightCurve(fits, { ra: want.ra, dec: want.dec, hdu: 1 }), {
    code: "UNSUPPORTED",
    message:
      /TESS FFI cube, or an image cube with RA\/Dec on axes 1-2 and planes \(time\) on axis 3; this image has 2 axes/,
  });
  // A cube whose time axis is tabulated, or whose celestial axes are 2 and 3.
  const cube = (cards: [string, string | number][]) =>
    openFits(memorySource(concatBytes([
      buildHeader([
        formatCard("SIMPLE", true),
        formatCard("BITPIX", -32),
        formatCard("NAXIS", 3),
        ...[4, 4, 4].map((n, i) => formatCard(`NAXIS${i + 1}`, n)),
        ...cards.map(([key, value]) => formatCard(key, value)),
      ]),
      new Uint8Array(2880),
    ])));
  const tab = await cube([["CTYPE1", "RA---TAN"], ["CTYPE2", "DEC--TAN"], ["CTYPE3", "TIME-TAB"], [
    "CDELT1",
    -1e-3,
  ], [
    "CDELT2",
    1e-3,
  ]]);
  await assert.rejects(lightCurve(tab, { ra: 0, dec: 0, size: 1 }), {
    code: "UNSUPPORTED",
    message: /TIME-TAB/,
  });
  const swapped = await cube([["CTYPE1", "FREQ"], ["CTYPE2", "RA---TAN"], ["CTYPE3", "DEC--TAN"], [
    "CDELT2",
    -1e-3,
  ], [
    "CDELT3",
    1e-3,
  ]]);
  await assert.rejects(lightCurve(swapped, { ra: 0, dec: 0, size: 1 }), {
    code: "UNSUPPORTED",
    message: /celestial axes are 2 and 3/,
  });
});
