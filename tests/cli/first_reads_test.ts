/**
 * The command line's first reads, sent before the command's code loads (cli/first_reads.ts,
 * src/source/range_get.ts): the command takes them in flight, so a run sends exactly the requests it
 * sends without them; what it does not take is cancelled, and an early answer is checked like any other.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { runCli } from "../_support/cli_io.ts";
import { runChild } from "../_support/child.ts";
import { BUN } from "../_support/child.ts";
import { testdataFile } from "../_support/fixtures.ts";
import { type RequestLogEntry, startRangeServer } from "../_support/range_server.ts";
import { startFirstReads } from "../../cli/first_reads.ts";
import { dropEarlyReads } from "../../src/source/range_get.ts";
import { EXPECTED } from "../sky/_expected.ts";

const server = await startRangeServer({ files: { "cube.fits": testdataFile("tess_cube.fits") } });
after(() => server.close());
const CUBE = `${server.url}/cube.fits`;
const box = EXPECTED.tess_cube.cases[0];

const COMMANDS: Record<string, string[]> = {
  cutout: ["cutout", `${CUBE}[1][1:1,*,1:5,1:5]`, "--json", "-o", "-"],
  header: ["header", `${CUBE}[2]`],
  ls: ["ls", "--json", CUBE],
  table: ["table", `${CUBE}[2][col TSTART;TSTOP]`, "--rows", "1:3", "--format", "csv", "-o", "-"],
  plan: ["plan", `${CUBE}[1][1:1,*,1:5,1:5]`],
  lightcurve: ["lightcurve", CUBE, "--ra", String(box.ra), "--dec", String(box.dec), "-o", "-"],
};

const requestsOf = (log: readonly RequestLogEntry[]) => log.map((r) => `${r.method} ${r.range}`).sort();

/** Resolve once the server has seen `count` requests. */
async function seen(count: number): Promise<void> {
  while (server.log.length < count) await new Promise((resolve) => setTimeout(resolve, 1));
}

for (const [command, args] of Object.entries(COMMANDS)) {
  test(`${command}: the first reads go out before the command runs, and it takes them`, async () => {
    server.log.length = 0;
    const plain = await runCli(args);
    assert.equal(plain.code, 0, plain.stderr);
    const wanted = requestsOf(server.log);
    const first = command === "lightcurve" ? 2 : 1;

    server.log.length = 0;
    startFirstReads(args);
    // The requests are on the server before a line of the command has run.
    await seen(first);
    assert.deepEqual(
      server.log.map((r) => r.range).sort(),
      command === "lightcurve" ? ["bytes=-2097152", "bytes=0-65535"] : ["bytes=0-65535"],
    );
    const early = await runCli(args);
    dropEarlyReads();
    assert.equal(early.code, 0, early.stderr);
    assert.equal(early.stdout, plain.stdout);
    // Taken, not sent again: the same requests as without them.
    assert.deepEqual(requestsOf(server.log), wanted);
  });
}

test("a first read the command does not make is cancelled: cut off, nothing else", async () => {
  // A slow server: the usage error comes long before its answer would.
  const slow = await startRangeServer({
    files: { "cube.fits": testdataFile("tess_cube.fits") },
    latency: 2000,
  });
  try {
    const args = ["cutout", `${slow.url}/cube.fits[1][1:1,*,1:5,1:5]`, "--json", "-o", "-", "--no-such-flag"];
    startFirstReads(args);
    while (slow.log.length === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    const run = await runCli(args);
    dropEarlyReads();
    assert.equal(run.code, 2);
    assert.match(run.stderr, /Unknown option --no-such-flag/);
    await slow.idle();
    // The one request, cut off by the client before the server answered.
    assert.deepEqual(slow.log.map((r) => [r.range, r.cutShort]), [["bytes=0-65535", true]]);
  } finally {
    await slow.close();
  }
});

test("an early answer is checked like any other: a 500 is retried, a wrong Content-Range refused", async () => {
  server.log.length = 0;
  server.setFault({ kind: "status", status: 500, times: 1 }, "/cube.fits");
  startFirstReads(COMMANDS.header);
  const retried = await runCli(COMMANDS.header);
  dropEarlyReads();
  assert.equal(retried.code, 0, retried.stderr);
  assert.deepEqual(server.log.slice(0, 2).map((r) => [r.range, r.status]), [
    ["bytes=0-65535", 500],
    ["bytes=0-65535", 206],
  ]);

  server.setFault({ kind: "wrong-content-range", times: 1 }, "/cube.fits");
  const plain = await runCli([...COMMANDS.header, "--verbose"]);
  server.log.length = 0;
  server.setFault({ kind: "wrong-content-range", times: 1 }, "/cube.fits");
  startFirstReads(COMMANDS.header);
  const refused = await runCli([...COMMANDS.header, "--verbose"]);
  dropEarlyReads();
  server.setFault(null, "/cube.fits");
  assert.match(refused.stderr, /answered with Content-Range 'bytes 1-43200\/43200'/);
  assert.equal(refused.code, plain.code);
  // --verbose reports the early request as the one the source made, as it reports a plain one.
  assert.equal(refused.stderr.replace(/ \d+ ms\n/, ""), plain.stderr.replace(/ \d+ ms\n/, ""));
  assert.equal(server.log.length, 1);
});

test("cli.ts run as a program sends exactly the requests of an in-process run", async () => {
  server.log.length = 0;
  const plain = await runCli(COMMANDS.cutout);
  const wanted = requestsOf(server.log);
  server.log.length = 0;
  const run = await runChild([BUN, "cli.ts", ...COMMANDS.cutout], {
    env: { AWS_EC2_METADATA_DISABLED: "true" },
  });
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, plain.stdout);
  assert.deepEqual(requestsOf(server.log), wanted);
});
