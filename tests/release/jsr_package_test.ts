/**
 * The JSR package as its users get it: the core (mod.ts) type-checks with only the browser's and
 * ECMAScript's globals (no Deno, no Node), bundles for the browser with Bun, and every entry point
 * carries module docs.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { pathToFileURL } from "node:url";
import { BUN, DENO, ROOT, runChild } from "../_support/child.ts";

const SLOW = { timeout: 120_000 };
const config = JSON.parse(await readFile(join(ROOT, "deno.json"), "utf8"));
const scratch = await mkdtemp(join(tmpdir(), "cloudfits-jsr-"));
after(() => rm(scratch, { recursive: true, force: true }));

/**
 * `deno check` of `file` with deno.json's imports but a browser's libraries only; the config sits in
 * scratch, so its `lib` applies to the repository's files without touching deno.json.
 */
async function checkWithBrowserLibs(file: string) {
  const browserConfig = join(scratch, "browser.deno.json");
  await writeFile(
    browserConfig,
    JSON.stringify({ compilerOptions: { lib: ["dom", "dom.iterable", "esnext"] }, imports: config.imports }),
  );
  return await runChild([DENO, "check", "--config", browserConfig, file], {
    env: { ...process.env, NO_COLOR: "1" },
  });
}

test("the core type-checks without Deno or Node globals (lib: dom, esnext)", SLOW, async () => {
  const core = await checkWithBrowserLibs(join(ROOT, "mod.ts"));
  assert.equal(core.code, 0, core.stderr);
  // The same check fails a module that reaches for Deno or Node: it can catch them.
  const leaky = join(scratch, "leaky.ts");
  await writeFile(
    leaky,
    `import { VERSION } from ${JSON.stringify(pathToFileURL(join(ROOT, "mod.ts")).href)};\n` +
      `export const leak: string = VERSION + Deno.env.get("HOME") + process.env.HOME;\n`,
  );
  const leak = await checkWithBrowserLibs(leaky);
  assert.notEqual(leak.code, 0);
  assert.match(leak.stderr, /Cannot find name 'Deno'/);
  assert.match(leak.stderr, /Cannot find name 'process'/);
});

test("bun build --target=browser bundles the core, and the bundle runs", SLOW, async () => {
  const outfile = join(scratch, "cloudfits.browser.js");
  const build = await runChild([
    BUN,
    "build",
    "--target=browser",
    "--minify",
    join(ROOT, "mod.ts"),
    "--outfile",
    outfile,
  ]);
  assert.equal(build.code, 0, build.stderr);
  const bundle = await readFile(outfile, "utf8");
  assert.doesNotMatch(bundle, /\bfrom\s*["']node:|require\(["']node:/, "no node: import in the bundle");
  // The bundle is one self-contained module: import it and read the version it took from deno.json.
  const { VERSION, openFits } = await import(pathToFileURL(outfile).href);
  assert.equal(VERSION, config.version);
  assert.equal(typeof openFits, "function");
});

test("every entry point of the package has module docs", async () => {
  const entries = Object.values(config.exports as Record<string, string>);
  assert.deepEqual(entries, ["./mod.ts", "./src/source/file.ts", "./cli.ts"]);
  for (const entry of entries) {
    const text = await readFile(join(ROOT, entry), "utf8");
    const doc = text.match(/^\s*\/\*\*([\s\S]*?)\*\//)?.[1] ?? "";
    assert.match(doc, /@module/, `${entry} opens with a @module doc`);
    assert.match(doc, /@example|```ts/, `${entry}'s module doc has an example`);
  }
});

test("deno task docs writes browsable HTML for every entry point", SLOW, async () => {
  const [program, ...args] = (config.tasks.docs as string).split(/\s+/);
  assert.deepEqual([program, args[0], args[1]], ["./node_modules/.bin/deno", "doc", "--html"]);
  const output = join(scratch, "api");
  const run = await runChild([
    DENO,
    ...args.map((a) => a.startsWith("--output=") ? `--output=${output}` : a),
  ]);
  assert.equal(run.code, 0, run.stderr);
  for (const page of ["index.html", "cli/index.html", "file/index.html"]) {
    assert.ok(existsSync(join(output, page)), page);
  }
  assert.match(await readFile(join(output, "all_symbols.html"), "utf8"), /openFits/);
});
