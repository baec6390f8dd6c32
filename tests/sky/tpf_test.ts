import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { openFits } from "../../src/open.ts";
import { memorySource } from "../../src/source/memory.ts";
import { cutoutSky } from "../../src/sky_cutout.ts";
import { tanPixelToSky } from "../../src/sky/linear_fit.ts";
import { angularSeparation, wcs } from "../../src/wcs/mod.ts";
import { EXPECTED, nulls } from "./_expected.ts";

const cube = readFileSync(new URL("../../testdata/tess_cube.fits", import.meta.url));
const TESS = EXPECTED.tess_cube;

// What lightkurve 2.5's TessTargetPixelFile reads, by column number: FLUX must be column 5 (TUNIT5 gives the
// flux unit) and FLUX_ERR column 6.
const COLUMNS = [
  ["TIME", "D", "BJD - 2457000, days"],
  ["TIMECORR", "E", "d"],
  ["CADENCENO", "J", undefined],
  ["RAW_CNTS", "nJ", "count"],
  ["FLUX", "nE", "e-/s"],
  ["FLUX_ERR", "nE", "e-/s"],
  ["FLUX_BKG", "nE", "e-/s"],
  ["FLUX_BKG_ERR", "nE", "e-/s"],
  ["QUALITY", "J", undefined],
  ["POS_CORR1", "E", "pixel"],
  ["POS_CORR2", "E", "pixel"],
  ["FFI_FILE", "44A", undefined],
];
const COLUMN_WCS = [
  "1CTYP5",
  "2CTYP5",
  "1CRPX5",
  "2CRPX5",
  "1CRVL5",
  "2CRVL5",
  "1CUNI5",
  "2CUNI5",
  "1CDLT5",
  "2CDLT5",
];

test("a TPF from the TESS cube has every column, TDIM and keyword lightkurve reads, and FLUX equals the cube", async () => {
  const fits = await openFits(memorySource(new Uint8Array(cube)));
  let checked = 0;
  for (const want of TESS.cases) {
    const label = `size ${want.size} at (${want.center.map((v) => v.toFixed(2))})`;
    if (want.off) {
      await assert.rejects(cutoutSky(fits, { ra: want.ra, dec: want.dec, size: want.size }), {
        code: "NOT_FOUND",
      });
      continue;
    }
    if (want.aperture) continue; // the same box as another case
    const cut = await cutoutSky(fits, { ra: want.ra, dec: want.dec, size: want.size });
    const [lo, hi] = [want.lo!, want.hi!];
    const [width, height] = [hi[0] - lo[0], hi[1] - lo[1]];
    assert.deepEqual([cut.kind, cut.box.lo, cut.box.hi], ["tpf", lo, hi], label);
    assert.equal(cut.cube!.wcsRow, TESS.wcs_row);

    const tpf = await openFits(memorySource(cut.toFits()));
    assert.deepEqual(tpf.hdus.map((hdu) => [hdu.type, hdu.extname]), [
      ["PRIMARY", "PRIMARY"],
      ["BINTABLE", "PIXELS"],
      ["IMAGE", "APERTURE"],
    ]);
    const primary = tpf.hdus[0].header;
    assert.equal(primary.getString("TELESCOP")?.trim(), "TESS");
    assert.match(primary.getString("CREATOR")!, /targetpixel/i);
    assert.match(primary.getString("ORIGIN")!, /stsci/i);
    for (
      const [key, value] of [["SECTOR", 1], ["CAMERA", 1], ["CCD", 1], ["BJDREFI", 2457000], ["BJDREFF", 0]]
    ) {
      assert.equal(primary.get(key as string), value, key as string);
    }
    assert.deepEqual([primary.get("RA_OBJ"), primary.get("DEC_OBJ")], [want.ra, want.dec]);

    const pixels = tpf.hdus[1].header;
    COLUMNS.forEach(([name, form, unit], i) => {
      const n = i + 1;
      assert.equal(pixels.getString(`TTYPE${n}`), name, label);
      assert.equal(
        pixels.getString(`TFORM${n}`),
        form!.replace("n", String(width * height)),
        `${label} ${name}`,
      );
      assert.equal(pixels.getString(`TUNIT${n}`), unit, `${label} ${name} unit`);
      if (form!.startsWith("n")) assert.equal(pixels.getString(`TDIM${n}`), `(${width},${height})`);
    });
    assert.equal(pixels.get("TNULL4"), -1);
    // Time keywords lightkurve takes from the PIXELS header itself (astropy ignores INHERIT).
    assert.deepEqual([pixels.get("BJDREFI"), pixels.get("TIMESYS"), pixels.get("INHERIT")], [
      2457000,
      "TDB",
      true,
    ]);
    // tpf.column, tpf.row, and the linear WCS lightkurve builds when ORIGIN is not MAST's.
    assert.deepEqual([pixels.get("1CRV5P"), pixels.get("2CRV5P")], [lo[0] + 1, lo[1] + 1], label);
    for (const key of [...COLUMN_WCS, "11PC5", "12PC5", "21PC5", "22PC5"]) {
      assert.notEqual(pixels.get(key), undefined, key);
    }

    const rows = await tpf.hdu(1).rows(0, TESS.time.length);
    const column = (name: string) => rows.columns[name];
    assert.deepEqual([...column("TIME").values as Float64Array], TESS.time);
    assert.deepEqual([...column("TIMECORR").values as Float32Array], TESS.timecorr.map(Math.fround));
    assert.deepEqual([...column("CADENCENO").values as Int32Array], TESS.time.map(() => 0));
    assert.deepEqual([...column("QUALITY").values as Int32Array], TESS.quality);
    assert.deepEqual(column("FFI_FILE").values, TESS.ffi_file, "full FFI names, not cut to 38 characters");
    const cells = (name: string) => {
      const values = column(name).values as Float32Array | Float32Array[];
      return Array.isArray(values) ? values.flatMap((cell) => nulls(cell)) : nulls(values);
    };
    assert.deepEqual(cells("FLUX"), want.flux, `${label}: FLUX equals the cube's pixels`);
    assert.deepEqual(cells("FLUX_ERR"), want.flux_err, label);
    assert.ok(cells("FLUX_BKG").every((v) => v === 0) && cells("POS_CORR1").every((v) => v === 0));
    assert.ok(cells("RAW_CNTS").every((v) => v === -1));

    // APERTURE: 1 on the cube, 0 on padding; the linear fit with its residuals and the PHYSICAL origin.
    const aperture = await tpf.hdu(2).section([null, null]);
    const onCube = Array.from({ length: width * height }, (_, p) => {
      const [x, y] = [lo[0] + (p % width), lo[1] + Math.floor(p / width)];
      return x >= 0 && y >= 0 && x < 6 && y < 5 ? 1 : 0;
    });
    assert.deepEqual([...aperture.data], onCube, label);
    const header = tpf.hdus[2].header;
    assert.deepEqual([header.get("CRVAL1P"), header.get("CRVAL2P")], [lo[0] + 1, lo[1] + 1]);
    const linear = wcs(header);
    assert.equal(linear.hasDistortion, false);
    const fromColumns = {
      crval: [pixels.getNumber("1CRVL5")!, pixels.getNumber("2CRVL5")!] as [number, number],
      crpix: [pixels.getNumber("1CRPX5")!, pixels.getNumber("2CRPX5")!] as [number, number],
      cd: ["11PC5", "12PC5", "21PC5", "22PC5"].map((key) => pixels.getNumber(key)!) as [
        number,
        number,
        number,
        number,
      ],
    };
    let maxSeparation = 0;
    want.sky!.forEach(([ra, dec], k) => {
      // astropy's product(range(w), range(h)) order: x slowest.
      const [x, y] = [Math.floor(k / height), k % height];
      const sky = linear.pixelToSky(x, y);
      const separation = angularSeparation(sky.ra, sky.dec, ra, dec);
      maxSeparation = Math.max(maxSeparation, separation);
      const column5 = tanPixelToSky(fromColumns, x, y);
      assert.ok(
        angularSeparation(column5.ra, column5.dec, sky.ra, sky.dec) < 1e-12,
        "column 5 = APERTURE WCS",
      );
      if (want.linear) {
        const [fra, fdec] = want.linear.sky[k];
        assert.ok(angularSeparation(sky.ra, sky.dec, fra, fdec) < 5e-8, `${label}: ours vs astropy's fit`);
      }
    });
    const msep = header.getNumber("WCS_MSEP")!;
    assert.ok(
      Math.abs(msep - maxSeparation) < 1e-12,
      `${label}: WCS_MSEP is the largest separation from the SIP WCS`,
    );
    assert.ok(msep > 0 && msep < 1e-6, `${label}: ${msep}`);
    if (want.linear) {
      assert.ok(
        Math.abs(msep - want.linear.msep) < 5e-8,
        `${label}: WCS_MSEP ${msep} vs astropy ${want.linear.msep}`,
      );
      assert.ok(Math.abs(header.getNumber("WCS_SIG")! - want.linear.sig) < 1e-7, label);
    }
    checked++;
  }
  assert.equal(checked, 4);
});
