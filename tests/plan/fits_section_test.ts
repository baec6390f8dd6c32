import { test } from "node:test";
import assert from "node:assert/strict";
import { fitsSectionToNumpy } from "../../src/plan/fits_section.ts";
import { isCloudFitsError } from "../../src/errors.ts";

const cube = [2078, 2136, 1282, 2]; // numpy order: rows, columns, frames, planes

test("the seed's headers[1][0:10, 0:10, 50, 0] is [1:1,51:51,1:10,1:10] with every axis kept", () => {
  assert.deepEqual(fitsSectionToNumpy("1:1,51:51,1:10,1:10", cube), [[0, 10], [0, 10], [50, 51], [0, 1]]);
});

test("'*', missing axes and full ranges mean whole axes; steps are kept", () => {
  assert.deepEqual(
    fitsSectionToNumpy("*,*:5", cube),
    [null, null, null, null].map((v, i) => i === 2 ? [0, 1282, 5] : v),
  );
  assert.deepEqual(fitsSectionToNumpy("1:20", [10, 20]), [null, null]);
  assert.deepEqual(fitsSectionToNumpy("1:2", [10, 20]), [null, [0, 2]]);
  assert.deepEqual(fitsSectionToNumpy("", [10, 20]), [null, null]);
  assert.deepEqual(fitsSectionToNumpy("5,2:3:2", [10, 20]), [[1, 3, 2], [4, 5]]);
});

test("out-of-range, reversed and malformed sections are OUT_OF_RANGE errors that name the convention", () => {
  for (const bad of ["0:3", "1:21", "5:2", "a:b", "1:2,1:2,1:2", "-*"]) {
    assert.throws(() => fitsSectionToNumpy(bad, [10, 20]), (e) => {
      assert.ok(isCloudFitsError(e, "OUT_OF_RANGE"), String(e));
      assert.match((e as Error).message, /FITS order, 1-based, inclusive/);
      return true;
    });
  }
});
