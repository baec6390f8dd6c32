/**
 * What the benchmark's modules share: paths, the run's settings and one tool run's outcome.
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** This directory. */
export const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
/** The repository. */
export const REPO_DIR = dirname(BENCH_DIR);
/** Debian's Python, with astropy (not a pyenv one). */
export const PYTHON = "/usr/bin/python3";
/** Bun from npm ci. */
export const BUN = join(REPO_DIR, "node_modules", ".bin", "bun");

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
  /** Also run the library under Bun (node_modules/.bin/bun). */
  bun: boolean;
  /** Run cfitsio's command line tools on URLs: `true`, `false`, or `auto` (when they are installed). */
  cfitsio: boolean | "auto";
  /** Run bench/throughput.ts (decode and output throughput) when it exists, and fold in its results. */
  throughput: boolean;
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

/** What one tool's run of one scenario reports. */
export interface Outcome {
  coldMs: number | null;
  warmMs: number | null;
  check: number | null;
  rssKb: number | null;
  openRequests?: number | null;
  /** How to read this outcome (e.g. a peer stopped on purpose). */
  note?: string;
  /** `performance.now()` when the child process was spawned (binary rows: time to first request). */
  spawnedAt?: number;
  error?: string;
}

/**
 * Run a command to its end under `/usr/bin/time`, for its peak resident memory.
 *
 * @param command The program and its arguments.
 * @param what What it does, for the error when it fails.
 * @returns Its standard output, peak RSS in MB (one decimal) and wall seconds.
 */
export function runMeasured(
  command: string[],
  what: string,
): { stdout: string; peakRssMb: number; seconds: number } {
  const started = performance.now();
  const child = spawnSync("/usr/bin/time", ["-f", "%M", ...command], {
    encoding: "utf8",
    maxBuffer: 1 << 26,
  });
  const seconds = (performance.now() - started) / 1000;
  if (child.status !== 0) throw new Error(`${what} failed: ${child.stderr}`);
  // /usr/bin/time writes its figure (KiB) on the last line of standard error, after the command's own.
  const rssKb = Number(child.stderr.trim().split("\n").at(-1));
  return { stdout: child.stdout, peakRssMb: Math.round(rssKb / 102.4) / 10, seconds };
}
