/**
 * Output hygiene of the real process: stdout carries only data; progress goes to stderr only when it is
 * a terminal or --progress asks (whole lines then, never `\r`); a reader that stops early (`| head`)
 * ends the command quietly, under Deno and under Bun.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn } from "node:child_process";
import { BUN, DENO, ROOT, runChild } from "../_support/child.ts";
import { runCli } from "../_support/cli_io.ts";

const RUNTIMES: [string, string[]][] = [
  ["deno", [DENO, "run", "-A", `${ROOT}cli.ts`]],
  ["bun", [BUN, `${ROOT}cli.ts`]],
];
const CUBE_CSV = ["cutout", "testdata/wcs_cube.fits", "-o", "-", "--format", "csv"];

test("with stderr a pipe: no progress and nothing but data on stdout; --progress prints whole lines", async () => {
  const [, deno] = RUNTIMES[0];
  const plain = await runChild([...deno, ...CUBE_CSV]);
  assert.equal(plain.code, 0, plain.stderr);
  assert.equal(plain.stderr, "");
  assert.equal(plain.stdout.split("\n")[0], "axis1,axis2,axis3,value");
  assert.equal(plain.stdout.trimEnd().split("\n").length, 1 + 24 * 20 * 12);

  const shown = await runChild([...deno, ...CUBE_CSV, "--progress"]);
  assert.equal(shown.code, 0, shown.stderr);
  assert.equal(shown.stdout, plain.stdout, "progress never reaches stdout");
  assert.ok(!shown.stderr.includes("\r"), JSON.stringify(shown.stderr));
  assert.match(shown.stderr, /^cutout: 23\.0 kB of 23\.0 kB \(100%\), \S+ \S*B\/s, ETA 0 s\n$/m);

  const quiet = await runChild([...deno, ...CUBE_CSV, "--progress", "--quiet"]);
  assert.equal(quiet.stderr, "");
});

test("on a terminal, progress redraws one line with \\r and clears it at the end", async () => {
  const run = await runCli(["table", "testdata/tess_cube.fits[2]", "-o", "-", "--progress"], {}, {
    errTty: true,
  });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stderr, /^\rtable: .* of .* \(\d+%\), .*\/s, ETA \d+ s/);
  assert.match(run.stderr, /\r *\r$/, "the line is cleared");
  const piped = await runCli(["table", "testdata/tess_cube.fits[2]", "-o", "-"], {}, { errTty: false });
  assert.equal(piped.stderr, "");
});

test("index --progress reports files, bytes, rate and ETA on stderr", async () => {
  const dir = await mkdtemp(join(tmpdir(), "cloudfits-progress-"));
  try {
    const run = await runCli(["index", "testdata/wcs_cube.fits", "-o", join(dir, "i.cfidx"), "--progress"]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(
      run.stderr,
      /^indexing: 1 of 1 files, .* read \(.*\/s, .* files\/s\), ETA 0 s, 0 failed\n$/m,
    );
    assert.match(run.stdout, /^Indexed 1 files/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

for (const [name, command] of RUNTIMES) {
  test(`${name}: a reader that closes early ('| head -c 10') ends the command quietly`, {
    skip: existsSync(command[0]) ? false : `needs ${name}`,
  }, async () => {
    const child = spawn(command[0], [...command.slice(1), ...CUBE_CSV], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk) => stderr += String(chunk));
    const first = await new Promise<string>((resolve) =>
      child.stdout.once("data", (chunk) => resolve(String(chunk)))
    );
    assert.equal(first.slice(0, 10), "axis1,axis");
    child.stdout.destroy(); // the reader goes away with most of the output unread
    const code = await new Promise<number | null>((resolve) => child.once("close", resolve));
    assert.equal(stderr, "", "no EPIPE, no stack trace");
    assert.equal(code, 0);
  });
}
