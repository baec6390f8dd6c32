/**
 * Smoke tests of the compiled binary (`deno task compile`, the release build for this machine): it
 * knows its version and target, lists a local file, cuts out a section over HTTP from the range server
 * and reads an object from the loopback S3, with the requests the library would send.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { compiledBinary } from "../_support/binary.ts";
import { runChild } from "../_support/child.ts";
import { expected, testdataFile, testdataPath } from "../_support/fixtures.ts";
import { startRangeServer } from "../_support/range_server.ts";
import { s3WithFixtures } from "../_support/s3_fixtures.ts";
import { hostTarget } from "../../tools/compile.ts";

const binary = await compiledBinary();
const BINARY_TEST = { timeout: 120_000, skip: binary.skipped ?? false };
/** Nothing from this process's environment: no keys, no AWS_PROFILE, no proxy. */
const EMPTY_ENV = { AWS_EC2_METADATA_DISABLED: "true" };

/** The section `[29:30,20:20]` (FITS order) of primary_only.fits, as astropy read it (`[19:20, 28:30]`). */
const SECTION = expected("primary_only").hdus[0].sections!.find((s) => JSON.stringify(s.shape) === "[1,2]")!;

function cloudfits(args: string[], env: Record<string, string> = EMPTY_ENV) {
  return runChild([binary.path!, ...args], { env });
}

test("the binary prints its version, runtime and build target", BINARY_TEST, async () => {
  const { version } = JSON.parse(await readFile(join(import.meta.dirname!, "../../deno.json"), "utf8"));
  const run = await cloudfits(["--version"]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^cloudfits (\S+) \(bun (\d+\.\d+\.\d+), ([\w-]+), compiled\)\n$/);
  const [, printed, , target] = run.stdout.match(/^cloudfits (\S+) \(bun (\S+), ([\w-]+), compiled\)/)!;
  assert.equal(printed, version);
  assert.equal(target, hostTarget());
});

test("the binary lists a local file as astropy sees it", BINARY_TEST, async () => {
  const run = await cloudfits(["ls", "--json", testdataPath("mef_images.fits")]);
  assert.equal(run.code, 0, run.stderr);
  const [file] = JSON.parse(run.stdout).files;
  const want = expected("mef_images");
  assert.equal(file.size, want.size);
  assert.deepEqual(
    file.hdus.map((h: { headerOffset: number; dataOffset: number }) => [h.headerOffset, h.dataOffset]),
    want.hdus.map((h) => [h.hdrLoc, h.datLoc]),
  );
});

test("the binary cuts out a section over HTTP with range requests only", BINARY_TEST, async () => {
  const bytes = testdataFile("primary_only.fits");
  const server = await startRangeServer({ files: { "primary_only.fits": bytes } });
  after(() => server.close());
  const run = await cloudfits([
    "cutout",
    `${server.url}/primary_only.fits[0][29:30,20:20]`,
    "--format",
    "json",
    "-o",
    "-",
  ]);
  assert.equal(run.code, 0, run.stderr);
  // The CLI speaks FITS order (NAXIS1 first); numpy's order is beside it.
  assert.deepEqual(JSON.parse(run.stdout), {
    shape: [...SECTION.shape].reverse(),
    numpyShape: SECTION.shape,
    dtype: SECTION.dtype,
    data: SECTION.data,
  });
  assert.ok(server.log.length >= 1 && server.log.length <= 2, `${server.log.length} requests`);
  for (const request of server.log) {
    assert.equal(request.method, "GET");
    assert.match(request.range ?? "", /^bytes=\d+-\d+$/);
  }
  // The pixels (BITPIX 16, NAXIS1 30) start at 2880 + ((20 - 1) * 30 + (29 - 1)) * 2 = 4076.
  assert.ok(
    server.log.some((r) => {
      const [start, end] = r.range!.slice("bytes=".length).split("-").map(Number);
      return start <= 4076 && end >= 4079;
    }),
    "a request covers the section's 4 bytes",
  );
});

test("the binary reads an object from S3 with signed range requests", BINARY_TEST, async () => {
  const { s3, options } = await s3WithFixtures("smoke", ["mef_images.fits"]);
  const run = await cloudfits(
    ["header", "s3://private/smoke/mef_images.fits[1]", "--json", "--endpoint-url", options.endpoint],
    { ...EMPTY_ENV, ...options.env },
  );
  assert.equal(run.code, 0, run.stderr);
  const cards = JSON.parse(run.stdout).cards as { keyword: string; value: unknown }[];
  const want = expected("mef_images").hdus[1].cards;
  assert.deepEqual(
    cards.filter((c) => c.keyword === "NAXIS1" || c.keyword === "EXTNAME").map((c) => c.value),
    want.filter((c) => c.keyword === "NAXIS1" || c.keyword === "EXTNAME").map((c) => c.value),
  );
  assert.ok(s3.log.length >= 1);
  for (const request of s3.log) {
    assert.deepEqual([request.method, request.auth, request.status], ["GET", "header", 206]);
    assert.match(request.range ?? "", /^bytes=\d+-\d+$/);
  }
});
