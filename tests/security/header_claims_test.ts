/**
 * Issue #15 item 6: nothing is allocated or iterated from a header's claims beyond the bytes present.
 * Each hostile file is a few blocks; its header claims 10^14 or 10^15 rows. The reads run in a child
 * process with a 256 MiB heap, so that allocating a claim crashes it instead of this test runner, and
 * a read that iterates a claim (printing empty rows forever) is stopped by a deadline.
 */
import { after, test } from "node:test";
import process from "node:process";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildHeader, formatCard } from "../../src/fits/write.ts";
import { DENO, ROOT, startChild } from "../_support/child.ts";

const directory = mkdtempSync(join(tmpdir(), "cloudfits-claims-"));
after(() => rmSync(directory, { recursive: true, force: true }));

/** A primary HDU and a BINTABLE of the given geometry, with `dataBytes` of (zero) data present. */
function hostileTable(
  name: string,
  cards: { naxis1: number; naxis2: number; gcount: number },
  dataBytes = 2880,
) {
  const primary = buildHeader([formatCard("SIMPLE", true), formatCard("BITPIX", 8), formatCard("NAXIS", 0)]);
  const columns = cards.naxis1 === 0 ? [formatCard("TTYPE1", "A"), formatCard("TFORM1", "0J")] : [
    formatCard("TTYPE1", "A"),
    formatCard("TFORM1", "J"),
    formatCard("TTYPE2", "B"),
    formatCard("TFORM2", `${cards.naxis1 - 4}A`),
  ];
  const table = buildHeader([
    formatCard("XTENSION", "BINTABLE"),
    formatCard("BITPIX", 8),
    formatCard("NAXIS", 2),
    formatCard("NAXIS1", cards.naxis1),
    formatCard("NAXIS2", cards.naxis2),
    formatCard("PCOUNT", 0),
    formatCard("GCOUNT", cards.gcount),
    formatCard("TFIELDS", columns.length / 2),
    ...columns,
  ]);
  const file = new Uint8Array(primary.length + table.length + dataBytes);
  file.set(primary);
  file.set(table, primary.length);
  const path = join(directory, name);
  writeFileSync(path, file);
  return path;
}

/** Run a child with a small heap and a deadline; a crash, a kill or a deadline is a failed test. */
async function runBounded(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { child, exited } = startChild([DENO, "run", "-A", "--v8-flags=--max-old-space-size=256", ...args]);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    process.kill(-child.pid!, "SIGKILL");
  }, 60_000);
  const result = await exited;
  clearTimeout(timer);
  assert.ok(!timedOut, `still running after 60 s (${result.stdout.length} bytes printed)`);
  return { ...result, stdout: result.stdout.slice(0, 2000) };
}

const CHILD = join(ROOT, "tests/security/_claims_child.ts");
const gcountZero = hostileTable("gcount0.fits", { naxis1: 1000, naxis2: 1e15, gcount: 0 });
const shortFile = hostileTable("short.fits", { naxis1: 1000, naxis2: 1e12, gcount: 1 });
const emptyRows = hostileTable("empty_rows.fits", { naxis1: 0, naxis2: 1e15, gcount: 1 }, 0);

for (const mode of ["rows", "batches"]) {
  test(`${mode}: GCOUNT = 0 with NAXIS2 = 10^15 is a BAD_HEADER naming GCOUNT, with no limit to stop it`, async () => {
    const result = await runBounded([CHILD, mode, gcountZero]);
    assert.equal(result.code, 0, result.stderr.slice(-2000));
    assert.match(result.stdout, /^BAD_HEADER Cannot parse GCOUNT '0' at offset \d+: a table has GCOUNT = 1/);
  });

  test(`${mode}: 10^12 rows of 1000 bytes claimed by a file of 3 blocks: TRUNCATED before planning`, async () => {
    const result = await runBounded([CHILD, mode, shortFile]);
    assert.equal(result.code, 0, result.stderr.slice(-2000));
    assert.match(
      result.stdout,
      /^TRUNCATED Cannot read rows 1 to \d+ of HDU 1 .* need bytes up to offset \d+/,
    );
  });

  test(`${mode}: 10^15 rows of 0 bytes are refused, not produced`, async () => {
    const result = await runBounded([CHILD, mode, emptyRows]);
    assert.equal(result.code, 0, result.stderr.slice(-2000));
    assert.match(result.stdout, /^BAD_HEADER .*rows are 0 bytes wide \(NAXIS1 = 0\)/);
  });
}

test("cloudfits table of 10^15 zero-width rows: one clear error, no rows printed", async () => {
  const result = await runBounded([join(ROOT, "cli.ts"), "table", emptyRows]);
  assert.equal(result.code, 5, result.stderr); // bad data
  assert.equal(result.stdout, "");
  assert.match(
    result.stderr,
    /rows are 0 bytes wide \(NAXIS1 = 0\), and more than 1000000 such rows are refused/,
  );
  assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr);
});
