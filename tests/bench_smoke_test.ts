// A short run of the benchmark harness at tiny sizes, so that it does not rot. No speed assertions:
// it checks that every scenario runs, reads the right values and sends sane traffic.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultOptions, fitsSection, runBench } from "../bench/run.ts";
import { type ClientTraffic, startRangeServer } from "../bench/server.ts";
import { median, renderMarkdown } from "../bench/report.ts";
import { throughputTargets } from "../bench/targets.ts";

const PYTHON = "/usr/bin/python3";
const hasAstropy = spawnSync(PYTHON, ["-c", "import astropy, numpy"]).status === 0;

test("the bench server serves ranges and counts traffic per client, up to the cold mark", async (t) => {
  const root = mkdtempSync(join(tmpdir(), "cloudfits-bench-server-"));
  const bytes = Uint8Array.from({ length: 10_000 }, (_, i) => i % 251);
  writeFileSync(join(root, "data.bin"), bytes);
  const server = await startRangeServer({ root, latencyMs: 0 });
  t.after(async () => {
    await server.close();
    rmSync(root, { recursive: true, force: true });
  });

  const ranged = await fetch(server.urlFor("a", "data.bin"), { headers: { Range: "bytes=100-199" } });
  assert.equal(ranged.status, 206);
  assert.equal(ranged.headers.get("content-range"), "bytes 100-199/10000");
  assert.deepEqual(new Uint8Array(await ranged.arrayBuffer()), bytes.slice(100, 200));

  const mark = await fetch(`${server.url}/a/.cold-done`);
  await mark.body?.cancel();
  const head = await fetch(server.urlFor("a", "data.bin"), { method: "HEAD" });
  await head.body?.cancel();
  const whole = await fetch(server.urlFor("b", "data.bin"));
  assert.equal(whole.status, 200);
  assert.equal((await whole.arrayBuffer()).byteLength, 10_000);
  const missing = await fetch(server.urlFor("b", "nope.bin"));
  assert.equal(missing.status, 404);
  await missing.body?.cancel();
  const beyond = await fetch(server.urlFor("b", "data.bin"), { headers: { Range: "bytes=20000-" } });
  assert.equal(beyond.status, 416);
  await beyond.body?.cancel();

  const counts = ({ requests, gets, heads, bytes, ranged, roundTrips }: ClientTraffic) => ({
    requests,
    gets,
    heads,
    bytes,
    ranged,
    roundTrips,
  });
  assert.deepEqual(counts(server.coldTraffic("a")), {
    requests: 1,
    gets: 1,
    heads: 0,
    bytes: 100,
    ranged: 1,
    roundTrips: 1,
  });
  // Each request here waits for the one before: every one is a round trip.
  assert.deepEqual(counts(server.traffic("a")), {
    requests: 2,
    gets: 1,
    heads: 1,
    bytes: 100,
    ranged: 1,
    roundTrips: 2,
  });
  assert.deepEqual(counts(server.traffic("b")), {
    requests: 3,
    gets: 3,
    heads: 0,
    bytes: 10_000,
    ranged: 1,
    roundTrips: 3,
  });
  assert.deepEqual(server.coldTraffic("b"), server.traffic("b"));
  assert.equal(server.traffic("b").maxInFlight, 1);

  // Requests in flight together are one round trip; a connection is counted for the client that opened it.
  await Promise.all(
    [0, 1, 2].map(async () => (await fetch(server.urlFor("c", "data.bin"))).arrayBuffer()),
  );
  const together = server.traffic("c");
  assert.equal(together.requests, 3);
  assert.equal(together.roundTrips, 1);
  assert.equal(together.maxInFlight, 3);
  assert.ok(together.connections >= 1 && together.connections <= 3);
});

test("numpy selections become 1-based inclusive FITS sections, and medians ignore gaps", () => {
  assert.equal(fitsSection([[1000, 1005], [1010, 1015], null, null]), "*,*,1011:1015,1001:1005");
  assert.equal(fitsSection([[5, 15], [6, 16], 619, 0]), "1:1,620:620,7:16,6:15");
  assert.equal(median([3, null, 1, 2]), 2);
  assert.equal(median([4, 1]), 2.5);
  assert.equal(median([null]), null);
});

const smokeOptions = { skip: !hasAstropy && "needs Debian python3-astropy", timeout: 300_000 };

test("the benchmark runs every scenario at tiny sizes", smokeOptions, async (t) => {
  const out = mkdtempSync(join(tmpdir(), "cloudfits-bench-smoke-"));
  t.after(() => rmSync(out, { recursive: true, force: true }));
  const options = { ...defaultOptions("smoke"), resultsDir: out, log: () => {} };
  const report = await runBench(options);

  const ours = report.rows.filter((row) => row.tool === "cloudfits");
  // 4a/4b only run when bench/throughput.ts (the decode and output benchmark) is missing.
  const decode = report.throughput ? [] : ["4a", "4b"];
  assert.deepEqual(
    ours.map((row) => row.id),
    ["L1", "L100", "I1", "5", "1a", "1b", "1c", "1d", "2a", "2b", "3a", "3b", ...decode, "6"],
  );
  for (const row of ours.filter((r) => r.id !== "6")) {
    assert.equal(row.valuesOk, true, `${row.id} ${row.scenario}: ${row.note ?? "wrong values"}`);
    assert.ok(row.coldMs !== null && row.coldMs > 0, `${row.id} has a time`);
  }
  for (const row of ours.filter((r) => r.needed !== null)) {
    assert.ok(row.requests !== null && row.requests >= 1, `${row.id} sent requests`);
    assert.ok(row.bytes !== null && row.bytes >= row.needed!, `${row.id} read at least the bytes it needs`);
  }
  // Opening walks the headers; a cutout then needs one request per run of rows (all close at this size).
  const cutout = ours.find((r) => r.id === "1a")!;
  assert.equal(cutout.floorMs, 2 * options.latencyMs, "two round trips at the floor");
  assert.ok(cutout.roundTrips! >= 1 && cutout.roundTrips! <= cutout.requests!);
  assert.ok(cutout.openRequests !== null && cutout.openRequests >= 1);
  assert.ok(cutout.requests! - cutout.openRequests! >= 1 && cutout.requests! - cutout.openRequests! <= 5);
  // 12 small files: the walk reads each one once (each file is smaller than the first read).
  assert.equal(ours.find((r) => r.id === "2b")!.requests, 12);

  // The CLI (run as a script in smoke runs) reads the same values through its own argument syntax.
  const cli = report.rows.filter((row) => row.tool === "cloudfits binary");
  assert.deepEqual(cli.map((row) => row.id), [
    "L1",
    "L100",
    "I1",
    "5",
    "1a",
    "1b",
    "1c",
    "1d",
    "2a",
    "2b",
    "3a",
  ]);
  for (const row of cli.filter((r) => r.id !== "L1")) {
    assert.equal(row.valuesOk, true, `CLI ${row.id}: ${row.note ?? "wrong values"}`);
  }
  // The CLI's light curve is a PNG: checked to be one, no values to compare.
  assert.equal(cli[0].valuesOk, null);
  assert.equal(cli[0].note, undefined);
  // Through the bench's index (built by the indexer, with the cube's frame summary), the light curve and
  // the image cutout are one round trip, library and CLI alike, and no header or frame table is fetched:
  // every request reads pixels (the box's rows, merged where they lie close at this size).
  const indexed = report.rows.filter((row) => row.tool.endsWith("with index"));
  for (const id of ["L1", "I1"]) {
    const library = indexed.find((r) => r.id === id && r.tool === "cloudfits with index")!;
    const cli = indexed.find((r) => r.id === id && r.tool === "cloudfits binary with index")!;
    for (const row of [library, cli]) {
      assert.equal(row.valuesOk, true, `${row.tool} ${id}: ${row.note ?? "wrong values"}`);
      assert.equal(row.roundTrips, 1, `${row.tool} ${id}: one round trip`);
    }
    assert.deepEqual([cli.requests, cli.bytes], [library.requests, library.bytes], `${id}: CLI = library`);
    const cold = ours.find((r) => r.id === id)!;
    assert.ok(library.needed! < cold.needed!, `${id}: with an index the data alone is needed`);
  }
  const curve = indexed.find((r) => r.id === "L1" && r.tool === "cloudfits with index")!;
  const coldCurve = ours.find((r) => r.id === "L1")!;
  assert.equal(curve.openRequests, 0);
  assert.ok(curve.bytes! >= curve.needed! && curve.bytes! < coldCurve.bytes!, "no frame table read");
  // The library under Bun sends what it sends under Deno.
  const bun = report.rows.filter((row) => row.tool === "cloudfits Bun");
  if (options.bun) {
    const remote = ours.filter((row) => row.requests !== null);
    assert.deepEqual(bun.map((row) => [row.id, row.requests]), remote.map((row) => [row.id, row.requests]));
    for (const row of bun) assert.equal(row.valuesOk, true, `Bun ${row.id}: ${row.note ?? "wrong values"}`);
  }
  // The CLI sends no more requests than the library: its light curves read the frame table with the
  // cube's header (tailRead), so they may send fewer.
  for (const row of cli) {
    const library = ours.find((r) => r.id === row.id)!;
    assert.ok(row.requests! <= library.requests!, `CLI ${row.id}: ${row.requests} > ${library.requests}`);
    if (!row.id.startsWith("L")) assert.equal(row.requests, library.requests, `CLI ${row.id}`);
  }

  const peers = report.rows.filter((row) => row.tool === "astropy" && row.id !== "6");
  if (spawnSync(PYTHON, ["-c", "import astropy, fsspec, aiohttp"]).status === 0) {
    // Every scenario but start-up (its own rows) and L100 (astropy with 64 KiB blocks only, not in smoke runs).
    assert.deepEqual(
      peers.map((row) => row.id),
      ours.map((row) => row.id).filter((id) => id !== "6" && id !== "L100"),
    );
    for (const row of peers) {
      assert.equal(row.valuesOk, true, `astropy ${row.id}: ${row.note ?? "wrong values"}`);
    }
  }

  assert.ok(report.targets.length >= 10);
  // bench/throughput.ts's targets are folded into the target table, each measured.
  assert.ok(report.throughput, "bench/throughput.ts ran");
  const folded = throughputTargets(report.throughput);
  assert.equal(folded.length, 14);
  for (const target of folded) {
    const line = report.targets.find((t) => t.target === target.target);
    assert.ok(line, `${target.target} is in the target table`);
    assert.ok(line.met !== null && !line.measured.startsWith("not measured"), `${target.target} measured`);
  }
  // Issue 13's light-curve targets are checked on the path it sets them for: through an index.
  const lightCurveTargets = report.targets.filter((t) => t.target.startsWith("#13 `cloudfits lightcurve`"));
  assert.equal(lightCurveTargets.length, 2);
  for (const t of lightCurveTargets) assert.match(t.target, /with an index/);
  assert.equal(lightCurveTargets[0].met, true, lightCurveTargets[0].measured);
  const markdown = readFileSync(join(out, "latest.md"), "utf8");
  assert.equal(markdown, renderMarkdown(report));
  assert.match(markdown, /\| 1a \| TESS cube cutout 5×5 px × all frames \(pixel indices\) \| cloudfits \|/);
  assert.match(markdown, /\| #16\.3 FITS output ≥ 1 GB\/s to a file[^|]*\| \d/);
  assert.match(markdown, /\| decode float32, section\(\) as a whole from memory/);
  assert.deepEqual(
    JSON.parse(readFileSync(join(out, "latest.json"), "utf8")),
    JSON.parse(JSON.stringify(report)),
  );
});
