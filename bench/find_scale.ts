/**
 * `deno task bench:find`: `find` on a catalog of a million footprints (issue 14, item 5). Builds a
 * synthetic sky directory — `--footprints N` (default 1,000,000) TAN footprints spread uniformly over
 * the sky: 1 % the size of a TESS camera's CCD (2048² pixels of 21″, 12°) and the rest small images
 * (2000² pixels of 0.1″–0.9″, 0.06°–0.5°), their outlines from the WCS engine — encodes it as a
 * catalog in a child process under /usr/bin/time — footprints made one at a time and filed by the
 * streaming writer, whose sorted runs and cells wait in temporary files beside the catalog — serves it
 * from the bench's loopback server (no latency), and reports the build's peak RSS, the catalog's bytes,
 * the sky sections' bytes per footprint, and the requests and bytes of `findPosition` at `--positions`
 * places: the centres of some footprints of each kind and random points. Target: ≤ 4 requests of
 * ≤ 64 KiB each.
 *
 * Usage: `deno run -A bench/find_scale.ts [--footprints N] [--positions P] [--dir DIR]`; writes
 * bench/results/find_scale.json. (`--build PATH` is the child: it writes the catalog and prints the
 * footprints to look up.)
 *
 * @module
 */
import { SectionType } from "../src/index_format/_layout.ts";
import { runMeasured } from "./common.ts";
import { closeSync, mkdirSync, openSync, readSync, rmSync, statSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";
import { findPosition } from "../src/find.ts";
import { IndexWriter, SkySink } from "../src/index_format/writer.ts";
import { fileStorage } from "../src/source/file_storage.ts";
import { FIXED_HEADER_SIZE, SECTION_ENTRY_SIZE } from "../src/index_format/_layout.ts";
import type { FootprintRecord } from "../src/index_format/sky_cells.ts";
import { parseSkyRoot } from "../src/index_format/sky_decode.ts";
import { skyPlaces } from "../src/index_format/sky_read.ts";
import { httpSource } from "../src/source/http.ts";
import { wrapSource } from "../src/source/_wrap.ts";
import { startRangeServer } from "./server.ts";
import { seededRandom } from "../tests/_support/range_server.ts";
import { syntheticFootprint } from "../tests/_support/footprints.ts";

const { values } = parseArgs({
  options: {
    footprints: { type: "string", default: "1000000" },
    positions: { type: "string", default: "12" },
    dir: { type: "string", default: "/tmp/cloudfits-find-scale" },
    build: { type: "string" },
  },
});
const total = Number(values.footprints);
const positions = Number(values.positions);
const dir = values.dir!;

// Deterministic, so that every run builds the same catalog.
const next = seededRandom(16);
/** One footprint: a TESS-CCD-sized image for every 100th, a small image otherwise. */
function footprint(i: number): FootprintRecord {
  const large = i % 100 === 0;
  const side = large ? 2048 : 2000;
  const scale = large ? 21 / 3600 : (0.1 + next() * 0.8) / 3600;
  const ra = next() * 360;
  const dec = Math.asin(next() * 2 - 1) * 180 / Math.PI;
  const path = large
    ? `tess/s${String(i % 70).padStart(4, "0")}/cube_${String(i).padStart(7, "0")}.fits`
    : `images/${String(i % 1000).padStart(3, "0")}/image_${String(i).padStart(7, "0")}.fits`;
  return syntheticFootprint(path, ra, dec, side, scale);
}

interface Target {
  kind: string;
  path: string;
  ra: number;
  dec: number;
}

if (values.build) {
  // The child: file the footprints as they are made, write the catalog, print the targets.
  const path = values.build;
  const storage = fileStorage();
  const spools = () => storage.spool!(path);
  const sky = new SkySink({ spool: spools });
  const writer = new IndexWriter({ spool: await spools(), spools, sinks: [sky] });
  const targets: Target[] = [];
  let peakHeap = 0;
  const started = performance.now();
  for (let i = 0; i < total; i++) {
    const made = footprint(i);
    const kind = i % 100 === 0 ? "large" : "small";
    if (targets.filter((t) => t.kind === kind).length < positions / 3) {
      targets.push({ kind, path: made.path, ra: made.ra, dec: made.dec });
    }
    await sky.footprints([made]);
    if (i % 50_000 === 0) peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  }
  await storage.writeFileAtomic(path, (await writer.finish()).chunks(), { overwrite: true });
  peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  await writer.close();
  const seconds = (performance.now() - started) / 1000;
  console.log(JSON.stringify({ targets, seconds, peakHeap, spilledRuns: sky.spilledRuns }));
  process.exit(0);
}

rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const catalogPath = join(dir, "catalog.cfidx");
const build = runMeasured(
  [
    process.execPath,
    "run",
    "-A",
    import.meta.filename!,
    "--footprints",
    String(total),
    "--positions",
    String(positions),
    "--build",
    catalogPath,
  ],
  "building the catalog",
);
const built = JSON.parse(build.stdout) as {
  targets: Target[];
  seconds: number;
  peakHeap: number;
  spilledRuns: number;
};

/** Bytes of the catalog file, read where they lie. */
function readCatalog(offset: number, length: number): Uint8Array {
  const fd = openSync(catalogPath, "r");
  try {
    const bytes = new Uint8Array(length);
    readSync(fd, bytes, 0, length, offset);
    return bytes;
  } finally {
    closeSync(fd);
  }
}
const catalogBytes = statSync(catalogPath).size;
const head = readCatalog(0, 16384);
const places = skyPlaces(head, "catalog")!;
const root = parseSkyRoot(readCatalog(places.root.offset, places.root.length), "catalog");
const view = new DataView(head.buffer, head.byteOffset);
const sections = Array.from({ length: view.getUint32(20, true) }, (_, i) => {
  const base = FIXED_HEADER_SIZE + i * SECTION_ENTRY_SIZE;
  return { type: view.getUint16(base, true), length: Number(view.getBigUint64(base + 16, true)) };
});
const skyBytes = sections
  .filter((s) => s.type === SectionType.SKY || s.type === SectionType.SKY_CELLS)
  .reduce((sum, s) => sum + s.length, 0);

// Random positions where the footprints' stream (the child's) ends: the places earlier runs looked up.
const nextRandom = seededRandom(16);
for (let i = 0; i < total; i++) {
  if (i % 100 !== 0) nextRandom(); // a small image's scale
  nextRandom();
  nextRandom();
}
const server = await startRangeServer({ root: dir, latencyMs: 0 });
const lookups = [];
try {
  const targets = [
    ...built.targets.filter((target) => target.kind === "large"),
    ...built.targets.filter((target) => target.kind === "small"),
    ...Array.from({ length: positions / 3 }, () => ({
      kind: "random",
      path: "",
      ra: nextRandom() * 360,
      dec: Math.asin(nextRandom() * 2 - 1) * 180 / Math.PI,
    })),
  ];
  for (const [n, target] of targets.entries()) {
    const client = `find-${n}`;
    const source = httpSource(server.urlFor(client, "catalog.cfidx"));
    const sizes: number[] = [];
    const counted = wrapSource(source, async (offset, length, options) => {
      const bytes = await source.read(offset, length, options);
      sizes.push(bytes.length);
      return bytes;
    });
    const matches = await findPosition(counted, { ra: target.ra, dec: target.dec });
    if (target.path && !matches.some((m) => m.path === target.path)) {
      throw new Error(`find missed ${target.path} at its own centre`);
    }
    const traffic = server.traffic(client);
    lookups.push({
      kind: target.kind,
      ra: Math.round(target.ra * 1e4) / 1e4,
      dec: Math.round(target.dec * 1e4) / 1e4,
      matches: matches.length,
      requests: traffic.requests,
      bytes: traffic.bytes,
      largestRequest: Math.max(...sizes),
    });
  }
} finally {
  await server.close();
}

const result = {
  footprints: total,
  large: Math.ceil(total / 100),
  catalogBytes,
  skyBytes,
  skyBytesPerFootprint: Math.round(skyBytes / total),
  orders: root.orders,
  blockOrder: root.blockOrder,
  blocks: root.children.length,
  buildSeconds: Math.round(built.seconds * 10) / 10,
  buildPeakRssMb: build.peakRssMb,
  buildPeakHeapMb: Math.round(built.peakHeap / 1e5) / 10,
  spilledRuns: built.spilledRuns,
  loadAverage: loadavg().map((load) => Math.round(load * 100) / 100),
  maxRequests: Math.max(...lookups.map((l) => l.requests)),
  maxRequestBytes: Math.max(...lookups.map((l) => l.largestRequest)),
  maxLookupBytes: Math.max(...lookups.map((l) => l.bytes)),
  lookups,
};
const out = join(import.meta.dirname!, "results", "find_scale.json");
writeFileSync(out, JSON.stringify(result, null, 2) + "\n");
console.log(JSON.stringify({ ...result, lookups: undefined }, null, 2));
console.table(lookups);
rmSync(dir, { recursive: true, force: true });
