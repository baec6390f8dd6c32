/**
 * Remote indexing reads headers only, walking HDU to HDU with range requests. Asserted on the traffic a
 * real loopback server sees: the TESS-like fixture, a full-size (40.77 GB) synthetic TESS cube whose
 * bytes are generated from offsets, multi-extension files over HTTP, and S3 prefixes (anonymous and
 * signed) through the SigV4-verifying proxy.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { copyFile, mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { paddedSize } from "../src/fits/layout.ts";
import { buildHeader, formatCard } from "../src/fits/write.ts";
import { openIndex } from "../src/open_index.ts";
import { memorySource } from "../src/source/memory.ts";
import { expected, runCli } from "./_support/cli_io.ts";
import { binTableCards } from "./_support/fixtures.ts";
import { startRangeServer } from "./_support/range_server.ts";
import { type S3LogEntry, startS3Server } from "./_support/s3_server.ts";

const TESTDATA = new URL("../testdata/", import.meta.url);
const READ_AHEAD = 65536;
const HEADER_READ = 8 * 2880;

const scratch = await mkdtemp(join(tmpdir(), "cloudfits-remote-index-"));
after(() => rm(scratch, { recursive: true, force: true }));

/** Open a local index, read whole into memory so that nothing is left to close. */
function openLocalIndex(path: string, options = {}) {
  return openIndex(path, { ...options, openFile: async (file) => memorySource(await readFile(file), file) });
}

async function indexJson(args: string[], env?: Record<string, string>) {
  const run = await runCli(["index", ...args, "--json"], env);
  assert.ok(run.stdout.startsWith("{"), `exit ${run.code}: ${run.stdout}${run.stderr}`);
  return { ...run, summary: JSON.parse(run.stdout) };
}

/**
 * The reads walking a file should cost, from astropy's header and data offsets: one read-ahead at 0
 * (clamped to the size when a listing gave it); for each later header the bytes read so far do not
 * hold, a read of 8 blocks at its offset — or, when it starts inside them, from where they end —
 * then reads of doubling size from there until its END.
 */
function expectedRanges(
  size: number,
  hdus: { hdrLoc: number; datLoc: number }[],
  sizeListed: boolean,
): string[] {
  const ranges = [`bytes=0-${(sizeListed ? Math.min(READ_AHEAD, size) : READ_AHEAD) - 1}`];
  let windowEnd = Math.min(READ_AHEAD, size);
  const read = (offset: number, length: number) => {
    const end = Math.min(offset + length, size);
    ranges.push(`bytes=${offset}-${end - 1}`);
    windowEnd = end;
  };
  for (const { hdrLoc, datLoc } of hdus.slice(1)) {
    if (datLoc <= windowEnd) continue;
    if (hdrLoc + 8 > windowEnd) read(hdrLoc, HEADER_READ);
    for (let step = HEADER_READ; windowEnd < datLoc; step *= 2) read(windowEnd, step);
  }
  return ranges;
}

const rangeServer = await startRangeServer({ root: fileURLToPath(TESTDATA) });
after(() => rangeServer.close());

test("indexing the TESS-like cube over HTTP: one read-ahead holds all three headers", async () => {
  const want = expected("tess_cube");
  const output = join(scratch, "tess_cube.cfidx");
  rangeServer.log.length = 0;
  const run = await indexJson([`${rangeServer.url}/tess_cube.fits`, "-o", output]);
  assert.equal(run.code, 0, run.stderr);
  const log = rangeServer.log.map((e) => [e.method, e.path, e.range, e.status, e.bytes]);
  assert.deepEqual(log, [["GET", "/tess_cube.fits", "bytes=0-65535", 206, want.size]]);
  assert.deepEqual(
    [run.summary.indexed, run.summary.files, run.summary.hdus, run.summary.requests, run.summary.bytes],
    [1, 1, 3, 1, want.size],
  );
  const index = await openLocalIndex(output);
  assert.equal(index.index.dataUrl, rangeServer.url);
  const file = await index.file("tess_cube.fits");
  assert.equal(file.size, want.size);
  assert.deepEqual(
    file.hdus.map((h) => [h.headerOffset, h.dataOffset]),
    want.hdus.map((h) => [h.hdrLoc, h.datLoc]),
  );

  // Incremental over HTTP: without a listing, the object is read again (one request), not trusted blindly.
  rangeServer.log.length = 0;
  const again = await indexJson([`${rangeServer.url}/tess_cube.fits`, "-o", output]);
  assert.equal(again.code, 0, again.stderr);
  assert.ok(rangeServer.log.length <= 1, JSON.stringify(rangeServer.log.map((e) => e.range)));
});

test("multi-extension files over HTTP: a read-ahead, then reads that follow the headers, never the data", async () => {
  const output = join(scratch, "mef.cfidx");
  const names = ["dup_extnames", "mef_images"];
  rangeServer.log.length = 0;
  const run = await indexJson([...names.map((n) => `${rangeServer.url}/${n}.fits`), "-o", output]);
  assert.equal(run.code, 0, run.stderr);
  let requests = 0;
  let bytes = 0;
  for (const name of names) {
    const want = expected(name);
    const seen = rangeServer.log.filter((e) => e.path === `/${name}.fits`);
    assert.ok(seen.every((e) => e.method === "GET" && e.status === 206), name);
    const ranges = expectedRanges(want.size, want.hdus, false);
    assert.deepEqual(seen.map((e) => e.range), ranges, name);
    // Every later read starts inside a header, never inside data.
    for (const e of seen.slice(1)) {
      const start = Number(/^bytes=(\d+)-/.exec(e.range ?? "")![1]);
      assert.ok(
        want.hdus.some((h) => h.hdrLoc <= start && start < h.datLoc),
        `${name}: read at ${start} is not in a header`,
      );
    }
    requests += seen.length;
    bytes += seen.reduce((n, e) => n + e.bytes, 0);
    const file = await (await openLocalIndex(output)).file(`${name}.fits`);
    assert.deepEqual(
      file.hdus.map((h) => [h.headerOffset, h.dataOffset, paddedSize(h.dataSize)]),
      want.hdus.map((h) => [h.hdrLoc, h.datLoc, h.datSpan]),
      name,
    );
  }
  assert.equal(rangeServer.log.length, requests);
  assert.ok(requests > names.length, "mef_images needs reads beyond its read-ahead");
  assert.deepEqual([run.summary.requests, run.summary.bytes], [requests, bytes]);
});

// ---------------------------------------------------------------------------------------------------
// A full-size TESS cube (sector 26, camera 4, CCD 1: F = 1148 frames, 40,765,717,440 B), generated.

/** Header bytes: the cards, COMMENT filler up to `blocks` blocks, END, padding. */
function header(cards: string[], blocks: number): Uint8Array {
  const all = [...cards];
  while (all.length < blocks * 36 - 1) all.push(formatCard("COMMENT", `filler card ${all.length}`));
  const bytes = buildHeader(all);
  assert.equal(bytes.length, blocks * 2880);
  return bytes;
}

const FRAMES = 1148;
const CUBE_SIZE = 40_765_717_440;
const IMAGE_BYTES = 2 * FRAMES * 2136 * 2078 * 4;
const TABLE_HEADER_OFFSET = 5760 + paddedSize(IMAGE_BYTES);
const ROW_BYTES = 1297;
const tableColumns = Array.from(
  { length: 100 },
  (_, i): [string, string] => i < 99 ? [`KEY${i + 1}`, "D"] : ["FFI_FILE", `${ROW_BYTES - 99 * 8}A`],
);
const CUBE_HEADERS: { offset: number; bytes: Uint8Array }[] = [
  {
    offset: 0,
    bytes: header([
      formatCard("SIMPLE", true),
      formatCard("BITPIX", 8),
      formatCard("NAXIS", 0),
      formatCard("EXTEND", true),
      formatCard("SECTOR", 26),
      formatCard("CAMERA", 4),
      formatCard("CCD", 1),
    ], 1),
  },
  {
    offset: 2880,
    bytes: header([
      formatCard("XTENSION", "IMAGE"),
      formatCard("BITPIX", -32),
      formatCard("NAXIS", 4),
      formatCard("NAXIS1", 2),
      formatCard("NAXIS2", FRAMES),
      formatCard("NAXIS3", 2136),
      formatCard("NAXIS4", 2078),
      formatCard("PCOUNT", 0),
      formatCard("GCOUNT", 1),
    ], 1),
  },
  {
    offset: TABLE_HEADER_OFFSET,
    bytes: header(binTableCards(ROW_BYTES, FRAMES, tableColumns), 16),
  },
];

/** Bytes `start…end` (inclusive) of the synthetic cube: its headers where they are, zeros elsewhere. */
function cubeBytes(start: number, end: number): Uint8Array {
  const out = new Uint8Array(end - start + 1);
  for (const { offset, bytes } of CUBE_HEADERS) {
    const from = Math.max(start, offset);
    const to = Math.min(end + 1, offset + bytes.length);
    if (from < to) out.set(bytes.subarray(from - offset, to - offset), from - start);
  }
  return out;
}

interface SyntheticLogEntry {
  method: string;
  range: string | undefined;
  status: number;
  bytes: number;
}

/** A loopback server for one synthetic object, answering single byte ranges only (ranges ≤ 1 MiB). */
async function startCubeServer(): Promise<{ url: string; log: SyntheticLogEntry[]; close(): Promise<void> }> {
  const log: SyntheticLogEntry[] = [];
  const server = createServer((request, response) => {
    const entry = { method: request.method ?? "GET", range: request.headers.range, status: 0, bytes: 0 };
    log.push(entry);
    const reply = (
      status: number,
      headers: Record<string, string | number>,
      body: Uint8Array = new Uint8Array(0),
    ) => {
      entry.status = status;
      entry.bytes = request.method === "HEAD" ? 0 : body.length;
      response.writeHead(status, { "accept-ranges": "bytes", etag: '"synthetic-tess-cube"', ...headers });
      response.end(request.method === "HEAD" ? undefined : body);
    };
    if (request.url !== "/tess-s0026-4-1-cube.fits") return reply(404, { "content-length": 0 });
    const match = /^bytes=(\d+)-(\d*)$/.exec(request.headers.range ?? "");
    if (!match) {
      if (request.method === "HEAD") return reply(200, { "content-length": CUBE_SIZE });
      // A whole 40 GB body is never what an indexer should ask for.
      return reply(500, { "content-length": 0 });
    }
    const start = Number(match[1]);
    const end = Math.min(match[2] === "" ? CUBE_SIZE - 1 : Number(match[2]), CUBE_SIZE - 1);
    if (start >= CUBE_SIZE) {
      return reply(416, { "content-range": `bytes */${CUBE_SIZE}`, "content-length": 0 });
    }
    if (end - start + 1 > 1024 * 1024) return reply(500, { "content-length": 0 });
    const body = cubeBytes(start, end);
    reply(
      206,
      { "content-range": `bytes ${start}-${end}/${CUBE_SIZE}`, "content-length": body.length },
      body,
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    log,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections?.();
      }),
  };
}

test("a full-size TESS cube (40.77 GB) is indexed in 3 requests and under 200 KB", async () => {
  assert.equal(
    TABLE_HEADER_OFFSET + 46_080 + paddedSize(FRAMES * ROW_BYTES),
    CUBE_SIZE,
    "REFERENCE §2 sizes",
  );
  const cubeServer = await startCubeServer();
  try {
    const output = join(scratch, "full-cube.cfidx");
    const run = await indexJson([`${cubeServer.url}/tess-s0026-4-1-cube.fits`, "-o", output]);
    assert.equal(run.code, 0, run.stderr);
    const log = cubeServer.log;
    assert.ok(log.length <= 3, `${log.length} requests`);
    const total = log.reduce((n, e) => n + e.bytes, 0);
    assert.ok(total < 200_000, `${total} bytes`);
    // The read-ahead holds the first two headers; HDU 2's 16-block header is read at its computed
    // offset: 8 blocks, then the rest.
    assert.deepEqual(log.map((e) => [e.method, e.range, e.status]), [
      ["GET", "bytes=0-65535", 206],
      ["GET", `bytes=${TABLE_HEADER_OFFSET}-${TABLE_HEADER_OFFSET + HEADER_READ - 1}`, 206],
      ["GET", `bytes=${TABLE_HEADER_OFFSET + HEADER_READ}-${TABLE_HEADER_OFFSET + 46_080 - 1}`, 206],
    ]);
    assert.deepEqual([run.summary.requests, run.summary.bytes], [log.length, total]);

    const listed = await runCli(["ls", "--index", output, "--json"]);
    assert.equal(listed.code, 0, listed.stderr);
    const [file] = JSON.parse(listed.stdout).files;
    assert.equal(file.path, "tess-s0026-4-1-cube.fits");
    assert.equal(file.size, CUBE_SIZE);
    assert.deepEqual(
      file.hdus.map((h: { type: string; headerOffset: number; dataOffset: number; dataSize: number }) => [
        h.type,
        h.headerOffset,
        h.dataOffset,
        h.dataSize,
      ]),
      [
        ["PRIMARY", 0, 2880, 0],
        ["IMAGE", 2880, 5760, IMAGE_BYTES],
        ["BINTABLE", TABLE_HEADER_OFFSET, TABLE_HEADER_OFFSET + 46_080, FRAMES * ROW_BYTES],
      ],
    );
    assert.equal(log.length, 3, "ls --index sent nothing to the data server");
  } finally {
    await cubeServer.close();
  }
});

test("HTTP objects are indexed with the strong ETag they were served with", async () => {
  const cubeServer = await startCubeServer();
  try {
    const output = join(scratch, "etag.cfidx");
    const one = await indexJson([`${cubeServer.url}/tess-s0026-4-1-cube.fits`, "-o", output]);
    assert.equal(one.code, 0, one.stderr);
    const { etag } = await (await openLocalIndex(output)).file("tess-s0026-4-1-cube.fits");
    assert.equal(etag?.replace(/^"|"$/g, ""), "synthetic-tess-cube");
  } finally {
    await cubeServer.close();
  }
});

// ---------------------------------------------------------------------------------------------------
// S3 prefixes through the verifying proxy.

const s3 = await startS3Server();
after(() => s3.close());
const CREDENTIALS = { AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey };
/** Keys below `survey/` → fixtures; plus objects that are not indexed or fail. */
const SURVEY: Record<string, string> = {
  "tess_cube.fits": "tess_cube.fits",
  "mef/mef_images.fits": "mef_images.fits",
  "mef/dup_extnames.FITS": "dup_extnames.fits",
  "small.fit": "primary_only.fits",
};
const fixtureBytes: Record<string, Uint8Array> = {};
for (const [key, fixture] of Object.entries(SURVEY)) {
  fixtureBytes[key] = new Uint8Array(await readFile(new URL(fixture, TESTDATA)));
}
for (const bucket of ["public", "private"]) {
  for (const [key, bytes] of Object.entries(fixtureBytes)) await s3.putObject(bucket, `survey/${key}`, bytes);
  await s3.putObject(bucket, "survey/readme.txt", new TextEncoder().encode("not indexed"));
  await s3.putObject(bucket, "survey/old/archive.fits.bz2", new TextEncoder().encode("BZh91AY&SY"));
  await s3.putObject(bucket, "elsewhere/other.fits", fixtureBytes["small.fit"]);
}

const md5 = (bytes: Uint8Array) => createHash("md5").update(bytes).digest("hex");

/** The checks shared by anonymous and signed runs: listing, per-file traffic, ETags, relative paths. */
async function assertSurveyIndexed(
  bucket: string,
  run: Awaited<ReturnType<typeof indexJson>>,
  log: S3LogEntry[],
  index: Awaited<ReturnType<typeof openIndex>>,
): Promise<void> {
  assert.equal(run.code, 6, run.stderr);
  assert.deepEqual(run.summary.failed.map((f: { path: string }) => f.path), ["old/archive.fits.bz2"]);
  assert.match(run.summary.failed[0].error, /bzip2 \(\.bz2\)-compressed, which cloudfits does not support/);
  assert.equal(run.summary.files, Object.keys(SURVEY).length);

  const lists = log.filter((e) => e.method === "GET" && e.path.startsWith(`/${bucket}?`));
  assert.equal(lists.length, 1, "one listing page");
  assert.match(lists[0].path, /list-type=2/);
  assert.match(lists[0].path, /prefix=survey%2F/);
  let requests = 0;
  let bytes = 0;
  for (const [key, fixture] of Object.entries(SURVEY)) {
    const want = expected(fixture.replace(/\.fits$/, ""));
    const seen = log.filter((e) => e.path === `/${bucket}/survey/${key}`);
    assert.deepEqual(
      seen.map((e) => [e.method, e.range, e.status]),
      expectedRanges(want.size, want.hdus, true).map((range) => ["GET", range, 206]),
      key,
    );
    requests += seen.length;
    bytes += seen.reduce((n, e) => n + e.bytes, 0);

    const file = await index.file(key);
    assert.equal(file.size, want.size, key);
    assert.equal(file.etag?.replace(/^"|"$/g, ""), md5(fixtureBytes[key]), `${key}: ETag recorded`);
    assert.deepEqual(file.hdus.map((h) => h.dataOffset), want.hdus.map((h) => h.datLoc), key);
  }
  // The bzip2 object is recognised by its first bytes: one read.
  const archive = log.filter((e) => e.path === `/${bucket}/survey/old/archive.fits.bz2`);
  assert.deepEqual(archive.map((e) => [e.method, e.range]), [["GET", "bytes=0-9"]]);
  requests += archive.length;
  bytes += archive.reduce((n, e) => n + e.bytes, 0);
  assert.deepEqual([run.summary.requests, run.summary.bytes], [requests, bytes]);
  assert.ok(
    !log.some((e) => /readme|elsewhere/.test(e.path)),
    "unlisted and non-FITS objects untouched",
  );
  const paths: string[] = [];
  for await (const path of index.paths()) paths.push(path);
  assert.deepEqual(paths, Object.keys(SURVEY).sort());
  assert.equal(index.index.dataUrl, `s3://${bucket}/survey`);
}

test("an anonymous S3 prefix: one listing, header reads per file, ETags and relative paths recorded", async () => {
  const output = join(scratch, "public-survey.cfidx");
  const flags = ["--endpoint-url", s3.endpoint, "--no-sign-request"];
  s3.log.length = 0;
  const run = await indexJson(["s3://public/survey/", "-o", output, ...flags], CREDENTIALS);
  assert.ok(s3.log.every((e) => e.auth === "anonymous" && e.status < 400 || e.status === 404));
  const index = await openLocalIndex(output, { endpoint: s3.endpoint, noSign: true });
  await assertSurveyIndexed("public", run, [...s3.log], index);

  // The recorded ETags and sizes are what the reader checks: a section reads fine, with data requests only.
  s3.log.length = 0;
  const fits = await index.open("tess_cube.fits");
  const section = await fits.hdu(1).section([0, 0, null, 0]);
  assert.deepEqual(section.shape, [8]);
  assert.ok(
    s3.log.length >= 1 && s3.log.every((e) => e.path === "/public/survey/tess_cube.fits" && e.status === 206),
  );

  // Again: the listing shows nothing changed; only the file that failed (the bzip2 one) is tried again.
  s3.log.length = 0;
  const again = await indexJson(["s3://public/survey/", "-o", output, ...flags], CREDENTIALS);
  assert.deepEqual(
    [again.summary.indexed, again.summary.unchanged, again.summary.requests, again.summary.bytes],
    [0, Object.keys(SURVEY).length, 1, 10],
  );
  assert.deepEqual(s3.log.map((e) => [e.method, e.range]), [["GET", undefined], ["GET", "bytes=0-9"]]);
});

test("a --data-url that does not hold the listed objects is refused at the first one: one listing, no reads", async () => {
  const output = join(scratch, "misplaced.cfidx");
  s3.log.length = 0;
  const flags = ["--endpoint-url", s3.endpoint, "--no-sign-request"];
  const args = ["index", "s3://public/survey/", "--data-url", "s3://public/elsewhere", "-o", output];
  const run = await runCli([...args, ...flags], CREDENTIALS);
  assert.equal(run.code, 2, run.stderr);
  assert.match(
    run.stderr,
    /Cannot place s3:\/\/public\/survey\/\S+ under the data root s3:\/\/public\/elsewhere/,
  );
  assert.deepEqual(s3.log.map((e) => [e.method, e.path.split("?")[0]]), [["GET", "/public"]]);
});

test("a private S3 prefix, signed, with the index uploaded in one PUT", async () => {
  const output = "s3://private/indexes/survey.cfidx";
  s3.log.length = 0;
  const run = await indexJson(
    ["s3://private/survey/", "-o", output, "--endpoint-url", s3.endpoint],
    CREDENTIALS,
  );
  const log = [...s3.log];
  assert.ok(
    log.every((e) => e.auth === "header" && e.rejected === undefined),
    JSON.stringify(log.map((e) => e.rejected)),
  );
  const indexRequests = log.filter((e) => e.path.startsWith("/private/indexes/"));
  assert.deepEqual(
    indexRequests.map((e) => [e.method, e.path, e.status]),
    [["GET", "/private/indexes/survey.cfidx", 404], ["PUT", "/private/indexes/survey.cfidx", 200]],
  );
  const index = await openIndex(output, { env: CREDENTIALS, endpoint: s3.endpoint, retries: 0 });
  await assertSurveyIndexed("private", run, log.filter((e) => !indexRequests.includes(e)), index);

  // Reading through the uploaded index: the data root is the bucket prefix.
  assert.equal(index.locationOf("mef/mef_images.fits"), "s3://private/survey/mef/mef_images.fits");
  const fits = await index.open("mef/mef_images.fits");
  assert.ok((await fits.hdu(1).section([])).data.length > 0);
});

test("the Python cloud-fits' --fits-files-directory DIR -d s3://… -i BUCKET uploads cloud-fits.cfidx to that bucket", async () => {
  const dir = join(scratch, "seed");
  await mkdir(dir, { recursive: true });
  await copyFile(fileURLToPath(new URL("tess_cube.fits", TESTDATA)), join(dir, "cube.fits"));
  s3.log.length = 0;
  const run = await indexJson(
    [
      "--fits-files-directory",
      dir,
      "-d",
      "s3://private/seed",
      "-i",
      "private",
      "--endpoint-url",
      s3.endpoint,
    ],
    CREDENTIALS,
  );
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.summary.output, "s3://private/cloud-fits.cfidx");
  assert.deepEqual(
    s3.log.map((e) => [e.method, e.path, e.status]),
    [["GET", "/private/cloud-fits.cfidx", 404], ["PUT", "/private/cloud-fits.cfidx", 200]],
  );
  const index = await openIndex("s3://private/cloud-fits.cfidx", { env: CREDENTIALS, endpoint: s3.endpoint });
  assert.equal(index.locationOf("cube.fits"), "s3://private/seed/cube.fits");
});
