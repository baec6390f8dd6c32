/**
 * The fuzz targets and the harness that runs them: each case derives its own generator from
 * (seed, target, case number), mutates a seed input, feeds it to the parser through a guarded source,
 * and classifies the result. The oracle: a case resolves, or rejects with a `CloudFitsError`; anything
 * else, a read outside the object or larger than it, a case running past the watchdog, or a resident
 * set beyond the memory limit is a failure.
 *
 * @module
 */
import { readdirSync, readFileSync } from "node:fs";
import process from "node:process";
import { isCloudFitsError } from "../../src/errors.ts";
import { verifyHduChecksum } from "../../src/read/checksum.ts";
import { describeCompressedImage } from "../../src/fits/compressed.ts";
import { findEnd, parseHeader } from "../../src/fits/header.ts";
import { imageInfo } from "../../src/fits/image.ts";
import { describeHdu, findHdu, type Hdu } from "../../src/fits/layout.ts";
import { describeTable } from "../../src/fits/tform.ts";
import { readTableRows } from "../../src/read/table_rows.ts";
import { rowsToJson } from "../../src/table_json.ts";
import { walkHdus } from "../../src/read/walk.ts";
import { decodeIndex } from "../../src/read/index.ts";
import { encodeIndex } from "../../src/index_format/encode.ts";
import type { IndexedFile } from "../../src/index_format/types.ts";
import type { SectionEntry } from "../../src/plan/image_section.ts";
import { readImageSection } from "../../src/read/image_section.ts";
import { memorySource } from "../../src/source/memory.ts";
import type { ByteSource, ReadOptions } from "../../src/source/types.ts";
import { caseRng, mutateFits, mutateIndex, type Rng } from "./_mutate.ts";

const TESTDATA = new URL("../../testdata/", import.meta.url);

/** Generous per-case limit: it detects hangs, it is not a speed assertion. */
export const CASE_TIMEOUT_MS = 5000;
/**
 * Resident-set limit, checked after every case so that the case that crossed it is the one named: far
 * above what any case over ≤ 100 KB inputs needs (a whole run stays near 100 to 250 MiB).
 */
export const RSS_LIMIT_BYTES = 1024 ** 3;
/** A read may exceed the object's size only up to this floor (first reads of fixed size, e.g. 16 KiB). */
const READ_FLOOR = 64 * 1024;

/** A contract violation seen by a guarded source: always a failure, even if the parser swallows it. */
export class GuardViolation extends Error {
  /** @param message What was violated. */
  constructor(message: string) {
    super(message);
    this.name = "GuardViolation";
  }
}

/** What a case may do to its source, and what it did. */
export interface Guard {
  violations: string[];
  reads: number;
  bytesRead: number;
}

/**
 * A memory source that records contract violations: a read at a negative, fractional or unsafe offset
 * or length, or one longer than the object (or than 64 KiB for small objects). With `strict`, any
 * byte past the end of the object is a violation too (reads planned from an index must stay inside
 * the data file). With `hideSize`, the size is unknown until the first read, as for a remote object.
 */
export function guardedSource(
  bytes: Uint8Array,
  guard: Guard,
  options: { strict?: boolean; hideSize?: boolean; size?: number; maxRead?: number } = {},
): ByteSource {
  const size = options.size ?? bytes.length;
  const inner = memorySource(bytes, "fuzz input");
  let known = !options.hideSize;
  const violate = (message: string): never => {
    guard.violations.push(message);
    throw new GuardViolation(message);
  };
  return {
    name: "fuzz input",
    get size() {
      return known ? size : undefined;
    },
    async read(offset: number, length: number, readOptions?: ReadOptions): Promise<Uint8Array> {
      guard.reads++;
      if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
        violate(`read(${offset}, ${length}): not a non-negative safe integer range`);
      }
      if (length > Math.min(Math.max(size, READ_FLOOR), options.maxRead ?? Infinity)) {
        violate(`read(${offset}, ${length}) exceeds the ${size}-byte object or the read limit`);
      }
      if (options.strict && offset + length > size) {
        violate(`read(${offset}, ${length}) runs past the end of the ${size}-byte data file`);
      }
      const out = offset < bytes.length ? await inner.read(offset, length, readOptions) : new Uint8Array(0);
      // A virtual object larger than its backing bytes reads as zeros there.
      const wanted = Math.max(0, Math.min(length, size - offset));
      const result = out.length >= wanted ? out : padTo(out, wanted);
      known = true;
      guard.bytesRead += result.length;
      return result;
    },
  };
}

function padTo(bytes: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  out.set(bytes);
  return out;
}

/** One generated input. */
export interface FuzzInput {
  bytes: Uint8Array;
  seedName: string;
  steps: string[];
}

/** A fuzz target: how to make inputs and how to exercise the code under test with one. */
export interface Target {
  name: string;
  /** File extension of its inputs, for saved fixtures. */
  extension: string;
  generate(rng: Rng): FuzzInput;
  /** Exercise the code; resolves with a short outcome label ("ok" or an error code seen on the way). */
  exercise(bytes: Uint8Array, rng: Rng, guard: Guard): Promise<string>;
}

/** Every fixture, by file name. */
export function loadFixtures(): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  for (const name of readdirSync(TESTDATA).filter((n) => n.endsWith(".fits")).sort()) {
    out.set(name, new Uint8Array(readFileSync(new URL(name, TESTDATA))));
  }
  return out;
}

/**
 * Run `body`, accepting a `CloudFitsError`; with a `stage`, record it as "stage:CODE" so the outcome
 * counts show how deep the cases get.
 */
async function accept(labels: string[], body: () => unknown, stage?: string): Promise<boolean> {
  try {
    await body();
    return true;
  } catch (error) {
    if (!isCloudFitsError(error)) throw error;
    if (stage !== undefined) labels.push(`${stage}:${error.code}`);
    return false;
  }
}

function label(labels: string[]): string {
  return labels.length === 0 ? "ok" : labels[0];
}

function pickFits(fixtures: Map<string, Uint8Array>, names: readonly string[], rng: Rng): FuzzInput {
  const seedName = rng.pick(names);
  const donors = [...fixtures.values()];
  const { bytes, steps } = mutateFits(fixtures.get(seedName)!, rng, donors);
  return { bytes, seedName, steps };
}

async function walk(bytes: Uint8Array, rng: Rng, guard: Guard): Promise<{ source: ByteSource; hdus: Hdu[] }> {
  const source = guardedSource(bytes, guard, { hideSize: rng.chance(0.2) });
  const options = rng.chance(0.3)
    ? { readAhead: 2880 * (1 + rng.int(4)), headerRead: 2880 * (1 + rng.int(3)) }
    : {};
  return { source, hdus: (await walkHdus(source, options)).hdus };
}

/** A random section spec for an image of `shape` (numpy order): valid arguments, any range. */
function randomSpec(shape: readonly number[], rng: Rng): SectionEntry[] {
  const spec: SectionEntry[] = [];
  for (const n of shape) {
    const r = rng.int(5);
    if (r === 0) spec.push(null);
    else if (r === 1) spec.push(rng.int(n + 2) - (rng.chance(0.2) ? n + 1 : 0));
    else {
      const a = rng.int(n + 1);
      const b = a + rng.int(n + 1 - a) + (rng.chance(0.1) ? 5 : 0);
      spec.push(r === 2 ? [a, b] : [a, b, 1 + rng.int(4)]);
    }
  }
  return rng.chance(0.1) ? spec.slice(0, rng.int(spec.length + 1)) : spec;
}

function describeByType(hdu: Hdu): void {
  if (hdu.type === "BINTABLE" || hdu.type === "TABLE") describeTable(hdu);
  else if (hdu.type === "COMPRESSED_IMAGE") {
    describeCompressedImage(hdu);
    describeTable(hdu);
  } else if (hdu.type === "PRIMARY" || hdu.type === "IMAGE" || hdu.type === "GROUPS") imageInfo(hdu);
}

/** parseHeader (and the getters, describeHdu and the pure describers) on mutated header bytes. */
function headerTarget(fixtures: Map<string, Uint8Array>, headers: Map<string, Uint8Array>): Target {
  const names = [...headers.keys()];
  const donors = [...headers.values(), ...fixtures.values()];
  return {
    name: "header",
    extension: "hdr",
    generate(rng) {
      const seedName = rng.pick(names);
      const { bytes, steps } = mutateFits(headers.get(seedName)!, rng, donors);
      return { bytes, seedName, steps };
    },
    async exercise(bytes, rng) {
      const labels: string[] = [];
      findEnd(bytes);
      await accept(labels, async () => {
        const header = parseHeader(bytes, { offset: 2880 * rng.int(4), name: "fuzz.fits" });
        for (const card of header.cards.slice(0, 60)) {
          const k = card.keyword;
          for (const get of ["getString", "getNumber", "getInteger", "getBigInt", "getBoolean"] as const) {
            await accept(labels, () => header[get](k));
          }
          header.has(k);
          header.get(k);
        }
        const hdu = describeHdu(header, rng.int(3), 0);
        await accept(labels, () => describeByType(hdu), "describe");
      }, "parse");
      return label(labels);
    },
  };
}

/** walkHdus over a mutated file, then the describers, findHdu and (sometimes) checksum verification. */
function walkTarget(fixtures: Map<string, Uint8Array>): Target {
  const names = [...fixtures.keys()];
  return {
    name: "walk",
    extension: "fits",
    generate: (rng) => pickFits(fixtures, names, rng),
    async exercise(bytes, rng, guard) {
      const labels: string[] = [];
      await accept(labels, async () => {
        const { source, hdus } = await walk(bytes, rng, guard);
        for (const hdu of hdus) {
          await accept(labels, () => describeByType(hdu), "describe");
          if (rng.chance(0.2)) {
            await accept(labels, () => verifyHduChecksum(source, hdu, { chunkSize: 4096 }), "checksum");
          }
        }
        await accept(
          labels,
          () => findHdu(hdus, rng.pick(["SCI", "ALLTYPES", "ASCII", "RICE", "x"]), rng.int(3)),
        );
      }, "walk");
      return label(labels);
    },
  };
}

const TABLE_SEEDS = [
  "table_all.fits",
  "ascii_table.fits",
  "tess_cube.fits",
  "checksum_good.fits",
  "compressed_rice.fits",
];

/**
 * readTableRows (BINTABLE with VLAs, ASCII TABLE, compressed-image tables) on mutated files. Besides
 * the FITS mutations, four cases in ten also get an extreme 32-bit word inside a table's data, where
 * VLA descriptors and ASCII fields live.
 */
function tableTarget(fixtures: Map<string, Uint8Array>, tableData: Map<string, [number, number][]>): Target {
  return {
    name: "table",
    extension: "fits",
    generate(rng) {
      const input = pickFits(fixtures, TABLE_SEEDS, rng);
      const spans = tableData.get(input.seedName) ?? [];
      if (spans.length > 0 && rng.chance(0.4)) {
        const [start, end] = rng.pick(spans);
        const at = start + rng.int(Math.floor((end - start) / 4)) * 4;
        if (at + 4 <= input.bytes.length) {
          const value = rng.pick([0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 1e9, input.bytes.length, 0x2020]);
          new DataView(input.bytes.buffer, input.bytes.byteOffset).setUint32(at, value);
          input.steps.push("tableWord");
        }
      }
      return input;
    },
    async exercise(bytes, rng, guard) {
      const labels: string[] = [];
      await accept(labels, async () => {
        const { source, hdus } = await walk(bytes, rng, guard);
        for (const hdu of hdus) {
          if (hdu.type !== "BINTABLE" && hdu.type !== "TABLE" && hdu.type !== "COMPRESSED_IMAGE") continue;
          await accept(labels, async () => {
            const table = describeTable(hdu);
            // Zero-width rows cost a cell each with no bytes behind them: ask for at most 1,000 to keep
            // cases fast (readTableRows refuses more than 10^6; see the table-20250801-501 regression).
            const limit = table.rowBytes === 0 ? Math.min(table.rowCount, 1000) : table.rowCount;
            const start = rng.int(limit + 1);
            const stop = rng.chance(0.8) ? start + rng.int(limit - start + 1) : table.rowCount + 1;
            const columns = rng.chance(0.3) && table.columns.length > 0
              ? [rng.pick(table.columns).index, rng.pick(table.columns).name]
              : undefined;
            const rows = await readTableRows(source, hdu, {
              start,
              stop,
              columns,
              table,
              maxGap: rng.pick([0, 64, 32768]),
            });
            rowsToJson(rows);
          }, "rows");
        }
      }, "walk");
      return label(labels);
    },
  };
}

const IMAGE_SEEDS = [
  "mef_images.fits",
  "mef_images.fits",
  "primary_only.fits",
  "tess_cube.fits",
  "random_groups.fits",
  "exotic_header.fits",
  "no_final_pad.fits",
];

/** readImageSection with random (valid) selections on mutated image files. */
function imageTarget(fixtures: Map<string, Uint8Array>): Target {
  return {
    name: "image",
    extension: "fits",
    generate: (rng) => pickFits(fixtures, IMAGE_SEEDS, rng),
    async exercise(bytes, rng, guard) {
      const labels: string[] = [];
      await accept(labels, async () => {
        const { source, hdus } = await walk(bytes, rng, guard);
        const images = hdus.filter((h) => h.type === "PRIMARY" || h.type === "IMAGE" || h.type === "GROUPS");
        for (let n = Math.min(images.length, 3); n > 0; n--) {
          const hdu = rng.pick(images);
          await accept(labels, async () => {
            const shape = imageInfo(hdu).shape;
            await readImageSection(source, hdu, randomSpec(shape, rng), { raw: rng.chance(0.3) });
          }, "section");
        }
      }, "walk");
      return label(labels);
    },
  };
}

/** Seed indexes: every fixture with full header text, structural cards only, and several leaves. */
async function buildIndexSeeds(fixtures: Map<string, Uint8Array>): Promise<Map<string, Uint8Array>> {
  const files: IndexedFile[] = [];
  for (const [name, bytes] of fixtures) {
    files.push({
      path: name,
      size: bytes.length,
      etag: `"${name.length}"`,
      hdus: (await walkHdus(memorySource(bytes))).hdus,
    });
  }
  const many = ["a/", "b/", "c/", "d/"].flatMap((prefix) =>
    files.map((f) => ({ ...f, path: prefix + f.path }))
  );
  const options = { createdMs: 0, indexer: "fuzz" };
  return new Map([
    ["all.fci", await encodeIndex(files, { ...options, dataUrl: "s3://bucket/data" })],
    ["structural.fci", await encodeIndex(files, { ...options, headerText: false })],
    ["leaves.fci", await encodeIndex(many, options)],
    ["one.fci", await encodeIndex(files.filter((f) => f.path === "table_all.fits"), options)],
  ]);
}

/**
 * decodeIndex on mutated indexes (CRCs usually repaired), then every record, the invariants a reader
 * relies on, and reads planned from the decoded HDUs against a data file of the recorded size: none
 * may leave it.
 */
async function indexTarget(fixtures: Map<string, Uint8Array>): Promise<Target> {
  const seeds = await buildIndexSeeds(fixtures);
  const names = [...seeds.keys()];
  const paths = [...fixtures.keys()];
  return {
    name: "index",
    extension: "fci",
    generate(rng) {
      const seedName = rng.pick(names);
      const { bytes, steps } = mutateIndex(seeds.get(seedName)!, rng);
      return { bytes, seedName, steps };
    },
    async exercise(bytes, rng, guard) {
      const labels: string[] = [];
      await accept(labels, async () => {
        const index = await decodeIndex(guardedSource(bytes, guard), { maxBatchBytes: rng.pick([1, 65536]) });
        const files: IndexedFile[] = [];
        await accept(labels, async () => {
          for await (const summary of index.summaries()) {
            checkOffsets(summary.path, summary.size, summary.hdus);
          }
        }, "summaries");
        await accept(labels, async () => {
          for await (const file of index.files()) files.push(file);
        }, "files");
        await accept(labels, async () => {
          const found = await index.findFile(rng.pick(paths));
          if (found) files.push(found);
        }, "find");
        for (const file of files.slice(0, 3)) {
          checkOffsets(file.path, file.size, file.hdus);
          await readPlannedFromIndex(file, fixtures, rng, guard, labels);
        }
      }, "open");
      return label(labels);
    },
  };
}

/** The invariants every indexed HDU must satisfy before a reader plans from it. */
function checkOffsets(
  path: string,
  size: number,
  hdus: readonly { headerOffset: number; headerSize: number; dataOffset: number; dataSize: number }[],
): void {
  let end = 0;
  for (const [i, hdu] of hdus.entries()) {
    const values = [size, hdu.headerOffset, hdu.headerSize, hdu.dataOffset, hdu.dataSize];
    if (!values.every((v) => Number.isSafeInteger(v) && v >= 0)) {
      throw new GuardViolation(
        `index record ${path} HDU ${i} has an unsafe offset or size: ${values.join(", ")}`,
      );
    }
    if (hdu.headerOffset < end || hdu.dataOffset !== hdu.headerOffset + hdu.headerSize) {
      throw new GuardViolation(`index record ${path} HDU ${i} overlaps the previous HDU or its own header`);
    }
    if (hdu.dataOffset + hdu.dataSize > size) {
      throw new GuardViolation(
        `index record ${path} HDU ${i} data ends at ${
          hdu.dataOffset + hdu.dataSize
        }, beyond the file's ${size} bytes`,
      );
    }
    end = hdu.dataOffset + hdu.dataSize;
  }
}

/** Read a small piece of each HDU the index describes, from a data file of exactly the recorded size. */
async function readPlannedFromIndex(
  file: IndexedFile,
  fixtures: Map<string, Uint8Array>,
  rng: Rng,
  guard: Guard,
  labels: string[],
): Promise<void> {
  const backing = fixtures.get(file.path.replace(/^[a-d]\//, "")) ?? new Uint8Array(0);
  // The pieces read here are a pixel or two rows: a read beyond 16 MiB means a claim was trusted.
  const source = guardedSource(backing, guard, { strict: true, size: file.size, maxRead: 16 * 1024 ** 2 });
  for (const hdu of file.hdus) {
    await accept(labels, async () => {
      if (hdu.type === "PRIMARY" || hdu.type === "IMAGE" || hdu.type === "GROUPS") {
        const shape = imageInfo(hdu).shape;
        if (shape.length > 0) {
          await readImageSection(source, hdu, shape.map(() => (rng.chance(0.5) ? 0 : -1)));
        }
      } else if (hdu.type === "BINTABLE" || hdu.type === "TABLE") {
        const table = describeTable(hdu);
        await readTableRows(source, hdu, { start: 0, stop: Math.min(2, table.rowCount), table });
      }
    }, "read");
  }
}

/** Every target, in the order the issue lists them. */
export async function createTargets(): Promise<Target[]> {
  const fixtures = loadFixtures();
  const headers = new Map<string, Uint8Array>();
  const tableData = new Map<string, [number, number][]>();
  for (const [name, bytes] of fixtures) {
    for (const hdu of (await walkHdus(memorySource(bytes))).hdus) {
      headers.set(`${name}#${hdu.index}`, hdu.header.bytes);
      if (hdu.type === "BINTABLE" || hdu.type === "TABLE" || hdu.type === "COMPRESSED_IMAGE") {
        tableData.set(name, [...(tableData.get(name) ?? []), [
          hdu.dataOffset,
          hdu.dataOffset + hdu.dataSize,
        ]]);
      }
    }
  }
  return [
    headerTarget(fixtures, headers),
    walkTarget(fixtures),
    tableTarget(fixtures, tableData),
    imageTarget(fixtures),
    await indexTarget(fixtures),
  ];
}

/** One failing case, with everything needed to replay it. */
export interface Failure {
  target: string;
  seed: number;
  caseIndex: number;
  seedName: string;
  steps: string[];
  inputLength: number;
  kind: "exception" | "violation" | "hang" | "memory" | "mutator";
  message: string;
}

/** Totals of a run. */
export interface RunSummary {
  target: string;
  seed: number;
  cases: number;
  /** Cases by outcome: "ok" or the code of the first typed error. */
  outcomes: Record<string, number>;
  failures: Failure[];
}

/**
 * Regenerate the input of one case, with the generator positioned as the run left it for `exercise`.
 */
export function replayCase(target: Target, seed: number, caseIndex: number): { input: FuzzInput; rng: Rng } {
  const rng = caseRng(seed, target.name, caseIndex);
  return { input: target.generate(rng), rng };
}

/** File name of a saved case: `<target>-<seed>-<case>.<extension>`, which is all a replay needs. */
export function caseFileName(target: Target, seed: number, caseIndex: number): string {
  return `${target.name}-${seed}-${caseIndex}.${target.extension}`;
}

/** Parse a saved case's file name; undefined when it does not follow {@linkcode caseFileName}. */
export function parseCaseFileName(
  name: string,
): { target: string; seed: number; caseIndex: number } | undefined {
  const match = /^([a-z]+)-(\d+)-(\d+)\.[a-z]+$/.exec(name);
  return match ? { target: match[1], seed: Number(match[2]), caseIndex: Number(match[3]) } : undefined;
}

/**
 * Exercise a target on given bytes under the oracle and the watchdog.
 *
 * @returns The outcome label, or a failure description.
 */
export async function checkInput(
  target: Target,
  bytes: Uint8Array,
  rng: Rng,
  timeoutMs: number = CASE_TIMEOUT_MS,
): Promise<{ outcome: string } | { kind: Failure["kind"]; message: string }> {
  const guard: Guard = { violations: [], reads: 0, bytesRead: 0 };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const watchdog = new Promise<"hang">((resolve) => {
    timer = setTimeout(() => resolve("hang"), timeoutMs);
  });
  const started = performance.now();
  try {
    const result = await Promise.race([target.exercise(bytes, rng, guard), watchdog]);
    // A synchronous loop blocks the timer too; the elapsed time still shows it afterwards.
    if (result === "hang" || performance.now() - started > timeoutMs) {
      return { kind: "hang", message: `no result within ${timeoutMs} ms` };
    }
    if (guard.violations.length > 0) return { kind: "violation", message: guard.violations.join("; ") };
    return { outcome: result };
  } catch (error) {
    if (guard.violations.length > 0) return { kind: "violation", message: guard.violations.join("; ") };
    if (error instanceof GuardViolation) return { kind: "violation", message: error.message };
    if (isCloudFitsError(error)) return { outcome: error.code };
    const text = error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error);
    return { kind: "exception", message: text };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Run cases `[first, first + count)` of a target.
 *
 * @param onProgress Called every 1,000 cases (the long run prints it).
 */
export async function runTarget(
  target: Target,
  seed: number,
  count: number,
  options: {
    first?: number;
    maxFailures?: number;
    onProgress?: (done: number, summary: RunSummary) => void;
  } = {},
): Promise<RunSummary> {
  const first = options.first ?? 0;
  const maxFailures = options.maxFailures ?? 10;
  const summary: RunSummary = { target: target.name, seed, cases: 0, outcomes: {}, failures: [] };
  for (let caseIndex = first; caseIndex < first + count; caseIndex++) {
    const rng = caseRng(seed, target.name, caseIndex);
    summary.cases++;
    let input: FuzzInput = { bytes: new Uint8Array(0), seedName: "?", steps: [] };
    const failure = (kind: Failure["kind"], message: string): Failure => ({
      target: target.name,
      seed,
      caseIndex,
      seedName: input.seedName,
      steps: input.steps,
      inputLength: input.bytes.length,
      kind,
      message,
    });
    try {
      input = target.generate(rng);
    } catch (error) {
      // A broken mutator is a failure of its case, reported with its seed, not the end of the run.
      summary.failures.push(
        failure("mutator", error instanceof Error ? (error.stack ?? error.message) : String(error)),
      );
      if (summary.failures.length >= maxFailures) break;
      continue;
    }
    const result = await checkInput(target, input.bytes, rng);
    if ("outcome" in result) summary.outcomes[result.outcome] = (summary.outcomes[result.outcome] ?? 0) + 1;
    else summary.failures.push(failure(result.kind, result.message));
    const resident = process.memoryUsage.rss();
    if (resident > RSS_LIMIT_BYTES) {
      summary.failures.push(failure("memory", `resident set ${resident} B after this case`));
    }
    if (summary.failures.length >= maxFailures) break;
    if (options.onProgress && summary.cases % 1000 === 0) options.onProgress(summary.cases, summary);
  }
  return summary;
}

/** A failure as text, with the command that replays it. */
export function describeFailure(failure: Failure): string {
  return [
    `${failure.kind} in target ${failure.target}, FUZZ_SEED=${failure.seed} case ${failure.caseIndex}`,
    `  seed input ${failure.seedName}, mutations ${failure.steps.join(" > ")}, ${failure.inputLength} bytes`,
    `  replay: deno run -A tests/fuzz/long_run.ts --target ${failure.target} --seed ${failure.seed} --case ${failure.caseIndex} --save testdata/fuzz/`,
    `  ${failure.message.split("\n").slice(0, 12).join("\n  ")}`,
  ].join("\n");
}
