/**
 * `deno run -A bench/catalog_scale.ts`: a catalog of 10⁶ entries (issue 14, item 4 and "Done when").
 * Writes synthetic TESS-FFI-like entries (a primary and an image HDU each, 30 + 45 header cards with
 * values that vary per file — 2,000 variants in turn, so every leaf's neighbours differ — full header
 * text) in path order through the streaming `IndexWriter` in a
 * child process under /usr/bin/time, at N/4 and N entries, so the peak RSS shows the write's memory
 * bound (its growth per entry; V8's heap sampled every 5,000 entries besides); then serves the catalog on loopback (bench/server.ts) and opens one
 * entry at a time, each from a fresh `decodeIndex` over HTTP, counting requests and bytes at the server
 * and the largest single read at the client.
 *
 * Usage: `deno run -A bench/catalog_scale.ts [--entries N] [--dir DIR] [--probes K]`; writes
 * bench/results/catalog_scale.json.
 *
 * @module
 */
import { runMeasured } from "./common.ts";
import { mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import process from "node:process";
import { buildHeader, formatCard } from "../src/fits/write.ts";
import { parseHeader } from "../src/fits/header.ts";
import { describeHdu, type Hdu, paddedSize } from "../src/fits/layout.ts";
import { IndexWriter } from "../src/index_format/writer.ts";
import { decodeIndex } from "../src/read/index.ts";
import { countingSource } from "../src/source/counting.ts";
import { httpSource } from "../src/source/http.ts";
import { fileStorage } from "../src/source/file_storage.ts";
import { startRangeServer } from "./server.ts";

const loadNow = (): string => loadavg().map((load) => load.toFixed(2)).join(", ");
const loadAtStart = loadNow();

const { values } = parseArgs({
  options: {
    entries: { type: "string", default: "1000000" },
    dir: { type: "string", default: "/tmp/cloudfits-catalog-scale" },
    probes: { type: "string", default: "20" },
    write: { type: "string" },
  },
});
const entries = Number(values.entries);

/** Entry i's path: sectors, cameras and CCDs in order, so generating in i order is path order. */
function pathOf(i: number): string {
  const sector = 1 + Math.floor(i / 16_000);
  const cam = 1 + Math.floor(i / 4000) % 4;
  const ccd = 1 + Math.floor(i / 1000) % 4;
  const n = String(i % 1000).padStart(4, "0");
  return `s${String(sector).padStart(4, "0")}/cam${cam}-ccd${ccd}/tess${2018206000000 + i * 1800}-s${
    String(sector).padStart(4, "0")
  }-${cam}-${ccd}-${n}-s_ffic.fits`;
}

/** Distinct header sets: consecutive entries (a leaf's) all differ, as real files do. */
const VARIANTS = 2000;
const variants = new Map<number, { hdus: Hdu[]; size: number }>();

function hdusOf(i: number): { hdus: Hdu[]; size: number } {
  const v = i % VARIANTS;
  let found = variants.get(v);
  if (!found) variants.set(v, found = makeHdus(v));
  return found;
}

/** A primary (no data) and a 2136 × 2078 float32 image, with header values that vary per file. */
function makeHdus(i: number): { hdus: Hdu[]; size: number } {
  const primary = [formatCard("SIMPLE", true), formatCard("BITPIX", 8), formatCard("NAXIS", 0)];
  primary.push(formatCard("EXTEND", true), formatCard("TELESCOP", "TESS"), formatCard("CAMERA", 1 + i % 4));
  primary.push(formatCard("DATE-OBS", new Date(1_530_000_000_000 + i * 1_800_000).toISOString()));
  for (let k = primary.length; k < 30; k++) {
    primary.push(formatCard(`PKEY${k}`, (i * 7.31 + k) % 1000, "value"));
  }
  const image = [
    formatCard("XTENSION", "IMAGE"),
    formatCard("BITPIX", -32),
    formatCard("NAXIS", 2),
    formatCard("NAXIS1", 2136),
    formatCard("NAXIS2", 2078),
    formatCard("PCOUNT", 0),
    formatCard("GCOUNT", 1),
    formatCard("CRVAL1", (i * 0.137) % 360),
    formatCard("CRVAL2", ((i * 0.071) % 180) - 90),
    formatCard("TSTART", 1325.29 + i * 0.0208),
    formatCard("TSTOP", 1325.31 + i * 0.0208),
  ];
  for (let k = image.length; k < 45; k++) {
    image.push(formatCard(`IKEY${k}`, (i * 3.77 + k * 1.1) % 977, "a value"));
  }
  const hdus: Hdu[] = [];
  let offset = 0;
  for (const [index, cards] of [primary, image].entries()) {
    const hdu = describeHdu(parseHeader(buildHeader(cards)), index, offset);
    hdus.push(hdu);
    offset = hdu.dataOffset + paddedSize(hdu.dataSize);
  }
  return { hdus, size: offset };
}

/** Child mode: write the catalog, print its size and time. */
async function writeCatalog(path: string): Promise<void> {
  const storage = fileStorage();
  const spool = await storage.spool!(path);
  const writer = new IndexWriter({ spool, dataUrl: "s3://stpubdata/tess/public/ffi", createdMs: 0 });
  const started = performance.now();
  let peakHeap = 0;
  for (let i = 0; i < entries; i++) {
    const { hdus, size } = hdusOf(i);
    await writer.add({ path: pathOf(i), size, etag: (i * 2654435761 >>> 0).toString(16), hdus });
    if (i % 5000 === 0) peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  }
  const written = await writer.finish();
  await storage.writeFileAtomic(path, written.chunks(), { overwrite: true });
  await writer.close();
  console.log(
    JSON.stringify({ entries, bytes: written.size, seconds: (performance.now() - started) / 1000, peakHeap }),
  );
}

if (values.write) {
  await writeCatalog(values.write);
  process.exit(0);
}

const dir = values.dir!;
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const rows = [];
for (const n of [Math.floor(entries / 4), entries]) {
  const path = join(dir, `catalog-${n}.cfidx`);
  const { stdout, peakRssMb } = runMeasured(
    [process.execPath, "run", "-A", import.meta.filename!, "--entries", String(n), "--write", path],
    `writing ${n} entries`,
  );
  const out = JSON.parse(stdout);
  rows.push({
    entries: n,
    peakRssMb,
    peakHeapMb: Math.round(out.peakHeap / 1e5) / 10,
    seconds: Math.round(out.seconds * 10) / 10,
    catalogBytes: statSync(path).size,
    bytesPerEntry: Math.round(statSync(path).size / n * 10) / 10,
  });
  console.log(JSON.stringify(rows.at(-1)));
}
const growthPerEntryBytes = Math.round(
  (rows[1].peakRssMb - rows[0].peakRssMb) * 1024 * 1024 / (rows[1].entries - rows[0].entries),
);

const server = await startRangeServer({ root: dir, latencyMs: 0 });
const probes = [];
try {
  for (let k = 0; k < Number(values.probes); k++) {
    const i = k === 0 ? 0 : k === 1 ? entries - 1 : Math.floor((k * 0.618034 % 1) * entries);
    const client = `probe-${k}`;
    const source = countingSource(httpSource(server.urlFor(client, `catalog-${entries}.cfidx`)));
    const index = await decodeIndex(source);
    const found = await index.findFile(pathOf(i));
    if (found?.path !== pathOf(i) || found.hdus[1].axes[0] !== 2136) throw new Error(`entry ${i} not found`);
    const traffic = server.traffic(client);
    probes.push({
      entry: i,
      requests: traffic.requests,
      bytes: traffic.bytes,
      largestRead: Math.max(...source.stats.ranges.map((range) => range.length)),
      levels: index.levels,
    });
  }
} finally {
  await server.close();
}
const result = {
  machine: `${cpus().length} cores, load average ${loadAtStart} at the start and ${loadNow()} at the end`,
  rows,
  writeGrowthPerEntryBytes: growthPerEntryBytes,
  open: {
    probes: probes.length,
    levels: probes[0].levels,
    maxRequests: Math.max(...probes.map((p) => p.requests)),
    maxBytes: Math.max(...probes.map((p) => p.bytes)),
    maxSingleRead: Math.max(...probes.map((p) => p.largestRead)),
  },
  probes,
};
console.log(JSON.stringify(result, null, 2));
mkdirSync(join(import.meta.dirname!, "results"), { recursive: true });
writeFileSync(
  join(import.meta.dirname!, "results", "catalog_scale.json"),
  JSON.stringify(result, null, 2) + "\n",
);
rmSync(dir, { recursive: true, force: true });
