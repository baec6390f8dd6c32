/**
 * Help that helps: `help CMD` is `CMD --help`; every example in the help texts and the README runs in
 * bash, zsh and fish to the same arguments (a stub stands in for cloudfits); unknown options and commands
 * get one line with a suggestion; no internal jargon.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { HELP } from "../../cli/help.ts";
import { runCli } from "../_support/cli_io.ts";
import { ROOT } from "../_support/child.ts";

/** Examples of the help texts: the lines under "Examples:", with their continuation lines joined. */
function helpExamples(): string[] {
  const examples: string[] = [];
  for (const text of Object.values(HELP)) {
    const lines = text.split("Examples:")[1]?.split("\n") ?? [];
    for (const line of lines) {
      if (/^\s+cloudfits /.test(line)) examples.push(line.trim());
      else if (/^\s{5,}\S/.test(line) && examples.at(-1)?.endsWith("\\")) {
        examples.push(`${examples.pop()}\n${line}`);
      }
    }
  }
  return examples;
}

/**
 * Commands in the README: lines of code blocks (with their continuation lines joined) and inline code that
 * start with `cloudfits` (or `$ cloudfits`). Blocks marked `bash` are bash scripts for batch engines (Slurm,
 * AWS Batch, GNU parallel: bash brace ranges, globs over shards made earlier), not commands to type.
 */
function readmeExamples(): string[] {
  const readme = readFileSync(`${ROOT}README.md`, "utf8");
  const lines = [...readme.matchAll(/^```([a-z]*)\n([\s\S]*?)^```/gm)]
    .filter((block) => block[1] !== "ts" && block[1] !== "bash")
    .flatMap((block) => block[2].replace(/\\\n/g, "\\\u0000").split("\n"))
    .map((line) => line.replaceAll("\u0000", "\n").replace(/^\$ /, ""))
    .filter((line) => line.startsWith("cloudfits "));
  const inline = [...readme.matchAll(/`(cloudfits [^`]+)`/g)].map((m) => m[1]);
  return [...lines, ...inline];
}

// No start-up files: the examples run as typed, whatever the user's (or CI's) shell configuration.
const SHELLS: Record<string, { path: string; flags: string[]; stub: string }> = {
  bash: { path: "/bin/bash", flags: ["--norc", "--noprofile"], stub: `cloudfits() { printf '%s\\0' "$@"; }` },
  zsh: { path: "/usr/bin/zsh", flags: ["-f"], stub: `cloudfits() { printf '%s\\0' "$@"; }` },
  fish: {
    path: "/usr/bin/fish",
    flags: ["--no-config"],
    stub: `function cloudfits; printf '%s\\0' $argv; end`,
  },
};

function argvIn(shell: string, example: string): Promise<{ ok: boolean; argv: string[]; stderr: string }> {
  const { path, flags, stub } = SHELLS[shell];
  return new Promise((resolve) =>
    execFile(
      path,
      [...flags, "-c", `${stub}\n${example}`],
      { cwd: ROOT, env: { PATH: "/usr/bin:/bin", LC_ALL: "C" } },
      (
        error,
        stdout,
        stderr,
      ) => resolve({ ok: !error && stderr === "", argv: stdout.split("\0").slice(0, -1), stderr }),
    )
  );
}

test("every example in the help and the README runs in bash, zsh and fish to the same arguments", {
  skip: existsSync(SHELLS.zsh.path) ? false : "needs zsh (.ci/run installs it)",
}, async () => {
  const examples = [...helpExamples(), ...readmeExamples()];
  assert.ok(examples.length >= 30, `${examples.length} examples`);
  const shells = Object.keys(SHELLS).filter((shell) => existsSync(SHELLS[shell].path));
  for (const example of examples) {
    const results = await Promise.all(shells.map((shell) => argvIn(shell, example)));
    for (const [i, result] of results.entries()) {
      assert.ok(result.ok, `${shells[i]}: ${example}\n${result.stderr}`);
      // Globs may list files in another order (fish sorts naturally); the words must be the same.
      assert.deepEqual(
        result.argv.toSorted(),
        results[0].argv.toSorted(),
        `${shells[i]} vs bash: ${example}`,
      );
    }
    assert.ok(
      Object.hasOwn(HELP, results[0].argv[0]) || ["help", "--version", "--help"].includes(results[0].argv[0]),
      `a command: ${example}`,
    );
    assert.ok(
      !results[0].argv.some((arg) => /^\[|\\$/.test(arg)),
      `no stray brackets or backslashes: ${example}`,
    );
  }
});

test("the example check catches an unquoted bracket under zsh", {
  skip: existsSync(SHELLS.zsh.path) ? false : "needs zsh",
}, async () => {
  assert.equal((await argvIn("zsh", "cloudfits header testdata/mef_images.fits[1]")).ok, false);
  assert.equal((await argvIn("zsh", "cloudfits header 'testdata/mef_images.fits[1]'")).ok, true);
});

test("cloudfits help CMD prints what CMD --help prints", async () => {
  for (const command of Object.keys(HELP)) {
    const help = await runCli(["help", command]);
    const flag = await runCli([command, "--help"]);
    assert.equal(help.code, 0);
    assert.equal(help.stdout, flag.stdout);
    assert.equal(help.stdout, HELP[command] + "\n");
  }
  const top = await runCli(["help"]);
  assert.match(top.stdout, /^cloudfits \S+ — /);
  assert.match(top.stdout, /FITS order everywhere/);
});

test("unknown options and commands get one line with a suggestion", async () => {
  const cases: [string[], RegExp][] = [
    [
      ["table", "testdata/table_all.fits", "--row", "3"],
      /^error: Unknown option --row: did you mean --rows\?\n$/,
    ],
    [
      ["cutout", "testdata/wcs_cube.fits", "--outptu", "x.fits"],
      /^error: Unknown option --outptu: did you mean --output\?\n$/,
    ],
    [["ls", "--jsn", "testdata/wcs_cube.fits"], /^error: Unknown option --jsn: did you mean --json\?\n$/],
    [["ls", "-x", "testdata/wcs_cube.fits"], /^error: Unknown option -x \(see --help\)\n$/],
    [["cutout", "testdata/wcs_cube.fits", "-o"], /^error: Option --output needs a value\n$/],
    [
      ["cutuot", "testdata/wcs_cube.fits"],
      /^error: Unknown command 'cutuot': did you mean cutout\? \(commands: /,
    ],
  ];
  for (const [args, message] of cases) {
    const run = await runCli(args);
    assert.equal(run.code, 2, args.join(" "));
    assert.match(run.stderr, message);
    assert.equal(run.stdout, "");
  }
});

test("-f means --force wherever it exists, and nothing else", async () => {
  const forced = await runCli(["cutout", "testdata/wcs_cube.fits[0][1:1,1:1,1:1]", "-f", "-o", "-"]);
  assert.equal(forced.code, 0, forced.stderr);
  const index = await runCli(["index", "-f", "testdata", "-o", "x.cfidx"]);
  assert.equal(index.code, 2);
  assert.match(index.stderr, /did you mean --fits-files-directory/);
});

test("no internal jargon in the help texts or the demo", async () => {
  const texts = [(await runCli(["help"])).stdout, ...Object.values(HELP), (await runCli(["demo"])).stdout];
  for (const text of texts) assert.doesNotMatch(text, /\bseed/i);
});
