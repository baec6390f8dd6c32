// A long run through the reader with 10% of requests failing at random (HTTP 500, 503, 429, resets,
// truncated bodies): every one of 1,000 cutouts and 200 table reads must come back exact, with
// bounded retries, and the server's log must account for every request.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { openFits } from "../../src/open.ts";
import { walkHdus } from "../../src/read/walk.ts";
import { rowsToJson } from "../../src/table_json.ts";
import type { SectionEntry, SectionSpec } from "../../src/plan/image_section.ts";
import { memorySource } from "../../src/source/memory.ts";
import { type RangeServer, seededRandom, startRangeServer } from "../_support/range_server.ts";
import {
  assertNoSecrets,
  cubeShape,
  expectedCubeSection,
  fixture,
  pool,
  remote,
  sectionValues,
} from "./_remote.ts";

const FAULT_PROBABILITY = 0.1;
const RETRIES = 6;
const CONCURRENCY = 8;

const cube = fixture("tess_cube.fits");
const table = fixture("table_all.fits");
const server = await startRangeServer({ files: { "tess_cube.fits": cube, "table_all.fits": table } });
after(() => server.close());

/** A random numpy-order section of the cube: per axis an index, a slice (maybe strided) or the whole axis. */
function randomSpec(random: () => number): SectionSpec {
  const pick = (n: number) => Math.floor(random() * n);
  return cubeShape.map((length): SectionEntry => {
    const choice = pick(4);
    if (choice === 0) return null;
    if (choice === 1) return pick(length);
    const start = pick(length);
    const stop = start + 1 + pick(length - start);
    return choice === 2 ? [start, stop] : [start, stop, 1 + pick(3)];
  });
}

/** Faulted and clean requests in the log, and the client's retries. */
function tally(log: RangeServer["log"]) {
  const faulted = log.filter((e) => e.fault !== undefined);
  return {
    total: log.length,
    faulted: faulted.length,
    clean: log.length - faulted.length,
    resets: faulted.filter((e) => e.fault === "reset").length,
    // Statuses for answered faults, the fault's name for broken bodies.
    kinds: new Set(
      faulted.map((e) => e.fault === "status" || e.fault === "throttle" ? String(e.status) : e.fault),
    ),
  };
}

/**
 * Bounds every faulted run must meet: clean requests are exactly what the same run costs without
 * faults, and each faulted request costs one retry, except that Bun's fetch may re-send a GET whose
 * reused keep-alive connection reset by itself, which costs a request but no retry.
 */
function assertAccounted(
  faulted: ReturnType<typeof tally>,
  faultFreeRequests: number,
  retries: { attempt: number }[],
): void {
  assert.equal(faulted.clean, faultFreeRequests, "every clean response was used once");
  const rate = faulted.faulted / faulted.total;
  assert.ok(rate > FAULT_PROBABILITY / 2 && rate < FAULT_PROBABILITY * 2, `fault rate ${rate}`);
  assert.ok(retries.length <= faulted.faulted, `${retries.length} retries for ${faulted.faulted} faults`);
  assert.ok(
    retries.length >= faulted.faulted - faulted.resets,
    `${retries.length} retries for ${faulted.faulted} faults`,
  );
  assert.ok(retries.every((r) => r.attempt <= RETRIES), "retries stay bounded");
  assert.deepEqual([...faulted.kinds].sort(), ["429", "500", "503", "reset", "truncate"]);
}

test("1,000 cutouts with 10% random faults: all exact, retries bounded and accounted for", {
  timeout: 60_000,
}, async () => {
  const specs = Array.from({ length: 1000 }, ((random) => () => randomSpec(random))(seededRandom(7)));
  const run = async () => {
    const target = remote(server.url, "tess_cube.fits", { retry: { retries: RETRIES } });
    // HDUs walked beforehand, as from an index: every read reaches the faulty server.
    const fits = await openFits(target.source, { hdus: (await walkHdus(target.source)).hdus });
    const image = fits.hdu(1);
    const sections = await pool(specs.length, CONCURRENCY, (i) => image.section(specs[i]));
    return { target, sections };
  };

  server.log.length = 0;
  const clean = await run();
  const faultFreeRequests = server.log.length;
  assert.ok(faultFreeRequests >= specs.length, "each cutout costs at least one request");

  server.log.length = 0;
  server.setFault({ kind: "random", probability: FAULT_PROBABILITY, seed: 2024 });
  try {
    const { target, sections } = await run();
    let checked = 0;
    sections.forEach((section, i) => {
      const expected = expectedCubeSection(specs[i]);
      assert.deepEqual(section.shape, expected.shape, `cutout ${i} ${JSON.stringify(specs[i])}`);
      assert.deepEqual(sectionValues(section), expected.data, `cutout ${i} ${JSON.stringify(specs[i])}`);
      assert.deepEqual(sectionValues(section), sectionValues(clean.sections[i]));
      checked++;
    });
    assert.equal(checked, 1000);
    assertAccounted(tally(server.log), faultFreeRequests, target.retries);
    assert.ok(target.events.length <= faultFreeRequests * 1.5, `${target.events.length} requests`);
    assertNoSecrets(target.events, "request events");
    assertNoSecrets(target.retries, "retry events");
  } finally {
    server.setFault(null);
  }
});

test("200 table reads with 10% random faults: all exact, retries bounded and accounted for", {
  timeout: 60_000,
}, async () => {
  const local = await openFits(memorySource(table));
  const rowCount = local.hdus[1].axes[1];
  const columnNames = Object.keys((await local.hdu(1).rows(0, 1)).columns);
  const random = seededRandom(11);
  const reads = Array.from({ length: 200 }, () => {
    const start = Math.floor(random() * rowCount);
    const stop = start + 1 + Math.floor(random() * (rowCount - start));
    const columns = columnNames.filter(() => random() < 0.5);
    return { start, stop, columns: columns.length > 0 ? columns : undefined };
  });
  const expected = await Promise.all(reads.map((r) => local.hdu(1).rows(r.start, r.stop, r)));

  const run = async () => {
    const target = remote(server.url, "table_all.fits", { retry: { retries: RETRIES } });
    // HDUs walked beforehand, as from an index: every read reaches the faulty server.
    const fits = await openFits(target.source, { hdus: (await walkHdus(target.source)).hdus });
    const rows = await pool(
      reads.length,
      CONCURRENCY,
      (i) => fits.hdu(1).rows(reads[i].start, reads[i].stop, reads[i]),
    );
    return { target, rows };
  };
  server.log.length = 0;
  await run();
  const faultFreeRequests = server.log.length;

  server.log.length = 0;
  server.setFault({ kind: "random", probability: FAULT_PROBABILITY, seed: 99 });
  try {
    const { target, rows } = await run();
    rows.forEach((got, i) => assert.deepEqual(rowsToJson(got), rowsToJson(expected[i]), `read ${i}`));
    assertAccounted(tally(server.log), faultFreeRequests, target.retries);
  } finally {
    server.setFault(null);
  }
});
