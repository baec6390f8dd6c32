import { test } from "node:test";
import assert from "node:assert/strict";
import * as api from "../mod.ts";

// The exported runtime names of @cloudfits/core. A change here is a change of the public API: make it
// on purpose, and say so in the changelog of the release.
const EXPECTED = [
  "CloudFitsError",
  "RequestPool",
  "VERSION",
  "azureSource",
  "buildHeader",
  "buildIndex",
  "countingSource",
  "cutoutSky",
  "decodeIndex",
  "describePlan",
  "encodeIndex",
  "encodePng",
  "estimateCost",
  "findPosition",
  "footprintOf",
  "formatCard",
  "gcsSource",
  "httpSource",
  "isCloudFitsError",
  "lightCurve",
  "listObjects",
  "memorySource",
  "openFits",
  "openIndex",
  "openSource",
  "openTarget",
  "parseHeader",
  "parseLocation",
  "parseTarget",
  "putObject",
  "redactUrl",
  "rowsToJson",
  "s3Source",
  "verifyHduChecksum",
  "verifyIndex",
  "walkHdus",
  "wcs",
  "withCache",
  "withRetry",
];

test("mod.ts exports exactly the documented public API, and it fits on a page", () => {
  assert.ok(EXPECTED.length <= 40, `${EXPECTED.length} runtime exports`);
  assert.deepEqual(Object.keys(api).sort(), EXPECTED);
});

test("the browser-safe entry point does not export the local-file source", () => {
  assert.equal("openFileSource" in api, false);
});
