import { test } from "node:test";
import assert from "node:assert/strict";
import { angularSeparation, parseAngle } from "../../src/wcs/mod.ts";
import { assertCloudFitsError } from "../_support/expect_error.ts";

test("angularSeparation matches astropy's angular_separation, from 1e-9° to 180°", () => {
  // [lon1, lat1, lon2, lat2, astropy.coordinates.angular_separation in degrees]
  const cases = [
    [10, 0, 11, 0, 0.9999999999999994],
    [0, 89, 180, 89, 2.0000000000000098],
    [83.82, -5.39, 83.83, -5.38, 0.014110962446791261],
    [0, 0, 180, 0, 180],
    [359.9, -89.999, 0.1, -89.998, 0.0010000121846075775],
    [12.3, 45.6, 12.3, 45.6 + 1e-9, 9.999981973989441e-10],
  ];
  for (const [lon1, lat1, lon2, lat2, want] of cases) {
    const got = angularSeparation(lon1, lat1, lon2, lat2);
    assert.ok(Math.abs(got - want) <= 1e-12, `${[lon1, lat1, lon2, lat2]}: ${got} vs ${want}`);
    assert.ok(Math.abs(angularSeparation(lon2, lat2, lon1, lat1) - got) <= 1e-13, "symmetric");
  }
});

test("parseAngle reads degrees and sexagesimal, RA in hours, with astropy's values", () => {
  // Expected values from astropy's Angle(..., unit=hourangle / deg).deg.
  const near = (got: number, want: number) => assert.ok(Math.abs(got - want) < 1e-12, `${got} vs ${want}`);
  near(parseAngle("05:37:09.9", "ra"), 84.29124999999999);
  near(parseAngle("5h37m9.9s", "ra"), 84.29124999999999);
  near(parseAngle("05 37 09.9", "ra"), 84.29124999999999);
  near(parseAngle("-80:28:09", "dec"), -80.46916666666667);
  near(parseAngle("-80d28m09s", "dec"), -80.46916666666667);
  assert.equal(parseAngle("84.29", "ra"), 84.29);
  assert.equal(parseAngle(" 84.29deg ", "ra"), 84.29);
  assert.equal(parseAngle("-80.47", "dec"), -80.47);
  assert.equal(parseAngle("+12:30", "dec"), 12.5);
  assert.equal(parseAngle("0", "dec"), 0);
});

test("parseAngle keeps the sign of a declination whose degrees are zero", () => {
  assert.equal(parseAngle("-00:30:00", "dec"), -0.5);
  assert.equal(parseAngle("-0 30 00", "dec"), -0.5);
  assert.equal(parseAngle("-00d30m", "dec"), -0.5);
  assert.equal(parseAngle("+00:30:00", "dec"), 0.5);
});

test("parseAngle refuses text that is not an angle, or out of range, with USAGE", () => {
  const refuses = (text: string, kind: "ra" | "dec", pattern: RegExp) => {
    try {
      parseAngle(text, kind);
    } catch (error) {
      assertCloudFitsError(error, "USAGE", pattern);
      return;
    }
    assert.fail(`accepted ${text}`);
  };
  refuses("", "ra", /Cannot read RA '': expected degrees/);
  refuses("abc", "dec", /Cannot read Dec 'abc'.*-80:28:09/);
  refuses("05:61:00", "ra", /below 60/);
  refuses("05:30:60", "ra", /below 60/);
  refuses("24:00:00", "ra", /out of range/);
  refuses("360", "ra", /out of range/);
  refuses("-1", "ra", /out of range/);
  refuses("-90:00:01", "dec", /out of range/);
  refuses("91", "dec", /out of range/);
  refuses("1:2:3:4", "dec", /Cannot read/);
});
