import { after, test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { openFits } from "../../src/open.ts";
import { DEFAULT_REQUESTS_PER_HOST, RequestPool } from "../../src/source/request_pool.ts";
import { startRangeServer } from "../_support/range_server.ts";

const cube = await readFile("testdata/tess_cube.fits");
/** The fixture cube's cadences (NAXIS2 of HDU 1: flux/error, cadences, columns, rows). */
const CADENCES = 8;
const server = await startRangeServer({ files: { "cube.fits": cube } });
after(() => server.close());

/** Open the cube and cut a 3 × 3 × 1 × 1 light curve out of it, as a user would. */
async function lightCurve(url: string, requestPool?: RequestPool): Promise<number> {
  // A first read of one block: the cube's data is then not in it, and the section is a request of its own.
  await using fits = await openFits(url, { requestPool, readAhead: 2880 });
  const flux = await fits.hdu(1).section([[1, 4], [1, 4], null, 0]);
  return flux.data.length;
}

test("100 parallel cutouts share one limit per host and reuse connections", async () => {
  server.log.length = 0;
  const before = { ...server.traffic };
  const pool = new RequestPool();
  const lengths = await Promise.all(
    Array.from({ length: 100 }, () => lightCurve(`${server.url}/cube.fits`, pool)),
  );
  assert.deepEqual(new Set(lengths), new Set([CADENCES * 3 * 3]));
  const requests = server.log.length;
  const connections = server.traffic.connections - before.connections;
  assert.ok(requests >= 200, `each cutout sends at least two requests (${requests})`);
  assert.equal(pool.peak, DEFAULT_REQUESTS_PER_HOST, "the pool filled up, and no further");
  assert.ok(
    server.traffic.peakInFlight <= DEFAULT_REQUESTS_PER_HOST,
    `${server.traffic.peakInFlight} in flight`,
  );
  assert.ok(connections <= 64, `${requests} requests on ${connections} TCP connections`);
});

test("a smaller limit holds for every source that shares the pool", async () => {
  const pool = new RequestPool({ perHost: 3 });
  const lengths = await Promise.all(
    Array.from({ length: 10 }, () => lightCurve(`${server.url}/cube.fits`, pool)),
  );
  assert.equal(lengths.length, 10);
  assert.equal(pool.peak, 3);
  assert.equal(pool.inFlight(new URL(server.url).host), 0, "every slot is given back");
});
