import { test } from "node:test";
import assert from "node:assert/strict";
import { CloudFitsError, isCloudFitsError } from "../src/errors.ts";

test("isCloudFitsError recognises the class by name and code, not by identity", () => {
  const error = new CloudFitsError("TRUNCATED", "Cannot read header at offset 2880: got 120 bytes", {
    offset: 2880,
  });
  assert.equal(isCloudFitsError(error), true);
  assert.equal(isCloudFitsError(error, "TRUNCATED"), true);
  assert.equal(isCloudFitsError(error, "STALE"), false);
  assert.equal(isCloudFitsError({ name: "CloudFitsError", code: "STALE" }, "STALE"), true);
  assert.equal(isCloudFitsError(new Error("x")), false);
  assert.equal(isCloudFitsError(null), false);
  assert.equal(error.offset, 2880);
  assert.equal(error.url, undefined);
});
