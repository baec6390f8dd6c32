/**
 * The benchmark's cloudfits side: one task with the library, timed, in a fresh process, mirroring
 * `bench/peer_astropy.py` task for task.
 *
 * Usage: `deno run -A bench/cloudfits_runner.ts TASK_JSON` (or `bun bench/cloudfits_runner.ts …`).
 * Prints one JSON line: `{"coldMs", "warmMs", "check", "rssKb"}`. Cold is open + read in this fresh
 * process (module loading excluded); warm repeats the read on the already opened file.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import process from "node:process";
import { type FitsFile, openFits, type OpenFitsOptions } from "../src/open.ts";
import { LIGHT_CURVE_READS } from "../cli/first_reads.ts";
import { openIndex } from "../src/open_index.ts";
import { lightCurve } from "../src/light_curve.ts";
import { httpSource, type RequestEvent } from "../src/source/http.ts";
import { memorySource } from "../src/source/memory.ts";
import { walkHdus } from "../src/read/walk.ts";
import { decodeOwnedImageData, imageInfo } from "../src/fits/image.ts";
import type { SectionSpec } from "../src/plan/image_section.ts";
import type { TableRows } from "../src/fits/table_values.ts";

/** One benchmark task, shared with the Python peer. */
export type Task =
  | {
    kind: "section";
    url: string;
    hdu: number;
    selection: SectionSpec;
    concurrency?: number;
    /** Open through this cloudfits index (URL or local path; data root: the directory of `url`). */
    index?: string;
  }
  | {
    kind: "rows";
    url: string;
    hdu: number;
    start: number;
    stop: number;
    columns: readonly string[];
    index?: string;
  }
  | { kind: "column"; url: string; hdu: number; column: string }
  | {
    kind: "lightcurve";
    url: string;
    /** Sky positions (ICRS degrees); the first is read alone, the rest together, sharing its frame table. */
    targets: { ra: number; dec: number }[];
    size: number;
    index?: string;
    /** False: no warm repeat (100 light curves by astropy take tens of seconds). */
    warm?: boolean;
  }
  | { kind: "walk"; urls: string[]; concurrency?: number }
  | { kind: "decode"; mb: number; loops?: number }
  | { kind: "memory-section"; mb: number; loops?: number };

/** What a runner prints. */
export interface TaskResult {
  /** Open + read in a fresh process, in milliseconds (decode tasks: median of the loops). */
  coldMs: number;
  /** The same read again on the opened file (decode tasks: fastest loop); null when not meaningful. */
  warmMs: number | null;
  /** Requests sent while opening (walking the headers), for the remote read tasks. */
  openRequests?: number;
  /** A checksum of the values read, compared with the data set's manifest. */
  check: number;
  /** Peak resident set size of this process in KiB (VmHWM), or null where /proc is missing. */
  rssKb: number | null;
}

const DEFAULT_WALK_CONCURRENCY = 32;

/**
 * Run one task.
 *
 * @param task The task.
 * @returns Timings and checksum (rssKb filled in by the caller).
 */
export async function runTask(task: Task): Promise<Omit<TaskResult, "rssKb">> {
  switch (task.kind) {
    case "section": {
      const started = performance.now();
      const { fits, openRequests } = await openCounted(task, task.concurrency);
      const image = await fits.hdu(task.hdu).section(task.selection);
      const coldMs = performance.now() - started;
      trace(`section read: ${image.data.length} values; cold ${coldMs.toFixed(1)} ms`);
      await markColdDone(task.url);
      const again = performance.now();
      await fits.hdu(task.hdu).section(task.selection);
      return { coldMs, warmMs: performance.now() - again, check: sum(image.data), openRequests };
    }
    case "rows": {
      const started = performance.now();
      const { fits, openRequests } = await openCounted(task);
      const rows = await fits.hdu(task.hdu).rows(task.start, task.stop, { columns: task.columns });
      const coldMs = performance.now() - started;
      await markColdDone(task.url);
      const again = performance.now();
      await fits.hdu(task.hdu).rows(task.start, task.stop, { columns: task.columns });
      return { coldMs, warmMs: performance.now() - again, check: numericSum(rows), openRequests };
    }
    case "column": {
      const started = performance.now();
      const { fits, openRequests } = await openCounted(task);
      const hdu = fits.hdu(task.hdu);
      const stop = hdu.header.getInteger("NAXIS2") ?? 0;
      const rows = await hdu.rows(0, stop, { columns: [task.column] });
      const coldMs = performance.now() - started;
      await markColdDone(task.url);
      const again = performance.now();
      await hdu.rows(0, stop, { columns: [task.column] });
      return { coldMs, warmMs: performance.now() - again, check: numericSum(rows), openRequests };
    }
    case "lightcurve": {
      const started = performance.now();
      // As `cloudfits lightcurve` opens a cube: its end (the frame table) fetched with the first read.
      const { fits, openRequests } = await openCounted(
        { ...task, hdu: Infinity },
        undefined,
        LIGHT_CURVE_READS,
      );
      const check = await lightCurves(fits, task);
      const coldMs = performance.now() - started;
      trace(`light curves read; cold ${coldMs.toFixed(1)} ms`);
      await markColdDone(task.url);
      if (task.warm === false) return { coldMs, warmMs: null, check, openRequests };
      const again = performance.now();
      await lightCurves(fits, task);
      return { coldMs, warmMs: performance.now() - again, check, openRequests };
    }
    case "walk": {
      const started = performance.now();
      const counts = await mapBounded(
        task.urls,
        task.concurrency ?? DEFAULT_WALK_CONCURRENCY,
        async (url) => (await walkHdus(httpSource(url))).hdus.length,
      );
      return { coldMs: performance.now() - started, warmMs: null, check: counts.reduce((a, b) => a + b, 0) };
    }
    case "decode":
    case "memory-section":
      return await decodeLoops(task);
  }
}

/** Every target's light curve (the first alone, to learn the frame table); the sum of all fluxes. */
async function lightCurves(
  fits: FitsFile,
  task: Extract<Task, { kind: "lightcurve" }>,
): Promise<number> {
  const [first, ...rest] = task.targets;
  const curve = await lightCurve(fits, { ...first, size: task.size });
  const others = await Promise.all(
    rest.map((target) => lightCurve(fits, { ...target, size: task.size, cube: curve.cube })),
  );
  return [curve, ...others].reduce((total, c) => total + nanSum(c.flux), 0);
}

function nanSum(values: Float64Array): number {
  let total = 0;
  for (const value of values) if (!Number.isNaN(value)) total += value;
  return total;
}

/** Tell the benchmark server that the cold phase is over (see bench/server.ts). */
async function markColdDone(url: string): Promise<void> {
  const response = await fetch(new URL(".cold-done", url));
  await response.body?.cancel();
}

/**
 * Open a remote file, counting the requests the open itself sends: walking its headers no further than
 * the HDU the task reads (`maxHdus`), or, with an index, reading the index alone.
 */
async function openCounted(
  task: { url: string; hdu: number; index?: string },
  concurrency?: number,
  reads: Pick<OpenFitsOptions, "tailRead" | "suffixRead"> = {},
): Promise<{ fits: FitsFile; openRequests: number }> {
  let requests = 0;
  const onRequest = (event: RequestEvent) => {
    requests++;
    trace(`request ${event.offset}+${event.length}: ${event.bytes} B in ${event.ms.toFixed(1)} ms`);
  };
  let fits: FitsFile;
  if (task.index) {
    // The data source comes from the index: it knows the size and ETag, so it sends no extra request.
    // A local index (as a user keeps one next to their scripts) costs no request; a URL costs one GET.
    const index = await openIndex(/^https?:/.test(task.index) ? task.index : readFileSync(task.index), {
      dataRoot: new URL(".", task.url).href,
      onRequest,
      concurrency,
    });
    fits = await index.open(new URL(task.url).pathname.split("/").pop()!);
  } else {
    // maxHdus stops the header walk at the HDU read (Infinity: walk them all).
    const maxHdus = Number.isFinite(task.hdu) ? task.hdu + 1 : undefined;
    fits = await openFits(httpSource(task.url, { onRequest }), { concurrency, maxHdus, ...reads });
  }
  trace(`opened: ${fits.hdus.length} HDUs`);
  return { fits, openRequests: requests };
}

const TRACING = process.env.CLOUDFITS_BENCH_TRACE === "1";

/** With CLOUDFITS_BENCH_TRACE=1, a timestamped line on stderr (ms since the process started). */
function trace(line: string): void {
  if (TRACING) process.stderr.write(`${performance.now().toFixed(1).padStart(8)} ms  ${line}\n`);
}

/** Big-endian float32 image bytes of `mb` MiB behind a one-block primary header. */
export function floatImageFile(mb: number): Uint8Array {
  const count = mb * 1024 * 1024 / 4;
  const cards = [
    "SIMPLE  =                    T",
    "BITPIX  =                  -32",
    "NAXIS   =                    1",
  ];
  cards.push(`NAXIS1  = ${String(count).padStart(20)}`, "END");
  const header = new TextEncoder().encode(cards.map((card) => card.padEnd(80)).join("").padEnd(2880));
  const file = new Uint8Array(2880 + Math.ceil((count * 4) / 2880) * 2880);
  file.set(header);
  // One period of the pattern (i % 65536) × 0.5, big-endian, copied over the data.
  const period = new Uint8Array(65536 * 4);
  const view = new DataView(period.buffer);
  for (let i = 0; i < 65536; i++) view.setFloat32(4 * i, i * 0.5);
  for (let at = 0; at < count * 4; at += period.length) {
    file.set(period.subarray(0, Math.min(period.length, count * 4 - at)), 2880 + at);
  }
  return file;
}

async function decodeLoops(task: Extract<Task, { kind: "decode" | "memory-section" }>) {
  const file = floatImageFile(task.mb);
  const fits = await openFits(memorySource(file));
  const hdu = fits.hdu(0);
  const info = imageInfo(hdu.info);
  const times: number[] = [];
  let check = 0;
  for (let loop = 0; loop < (task.loops ?? 5); loop++) {
    if (task.kind === "decode") {
      const owned = file.slice(2880, 2880 + hdu.info.dataSize);
      const started = performance.now();
      const data = decodeOwnedImageData(owned, info);
      times.push(performance.now() - started);
      check = sum(data.subarray(0, 1024));
    } else {
      const started = performance.now();
      const image = await hdu.section([null]);
      times.push(performance.now() - started);
      check = sum(image.data.subarray(0, 1024));
    }
  }
  times.sort((a, b) => a - b);
  return { coldMs: times[Math.floor(times.length / 2)], warmMs: times[0], check };
}

async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

function sum(values: ArrayLike<number | bigint>): number {
  let total = 0;
  for (let i = 0; i < values.length; i++) total += Number(values[i]);
  return total;
}

function numericSum(rows: TableRows): number {
  let total = 0;
  for (const data of Object.values(rows.columns)) {
    if (data.kind === "number") total += sum(data.values);
  }
  return total;
}

/**
 * Peak resident set size of this process in KiB, from /proc/self/status.
 *
 * @returns VmHWM, or null where /proc is missing.
 */
export function peakRssKb(): number | null {
  try {
    const match = /VmHWM:\s+(\d+)\s+kB/.exec(readFileSync("/proc/self/status", "utf8"));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

if (import.meta.main) {
  trace("modules loaded");
  const task = JSON.parse(process.argv[process.argv.length - 1]) as Task;
  const result = await runTask(task);
  process.stdout.write(JSON.stringify({ ...result, rssKb: peakRssKb() }) + "\n");
  process.exit(0);
}
