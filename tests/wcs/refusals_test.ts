/**
 * Headers the WCS engine cannot interpret are refused with a CloudFitsError that names the keyword — never a
 * guessed position — and positions without a pixel are OUT_OF_RANGE.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { HeaderValue } from "../../src/fits/card.ts";
import { wcs } from "../../src/wcs/mod.ts";
import { assertCloudFitsError } from "../_support/expect_error.ts";

const TAN: Record<string, HeaderValue> = {
  NAXIS: 2,
  CTYPE1: "RA---TAN",
  CTYPE2: "DEC--TAN",
  CRPIX1: 50,
  CRPIX2: 50,
  CRVAL1: 150,
  CRVAL2: 20,
  CDELT1: -0.01,
  CDELT2: 0.01,
};

function header(changes: Record<string, HeaderValue | undefined>) {
  const values = new Map(Object.entries({ ...TAN, ...changes }).filter(([, v]) => v !== undefined));
  return { get: (keyword: string) => values.get(keyword.toUpperCase()) };
}

function refuses(
  changes: Record<string, HeaderValue | undefined>,
  code: "UNSUPPORTED" | "BAD_HEADER",
  pattern: RegExp,
) {
  try {
    wcs(header(changes));
  } catch (error) {
    assertCloudFitsError(error, code, pattern);
    return;
  }
  assert.fail(`accepted ${JSON.stringify(changes)}`);
}

test("the base header of these tests is accepted", () => {
  assert.deepEqual(wcs(header({})).pixelToWorld([49, 49]), [150, 20]);
});

test("helioprojective, heliographic, ecliptic and planetary axes are refused, naming CTYPE", () => {
  refuses(
    { CTYPE1: "HPLN-TAN", CTYPE2: "HPLT-TAN" },
    "UNSUPPORTED",
    /CTYPE1 'HPLN-TAN' is not RA\/Dec-like \(helioprojective/,
  );
  refuses(
    { CTYPE1: "HGLN-CAR", CTYPE2: "HGLT-CAR" },
    "UNSUPPORTED",
    /CTYPE1 'HGLN-CAR' is not RA\/Dec-like \(heliographic/,
  );
  refuses({ CTYPE1: "ELON-TAN", CTYPE2: "ELAT-TAN" }, "UNSUPPORTED", /ecliptic/);
  refuses(
    { CTYPE1: "MALN-TAN", CTYPE2: "MALT-TAN" },
    "UNSUPPORTED",
    /CTYPE1 'MALN-TAN' is not RA\/Dec-like \(planetary/,
  );
});

test("an unknown projection or distortion is refused, naming CTYPE and listing what is supported", () => {
  refuses(
    { CTYPE1: "RA---ZPN", CTYPE2: "DEC--ZPN" },
    "UNSUPPORTED",
    /projection 'ZPN' of CTYPE1 'RA---ZPN'.*TAN/,
  );
  refuses({ CTYPE1: "RA---TAN-TPV", CTYPE2: "DEC--TAN-TPV" }, "UNSUPPORTED", /CTYPE1 'RA---TAN-TPV'.*'TPV'/);
  refuses({ CTYPE1: "RA---TAN", CTYPE2: "DEC--SIN" }, "BAD_HEADER", /do not form a celestial pair/);
});

test("a singular linear transformation is refused", () => {
  refuses({ CDELT1: 0 }, "BAD_HEADER", /singular/);
  refuses({ CD1_1: 1e-3, CD1_2: 2e-3, CD2_1: 2e-3, CD2_2: 4e-3 }, "BAD_HEADER", /CDi_j.*is singular/);
  refuses({ PC1_1: 1, PC1_2: 1, PC2_1: 1, PC2_2: 1 }, "BAD_HEADER", /singular/);
});

test("missing keywords are refused, naming them", () => {
  refuses({ CTYPE2: undefined }, "BAD_HEADER", /CTYPE1 'RA---TAN' has no matching latitude axis/);
  refuses({ CTYPE1: undefined, CTYPE2: undefined }, "BAD_HEADER", /no celestial axes/);
  refuses({ CTYPE1: "RA---TAN-SIP", CTYPE2: "DEC--TAN-SIP" }, "BAD_HEADER", /A_ORDER, which is missing/);
  refuses({ A_ORDER: 2, A_2_0: 1e-5 }, "BAD_HEADER", /B_ORDER, which is missing/);
  refuses({ CRVAL1: "ten" }, "BAD_HEADER", /CRVAL1 must be a finite number/);
});

test("frames and units it cannot convert are refused, naming the keyword", () => {
  refuses({ RADESYS: "FK4", EQUINOX: 1950 }, "UNSUPPORTED", /RADESYS = 'FK4'/);
  refuses({ EQUINOX: 1950 }, "UNSUPPORTED", /EQUINOX = 1950 \(before 1984, so FK4\)/);
  refuses({ RADESYS: "GAPPT" }, "UNSUPPORTED", /RADESYS = 'GAPPT'/);
  refuses({ CUNIT1: "furlong" }, "UNSUPPORTED", /CUNIT1 'FURLONG'/);
  refuses({ PV1_1: 5 }, "UNSUPPORTED", /PV1_1/);
});

test("NCP on the equator and CEA with λ outside (0, 1] are refused", () => {
  refuses(
    { CTYPE1: "RA---NCP", CTYPE2: "DEC--NCP", CRVAL2: 0 },
    "BAD_HEADER",
    /NCP projection needs CRVAL2 ≠ 0/,
  );
  refuses({ CTYPE1: "RA---CEA", CTYPE2: "DEC--CEA", PV2_1: 1.5 }, "BAD_HEADER", /PV2_1: CEA needs 0 < λ ≤ 1/);
});

test("an alternate description is read by its letter, and a missing one is refused", () => {
  const values = header({ CTYPE1A: "GLON-CAR", CTYPE2A: "GLAT-CAR", CDELT1A: 1, CDELT2A: 1 });
  assert.equal(wcs(values, { alt: "A" }).frame, "galactic");
  assert.equal(wcs(values).frame, "icrs");
  assert.throws(() => wcs(values, { alt: "B" }), { code: "BAD_HEADER", message: /no celestial axes/ });
  assert.throws(() => wcs(values, { alt: "a" }), TypeError);
});

test("a position with no pixel is OUT_OF_RANGE; a pixel off the projection is NaN, as in astropy", () => {
  const tan = wcs(header({}));
  assert.throws(() => tan.worldToPixel([330, -20]), {
    code: "OUT_OF_RANGE",
    message: /not on the TAN projection/,
  });
  assert.throws(() => tan.skyToPixel(330, -20), { code: "OUT_OF_RANGE" });
  const sin = wcs(header({ CTYPE1: "RA---SIN", CTYPE2: "DEC--SIN", CDELT1: -1, CDELT2: 1 }));
  assert.deepEqual(sin.pixelToWorld([200, 49]), [NaN, NaN]);
  assert.deepEqual(sin.pixelToSky(200, 49), { ra: NaN, dec: NaN });
  assert.throws(() => tan.pixelToWorld([1, 2, 3]), TypeError);
});

test("non-linear spectral axes are refused only where they would be needed", () => {
  const cube = wcs(header({ NAXIS: 3, CTYPE3: "VOPT-F2W", CRVAL3: 1000, CDELT3: 10, CRPIX3: 1 }));
  assert.throws(() => cube.pixelToWorld([0, 0, 0]), { code: "UNSUPPORTED", message: /CTYPE3 'VOPT-F2W'/ });
  const [x, y] = cube.skyToPixel(150, 20);
  assert.ok(Math.abs(x - 49) < 1e-9 && Math.abs(y - 49) < 1e-9);
});
