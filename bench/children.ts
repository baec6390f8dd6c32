/**
 * The benchmark's child processes: the cloudfits runner (Deno or Bun), the astropy and cfitsio peers, the
 * binary, and the checks of what the binary writes.
 *
 * @module
 */
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { findEnd, parseHeader } from "../src/fits/header.ts";
import type { Task } from "./cloudfits_runner.ts";
import { BENCH_DIR, type BenchOptions, type Outcome, PYTHON, REPO_DIR } from "./common.ts";
import type { PipeResult } from "./targets.ts";

interface ChildResult {
  /** `performance.now()` just before the spawn. */
  started: number;
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
      ok({ started, code, stdout: new TextDecoder().decode(stdoutBytes), stdoutBytes, stderr, ms, timedOut });
    });
    child.on("error", (error) => {
      clearTimeout(timer);
      ok({
        started,
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

/** Chunks joined into one array. */
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
export function scriptCommand(file: string): [string, string[]] {
  const isDeno = "Deno" in globalThis;
  return isDeno ? [process.execPath, ["run", "-A", file]] : [process.execPath, [file]];
}

/** The library runner in a fresh process: this runtime's, or Bun's when `bun` names its binary. */
export async function runCloudfits(
  task: Record<string, unknown> | Task,
  options: BenchOptions,
  bun?: string,
): Promise<Outcome> {
  const runner = join(BENCH_DIR, "cloudfits_runner.ts");
  const [command, args] = bun ? [bun, [runner]] : scriptCommand(runner);
  return parseOutcome(await runChild(command, [...args, JSON.stringify(task)], options.timeoutMs));
}

/** A Python peer (`peer_astropy.py` or `peer_cfitsio.py`) in a fresh process with one task. */
export async function runPython(
  script: "peer_astropy.py" | "peer_cfitsio.py",
  task: Record<string, unknown>,
  options: BenchOptions,
): Promise<Outcome> {
  const result = await runChild(PYTHON, [join(BENCH_DIR, script), JSON.stringify(task)], options.timeoutMs);
  return parseOutcome(result);
}

/** `/usr/bin/time` (Debian `time`), for the binary's peak RSS. */
export const TIME = "/usr/bin/time";

/** The binary (or the CLI as a script) with `args`; `check` turns its output into a checksum. */
export async function runBinary(
  binary: string[],
  args: string[],
  check: (stdout: string, stdoutBytes: Uint8Array) => number | null,
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
  return { coldMs: result.ms, warmMs: null, check: value, rssKb, spawnedAt: result.started };
}

/** A plotted light curve has no values to compare: null once the file is checked to be a PNG. */
export function pngCheck(path: string): null {
  const bytes = readFileSync(path);
  const signature = [137, 80, 78, 71, 13, 10, 26, 10, 0, 0, 0, 13, 73, 72, 68, 82]; // …IHDR
  if (!signature.every((b, i) => bytes[i] === b)) throw new Error(`${path} is not a PNG`);
  return null;
}

/** Sum of the flux column of every light-curve CSV in a directory (NaN cadences skipped). */
export function csvFluxSum(dir: string): number {
  return readdirSync(dir).filter((n) => n.endsWith(".csv"))
    .reduce((total, name) => total + csvTextFluxSum(readFileSync(join(dir, name), "utf8")), 0);
}

/** Sum of the flux column of one light curve's CSV text (NaN cadences skipped). */
export function csvTextFluxSum(text: string): number {
  const lines = text.split("\n").filter((l) => l && !l.startsWith("#"));
  const flux = lines.shift()!.split(",").indexOf("flux");
  let total = 0;
  for (const line of lines) {
    const value = Number(line.split(",")[flux]);
    if (!Number.isNaN(value)) total += value;
  }
  return total;
}

/**
 * Issue 16: "a closed stdout pipe ends the process quietly". The binary writes a whole image to a pipe
 * the reader closes after the first chunk; met when it exits without printing anything on stderr.
 */
export function closedPipe(binary: string[], url: string, options: BenchOptions): Promise<PipeResult> {
  return new Promise((ok) => {
    const child = spawn(
      binary[0],
      [...binary.slice(1), "cutout", `${url}[0]`, "-o", "-", "--format", "fits"],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    const err: Uint8Array[] = [];
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs);
    child.stdout.once("data", () => child.stdout.destroy());
    child.stderr.on("data", (chunk: Uint8Array) => err.push(chunk));
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      ok({ code, signal, stderr: new TextDecoder().decode(concat(err)).trim() });
    });
  });
}

/** Sum of the float32 data of a single-HDU FITS file (the CLI's cutout output). */
export function float32FitsSum(bytes: Uint8Array): number {
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

/** Sum of every number in JSON rows (the CLI's `table --json`). */
export function rowsSum(rows: Record<string, unknown>[]): number {
  let total = 0;
  for (const row of rows) {
    for (const value of Object.values(row)) if (typeof value === "number") total += value;
  }
  return total;
}

/** HDUs listed by `ls --json`. */
export function lsCount(out: string): number {
  const listing = JSON.parse(out) as { files: { hdus: unknown[] }[] };
  return listing.files.reduce((sum, file) => sum + file.hdus.length, 0);
}
