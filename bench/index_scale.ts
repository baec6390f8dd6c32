/**
 * `deno task bench:index`: memory and speed of `cloudfits index` over many small files (issue 14, item
 * 1). Writes N synthetic FITS files (a primary header of `--cards` cards and a 10 × 10 int16 image, 2
 * blocks on disk each) under `--dir`, then runs `cloudfits index DIR -o OUT --json` in a fresh process
 * under /usr/bin/time at N/4 and at N files, and reports peak RSS, files/s and RSS growth per file
 * (the slope between the two sizes), and the memory the sorted listing holds per path (listed in this
 * process).
 * Also times `merge` of 4 shards of the N files.
 *
 * Usage: `deno run -A bench/index_scale.ts [--files N] [--cards C] [--dir DIR]`; writes
 * bench/results/index_scale.json.
 *
 * @module
 */
import { runMeasured } from "./common.ts";
import { mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import process from "node:process";
import { buildHeader, formatCard } from "../src/fits/write.ts";
import { listIndexSources } from "../src/indexer/list_sources.ts";
import { localFileAccess } from "../src/source/file.ts";
import { parseLocation } from "../src/url.ts";

const { values } = parseArgs({
  options: {
    files: { type: "string", default: "100000" },
    cards: { type: "string", default: "44" },
    dir: { type: "string", default: "/tmp/cloudfits-index-scale" },
  },
});
const total = Number(values.files);
const cardCount = Number(values.cards);
const dir = values.dir!;
const cli = [process.execPath, "run", "-A", join(import.meta.dirname!, "..", "cli.ts")];

/** One file: a header of `cardCount` cards (structural ones, then numbered keywords) and 200 data bytes. */
function fitsFile(i: number): Uint8Array {
  const cards = [
    formatCard("SIMPLE", true),
    formatCard("BITPIX", 16),
    formatCard("NAXIS", 2),
    formatCard("NAXIS1", 10),
    formatCard("NAXIS2", 10),
    formatCard("OBJECT", `target ${i}`),
  ];
  for (let k = cards.length; k < cardCount; k++) cards.push(formatCard(`KEY${k}`, i * 1.5 + k, "a value"));
  const header = buildHeader(cards);
  const file = new Uint8Array(header.length + 2880);
  file.set(header);
  return file;
}

/** Write files [from, to) into `data`, 1,000 per directory. */
function writeFiles(data: string, from: number, to: number): void {
  for (let i = from; i < to; i++) {
    const sub = join(data, `d${Math.floor(i / 1000)}`);
    if (i % 1000 === 0 || i === from) mkdirSync(sub, { recursive: true });
    writeFileSync(join(sub, `f${String(i).padStart(7, "0")}.fits`), fitsFile(i));
  }
}

/** Run the CLI under /usr/bin/time: its JSON output, peak RSS in MB, and seconds. */
function run(args: string[]): { json: Record<string, unknown>; rssMb: number; seconds: number } {
  const { stdout, peakRssMb, seconds } = runMeasured([...cli, ...args, "--json"], args.join(" "));
  return { json: JSON.parse(stdout), rssMb: peakRssMb, seconds };
}

rmSync(dir, { recursive: true, force: true });
const data = join(dir, "data");
const rows = [];
let written = 0;
for (const files of [Math.floor(total / 4), total]) {
  writeFiles(data, written, files);
  written = files;
  const output = join(dir, `index-${files}.cfidx`);
  const { rssMb, seconds } = run(["index", data, "-o", output]);
  rows.push({
    files,
    peakRssMb: rssMb,
    seconds: Math.round(seconds * 10) / 10,
    filesPerSecond: Math.round(files / seconds),
    indexBytes: statSync(output).size,
  });
  console.log(JSON.stringify(rows.at(-1)));
}
const [small, large] = rows;
const growthPerFileKb =
  Math.round(((large.peakRssMb - small.peakRssMb) * 1024 / (large.files - small.files)) * 100) /
  100;

// What the listing costs per path: what the sorted, packed listing a run keeps holds (its buffers
// are outside V8's heap: `external` counts them), after a collection when the task exposes one
// (`--v8-flags=--expose-gc`; without, garbage counts too).
const collect = (globalThis as { gc?: () => void }).gc ?? (() => {});
// Array buffers' memory is returned as the collector finalizes them (the files written above leave
// many): a few rounds let it settle, before and after.
const settled = async () => {
  for (let round = 0; round < 3; round++) {
    collect();
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return process.memoryUsage().heapUsed + process.memoryUsage().external;
};
const heldBefore = await settled();
const sortedListing = async () => {
  const listed = await listIndexSources([data], {
    output: parseLocation(join(dir, "listed.cfidx"), {}),
    ...localFileAccess(),
  });
  return listed.candidates.sorted(listed.origins);
};
const listing = await sortedListing();
const listingBytesPerPath = Math.round((await settled() - heldBefore) / listing.length);

const shards = [0, 1, 2, 3].map((k) => join(dir, `shard-${k}.cfidx`));
const shardRuns = shards.map((shard, k) => run(["index", data, "-o", shard, "--shard", `${k}/4`]));
const merge = run(["merge", ...shards, "-o", join(dir, "merged.cfidx")]);
const result = {
  cards: cardCount,
  rows,
  growthPerFileKb,
  listingBytesPerPath,
  shards: shardRuns.map(({ rssMb, seconds }) => ({
    peakRssMb: rssMb,
    seconds: Math.round(seconds * 10) / 10,
  })),
  merge: { files: merge.json.files, peakRssMb: merge.rssMb, seconds: Math.round(merge.seconds * 10) / 10 },
};
console.log(JSON.stringify(result, null, 2));
mkdirSync(join(import.meta.dirname!, "results"), { recursive: true });
writeFileSync(
  join(import.meta.dirname!, "results", "index_scale.json"),
  JSON.stringify(result, null, 2) + "\n",
);
rmSync(dir, { recursive: true, force: true });
