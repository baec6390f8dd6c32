/**
 * Throughput at the physical floor (issue 16, items 3 and 4), cloudfits and its peers in one run:
 *
 * - **decode**: big-endian → host of a section's bytes — in place, as `section()` does after the fetch,
 *   and through `section()` from memory — against numpy's copying `.byteswap()` and `.astype()` on the
 *   same bytes (float32 and int16);
 * - **FITS output**: a cutout's stored bytes written to a file untouched (`cutoutFits` +
 *   `writeFileAtomic`), against astropy's `fits.writeto` of the same image;
 * - **text output**: table rows (float32, float64, int32 columns) as CSV, JSON and NDJSON, and a cutout
 *   as JSON and CSV, in values per second (formatted as the UTF-8 bytes the CLI writes);
 * - **table column**: one whole column of a 10^6-row table, from a local file and over loopback HTTP
 *   (with `--latency` ms per response), each tool in a fresh process timed from start to exit, against
 *   astropy (memory-mapped and `memmap=False`) and astropy + fsspec.
 *
 * Writes `results/throughput.json` and `results/throughput.md` (or `--out DIR`). `--smoke` runs tiny
 * sizes once, for a quick check that everything runs (writing `throughput_smoke.*`); `--only
 * decode,fits,text,table` runs some of the parts.
 *
 * Run: `./node_modules/.bin/deno run -A bench/throughput.ts [--smoke] [--reps N] [--latency MS] [--out DIR] [--only …]`
 *
 * @module
 */
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, open, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { openFits } from "../src/open.ts";
import { decodeOwnedImageData } from "../src/fits/image.ts";
import { buildHeader, formatCard } from "../src/fits/write.ts";
import { cutoutFits } from "../src/cutout_file.ts";
import { openFileSource } from "../src/source/file.ts";
import { writeFileAtomic } from "../src/source/file_storage.ts";
import { httpSource } from "../src/source/http.ts";
import { memorySource } from "../src/source/memory.ts";
import type { TableRows } from "../src/fits/table_values.ts";
import { describeTable } from "../src/fits/tform.ts";
import { selectColumns } from "../src/plan/table_rows.ts";
import { formatRows } from "../cli/table_text.ts";
import { cutoutJson, cutoutRows } from "../cli/cutout_output.ts";
import { startRangeServer } from "./server.ts";
import { throughputTargets } from "./targets.ts";
import { targetTable } from "./report.ts";
import {
  COLUMN_TOOLS,
  type DecodeResult,
  type FitsOutputResult,
  type ProcessSeconds,
  type TableColumnResult,
  type TextOutputResult,
  type ThroughputResults,
  throughputTable,
} from "./throughput_report.ts";

const PYTHON = "/usr/bin/python3";
const HERE = fileURLToPath(new URL(".", import.meta.url));
const PEER = join(HERE, "throughput_peer.py");

const { values: flags } = parseArgs({
  args: process.argv.slice(2),
  options: {
    smoke: { type: "boolean", default: false },
    reps: { type: "string" },
    latency: { type: "string", default: "20" },
    out: { type: "string", default: join(HERE, "results") },
    child: { type: "string" },
    only: { type: "string" },
  },
  allowPositionals: true,
});

const smoke = flags.smoke;
const reps = Number(flags.reps ?? (smoke ? 1 : 5));
const processReps = smoke ? 1 : 3;
const latency = Number(flags.latency);
const sizes = smoke
  ? { decodeValues: 1 << 20, image: [512, 512], tableRows: 20_000, cutoutValues: 100_000 }
  : { decodeValues: 50_000_000, image: [5000, 10000], tableRows: 1_000_000, cutoutValues: 4_000_000 };

const median = (values: number[]) => values.toSorted((a, b) => a - b)[Math.floor(values.length / 2)];

/** Median seconds of `job` over the repetitions; `prepare` runs untimed before each. */
async function timed<T>(
  job: (input: T) => unknown,
  prepare: () => T = () => undefined as T,
): Promise<number> {
  const times: number[] = [];
  for (let rep = 0; rep < reps; rep++) {
    const input = prepare();
    const started = performance.now();
    await job(input);
    times.push((performance.now() - started) / 1000);
  }
  return median(times);
}

/** Run a process to its end; its stdout (JSON when asked) and its wall time from spawn to exit. */
function run(command: string, args: string[]): Promise<{ stdout: string; seconds: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "inherit"] });
    let stdout = "";
    child.stdout.setEncoding("utf8").on("data", (text: string) => stdout += text);
    child.on("error", reject);
    child.on("close", (code) => {
      const seconds = (performance.now() - started) / 1000;
      if (code === 0) resolve({ stdout, seconds });
      else reject(new Error(`${command} ${args.join(" ")} exited with ${code}`));
    });
  });
}

async function peer(...args: string[]) {
  return JSON.parse((await run(PYTHON, [PEER, ...args])).stdout);
}

/** A minimal FITS image: header and big-endian data, padded. */
function fitsImage(bitpix: number, axes: number[], data: Uint8Array): Uint8Array {
  const cards = [
    formatCard("SIMPLE", true),
    formatCard("BITPIX", bitpix),
    formatCard("NAXIS", axes.length),
    ...axes.map((n, i) => formatCard(`NAXIS${i + 1}`, n)),
  ];
  const header = buildHeader(cards);
  const file = new Uint8Array(header.length + Math.ceil(data.length / 2880) * 2880);
  file.set(header);
  file.set(data, header.length);
  return file;
}

function randomBytes(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let at = 0; at < length; at += 65536) crypto.getRandomValues(bytes.subarray(at, at + 65536));
  return bytes;
}

let dir = ""; // the scratch directory of a run
const gbps = (bytes: number, seconds: number) => bytes / seconds / 1e9;
const round = (value: number, digits = 3) => Number(value.toPrecision(digits));

async function benchDecode(): Promise<NonNullable<ThroughputResults["decode"]>> {
  const count = sizes.decodeValues;
  const raw = randomBytes(count * 4);
  const rawPath = join(dir, "decode.bin");
  await writeFile(rawPath, raw);
  const ours: Record<string, Pick<DecodeResult, "bytes" | "inPlaceGBps" | "sectionFromMemoryGBps">> = {};
  for (const [dtype, bitpix] of [["float32", -32], ["int16", 16]] as const) {
    const info = { shape: [0], dtype, storedDtype: dtype, bscale: 1, bzero: 0, blank: null };
    const inPlace = await timed((bytes) => decodeOwnedImageData(bytes, info), () => raw.slice());
    const size = 4 / Math.abs(bitpix / 8);
    const file = fitsImage(bitpix, [count * size], raw);
    const fits = await openFits(memorySource(file));
    const section = await timed(() => fits.hdu(0).section([null]));
    ours[dtype] = {
      bytes: raw.length,
      inPlaceGBps: round(gbps(raw.length, inPlace)),
      sectionFromMemoryGBps: round(gbps(raw.length, section)),
    };
  }
  // The floor of anything that returns new memory here: allocating it and touching every page.
  const fresh = await timed(() => new Uint8Array(raw.length).fill(1));
  const numpy = await peer("decode", rawPath, String(count), String(reps));
  const withNumpy = (dtype: "float32" | "int16"): DecodeResult => {
    const theirs = numpy[dtype];
    const best = Math.max(theirs.byteswapGBps, theirs.astypeGBps);
    return {
      ...ours[dtype],
      numpyByteswapGBps: round(theirs.byteswapGBps),
      numpyAstypeGBps: round(theirs.astypeGBps),
      ratioInPlaceToBestNumpy: round(ours[dtype].inPlaceGBps / best),
      ratioSectionToBestNumpy: round(ours[dtype].sectionFromMemoryGBps / best),
    };
  };
  return {
    float32: withNumpy("float32"),
    int16: withNumpy("int16"),
    freshMemoryGBps: round(gbps(raw.length, fresh)),
  };
}

async function benchFitsOutput(): Promise<FitsOutputResult> {
  const [width, height] = sizes.image;
  const data = randomBytes(width * height * 4);
  const path = join(dir, "image.fits");
  await writeFile(path, fitsImage(-32, [width, height], data));
  await using fits = await openFits(path, { openFile: openFileSource });
  const fitsHandle = fits.hdu(0);
  const handleInfo = fitsHandle.info;
  const spec = [null, null];
  const stored = await fitsHandle.sectionBytes(spec);
  const provenance = { source: path, date: new Date(), version: "bench" };
  const out = join(dir, "cut.fits");
  // As astropy writes: into the file and closed, no fsync.
  const write = await timed(async () => {
    const handle = await open(out, "w");
    try {
      for (const piece of cutoutFits(handleInfo, spec, stored, provenance)) {
        await handle.write(piece);
      }
    } finally {
      await handle.close();
    }
  });
  // As the CLI writes: a temporary file, fsync, rename.
  const atomic = await timed(async () => {
    await writeFileAtomic(out, toAsync(cutoutFits(handleInfo, spec, stored, provenance)), {
      overwrite: true,
    });
  });
  const readAndWrite = await timed(async () => {
    const again = await fitsHandle.sectionBytes(spec);
    await writeFileAtomic(out, toAsync(cutoutFits(handleInfo, spec, again, provenance)), { overwrite: true });
  });
  const written = new Uint8Array(await readFile(out));
  const tail = written.subarray(
    written.length - data.length - pad(data.length),
    written.length - pad(data.length),
  );
  const same = tail.every((byte, i) => byte === data[i]);
  const astropy = await peer("write", path, join(dir, "astropy.fits"), String(reps));
  return {
    bytes: data.length,
    writeGBps: round(gbps(data.length, write)),
    atomicWriteGBps: round(gbps(data.length, atomic)),
    readAndAtomicWriteGBps: round(gbps(data.length, readAndWrite)),
    dataUnitUntouched: same,
    astropyWritetoGBps: round(astropy.GBps),
    ratioWriteToAstropy: round(gbps(data.length, write) / astropy.GBps),
  };
}

const pad = (length: number) => (2880 - length % 2880) % 2880;
async function* toAsync<T>(items: Iterable<T>): AsyncGenerator<T> {
  yield* items;
}

async function makeTable(): Promise<{ path: string }> {
  const path = join(dir, "table.fits");
  await peer("make-table", path, String(sizes.tableRows));
  return { path };
}

let table: Promise<{ path: string }> | undefined;

async function benchTextOutput(): Promise<TextOutputResult> {
  table ??= makeTable();
  const { path } = await table;
  await using fits = await openFits(path, { openFile: openFileSource });
  const handle = fits.hdu(1);
  const names = ["FLUX", "TIME", "QUALITY"];
  const batches: TableRows[] = [];
  for await (const batch of handle.rowBatches(0, sizes.tableRows, { columns: names })) batches.push(batch);
  const columns = selectColumns(describeTable(handle.info), names);
  const valueCount = sizes.tableRows * names.length;
  const perSecond: Record<string, number> = {};
  for (const format of ["csv", "json", "ndjson"] as const) {
    const seconds = await timed(async () => {
      let bytes = 0;
      for await (const chunk of formatRows(format, toAsync(batches), columns, false)) bytes += chunk.length;
      return bytes;
    });
    perSecond[format] = round(valueCount / seconds / 1e6);
  }
  // A float32 cutout, NAXIS1 × NAXIS2, as JSON (values only) and CSV (pixel numbers and value).
  const side = Math.round(Math.sqrt(sizes.cutoutValues));
  const image = { shape: [side, side], dtype: "float32", data: new Float32Array(side * side) };
  for (let i = 0; i < image.data.length; i++) image.data[i] = 1000 + 30 * Math.sin(i) * Math.cos(i / 7);
  const cutoutJsonSeconds = await timed(() => {
    let bytes = 0;
    for (const chunk of cutoutJson(image)) bytes += chunk.length;
    return bytes;
  });
  const cutoutCsvSeconds = await timed(() => {
    let bytes = 0;
    for (const chunk of cutoutRows(image, [null, null], "csv")) bytes += chunk.length;
    return bytes;
  });
  return {
    tableValues: valueCount,
    columns: "FLUX E, TIME D, QUALITY J",
    tableCSVMValuesPerSecond: perSecond.csv,
    tableJSONMValuesPerSecond: perSecond.json,
    tableNDJSONMValuesPerSecond: perSecond.ndjson,
    cutoutValues: side * side,
    cutoutJSONMValuesPerSecond: round(side * side / cutoutJsonSeconds / 1e6),
    cutoutCSVMValuesPerSecond: round(side * side / cutoutCsvSeconds / 1e6),
  };
}

async function benchTableColumn(): Promise<TableColumnResult> {
  table ??= makeTable();
  const { path } = await table;
  const server = await startRangeServer({ root: dir, latencyMs: latency });
  const url = server.urlFor("throughput", "table.fits");
  const deno = process.execPath;
  const self = fileURLToPath(import.meta.url);
  const tools: Record<typeof COLUMN_TOOLS[number], () => Promise<{ stdout: string; seconds: number }>> = {
    "cloudfits local": () => run(deno, ["run", "-A", self, "--child", "FLUX", path]),
    "astropy memmap": () => run(PYTHON, [PEER, "column", path, "FLUX", "memmap"]),
    "astropy memmap=False": () => run(PYTHON, [PEER, "column", path, "FLUX", "nomemmap"]),
    "cloudfits http": () => run(deno, ["run", "-A", self, "--child", "FLUX", url]),
    "astropy+fsspec http": () => run(PYTHON, [PEER, "column", url, "FLUX", "fsspec"]),
  };
  const times = {} as Record<typeof COLUMN_TOOLS[number], ProcessSeconds>;
  const sums = new Set<number>();
  try {
    for (const name of COLUMN_TOOLS) {
      const tool = tools[name];
      const wall: number[] = [];
      const inside: number[] = [];
      for (let rep = 0; rep < processReps; rep++) {
        const { stdout, seconds } = await tool();
        const result = JSON.parse(stdout);
        wall.push(seconds);
        inside.push(result.seconds);
        sums.add(Math.round(result.sum));
      }
      times[name] = { processSeconds: round(median(wall)), inProcessSeconds: round(median(inside)) };
    }
  } finally {
    await server.close();
  }
  const ratio = (ours: typeof COLUMN_TOOLS[number], theirs: typeof COLUMN_TOOLS[number]) =>
    round(times[theirs].processSeconds / times[ours].processSeconds);
  return {
    rows: sizes.tableRows,
    rowBytes: 48,
    column: "FLUX (E)",
    latencyMs: latency,
    ...times,
    sameSums: sums.size === 1,
    speedupLocalVsAstropyMemmap: ratio("cloudfits local", "astropy memmap"),
    speedupLocalVsAstropyNoMemmap: ratio("cloudfits local", "astropy memmap=False"),
    speedupHttpVsAstropyFsspec: ratio("cloudfits http", "astropy+fsspec http"),
  };
}

/** The cloudfits side of a table-column run, in its own process: read the column whole, print its sum. */
async function childColumn(name: string, target: string): Promise<void> {
  const started = performance.now();
  const source = target.startsWith("http") ? httpSource(target) : await openFileSource(target);
  await using fits = await openFits(source);
  const handle = fits.hdu(1);
  const rows = await handle.rows(0, handle.info.axes[1], { columns: [name] });
  const data = rows.columns[name];
  if (data.kind !== "number") throw new Error(`${name} is not a numeric column`);
  let sum = 0;
  for (const value of data.values as Float32Array) sum += value;
  console.log(
    JSON.stringify({ seconds: (performance.now() - started) / 1000, sum, count: data.values.length }),
  );
}

/** results/throughput.md: the measures, then the targets (defined in bench/targets.ts). */
function summary(r: ThroughputResults): string {
  return [
    `# Throughput (${r.smoke ? "smoke sizes" : "full sizes"})`,
    "",
    `${r.date}, ${r.runtime}, ${r.machine}; ${r.method}.`,
    "",
    ...throughputTable(r),
    "",
    ...targetTable(throughputTargets(r)),
    "",
  ].join("\n");
}

// Last, once every helper above is defined.
if (flags.child !== undefined) {
  await childColumn(flags.child, process.argv.at(-1)!);
  process.exit(0);
}
dir = await mkdtemp(join(tmpdir(), "cloudfits-throughput-"));
const results: ThroughputResults = {
  date: new Date().toISOString(),
  runtime: navigator.userAgent,
  machine: `${process.platform} ${process.arch}, ${(await import("node:os")).cpus().length} cores`,
  smoke,
  reps,
  method: "medians of --reps in-process repetitions; table columns: whole processes, median of 3",
};
const parts = flags.only?.split(",") ?? ["decode", "fits", "text", "table"];
try {
  if (parts.includes("decode")) results.decode = await benchDecode();
  if (parts.includes("fits")) results.fitsOutput = await benchFitsOutput();
  if (parts.includes("text")) results.textOutput = await benchTextOutput();
  if (parts.includes("table")) results.tableColumn = await benchTableColumn();
  await mkdir(flags.out, { recursive: true });
  const name = smoke ? "throughput_smoke" : "throughput";
  await writeFile(join(flags.out, `${name}.json`), JSON.stringify(results, null, 2) + "\n");
  if (parts.length === 4) await writeFile(join(flags.out, `${name}.md`), summary(results));
  console.log(JSON.stringify(results, null, 2));
} finally {
  await rm(dir, { recursive: true, force: true });
}
