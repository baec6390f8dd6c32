/**
 * Start-up of the CLI, measured from the outside: the time from spawning `cloudfits cutout` against a
 * loopback range server to the server's first request, and to the process's exit; median of N runs, for
 * the compiled binary (`deno task compile` → `dist/cloudfits`), `deno run` and `bun` on cli.ts — and, as
 * the floor, a binary compiled the same way whose only work is that one fetch. Also the bytes of bundled JS
 * each read command loads before it runs (the binary's own chunks: cli.js's static imports and the
 * command's, transitively). Writes bench/results/startup.json, with the load average (the figures scale with
 * a busy machine's load).
 *
 * Usage: deno run -A bench/startup.ts [--runs 11] [--binary dist/cloudfits] [--latency 20]
 *
 * @module
 */
import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import { cpus, loadavg, platform, release, tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";
import { bunBuildArgs, BUNDLE_FLAGS } from "../tools/compile.ts";

const ROOT = join(import.meta.dirname!, "..");
const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "11" },
    binary: { type: "string", default: join(ROOT, "dist", "cloudfits") },
    latency: { type: "string", default: "20" },
  },
});
const runs = Number(values.runs);
const loadAtStart = loadavg();
const latency = Number(values.latency);

const file = await readFile(join(ROOT, "testdata", "tess_cube.fits"));
let firstRequest: number | undefined;
const server = createServer((request, response) => {
  firstRequest ??= performance.now();
  const match = /bytes=(\d+)-(\d+)/.exec(request.headers.range ?? "");
  const start = match ? Number(match[1]) : 0;
  const end = match ? Math.min(Number(match[2]), file.length - 1) : file.length - 1;
  setTimeout(() => {
    response.writeHead(match ? 206 : 200, {
      "Content-Length": String(end - start + 1),
      ...(match ? { "Content-Range": `bytes ${start}-${end}/${file.length}` } : {}),
      "Accept-Ranges": "bytes",
      ETag: '"startup"',
    });
    response.end(file.subarray(start, end + 1));
  }, latency);
});
await new Promise<void>((listening) => server.listen(0, "127.0.0.1", listening));
const address = server.address();
if (address === null || typeof address === "string") throw new Error("no port");
const target = `http://127.0.0.1:${address.port}/tess_cube.fits[1][1:1,*,1:5,1:5]`;
const args = ["cutout", target, "--json", "-o", "-"];

interface Sample {
  /** Spawn to the server's first request, ms. */
  firstRequestMs: number;
  /** Spawn to exit, ms. */
  exitMs: number;
}

/** Spawn one run; the server and the clock live in this process, so both times share one clock. */
function once(command: string, commandArgs: string[]): Promise<Sample> {
  firstRequest = undefined;
  const spawned = performance.now();
  const child = spawn(command, commandArgs, { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (chunk) => stderr += chunk);
  return new Promise((done, fail) => {
    child.on("error", fail);
    child.on("exit", (code) => {
      const exited = performance.now();
      if (code !== 0 || firstRequest === undefined) {
        return fail(new Error(`${command} exited ${code}: ${stderr.trim()}`));
      }
      done({ firstRequestMs: firstRequest - spawned, exitMs: exited - spawned });
    });
  });
}

function median(numbers: number[]): number {
  const sorted = [...numbers].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

const deno = join(ROOT, "node_modules", ".bin", "deno");
const bun = join(ROOT, "node_modules", ".bin", "bun");
const floor = await floorBinary();
const tools: { tool: string; command: string; args: string[] }[] = [
  { tool: "floor: a bun binary that only fetches", command: floor.path, args: [target] },
  { tool: "binary (dist/cloudfits)", command: values.binary, args },
  { tool: "deno run -A cli.ts", command: deno, args: ["run", "-A", join(ROOT, "cli.ts"), ...args] },
  { tool: "bun cli.ts", command: bun, args: [join(ROOT, "cli.ts"), ...args] },
];

// Warm the page cache and the runtimes' caches, then take the tools in turn, run after run: a change in
// the machine's load (shared machines) then weighs on every tool alike, the floor included.
for (const { command, args: commandArgs } of tools) await once(command, commandArgs);
const samplesOf: Sample[][] = tools.map(() => []);
for (let i = 0; i < runs; i++) {
  for (const [t, { command, args: commandArgs }] of tools.entries()) {
    samplesOf[t].push(await once(command, commandArgs));
  }
}
const jsLoadedKB = await jsLoadedByCommand();
console.log(
  `JS loaded before a command runs: ${
    Object.entries(jsLoadedKB).map(([command, kb]) => `${command} ${kb} KB`).join(", ")
  }`,
);
const results = [];
for (const [t, { tool }] of tools.entries()) {
  const samples = samplesOf[t];
  const row = {
    tool,
    runs,
    firstRequestMs: round(median(samples.map((s) => s.firstRequestMs))),
    exitMs: round(median(samples.map((s) => s.exitMs))),
    firstRequestRangeMs: [
      round(Math.min(...samples.map((s) => s.firstRequestMs))),
      round(Math.max(...samples.map((s) => s.firstRequestMs))),
    ],
  };
  console.log(
    `${tool}: first request ${row.firstRequestMs} ms after spawn (${
      row.firstRequestRangeMs.join("–")
    }), exit ${row.exitMs} ms`,
  );
  results.push(row);
}
server.close();
await floor.remove();

/** A binary built with the release build's flags whose whole work is the first request. */
async function floorBinary(): Promise<{ path: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "cloudfits-startup-"));
  const script = join(dir, "fetch.ts");
  await writeFile(
    script,
    `fetch(process.argv[2].replace(/\\[.*$/, ""), { headers: { range: "bytes=0-65535" } })` +
      `.then((response) => response.arrayBuffer());\n`,
  );
  const path = join(dir, "fetch");
  const build = spawn(bun, bunBuildArgs(undefined, path, script));
  const code = await new Promise((exited) => build.on("exit", exited));
  if (code !== 0) throw new Error(`bun build of the floor binary exited ${code}`);
  return { path, remove: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * KB of minified JS each read command evaluates before its run starts: the release build's chunks
 * (tools/compile.ts's flags, without bytecode so that the chunks are JS to read), cli.js's static imports
 * and the command's, transitively. What a run then imports on demand (a codec, S3 signing) is not counted.
 */
async function jsLoadedByCommand(): Promise<Record<string, number>> {
  const dir = await mkdtemp(join(tmpdir(), "cloudfits-chunks-"));
  try {
    const build = spawn(bun, [
      "build",
      ...BUNDLE_FLAGS,
      "--target=bun",
      join(ROOT, "cli.ts"),
      "--outdir",
      dir,
    ]);
    const code = await new Promise((exited) => build.on("exit", exited));
    if (code !== 0) throw new Error(`bun build of the chunks exited ${code}`);
    const text = new Map<string, string>();
    for (const name of await readdir(dir)) text.set(name, await readFile(join(dir, name), "utf8"));
    const closure = (entry: string, into = new Set<string>()): Set<string> => {
      if (into.has(entry)) return into;
      into.add(entry);
      for (const [, dep] of text.get(entry)!.matchAll(/(?:from|import)\s*"\.\/([^"]+\.js)"/g)) {
        closure(dep, into);
      }
      return into;
    };
    const kb: Record<string, number> = {};
    for (const command of ["cutout", "header", "ls", "table", "plan", "lightcurve"]) {
      const chunk = [...text.keys()].find((name) => name.startsWith(`${command}-`));
      if (chunk === undefined) throw new Error(`no chunk for ${command}`);
      const loaded = closure(chunk, closure("cli.js"));
      const bytes = [...loaded].reduce(
        (sum, name) => sum + new TextEncoder().encode(text.get(name)!).length,
        0,
      );
      kb[command] = Math.round(bytes / 102.4) / 10;
    }
    return kb;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

const report = {
  date: new Date().toISOString(),
  method:
    `median of ${runs} runs after one warm-up, the tools taken in turn; spawn → the loopback server's first request, and → exit, of ` +
    `'cloudfits ${args.join(" ").replace(target, "URL[1][1:1,*,1:5,1:5]")}' (server latency ${latency} ms)`,
  machine: {
    cpu: cpus()[0]?.model,
    cores: cpus().length,
    os: `${platform()} ${release()}`,
    loadAverageAtStart: loadAtStart.map((load) => Math.round(load * 100) / 100),
    loadAverage: loadavg().map((load) => Math.round(load * 100) / 100),
  },
  runtimes: { deno: process.versions.deno, bun: await versionOf(bun) },
  jsLoadedKB,
  results,
};
await writeFile(join(ROOT, "bench", "results", "startup.json"), JSON.stringify(report, null, 2) + "\n");
console.log("bench/results/startup.json");

async function versionOf(command: string): Promise<string> {
  const child = spawn(command, ["--version"]);
  let out = "";
  child.stdout.on("data", (chunk) => out += chunk);
  await new Promise((exited) => child.on("exit", exited));
  return out.trim();
}
