import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../_support/cli_io.ts";
import { buildHeader, formatCard } from "../../src/fits/write.ts";
import { startRangeServer } from "../_support/range_server.ts";

const cube = "testdata/tess_cube.fits"; // 5 rows × 6 columns × 8 frames × 2 planes, float32

test("plan states requests, bytes and cost of a cutout without reading data", async () => {
  const run = await runCli(["plan", `${cube}[1][1:1,*,1:3,1:3]`]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(
    run.stdout,
    `${cube}[1][1:1,*,1:3,1:3]: HDU 1, shape [1, 8, 3, 3] (FITS order)\n` +
      "  1 request, 956 B to read, 288 B needed (3.32×), est. $0.00000049\n" +
      "  within the limits\n",
  );
});

test("plan --json gives the figures of sections and table reads, and says what would be refused", async () => {
  const run = await runCli([
    "plan",
    "--json",
    "--max-read",
    "2K",
    `${cube}[1][*,*,1:3,1:3]`,
    `${cube}[2][col TSTART;TSTOP]`,
  ]);
  assert.equal(run.code, 0, run.stderr);
  const [section, rows] = JSON.parse(run.stdout);
  assert.deepEqual(
    [section.kind, section.shape, section.numpyShape, section.requests, section.bytesNeeded, section.allowed],
    ["section", [2, 8, 3, 3], [3, 3, 8, 2], 1, 3 * 3 * 8 * 2 * 4, true],
  );
  assert.equal(section.refusal, undefined);
  // Whole rows are read (one request instead of sixteen) but only two 8-byte columns are needed.
  assert.deepEqual([rows.kind, rows.shape, rows.requests, rows.bytesNeeded, rows.allowed], [
    "rows",
    [8, 2],
    1,
    8 * 16,
    false,
  ]);
  assert.ok(rows.bytesToRead > 2000);
  assert.equal(rows.refusal, "refused: more than the 2.00 kB read limit (to go on: --max-read 6K)");
});

test("cutout and table refuse a read over --max-read with exit 2, one line, and nothing written", async () => {
  const dir = await mkdtemp(join(tmpdir(), "cloudfits-plan-"));
  try {
    const out = join(dir, "cut.fits");
    const cut = await runCli(["cutout", `${cube}[1][*,*,1:6,1:5]`, "-o", out, "--max-read", "1K"]);
    assert.equal(cut.code, 2);
    assert.match(
      cut.stderr,
      /^error: Refusing to read HDU 1 of testdata\/tess_cube\.fits: 1 request, 1\.92 kB to read, 1\.92 kB needed \(1\.00×\), est\. \$[0-9.]+; that is more than the 1\.00 kB read limit\. To go on, raise the limit: --max-read 2K .*\n$/,
    );
    assert.equal(existsSync(out), false);
    const rows = await runCli(["table", `${cube}[2]`, "--max-read", "1000"]);
    assert.equal(rows.code, 2);
    assert.match(rows.stderr, /more than the 1\.00 kB read limit/);
    assert.equal(rows.stdout, "");
    const lifted = await runCli(["cutout", `${cube}[1][*,*,1:6,1:5]`, "-o", out, "--max-read", "0"]);
    assert.equal(lifted.code, 0, lifted.stderr);
    assert.equal(existsSync(out), true);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("--request-cost trades requests for bytes", async () => {
  // One plane of 3×3 pixels: 4 useful bytes every 8, rows 48 bytes apart.
  const target = `${cube}[1][1:1,*,1:3,1:3]`;
  const merged = JSON.parse((await runCli(["plan", "--json", target])).stdout)[0];
  const separate = JSON.parse((await runCli(["plan", "--json", "--request-cost", "0", target])).stdout)[0];
  assert.deepEqual([merged.requests, merged.bytesToRead], [1, 956]);
  assert.deepEqual([separate.requests, separate.bytesToRead], [3 * 3 * 8, 288]);
});

test("limit flags are checked", async () => {
  for (
    const args of [["--max-read", "lots"], ["--max-requests=-1"], ["--price-gb", "x"], [
      "--request-cost",
      "1e3",
    ]]
  ) {
    const run = await runCli(["plan", `${cube}[1]`, ...args]);
    assert.equal(run.code, 2, args.join(" "));
    assert.match(run.stderr, /^error: Invalid /);
  }
});

test("plan reads headers only: a cutout of the same target then sends the data request it planned", async () => {
  // A 300 × 300 float32 image (360,000 bytes) whose data lies mostly past the walk's first 64 KiB read.
  const header = buildHeader([
    formatCard("SIMPLE", true),
    formatCard("BITPIX", -32),
    formatCard("NAXIS", 2),
    formatCard("NAXIS1", 300),
    formatCard("NAXIS2", 300),
  ]);
  const file = new Uint8Array(header.length + Math.ceil(360_000 / 2880) * 2880);
  file.set(header);
  const server = await startRangeServer({ files: { "big.fits": file } });
  try {
    const target = `${server.url}/big.fits[0][1:10,201:210]`; // FITS order: columns 1-10 of rows 201-210
    const plan = await runCli(["plan", "--json", target]);
    assert.equal(plan.code, 0, plan.stderr);
    const [planned] = JSON.parse(plan.stdout);
    assert.deepEqual([planned.requests, planned.bytesToRead, planned.bytesNeeded], [1, 9 * 1200 + 40, 400]);
    assert.deepEqual(server.log.map((e) => e.range), ["bytes=0-65535"], "the header walk only");

    server.log.length = 0;
    const cut = await runCli(["cutout", target, "-o", "-", "--json"]);
    assert.equal(cut.code, 0, cut.stderr);
    const first = header.length + 200 * 1200;
    assert.deepEqual(server.log.map((e) => e.range), [
      "bytes=0-65535",
      `bytes=${first}-${first + planned.bytesToRead - 1}`,
    ]);
    assert.equal(server.log[1].bytes, planned.bytesToRead, "the request sent is the one planned");
  } finally {
    await server.close();
  }
});
