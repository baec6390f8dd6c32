/**
 * The WCS engine against astropy.wcs: every case of testdata/wcs_vectors.json (tools/make_wcs_vectors.py),
 * pixel → world, world → pixel, pixel → ICRS and ICRS → pixel, within 1e-8° and 1e-6 px. Each test names the
 * worst error it saw.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { HeaderValue } from "../../src/fits/card.ts";
import { openFits } from "../../src/open.ts";
import { memorySource } from "../../src/source/memory.ts";
import { angularSeparation, type KeywordSource, wcs } from "../../src/wcs/mod.ts";

const testdata = join(import.meta.dirname!, "..", "..", "testdata");

interface Case {
  name: string;
  alt: string;
  header: Record<string, string | number | boolean> | null;
  source: { file: string; hdu: number; row?: number } | null;
  naxis: number;
  lonAxis: number;
  latAxis: number;
  frame: string;
  scales: [number, number];
  pixels: number[][];
  world: number[][];
  sky: [number, number][];
}

const vectors = JSON.parse(readFileSync(join(testdata, "wcs_vectors.json"), "utf8")) as { cases: Case[] };

/** Keyword lookups over a plain object, as a table row or a hand-made header would give them. */
function keywordMap(values: Record<string, HeaderValue>): KeywordSource {
  const map = new Map(Object.entries(values).map(([k, v]) => [k.toUpperCase(), v]));
  return { get: (keyword) => map.get(keyword.toUpperCase()) };
}

/** The case's header: its own keywords, or read from the fixture it names (a TESS cube row through the reader). */
async function headerOf(item: Case): Promise<KeywordSource> {
  if (item.header !== null) return keywordMap(item.header);
  const bytes = readFileSync(join(testdata, item.source!.file));
  await using fits = await openFits(memorySource(new Uint8Array(bytes)));
  const hdu = fits.hdu(item.source!.hdu);
  if (item.source!.row === undefined) return hdu.info.header;
  const rows = await hdu.rows(item.source!.row, item.source!.row + 1);
  const values: Record<string, HeaderValue> = {};
  for (const [name, column] of Object.entries(rows.columns)) {
    if (column.kind === "number" || column.kind === "string") values[name] = column.values[0] as HeaderValue;
  }
  return keywordMap(values);
}

/** The worst errors over all cases, reported at the end. */
const worst = { degrees: 0, pixels: 0, where: { degrees: "", pixels: "" } };

function worldError(item: Case, got: number[], want: number[]): number {
  let error = angularSeparation(got[item.lonAxis], got[item.latAxis], want[item.lonAxis], want[item.latAxis]);
  for (let i = 0; i < want.length; i++) {
    if (i === item.lonAxis || i === item.latAxis) continue;
    error = Math.max(error, Math.abs(got[i] - want[i]) / Math.max(1, Math.abs(want[i])));
  }
  return error;
}

function note(kind: "degrees" | "pixels", error: number, where: string): void {
  if (error > worst[kind]) {
    worst[kind] = error;
    worst.where[kind] = where;
  }
}

for (const item of vectors.cases) {
  test(`wcs ${item.name}: astropy's all_pix2world, all_world2pix, ICRS positions and pixel scales`, async () => {
    const transform = wcs(await headerOf(item), { alt: item.alt });
    assert.deepEqual(
      [transform.naxis, transform.lonAxis, transform.latAxis, transform.frame],
      [item.naxis, item.lonAxis, item.latAxis, item.frame],
    );
    const scales = transform.pixelScales();
    for (const k of [0, 1]) {
      assert.ok(Math.abs(scales[k] - item.scales[k]) <= 1e-15 * item.scales[k] + 1e-300);
    }
    let caseDegrees = 0, casePixels = 0;
    item.pixels.forEach((pixel, k) => {
      const world = transform.pixelToWorld(pixel);
      const degrees = worldError(item, world, item.world[k]);
      const back = transform.worldToPixel(item.world[k]);
      const pixels = Math.max(...back.map((p, i) => Math.abs(p - pixel[i])));
      const sky = transform.pixelToSky(pixel[item.lonAxis], pixel[item.latAxis]);
      const skyDegrees = angularSeparation(sky.ra, sky.dec, item.sky[k][0], item.sky[k][1]);
      const [x, y] = transform.skyToPixel(item.sky[k][0], item.sky[k][1]);
      const skyPixels = Math.max(Math.abs(x - pixel[item.lonAxis]), Math.abs(y - pixel[item.latAxis]));
      caseDegrees = Math.max(caseDegrees, degrees, skyDegrees);
      casePixels = Math.max(casePixels, pixels, skyPixels);
      if (Math.abs(item.world[k][item.latAxis]) < 89) {
        // Longitudes come out in wcslib's range too ([0, 360], or [−360, 0] for a negative CRVAL), not just the
        // same angle.
        assert.ok(
          Math.abs(world[item.lonAxis] - item.world[k][item.lonAxis]) < 1e-6,
          `${world[item.lonAxis]}`,
        );
      }
    });
    note("degrees", caseDegrees, item.name);
    note("pixels", casePixels, item.name);
    assert.ok(caseDegrees <= 1e-8, `${item.name}: worst world error ${caseDegrees}°`);
    assert.ok(casePixels <= 1e-6, `${item.name}: worst pixel error ${casePixels} px`);
  });
}

test("the vectors cover every projection, SIP, the frames and the fixtures' WCS headers", () => {
  const names = vectors.cases.map((c) => c.name);
  for (
    const code of [
      "tan",
      "sin",
      "ncp",
      "arc",
      "zea",
      "stg",
      "car",
      "cea",
      "mol",
      "ait",
      "sip",
      "crota2",
      "arcsec",
    ]
  ) {
    assert.ok(names.some((n) => n.includes(code)), code);
  }
  assert.deepEqual([...new Set(vectors.cases.map((c) => c.frame))].sort(), ["fk5", "galactic", "icrs"]);
  assert.ok(
    names.includes("primary_only") && names.filter((n) => n.startsWith("tess_cube_row")).length === 7,
  );
  assert.ok(
    vectors.cases.some((c) => c.alt === "A") && vectors.cases.some((c) => c.lonAxis === 1 && c.naxis === 4),
  );
  // Every case test above has run by now (node:test runs tests in order): state the worst errors seen.
  console.log(
    `WCS against astropy: worst world error ${worst.degrees.toExponential(2)}° (${worst.where.degrees}), ` +
      `worst pixel error ${
        worst.pixels.toExponential(2)
      } px (${worst.where.pixels}) over ${names.length} headers`,
  );
  assert.ok(worst.degrees > 0 && worst.degrees <= 1e-8 && worst.pixels <= 1e-6);
});
