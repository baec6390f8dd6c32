/**
 * `deno task bench`: cloudfits (Deno, Bun, binary) against astropy + fsspec and cfitsio, over the same
 * loopback range server, in the same run. See bench/README.md for the scenarios, the settings and how to read the table.
 *
 * Usage: `deno run -A bench/run.ts [--smoke] [--reps N] [--latency MS] [--block-size BYTES]
 * [--no-binary] [--no-bun] [--no-peer] [--no-cfitsio] [--no-throughput] [--no-install] [--no-chart]
 * [--out DIR]`
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { type ClientTraffic, type RangeServer, startRangeServer } from "./server.ts";
import { checkTargets } from "./targets.ts";
import { type BenchReport, isIndexed, median, renderMarkdown, type ResultRow, type Tool } from "./report.ts";
import {
  decodeScenarios,
  defineScenarios,
  fitsSection,
  LIGHT_CURVE_SIZE,
  type Manifest,
  PROFILES,
  type Scenario,
} from "./scenarios.ts";
import { BENCH_DIR, type BenchOptions, BUN, type Outcome, PYTHON, REPO_DIR } from "./common.ts";
import { closedPipe, scriptCommand, TIME } from "./children.ts";
import {
  aptInstall,
  cfitsioAvailable,
  compileBinary,
  ensureCfitsio,
  ensurePeer,
  hasPython,
  machineInfo,
  METHOD,
  peerAvailable,
  runStartup,
  runThroughput,
  startupRows,
  writeIndex,
} from "./setup.ts";

export type { BenchOptions };
export { fitsSection };

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
    smallBlockSize: 64 * 1024,
    binary: profile === "full" ? true : "script",
    bun: existsSync(BUN),
    cfitsio: profile === "full" ? true : "auto",
    throughput: true,
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

/**
 * Run every scenario and write the results.
 *
 * @param options Settings (see {@linkcode defaultOptions}).
 * @returns The report (also written to `resultsDir` as latest.md and latest.json).
 */
export async function runBench(options: BenchOptions): Promise<BenchReport> {
  const started = performance.now();
  const log = options.log;
  const sizes = PROFILES[options.profile];
  const peer = options.peer === "auto" ? peerAvailable() : options.peer && ensurePeer(options);
  if (!peer) log("astropy peer not available: its rows are left out");
  const cfitsio = options.cfitsio === "auto" ? cfitsioAvailable() : options.cfitsio && ensureCfitsio(options);
  if (!cfitsio) log("cfitsio tools (libcfitsio-bin) not available: their rows are left out");
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
    version: 3,
    dir: options.dataDir,
    cube,
    cubeSelections: selections,
    cubeRows: [0, 10],
    smallFiles: sizes.smallFiles,
    tableRows: sizes.tableRows,
    tableSlice,
    lightCurves: sizes.lightCurves,
    imageSide: sizes.imageSide,
    imageSelection: sizes.imageSelection,
    compressedSide: sizes.compressedSide,
    compressedSelection: sizes.compressedSelection,
  };
  const made = spawnSync(PYTHON, [join(BENCH_DIR, "make_data.py"), JSON.stringify(config)], {
    encoding: "utf8",
    timeout: options.timeoutMs,
  });
  if (made.status !== 0) throw new Error(`Cannot make benchmark data: ${made.stderr || made.error}`);
  const manifest = JSON.parse(readFileSync(join(options.dataDir, "manifest.json"), "utf8")) as Manifest;

  const index = await writeIndex(options.dataDir);

  if (options.binary === true && options.install && !existsSync(TIME)) aptInstall(["time"], log);
  const binaryPath = options.binary === "script"
    ? scriptCommand(join(REPO_DIR, "cli.ts")).flat()
    : options.binary
    ? compileBinary(log)
    : null;
  // Start-up first, before the throughput and scenario runs have loaded the machine for minutes (this
  // VM's CPU slows after them: the fetch-only floor binary takes ~22 ms on a quiet machine, ~30 after).
  const startup = binaryPath && options.binary === true ? runStartup(options, binaryPath[0]) : null;
  const throughput = options.throughput ? runThroughput(options) : null;
  const server = await startRangeServer({ root: options.dataDir, latencyMs: options.latencyMs });
  try {
    const context = { server, options, manifest, selections, tableSlice, binaryPath, peer, cfitsio, index };
    const scenarios = defineScenarios(context);
    if (!throughput) scenarios.push(...decodeScenarios(options, peer));
    const rows: ResultRow[] = [];
    for (const scenario of scenarios) {
      for (
        const [tool, run] of Object.entries(scenario.run) as [Tool, (client: string) => Promise<Outcome>][]
      ) {
        rows.push(await measure(scenario, tool, run, server, options));
      }
    }
    rows.push(...startupRows(options, binaryPath, peer, log));
    const pipe = binaryPath && options.binary === true
      ? await closedPipe(binaryPath, server.urlFor("pipe", "image.fits"), options)
      : null;

    const report: BenchReport = {
      date: new Date().toISOString(),
      machine: machineInfo(peer, cfitsio, options),
      settings: {
        profile: options.profile,
        reps: options.reps,
        latencyMs: options.latencyMs,
        smallBlockSize: options.smallBlockSize,
        cube: `${cube.rows} × ${cube.cols} pixels × ${frames} frames × 2 (${
          manifest.sizes["tess_cube.fits"]
        } B)`,
        image: `${sizes.imageSide} × ${sizes.imageSide} float32 (${manifest.sizes["image.fits"]} B)`,
        compressed: `${sizes.compressedSide} × ${sizes.compressedSide} float32, RICE_1 (${
          manifest.sizes["compressed.fits"]
        } B)`,
        smallFiles: sizes.smallFiles,
        tableRows: sizes.tableRows,
        lightCurves: sizes.lightCurves,
        decodeMb: sizes.decodeMb,
      },
      method: METHOD,
      rows,
      throughput: throughput ?? undefined,
      startup: startup ?? undefined,
      targets: [],
    };
    report.elapsedS = (performance.now() - started) / 1000;
    report.targets = checkTargets(report, {
      decodeMb: sizes.decodeMb,
      lightCurveSize: LIGHT_CURVE_SIZE,
      pipe,
    });
    writeResults(report, options);
    return report;
  } finally {
    await server.close();
  }
}

/** Run one scenario with one tool, `reps` times, and reduce the samples to one row of medians. */
async function measure(
  scenario: Scenario,
  tool: Tool,
  run: (client: string) => Promise<Outcome>,
  server: RangeServer,
  options: BenchOptions,
): Promise<ResultRow> {
  const samples: (Outcome & { traffic: ClientTraffic | null })[] = [];
  for (let rep = 0; rep < (scenario.reps?.[tool] ?? options.reps); rep++) {
    const client = `${scenario.id}-${tool.replaceAll(" ", "_")}-${rep}`;
    const outcome = await run(client);
    samples.push({ ...outcome, traffic: scenario.needed === null ? null : server.coldTraffic(client) });
  }
  const failed = samples.find((s) => s.error);
  const checks = samples.map((s) => s.check);
  const valuesOk = failed || scenario.check === null || checks.some((c) => c === null)
    ? (failed ? false : null)
    : checks.every((c) => close(c!, scenario.check!, scenario.tolerance));
  const traffic = (key: keyof ClientTraffic) => median(samples.map((s) => s.traffic?.[key] ?? null));
  const indexed = isIndexed(tool);
  const floorRoundTrips = scenario.floorRoundTrips
    ? scenario.floorRoundTrips[indexed ? "indexed" : "cold"]
    : null;
  const row: ResultRow = {
    id: scenario.id,
    scenario: scenario.title,
    tool,
    requests: traffic("requests"),
    openRequests: tool.startsWith("cloudfits") && !tool.startsWith("cloudfits binary")
      ? median(samples.map((s) => s.openRequests ?? null))
      : null,
    bytes: traffic("bytes"),
    needed: indexed ? scenario.indexedNeeded ?? scenario.needed : scenario.needed,
    roundTrips: traffic("roundTrips"),
    floorMs: floorRoundTrips === null ? null : floorRoundTrips * options.latencyMs,
    connections: traffic("connections"),
    maxInFlight: traffic("maxInFlight"),
    ranged: traffic("ranged"),
    firstRequestMs: median(
      samples.map((s) =>
        s.spawnedAt !== undefined && s.traffic?.firstRequestAt != null
          ? s.traffic.firstRequestAt - s.spawnedAt
          : null
      ),
    ),
    coldMs: median(samples.map((s) => s.coldMs)),
    warmMs: median(samples.map((s) => s.warmMs)),
    rssKb: median(samples.map((s) => s.rssKb)),
    valuesOk,
    ...(failed ? { note: `failed: ${failed.error!.slice(0, 160)}` } : {}),
  };
  if (valuesOk === false && !failed) row.note = `checksum ${checks[0]} ≠ expected ${scenario.check}`;
  const note = samples.find((s) => s.note)?.note;
  if (note) row.note = row.note ? `${row.note}; ${note}` : note;
  if (samples.length !== options.reps) {
    row.note = (row.note ? `${row.note}; ` : "") +
      `${samples.length} repetition${samples.length === 1 ? "" : "s"}`;
  }
  options.log(
    `${scenario.id} ${scenario.title} — ${tool}: ${row.requests ?? "–"} requests, ${row.roundTrips ?? "–"} ` +
      `round trips, ${row.bytes ?? "–"} B, cold ${row.coldMs?.toFixed(1) ?? "–"} ms, warm ${
        row.warmMs?.toFixed(1) ?? "–"
      } ms` + (row.note ? ` [${row.note}]` : ""),
  );
  return row;
}

function close(a: number, b: number, tolerance: number): boolean {
  return tolerance === 0 ? a === b : Math.abs(a - b) <= tolerance * Math.max(1, Math.abs(b));
}

// ---------------------------------------------------------------- output

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
      case "--no-bun":
        options.bun = false;
        break;
      case "--no-cfitsio":
        options.cfitsio = false;
        break;
      case "--no-throughput":
        options.throughput = false;
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
