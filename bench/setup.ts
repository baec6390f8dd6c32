/**
 * The benchmark's setup and surroundings: Debian packages, the binary, the index, bench/throughput.ts, start-up
 * times, the machine and versions, and the method text of the report.
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { cpus, freemem, loadavg, release, totalmem } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { buildIndex } from "../src/indexer/build_index.ts";
import { localFileAccess } from "../src/source/file.ts";
import { scriptCommand } from "./children.ts";
import { BENCH_DIR, type BenchOptions, BUN, PYTHON, REPO_DIR } from "./common.ts";
import { median, type ResultRow, type StartupResults } from "./report.ts";
import type { ThroughputResults } from "./throughput_report.ts";

const PEER_PACKAGES = ["python3-astropy", "python3-fsspec", "python3-aiohttp"];

/** Whether Debian's Python imports these modules. */
export function hasPython(modules: string): boolean {
  return existsSync(PYTHON) && spawnSync(PYTHON, ["-c", `import ${modules}`]).status === 0;
}

/** Whether the astropy peer can run (astropy, fsspec, aiohttp, numpy). */
export function peerAvailable(): boolean {
  return hasPython("astropy, fsspec, aiohttp, numpy");
}

/** `apt-get install -y` (with one `apt-get update` when the first try fails); true when it worked. */
export function aptInstall(packages: string[], log: (line: string) => void): boolean {
  log(`apt-get install -y ${packages.join(" ")} …`);
  const install = () =>
    spawnSync("apt-get", ["install", "-y", "-q", ...packages], { stdio: "ignore" }).status === 0;
  if (install()) return true;
  spawnSync("apt-get", ["update", "-q"], { stdio: "ignore" });
  return install();
}

/** Whether cfitsio's `imcopy` and `fitscopy` are on PATH. */
export function cfitsioAvailable(): boolean {
  return ["imcopy", "fitscopy"].every((tool) => spawnSync("sh", ["-c", `command -v ${tool}`]).status === 0);
}

/** cfitsio's tools, installed (libcfitsio-bin) when missing and allowed. */
export function ensureCfitsio(options: BenchOptions): boolean {
  if (cfitsioAvailable()) return true;
  return options.install && aptInstall(["libcfitsio-bin"], options.log) && cfitsioAvailable();
}

/**
 * bench/throughput.ts (decode and output throughput, written by its own script) when it exists: run it
 * (with `--smoke` in smoke runs) and return what it wrote to results/throughput.json.
 */
export function runThroughput(options: BenchOptions): ThroughputResults | null {
  const script = join(BENCH_DIR, "throughput.ts");
  if (!existsSync(script)) {
    options.log("bench/throughput.ts not found: decode measured by scenarios 4a/4b, output not measured");
    return null;
  }
  const smoke = options.profile === "smoke";
  // It runs many child processes of its own (numpy, astropy, whole-process column reads): twice a child's limit.
  const file = join(BENCH_DIR, "results", smoke ? "throughput_smoke.json" : "throughput.json");
  const failed = runDenoScript(options, script, smoke ? ["--smoke"] : [], 2 * options.timeoutMs);
  if (failed !== undefined || !existsSync(file)) {
    throw new Error(`bench/throughput.ts failed: ${failed ?? "no results"}`);
  }
  return JSON.parse(readFileSync(file, "utf8"));
}

/**
 * Run a bench script under Deno (always: the scripts measure one runtime against their peers, and Bun
 * fails to run some of them), logging that it runs.
 *
 * @returns Why it failed (the signal, or the last line of its error output), or undefined.
 */
function runDenoScript(
  options: BenchOptions,
  script: string,
  args: string[],
  timeout: number,
): string | undefined {
  options.log(`running bench/${script.slice(BENCH_DIR.length + 1)} …`);
  const deno = "Deno" in globalThis ? process.execPath : join(REPO_DIR, "node_modules", ".bin", "deno");
  const result = spawnSync(deno, ["run", "-A", script, ...args], {
    cwd: REPO_DIR,
    encoding: "utf8",
    timeout,
  });
  if (result.status === 0) return undefined;
  return result.signal
    ? `stopped by ${result.signal}${result.error ? ` after ${timeout / 1000} s` : ""}`
    : (result.stderr || String(result.error ?? `exit ${result.status}`)).trim().split("\n").pop();
}

/**
 * Run bench/startup.ts on the compiled binary: spawn → the first request, median of 21 runs taken in turn
 * with a Bun binary that only fetches (the floor), so that the machine's load weighs on both alike.
 *
 * @param options Bench options (timeout, log).
 * @param binary The compiled binary.
 * @returns What the script wrote to results/startup.json, or null when it failed (said in the log).
 */
export function runStartup(options: BenchOptions, binary: string): StartupResults | null {
  const script = join(BENCH_DIR, "startup.ts");
  const failed = runDenoScript(options, script, ["--runs", "21", "--binary", binary], options.timeoutMs);
  if (failed !== undefined) {
    options.log(`bench/startup.ts failed (${failed}): start-up is judged by the scenarios' first requests`);
    return null;
  }
  return JSON.parse(readFileSync(join(BENCH_DIR, "results", "startup.json"), "utf8"));
}

/** The cloudfits index of the cube and the images, made once per run, read locally by the "with index" runs. */
const INDEX = "bench.cfidx";

/**
 * Index the cube and the images with the indexer `cloudfits index` runs, so the "with index" runs read
 * what a user's index holds: headers, the cube's frame summary (FRAMES) and footprints. A stale index
 * is removed first: the indexer would keep the records of unchanged files from it.
 *
 * @param dataDir The data set's directory; the index is written there.
 * @returns The index's path.
 */
export async function writeIndex(dataDir: string): Promise<string> {
  const output = join(dataDir, INDEX);
  rmSync(output, { force: true });
  const warnings: string[] = [];
  const files = ["tess_cube.fits", "image.fits", "compressed.fits"];
  const result = await buildIndex(files.map((file) => join(dataDir, file)), {
    ...localFileAccess(),
    output,
    checkpoint: null,
    onEvent: (event) => void (event.type === "warning" && warnings.push(event.message)),
  });
  if (result.failed.length || warnings.length) {
    throw new Error(
      `Cannot index the bench data: ${
        [...result.failed.map((f) => `${f.path}: ${f.error}`), ...warnings].join("; ")
      }`,
    );
  }
  return output;
}

/** The astropy peer, installed when missing and allowed. */
export function ensurePeer(options: BenchOptions): boolean {
  if (peerAvailable()) return true;
  if (!options.install) return false;
  return aptInstall(PEER_PACKAGES, options.log) && peerAvailable();
}

/** `deno task compile`; the binary's command line, or null (logged) when the build failed. */
export function compileBinary(log: (line: string) => void): string[] | null {
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

/** Scenario 6: `--version` of the CLI script and the binary, and astropy's imports, medians of 5. */
export function startupRows(
  options: BenchOptions,
  binaryPath: string[] | null,
  peer: boolean,
  log: (line: string) => void,
): ResultRow[] {
  const loops = options.profile === "full" ? 5 : 1;
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
    roundTrips: null,
    floorMs: null,
    connections: null,
    maxInFlight: null,
    ranged: null,
    firstRequestMs: null,
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

/** CPU, cores, memory, load, OS and the versions of every tool of the run. */
export function machineInfo(peer: boolean, cfitsio: boolean, options: BenchOptions): Record<string, string> {
  const output = (command: string, args: string[]) =>
    (spawnSync(command, args, { encoding: "utf8" }).stdout ?? "").trim();
  const runtime = "Deno" in globalThis
    ? `Deno ${(globalThis as unknown as { Deno: { version: { deno: string } } }).Deno.version.deno}`
    : `Bun ${(globalThis as unknown as { Bun: { version: string } }).Bun.version}`;
  const info: Record<string, string> = {
    cpu: cpus()[0]?.model.trim() ?? "unknown",
    cores: String(cpus().length),
    memory: `${(totalmem() / 2 ** 30).toFixed(0)} GiB (${(freemem() / 2 ** 30).toFixed(0)} GiB free)`,
    os: `Linux ${release()}`,
    load: loadavg().map((l) => l.toFixed(2)).join(", "),
    runtime,
  };
  if (options.bun) info.bun = `Bun ${output(BUN, ["--version"])}`;
  if (options.binary === true) info.binary = "dist/cloudfits (deno task compile: bun build --compile)";
  if (peer) {
    const versions = output(PYTHON, [
      "-c",
      "import sys, astropy, numpy, fsspec, aiohttp; print(sys.version.split()[0], astropy.__version__, numpy.__version__, fsspec.__version__, aiohttp.__version__)",
    ]).split(" ");
    info.peer = `Python ${versions[0]}, astropy ${versions[1]}, numpy ${versions[2]}, fsspec ${
      versions[3]
    }, aiohttp ${versions[4]}`;
  }
  if (cfitsio) info.cfitsio = `cfitsio ${output("dpkg-query", ["-W", "-f", "${Version}", "libcfitsio-bin"])}`;
  return info;
}

/** How the numbers are made, for the report. */
export const METHOD = [
  "Every run is a fresh process against a loopback HTTP range server that waits the latency before each response; the server counts requests, bytes, Range headers, TCP connections, requests in flight and round trips per run (a request arriving after another's response ended is one round trip deeper).",
  "cold: open + read in the process (imports excluded) for the library and the peers; whole-process wall time for the binary and cfitsio. warm: the same read again on the opened file. Requests, bytes and round trips are the cold phase's.",
  "needed: the selection's data bytes plus the headers in front of it (light curves: the pixels, TSTART/TSTOP/DQUALITY of every frame, one frame-table row for the WCS and the three headers); with an index, the data alone (the index holds the headers and the cube's frame summary). floor: the round trips a reader needs at the least (2 cold, 1 with an index, issue 16) × latency.",
  "with index: the same task through a cloudfits index of the cube and the image, built by the indexer `cloudfits index` runs (buildIndex: headers, the cube's frame summary, footprints) and read from local disk (no request for the index); the library opens it with openIndex, the binary takes `--index FILE --data-root URL`.",
  "Values are checked against astropy-made checksums; a light curve's PNG is checked for a valid header and looked at.",
];
