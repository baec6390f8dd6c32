/**
 * `deno task bench`: cloudfits against astropy + fsspec, over the same loopback range server, in the
 * same run. See bench/README.md for the scenarios, the settings and how to read the table.
 *
 * Usage: `deno run -A bench/run.ts [--smoke] [--reps N] [--latency MS] [--block-size BYTES]
 * [--no-binary] [--no-peer] [--no-install] [--no-chart] [--out DIR]`
 *
 * @module
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, freemem, release, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import process from "node:process";
import { type RangeServer, startRangeServer } from "./server.ts";
import {
  type BenchReport,
  median,
  renderMarkdown,
  type ResultRow,
  type TargetCheck,
  type Tool,
} from "./report.ts";
import type { Task } from "./cloudfits_runner.ts";
import { findEnd, parseHeader } from "../src/fits/header.ts";
import { walkHdus } from "../src/read/walk.ts";
import { encodeIndex } from "../src/index_format/encode.ts";
import { openFileSource } from "../src/source/file.ts";

/** Settings of one benchmark run. */
export interface BenchOptions {
  /** `full`: the sizes in the issue; `smoke`: tiny sizes for CI. */
  profile: "full" | "smoke";
  /** Repetitions per scenario and tool (medians are reported). */
  reps: number;
  /** Server delay before each response, ms. */
  latencyMs: number;
  /** fsspec block size for the "astropy small blocks" runs. */
  smallBlockSize: number;
  /**
   * Build and run the compiled binary (`deno task compile`); `script` runs the CLI as a script with
   * this runtime instead (CLI paths without the compile step, for smoke runs).
   */
  binary: boolean | "script";
  /** Run astropy: `true`, `false`, or `auto` (when /usr/bin/python3 has astropy, fsspec and aiohttp). */
  peer: boolean | "auto";
  /** Also run astropy with the small fsspec block size. */
  peerSmallBlocks: boolean;
  /** apt-get install the Debian packages the peer and chart need when missing. */
  install: boolean;
  /** Draw the PNG chart (matplotlib). */
  chart: boolean;
  /** Where latest.md, latest.json and latest.png go. */
  resultsDir: string;
  /** Cache of generated data (sparse cube, small files, big table). */
  dataDir: string;
  /** Per child process limit, ms. */
  timeoutMs: number;
  /** Progress lines. */
  log: (line: string) => void;
}

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const REPO_DIR = dirname(BENCH_DIR);
const PYTHON = "/usr/bin/python3";
const PEER_PACKAGES = ["python3-astropy", "python3-fsspec", "python3-aiohttp"];

/** Sizes per profile. */
const PROFILES = {
  full: {
    cube: { rows: 2078, cols: 2136, frames: 1239, row0: 1000, col0: 1000, block: 30 },
    smallFiles: 500,
    tableRows: 1_000_000,
    decodeMb: 200,
  },
  smoke: {
    cube: { rows: 64, cols: 48, frames: 20, row0: 10, col0: 8, block: 30 },
    smallFiles: 12,
    tableRows: 2000,
    decodeMb: 2,
  },
} as const;

/**
 * Default settings for a profile.
 *
 * @param profile `full` or `smoke`.
 * @returns The settings `deno task bench` uses.
 */
export function defaultOptions(profile: "full" | "smoke" = "full"): BenchOptions {
  return {
    profile,
    reps: profile === "full" ? 3 : 1,
    latencyMs: profile === "full" ? 20 : 1,
    smallBlockSize: 1024 * 1024,
    binary: profile === "full" ? true : "script",
    peer: profile === "full" ? true : "auto",
    peerSmallBlocks: profile === "full",
    install: profile === "full",
    chart: profile === "full",
    resultsDir: join(BENCH_DIR, "results"),
    dataDir: join(BENCH_DIR, "results", "tmp", `data-${profile}`),
    timeoutMs: profile === "full" ? 300_000 : 60_000,
    log: (line) => console.error(line),
  };
}

interface Outcome {
  coldMs: number | null;
  warmMs: number | null;
  check: number | null;
  rssKb: number | null;
  openRequests?: number | null;
  error?: string;
}

interface Scenario {
  id: string;
  title: string;
  /** Data bytes needed plus the headers in front of them; null for local scenarios. */
  needed: number | null;
  /** Expected checksum from the manifest. */
  check: number | null;
  /** Relative tolerance of the checksum comparison. */
  tolerance: number;
  /** Run by one tool with one client id; null when the tool does not take part. */
  run: Partial<Record<Tool, (client: string) => Promise<Outcome>>>;
}

/**
 * Run every scenario and write the results.
 *
 * @param options Settings (see {@linkcode defaultOptions}).
 * @returns The report (also written to `resultsDir` as latest.md and latest.json).
 */
export async function runBench(options: BenchOptions): Promise<BenchReport> {
  const log = options.log;
  const sizes = PROFILES[options.profile];
  const peer = options.peer === "auto" ? peerAvailable() : options.peer && ensurePeer(options);
  if (!peer) log("astropy peer not available: its rows are left out");
  if (!existsSync(PYTHON)) throw new Error(`Cannot make benchmark data: ${PYTHON} is missing`);

  log(`making data in ${options.dataDir} …`);
  const cube = sizes.cube;
  const frames = cube.frames;
  const selections = {
    cut5: [[cube.row0 + 10, cube.row0 + 15], [cube.col0 + 10, cube.col0 + 15], null, null],
    cut30: [[cube.row0, cube.row0 + 30], [cube.col0, cube.col0 + 30], null, null],
    cut10x1: [[cube.row0 + 5, cube.row0 + 15], [cube.col0 + 5, cube.col0 + 15], Math.floor(frames / 2), 0],
  };
  const tableSlice = [Math.floor(sizes.tableRows / 2), Math.floor(sizes.tableRows / 2) + 10];
  const config = {
    dir: options.dataDir,
    cube,
    cubeSelections: selections,
    cubeRows: [0, 10],
    smallFiles: sizes.smallFiles,
    tableRows: sizes.tableRows,
    tableSlice,
  };
  const made = spawnSync(PYTHON, [join(BENCH_DIR, "make_data.py"), JSON.stringify(config)], {
    encoding: "utf8",
    timeout: options.timeoutMs,
  });
  if (made.status !== 0) throw new Error(`Cannot make benchmark data: ${made.stderr || made.error}`);
  const manifest = JSON.parse(readFileSync(join(options.dataDir, "manifest.json"), "utf8")) as {
    checks: Record<string, number>;
    smallFiles: string[];
    sizes: Record<string, number>;
  };

  await writeCubeIndex(options.dataDir);

  if (options.binary === true && options.install && !existsSync(TIME)) aptInstall(["time"], log);
  const binaryPath = options.binary === "script"
    ? scriptCommand(join(REPO_DIR, "cli.ts")).flat()
    : options.binary
    ? compileBinary(log)
    : null;
  const server = await startRangeServer({ root: options.dataDir, latencyMs: options.latencyMs });
  try {
    const scenarios = defineScenarios(server, options, manifest, selections, tableSlice, binaryPath, peer);
    const rows: ResultRow[] = [];
    for (const scenario of scenarios) {
      for (
        const [tool, run] of Object.entries(scenario.run) as [Tool, (client: string) => Promise<Outcome>][]
      ) {
        const samples: (Outcome & { requests: number | null; bytes: number | null })[] = [];
        for (let rep = 0; rep < options.reps; rep++) {
          const client = `${scenario.id}-${tool.replaceAll(" ", "_")}-${rep}`;
          const outcome = await run(client);
          const traffic = scenario.needed === null ? null : server.coldTraffic(client);
          samples.push({ ...outcome, requests: traffic?.requests ?? null, bytes: traffic?.bytes ?? null });
        }
        const failed = samples.find((s) => s.error);
        const checks = samples.map((s) => s.check);
        const valuesOk = failed || scenario.check === null || checks.some((c) => c === null)
          ? (failed ? false : null)
          : checks.every((c) => close(c!, scenario.check!, scenario.tolerance));
        const row: ResultRow = {
          id: scenario.id,
          scenario: scenario.title,
          tool,
          requests: median(samples.map((s) => s.requests)),
          openRequests: tool === "cloudfits" || tool === "cloudfits with index"
            ? median(samples.map((s) => s.openRequests ?? null))
            : null,
          bytes: median(samples.map((s) => s.bytes)),
          needed: scenario.needed,
          coldMs: median(samples.map((s) => s.coldMs)),
          warmMs: median(samples.map((s) => s.warmMs)),
          rssKb: median(samples.map((s) => s.rssKb)),
          valuesOk,
          ...(failed ? { note: `failed: ${failed.error!.slice(0, 160)}` } : {}),
        };
        if (valuesOk === false && !failed) {
          row.note = `checksum ${checks[0]} ≠ expected ${scenario.check}`;
        }
        log(
          `${scenario.id} ${scenario.title} — ${tool}: ${row.requests ?? "–"} requests, ${
            row.bytes ?? "–"
          } B, ` +
            `cold ${row.coldMs?.toFixed(1) ?? "–"} ms, warm ${row.warmMs?.toFixed(1) ?? "–"} ms` +
            (row.note ? ` [${row.note}]` : ""),
        );
        rows.push(row);
      }
    }
    rows.push(...startupRows(options, binaryPath, peer, log));

    const report: BenchReport = {
      date: new Date().toISOString(),
      machine: machineInfo(peer),
      settings: {
        profile: options.profile,
        reps: options.reps,
        latencyMs: options.latencyMs,
        smallBlockSize: options.smallBlockSize,
        cube: `${cube.rows} × ${cube.cols} pixels × ${frames} frames × 2 (${
          manifest.sizes["tess_cube.fits"]
        } B)`,
        smallFiles: sizes.smallFiles,
        tableRows: sizes.tableRows,
        decodeMb: sizes.decodeMb,
      },
      rows,
      targets: checkTargets(rows, sizes.decodeMb),
      skipped: [{
        id: "5",
        scenario: "compressed image section",
        reason:
          "no compressed data set or astropy runner in the harness yet (cloudfits decodes tile-compressed sections; tests/fits/compressed_test.ts checks them against funpack)",
      }],
    };
    writeResults(report, options);
    return report;
  } finally {
    await server.close();
  }
}

function defineScenarios(
  server: RangeServer,
  options: BenchOptions,
  manifest: { checks: Record<string, number>; smallFiles: string[] },
  selections: Record<string, (number | number[] | null)[]>,
  tableSlice: number[],
  binaryPath: string[] | null,
  peer: boolean,
): Scenario[] {
  const sizes = PROFILES[options.profile];
  const frames = sizes.cube.frames;
  const cubeHeaders = 2 * 2880;
  const url = (client: string, file: string) => server.urlFor(client, file);
  const scenarios: Scenario[] = [];

  const withPeer = (
    cloudfits: Record<string, unknown>,
    python: Record<string, unknown>,
    file: string | null,
  ): Scenario["run"] => {
    const run: Scenario["run"] = {
      cloudfits: (client) => runCloudfits(withUrl(cloudfits, client, file), options),
    };
    if (peer) {
      run.astropy = (client) => runPeer(withUrl(python, client, file), options);
      if (!options.peerSmallBlocks) return run;
      run["astropy small blocks"] = (client) =>
        runPeer({ ...withUrl(python, client, file), blockSize: options.smallBlockSize }, options);
    }
    return run;
  };
  const withUrl = <T extends Record<string, unknown>>(task: T, client: string, file: string | null): T =>
    file === null
      ? task
      : "urls" in task
      ? { ...task, urls: (task.urls as string[]).map((f) => url(client, f)) }
      : { ...task, url: url(client, file) };

  // The index made once by writeCubeIndex, served next to the cube.
  const withIndex = <T extends Record<string, unknown>>(task: T, client: string) => ({
    ...task,
    url: url(client, "tess_cube.fits"),
    index: url(client, CUBE_INDEX),
  });

  const cutouts: [string, string, keyof typeof selections, number][] = [
    ["1a", "TESS cube cutout 5×5 px × all frames", "cut5", 5 * 5 * frames * 8],
    ["1b", "TESS cube cutout 30×30 px × all frames", "cut30", 30 * 30 * frames * 8],
    ["1c", "TESS cube cutout 10×10 px × 1 frame", "cut10x1", 10 * 10 * 4],
  ];
  for (const [id, title, key, dataBytes] of cutouts) {
    const selection = selections[key];
    const task = { kind: "section", hdu: 1, selection } as const;
    const run = withPeer({ ...task }, { ...task }, "tess_cube.fits");
    run["cloudfits with index"] = (client) => runCloudfits(withIndex(task, client), options);
    if (binaryPath) {
      run["cloudfits binary"] = (client) =>
        runBinary(
          binaryPath,
          [
            "cutout",
            `${url(client, "tess_cube.fits")}[1][${fitsSection(selection)}]`,
            "-o",
            "-",
            "--format",
            "fits",
          ],
          (_, bytes) => float32FitsSum(bytes),
          options,
        );
    }
    scenarios.push({
      id,
      title,
      needed: dataBytes + cubeHeaders,
      check: manifest.checks[key],
      tolerance: 0,
      run,
    });
  }

  const cubeColumns = ["TSTART", "TSTOP", "DQUALITY", "FFI_FILE"];
  {
    const task = { kind: "rows", hdu: 2, start: 0, stop: 10, columns: cubeColumns } as const;
    const run = withPeer({ ...task }, { ...task }, "tess_cube.fits");
    run["cloudfits with index"] = (client) => runCloudfits(withIndex(task, client), options);
    if (binaryPath) {
      run["cloudfits binary"] = (client) =>
        runBinary(
          binaryPath,
          [
            "table",
            `${url(client, "tess_cube.fits")}[2][col ${cubeColumns.join(";")}]`,
            "--rows",
            "1:10",
            "--json",
          ],
          (out) => rowsSum(JSON.parse(out)),
          options,
        );
    }
    scenarios.push({
      id: "1d",
      title: "TESS cube HDU 2 rows 1–10 × 4 columns",
      needed: 10 * (8 + 8 + 4 + 38) + cubeHeaders + tableHeaderBytes(options),
      check: manifest.checks.cubeRows,
      tolerance: 1e-12,
      run,
    });
  }

  {
    const run = withPeer({ kind: "walk", urls: ["tess_cube.fits"] }, {
      kind: "walk",
      urls: ["tess_cube.fits"],
    }, "");
    if (binaryPath) {
      run["cloudfits binary"] = (client) =>
        runBinary(binaryPath, ["ls", url(client, "tess_cube.fits"), "--json"], lsCount, options);
    }
    scenarios.push({
      id: "2a",
      title: "remote index of one TESS cube (all headers)",
      needed: cubeHeaders + tableHeaderBytes(options),
      check: manifest.checks.cubeHdus,
      tolerance: 0,
      run,
    });
  }
  {
    const files = manifest.smallFiles;
    const run = withPeer({ kind: "walk", urls: files }, { kind: "walk", urls: files }, "");
    // Every file is smaller than both block sizes: the small-block run would repeat the default one.
    delete run["astropy small blocks"];
    if (binaryPath) {
      run["cloudfits binary"] = (client) =>
        runBinary(
          binaryPath,
          // The library walks 32 files at a time here; the CLI's default is 8.
          ["ls", ...files.map((f) => url(client, f)), "--json", "--concurrency", String(WALK_CONCURRENCY)],
          lsCount,
          options,
        );
    }
    scenarios.push({
      id: "2b",
      title: `remote index of ${files.length} small MEF files (headers only)`,
      needed: files.length * 4 * 2880,
      check: manifest.checks.smallHdus,
      tolerance: 0,
      run,
    });
  }

  {
    const [start, stop] = tableSlice;
    const task = { kind: "rows", hdu: 1, start, stop, columns: ["ID", "RA", "MAG"] } as const;
    const run = withPeer({ ...task }, { ...task }, "big_table.fits");
    if (binaryPath) {
      run["cloudfits binary"] = (client) =>
        runBinary(
          binaryPath,
          [
            "table",
            `${url(client, "big_table.fits")}[1][col ID;RA;MAG]`,
            "--rows",
            `${start + 1}:${stop}`,
            "--json",
          ],
          (out) => rowsSum(JSON.parse(out)),
          options,
        );
    }
    scenarios.push({
      id: "3a",
      title: `${sizes.tableRows.toLocaleString("en")}-row table: 10 rows × 3 columns`,
      needed: 10 * (8 + 8 + 4) + 2 * 2880,
      check: manifest.checks.tableSlice,
      tolerance: 1e-12,
      run,
    });
  }
  {
    const task = { kind: "column", hdu: 1, column: "RA" } as const;
    scenarios.push({
      id: "3b",
      title: `${sizes.tableRows.toLocaleString("en")}-row table: one whole column (RA, float64)`,
      needed: sizes.tableRows * 8 + 2 * 2880,
      check: manifest.checks.tableColumn,
      tolerance: 1e-9,
      run: withPeer({ ...task }, { ...task }, "big_table.fits"),
    });
  }

  const decodeCheck = localCheck();
  const local = (kind: "decode" | "memory-section"): Scenario["run"] => {
    const task = { kind, mb: sizes.decodeMb } as const;
    const run: Scenario["run"] = { cloudfits: () => runCloudfits(task, options) };
    if (peer) run.astropy = () => runPeer(task, options);
    return run;
  };
  scenarios.push({
    id: "4a",
    title: `decode ${sizes.decodeMb} MiB float32 big-endian → host (numpy: byteswap in place)`,
    needed: null,
    check: decodeCheck,
    tolerance: 0,
    run: local("decode"),
  });
  scenarios.push({
    id: "4b",
    title:
      `${sizes.decodeMb} MiB float32 image section from memory, host order (astropy: .section[:].astype)`,
    needed: null,
    check: decodeCheck,
    tolerance: 0,
    run: local("memory-section"),
  });
  return scenarios;
}

const CUBE_INDEX = "tess_cube.cfidx";
/** Files walked at once by both cloudfits rows of 2b (the runner's default). */
const WALK_CONCURRENCY = 32;

/** Index the cube once (as `cloudfits index` would), for the "with index" runs. */
async function writeCubeIndex(dataDir: string): Promise<void> {
  const source = await openFileSource(join(dataDir, "tess_cube.fits"));
  try {
    const { hdus } = await walkHdus(source);
    const bytes = await encodeIndex([{ path: "tess_cube.fits", size: source.size!, hdus }], {
      indexer: "cloudfits bench",
    });
    writeFileSync(join(dataDir, CUBE_INDEX), bytes);
  } finally {
    await source.close();
  }
}

/** Header bytes of the cube's table HDU, as make_data.py writes it (210 cards → 6 blocks). */
function tableHeaderBytes(_options: BenchOptions): number {
  return 6 * 2880;
}

/** Sum of the first 1024 values of the decode pattern, (i % 65536) × 0.5. */
function localCheck(): number {
  let total = 0;
  for (let i = 0; i < 1024; i++) total += i * 0.5;
  return total;
}

/** A numpy-order selection as a cfitsio section: FITS axis order, 1-based, inclusive. */
export function fitsSection(selection: readonly (number | readonly number[] | null)[]): string {
  return selection.map((entry) =>
    entry === null
      ? "*"
      : typeof entry === "number"
      ? `${entry + 1}:${entry + 1}`
      : `${entry[0] + 1}:${entry[1]}`
  ).toReversed().join(",");
}

/** Sum of the float32 data of a single-HDU FITS file (the CLI's cutout output). */
function float32FitsSum(bytes: Uint8Array): number {
  const end = findEnd(bytes);
  if (end < 0) throw new Error("no END card in the cutout");
  const header = parseHeader(bytes.subarray(0, end));
  let count = 1;
  for (let axis = 1; axis <= (header.getInteger("NAXIS") ?? 0); axis++) {
    count *= header.getInteger(`NAXIS${axis}`)!;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + end, count * 4);
  let total = 0;
  for (let i = 0; i < count; i++) total += view.getFloat32(4 * i);
  return total;
}

function rowsSum(rows: Record<string, unknown>[]): number {
  let total = 0;
  for (const row of rows) {
    for (const value of Object.values(row)) if (typeof value === "number") total += value;
  }
  return total;
}

function lsCount(out: string): number {
  const listing = JSON.parse(out) as { files: { hdus: unknown[] }[] };
  return listing.files.reduce((sum, file) => sum + file.hdus.length, 0);
}

function close(a: number, b: number, tolerance: number): boolean {
  return tolerance === 0 ? a === b : Math.abs(a - b) <= tolerance * Math.max(1, Math.abs(b));
}

// ---------------------------------------------------------------- child processes

interface ChildResult {
  code: number | null;
  stdout: string;
  stdoutBytes: Uint8Array;
  stderr: string;
  ms: number;
  timedOut: boolean;
}

function runChild(command: string, args: string[], timeoutMs: number): Promise<ChildResult> {
  return new Promise((ok) => {
    const started = performance.now();
    const child = spawn(command, args, { cwd: REPO_DIR, stdio: ["ignore", "pipe", "pipe"] });
    const out: Uint8Array[] = [];
    const err: Uint8Array[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.stdout.on("data", (chunk: Uint8Array) => out.push(chunk));
    child.stderr.on("data", (chunk: Uint8Array) => err.push(chunk));
    child.on("close", (code) => {
      const ms = performance.now() - started;
      clearTimeout(timer);
      const stdoutBytes = concat(out);
      const stderr = new TextDecoder().decode(concat(err));
      ok({ code, stdout: new TextDecoder().decode(stdoutBytes), stdoutBytes, stderr, ms, timedOut });
    });
    child.on("error", (error) => {
      clearTimeout(timer);
      ok({
        code: -1,
        stdout: "",
        stdoutBytes: new Uint8Array(),
        stderr: String(error),
        ms: performance.now() - started,
        timedOut,
      });
    });
  });
}

function concat(parts: Uint8Array[]): Uint8Array {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const all = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    all.set(part, at);
    at += part.length;
  }
  return all;
}

function failure(result: ChildResult): Outcome {
  const reason = result.timedOut
    ? "timed out"
    : (result.stderr.trim().split("\n").pop() ?? `exit ${result.code}`) || `exit ${result.code}`;
  return { coldMs: null, warmMs: null, check: null, rssKb: null, error: reason };
}

function parseOutcome(result: ChildResult): Outcome {
  if (result.code !== 0 || result.timedOut) return failure(result);
  const line = result.stdout.trim().split("\n").pop() ?? "";
  try {
    return JSON.parse(line) as Outcome;
  } catch {
    return { ...failure(result), error: `unreadable output: ${line.slice(0, 80)}` };
  }
}

/** This runtime's command line for a TypeScript file. */
function scriptCommand(file: string): [string, string[]] {
  const isDeno = "Deno" in globalThis;
  return isDeno ? [process.execPath, ["run", "-A", file]] : [process.execPath, [file]];
}

async function runCloudfits(task: Record<string, unknown> | Task, options: BenchOptions): Promise<Outcome> {
  const [command, args] = scriptCommand(join(BENCH_DIR, "cloudfits_runner.ts"));
  return parseOutcome(await runChild(command, [...args, JSON.stringify(task)], options.timeoutMs));
}

async function runPeer(task: Record<string, unknown>, options: BenchOptions): Promise<Outcome> {
  const result = await runChild(
    PYTHON,
    [join(BENCH_DIR, "peer_astropy.py"), JSON.stringify(task)],
    options.timeoutMs,
  );
  return parseOutcome(result);
}

const TIME = "/usr/bin/time";

async function runBinary(
  binary: string[],
  args: string[],
  check: (stdout: string, stdoutBytes: Uint8Array) => number,
  options: BenchOptions,
): Promise<Outcome> {
  const rssFile = join(options.dataDir, `rss-${process.pid}.txt`);
  const timed = existsSync(TIME);
  const result = timed
    ? await runChild(TIME, ["-f", "%M", "-o", rssFile, ...binary, ...args], options.timeoutMs)
    : await runChild(binary[0], [...binary.slice(1), ...args], options.timeoutMs);
  let rssKb: number | null = null;
  if (timed && existsSync(rssFile)) {
    rssKb = Number(readFileSync(rssFile, "utf8").trim().split("\n").pop());
    rmSync(rssFile, { force: true });
  }
  if (result.code !== 0 || result.timedOut) return failure(result);
  let value: number | null = null;
  try {
    value = check(result.stdout, result.stdoutBytes);
  } catch (error) {
    return { ...failure(result), error: `unreadable output: ${String(error).slice(0, 80)}` };
  }
  return { coldMs: result.ms, warmMs: null, check: value, rssKb };
}

// ---------------------------------------------------------------- setup

function hasPython(modules: string): boolean {
  return existsSync(PYTHON) && spawnSync(PYTHON, ["-c", `import ${modules}`]).status === 0;
}

function peerAvailable(): boolean {
  return hasPython("astropy, fsspec, aiohttp, numpy");
}

function aptInstall(packages: string[], log: (line: string) => void): boolean {
  log(`apt-get install -y ${packages.join(" ")} …`);
  const install = () =>
    spawnSync("apt-get", ["install", "-y", "-q", ...packages], { stdio: "ignore" }).status === 0;
  if (install()) return true;
  spawnSync("apt-get", ["update", "-q"], { stdio: "ignore" });
  return install();
}

function ensurePeer(options: BenchOptions): boolean {
  if (peerAvailable()) return true;
  if (!options.install) return false;
  return aptInstall(PEER_PACKAGES, options.log) && peerAvailable();
}

function compileBinary(log: (line: string) => void): string[] | null {
  const tasks = JSON.parse(readFileSync(join(REPO_DIR, "deno.json"), "utf8")).tasks as Record<string, string>;
  log(`compiling: ${tasks.compile}`);
  const path = `${join(REPO_DIR, "node_modules", ".bin")}:${process.env.PATH ?? ""}`;
  const result = spawnSync("sh", ["-c", tasks.compile], {
    cwd: REPO_DIR,
    encoding: "utf8",
    env: { ...process.env, PATH: path },
    timeout: 300_000,
  });
  const binary = join(REPO_DIR, "dist", "cloudfits");
  if (result.status !== 0 || !existsSync(binary)) {
    log(`compile failed, binary rows left out: ${(result.stderr ?? "").trim().split("\n").pop()}`);
    return null;
  }
  return [binary];
}

function startupRows(
  options: BenchOptions,
  binaryPath: string[] | null,
  peer: boolean,
  log: (line: string) => void,
): ResultRow[] {
  const loops = options.profile === "full" ? 11 : 1;
  const time = (command: string, args: string[]): number | null => {
    const samples: number[] = [];
    for (let i = 0; i < loops; i++) {
      const started = performance.now();
      const result = spawnSync(command, args, { cwd: REPO_DIR, stdio: "ignore" });
      if (result.status !== 0) return null;
      samples.push(performance.now() - started);
    }
    return median(samples);
  };
  const base = {
    id: "6",
    requests: null,
    openRequests: null,
    bytes: null,
    needed: null,
    warmMs: null,
    rssKb: null,
  };
  const rows: ResultRow[] = [];
  const [command, args] = scriptCommand(join(REPO_DIR, "cli.ts"));
  rows.push({
    ...base,
    scenario: "startup",
    tool: "cloudfits",
    coldMs: time(command, [...args, "--version"]),
    valuesOk: null,
    note: "`deno run -A cli.ts --version`",
  });
  if (binaryPath && options.binary === true) {
    rows.push({
      ...base,
      scenario: "startup",
      tool: "cloudfits binary",
      coldMs: time(binaryPath[0], [...binaryPath.slice(1), "--version"]),
      valuesOk: null,
      note: "`dist/cloudfits --version`",
    });
  }
  if (peer) {
    rows.push({
      ...base,
      scenario: "startup",
      tool: "astropy",
      coldMs: time(PYTHON, ["-c", "import astropy.io.fits, fsspec"]),
      valuesOk: null,
      note: "`python3 -c 'import astropy.io.fits, fsspec'`",
    });
  }
  for (const row of rows) log(`6 startup — ${row.tool}: ${row.coldMs?.toFixed(1) ?? "–"} ms`);
  return rows;
}

function machineInfo(peer: boolean): Record<string, string> {
  const info: Record<string, string> = {
    cpu: cpus()[0]?.model.trim() ?? "unknown",
    cores: String(cpus().length),
    memory: `${(totalmem() / 2 ** 30).toFixed(0)} GiB (${(freemem() / 2 ** 30).toFixed(0)} GiB free)`,
    os: `Linux ${release()}`,
    runtime: "Deno" in globalThis
      ? `Deno ${(globalThis as unknown as { Deno: { version: { deno: string } } }).Deno.version.deno}`
      : `Bun ${(globalThis as unknown as { Bun: { version: string } }).Bun.version}`,
  };
  if (peer) {
    const versions = spawnSync(PYTHON, [
      "-c",
      "import sys, astropy, numpy, fsspec, aiohttp; print(sys.version.split()[0], astropy.__version__, numpy.__version__, fsspec.__version__, aiohttp.__version__)",
    ], { encoding: "utf8" }).stdout.trim().split(" ");
    info.peer = `Python ${versions[0]}, astropy ${versions[1]}, numpy ${versions[2]}, fsspec ${
      versions[3]
    }, aiohttp ${versions[4]}`;
  }
  return info;
}

// ---------------------------------------------------------------- targets and output

function checkTargets(rows: ResultRow[], decodeMb: number): TargetCheck[] {
  const get = (id: string, tool: Tool) => rows.find((r) => r.id === id && r.tool === tool);
  const targets: TargetCheck[] = [];
  // Requests and bytes: opened through the index (1 index GET + the runs), as issue 7 defines them.
  const runs: Record<string, number> = { "1a": 5, "1b": 30, "1c": 10 };
  for (const [id, count] of Object.entries(runs)) {
    const ours = get(id, "cloudfits with index");
    targets.push({
      target: `${id} requests ≤ 1 + contiguous runs (${count}) = ${1 + count} (cold, with index)`,
      measured: ours?.requests === null || !ours
        ? "–"
        : `${ours.requests} (${ours.openRequests} while opening)`,
      met: ours?.requests == null ? null : ours.requests <= 1 + count,
    });
  }
  for (const id of ["1a", "1b"]) {
    const ours = get(id, "cloudfits with index");
    const ratio = ours?.bytes != null && ours.needed ? ours.bytes / ours.needed : null;
    targets.push({
      target: `${id} bytes ≤ 1.05 × needed (rows far apart, with index)`,
      measured: ratio === null ? "–" : `${ratio.toFixed(3)} ×`,
      met: ratio === null ? null : ratio <= 1.05,
    });
  }
  for (const id of ["1a", "1b", "1c"]) {
    const ours = get(id, "cloudfits");
    const theirs = get(id, "astropy");
    const speedup = ours?.coldMs && theirs?.coldMs ? theirs.coldMs / ours.coldMs : null;
    targets.push({
      target: `${id} ≥ 10 × faster than astropy defaults (cold)`,
      measured: speedup === null ? "–" : `${speedup.toFixed(1)} ×`,
      met: speedup === null ? null : speedup >= 10,
    });
  }
  const index = get("2a", "cloudfits");
  targets.push({
    target: "2a remote index of a cube ≤ 3 requests and < 200 KB",
    measured: index?.requests == null ? "–" : `${index.requests} requests, ${index.bytes} B`,
    met: index?.requests == null ? null : index.requests <= 3 && (index.bytes ?? Infinity) < 200_000,
  });
  const many = get("2b", "cloudfits");
  const manyPeer = get("2b", "astropy");
  const manySpeedup = many?.coldMs && manyPeer?.coldMs ? manyPeer.coldMs / many.coldMs : null;
  targets.push({
    target: "2b many small files ≥ 20 × faster than astropy",
    measured: manySpeedup === null ? "–" : `${manySpeedup.toFixed(1)} ×`,
    met: manySpeedup === null ? null : manySpeedup >= 20,
  });
  const table = get("3a", "cloudfits");
  const tableRead = table?.requests != null && table.openRequests != null
    ? table.requests - table.openRequests
    : null;
  targets.push({
    target: "3a table 10 rows × 3 columns = 1 request (after opening)",
    measured: tableRead === null ? "–" : `${tableRead} (+ ${table!.openRequests} while opening)`,
    met: tableRead === null ? null : tableRead === 1,
  });
  const decode = get("4a", "cloudfits");
  const numpy = get("4a", "astropy");
  const gbps = decode?.coldMs ? (decodeMb * 2 ** 20) / (decode.coldMs / 1000) / 1e9 : null;
  targets.push({
    target: "4a decode ≥ 1 GB/s",
    measured: gbps === null ? "–" : `${gbps.toFixed(2)} GB/s`,
    met: gbps === null ? null : gbps >= 1,
  });
  const decodeRatio = decode?.coldMs && numpy?.coldMs ? numpy.coldMs / decode.coldMs : null;
  targets.push({
    target: "4a decode speed / numpy byteswap ≥ 0.5",
    measured: decodeRatio === null ? "–" : decodeRatio.toFixed(2),
    met: decodeRatio === null ? null : decodeRatio >= 0.5,
  });
  const small = get("1a", "cloudfits");
  targets.push({
    target: "1a peak RSS of the 5×5 cutout < 100 MB",
    measured: small?.rssKb == null ? "–" : `${(small.rssKb / 1024).toFixed(0)} MB`,
    met: small?.rssKb == null ? null : small.rssKb / 1024 < 100,
  });
  const startup = get("6", "cloudfits binary");
  targets.push({
    target: "6 `cloudfits --version` (compiled binary) ≤ 50 ms",
    measured: startup?.coldMs == null ? "–" : `${startup.coldMs.toFixed(1)} ms`,
    met: startup?.coldMs == null ? null : startup.coldMs <= 50,
  });
  return targets;
}

function writeResults(report: BenchReport, options: BenchOptions): void {
  mkdirSync(options.resultsDir, { recursive: true });
  const markdown = renderMarkdown(report);
  writeFileSync(join(options.resultsDir, "latest.md"), markdown);
  writeFileSync(join(options.resultsDir, "latest.json"), JSON.stringify(report, null, 1) + "\n");
  if (!options.chart) return;
  if (!hasPython("matplotlib") && !(options.install && aptInstall(["python3-matplotlib"], options.log))) {
    options.log("matplotlib not available: no chart");
    return;
  }
  const chart = spawnSync(PYTHON, [
    join(BENCH_DIR, "chart.py"),
    join(options.resultsDir, "latest.json"),
    join(options.resultsDir, "latest.png"),
  ], { encoding: "utf8" });
  if (chart.status !== 0) options.log(`chart failed: ${chart.stderr.trim().split("\n").pop()}`);
}

function parseArgs(args: string[]): BenchOptions {
  const smoke = args.includes("--smoke");
  const options = defaultOptions(smoke ? "smoke" : "full");
  for (let i = 0; i < args.length; i++) {
    const value = () => {
      const next = args[++i];
      if (next === undefined) throw new TypeError(`Missing value after ${args[i - 1]}`);
      return next;
    };
    switch (args[i]) {
      case "--smoke":
        break;
      case "--reps":
        options.reps = Number(value());
        break;
      case "--latency":
        options.latencyMs = Number(value());
        break;
      case "--block-size":
        options.smallBlockSize = Number(value());
        break;
      case "--out":
        options.resultsDir = value();
        break;
      case "--no-binary":
        options.binary = false;
        break;
      case "--no-peer":
        options.peer = false;
        break;
      case "--no-install":
        options.install = false;
        break;
      case "--no-chart":
        options.chart = false;
        break;
      default:
        throw new TypeError(`Unknown option ${args[i]} (see bench/README.md)`);
    }
  }
  return options;
}

if (import.meta.main) {
  const started = performance.now();
  const options = parseArgs(process.argv.slice(2));
  const report = await runBench(options);
  console.log(renderMarkdown(report));
  console.error(
    `bench finished in ${
      ((performance.now() - started) / 1000).toFixed(0)
    } s; results in ${options.resultsDir}`,
  );
}
