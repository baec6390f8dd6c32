/**
 * The numerical promises of REFERENCE.md §10 "WCS numerics", held exactly (not within a tolerance): wcslib
 * gives exactly CRPIX at CRVAL for zenithal projections and exact pixels on an unrotated CAR grid, and so must we.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { HeaderValue } from "../../src/fits/card.ts";
import { wcs } from "../../src/wcs/mod.ts";

function keywords(values: Record<string, HeaderValue>) {
  const map = new Map(Object.entries(values));
  return { get: (keyword: string) => map.get(keyword.toUpperCase()) };
}

test("zenithal projections map CRVAL to exactly CRPIX and back, at any rotation and declination", () => {
  for (const code of ["TAN", "SIN", "NCP", "ARC", "ZEA", "STG"]) {
    for (
      const [crval1, crval2] of [[83.633083, 22.0145], [359.99, -89.5], [0.001, 0.3], [201.365, -43.019]]
    ) {
      const image = wcs(keywords({
        NAXIS: 2,
        CTYPE1: `RA---${code}`,
        CTYPE2: `DEC--${code}`,
        CRPIX1: 1024.5,
        CRPIX2: 37.25,
        CRVAL1: crval1,
        CRVAL2: crval2,
        CD1_1: -7.3e-5,
        CD1_2: 2.1e-5,
        CD2_1: 1.9e-5,
        CD2_2: 7.1e-5,
      }));
      assert.deepEqual(
        image.worldToPixel([crval1, crval2]),
        [1023.5, 36.25],
        `${code} at ${crval1}, ${crval2}`,
      );
      assert.deepEqual(
        image.pixelToWorld([1023.5, 36.25]),
        [crval1, crval2],
        `${code} at ${crval1}, ${crval2}`,
      );
    }
  }
});

test("an unrotated CAR grid with CRVAL2 = 0 puts whole degrees on whole pixels", () => {
  const map = wcs(keywords({
    NAXIS: 2,
    CTYPE1: "GLON-CAR",
    CTYPE2: "GLAT-CAR",
    CRPIX1: 181,
    CRPIX2: 91,
    CRVAL1: 0,
    CRVAL2: 0,
    CDELT1: -1,
    CDELT2: 1,
  }));
  for (let lon = -179; lon <= 180; lon += 7) {
    for (let lat = -89; lat <= 89; lat += 11) {
      const want = [180 - lon, 90 + lat];
      assert.deepEqual(map.worldToPixel([(lon + 360) % 360, lat]), want, `${lon}, ${lat}`);
      assert.deepEqual(map.pixelToWorld(want), [(lon + 360) % 360, lat], `${lon}, ${lat}`);
    }
  }
});

test("hasDistortion tells SIP headers apart, and SIP moves pixels as A and B say", () => {
  const base = {
    NAXIS: 2,
    CTYPE1: "RA---TAN",
    CTYPE2: "DEC--TAN",
    CRPIX1: 100,
    CRPIX2: 100,
    CRVAL1: 10,
    CRVAL2: 10,
    CDELT1: -1e-3,
    CDELT2: 1e-3,
  };
  const plain = wcs(keywords(base));
  const sip = wcs(
    keywords({
      ...base,
      CTYPE1: "RA---TAN-SIP",
      CTYPE2: "DEC--TAN-SIP",
      A_ORDER: 2,
      B_ORDER: 2,
      A_2_0: 1e-4,
    }),
  );
  assert.deepEqual([plain.hasDistortion, sip.hasDistortion], [false, true]);
  // 10 px right of CRPIX, A_2_0 · 10² = 0.01 px further.
  const [x, y] = sip.worldToPixel(plain.pixelToWorld([109.01, 99]));
  assert.ok(Math.abs(x - 109) < 1e-9 && Math.abs(y - 99) < 1e-9, `${x}, ${y}`);
});
