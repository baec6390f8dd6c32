/**
 * The seed's tutorial, end to end, against the loopback S3 that verifies every signature: upload a
 * TESS-like directory with an S3 client, `cloudfits index DIR --data-url s3://… -o s3://…/tess.cfidx`,
 * then, in fresh processes, list the index, print HDU 2's rows and the seed's cube cutout — through the
 * library, the CLI under Deno and the compiled binary — and compare with astropy's values and the
 * requests the server saw. Private (signed), anonymous and requester-pays buckets, and indexing
 * straight from a bucket prefix.
 *
 * The seed's `headers[1][0:10, 0:10, 50, 0]` on a 2136×2078×N cube is scaled to the 5×6×8×2 fixture
 * as numpy `[0:3, 0:4, 5, 0]`, which is `[1][1:1,6:6,1:4,1:3]` in the CLI's FITS order; its "rows 1–10"
 * are the fixture's 8 rows.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { AwsClient } from "aws4fetch";
import { openIndex } from "../src/open_index.ts";
import type { SourceOptions } from "../src/open_source.ts";
import type { FetchLike } from "../src/source/http.ts";
import { type S3LogEntry, startS3Server } from "./_support/s3_server.ts";
import { type CompiledBinary, compiledBinary } from "./_support/binary.ts";
import { bunBuildArgs, TARGETS } from "../tools/compile.ts";
import type { ExpectedFile } from "./_support/cli_io.ts";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const DENO = join(ROOT, "node_modules/.bin", process.platform === "win32" ? "deno.exe" : "deno");
const PREFIX = "tess/public/mast";
const CUBE = "tess_cube.fits";
/** The "directory" uploaded and indexed: paths below PREFIX → fixtures. */
const FILES: Record<string, string> = { [CUBE]: "tess_cube", "sub/mef_images.fits": "mef_images" };

const server = await startS3Server();
after(() => server.close());
const scratch = await mkdtemp(join(tmpdir(), "cloudfits-tutorial-"));
after(() => rm(scratch, { recursive: true, force: true }));

const expectedFiles: Record<string, ExpectedFile> = {};
const bytesOf: Record<string, Uint8Array<ArrayBuffer>> = {};
for (const [path, fixture] of Object.entries(FILES)) {
  expectedFiles[path] = JSON.parse(await readFile(join(ROOT, `testdata/${fixture}.expected.json`), "utf8"));
  bytesOf[path] = new Uint8Array(await readFile(join(ROOT, `testdata/${fixture}.fits`)));
}
const cube = expectedFiles[CUBE];
const table = cube.hdus[2];
const image = cube.hdus[1];

// A local copy of the directory, as the tutorial's user has it.
const localDir = join(scratch, "mast");
for (const path of Object.keys(FILES)) {
  await mkdir(join(localDir, path, ".."), { recursive: true });
  await copyFile(join(ROOT, `testdata/${FILES[path]}.fits`), join(localDir, path));
}

// Processes run in a directory with a `.env` and a `bunfig.toml` that would break them if loaded: the
// compiled binary must not autoload either (the `.env` key would sign "anonymous" requests; the missing
// preload would stop bun before the CLI starts).
const workDir = join(scratch, "cwd");
await mkdir(workDir);
await writeFile(join(workDir, ".env"), "AWS_ACCESS_KEY_ID=AKIDFROMDOTENV\nAWS_SECRET_ACCESS_KEY=dotenv\n");
await writeFile(join(workDir, "bunfig.toml"), 'preload = ["./missing-preload.ts"]\n');

// Upload with an S3 client, through the verifying proxy.
const uploader = new AwsClient({
  accessKeyId: server.accessKeyId,
  secretAccessKey: server.secretAccessKey,
  service: "s3",
  region: "us-east-1",
});
for (const bucket of ["private", "public", "payer"]) {
  for (const [path, bytes] of Object.entries(bytesOf)) {
    const response = await uploader.fetch(`${server.endpoint}/${bucket}/${PREFIX}/${path}`, {
      method: "PUT",
      body: bytes,
      headers: bucket === "payer" ? { "x-amz-request-payer": "requester" } : {},
    });
    assert.equal(response.status, 200, `upload to ${bucket}: ${await response.text()}`);
  }
}

/** How one kind of bucket is read: flags, environment and what the server must see. */
interface Access {
  name: string;
  bucket: string;
  /** Flags for writing the index (always signed). */
  indexFlags: string[];
  /** Flags for reading. */
  readFlags: string[];
  /** Environment for reading. */
  readEnv: Record<string, string>;
  /** How reads are authorised. */
  auth: S3LogEntry["auth"];
  /** Whether every request carries a signed `x-amz-request-payer: requester`. */
  payer: boolean;
  /** Library options for reading. */
  library: SourceOptions;
}

const credentials = { AWS_ACCESS_KEY_ID: server.accessKeyId, AWS_SECRET_ACCESS_KEY: server.secretAccessKey };
/** The library's environment: never the EC2 metadata service (a non-loopback address). */
const NO_IMDS = { AWS_EC2_METADATA_DISABLED: "true" };
const offLoopback: string[] = [];
/** The library's fetch: loopback only; anything else is recorded and refused. */
const loopbackFetch: FetchLike = (input, init) => {
  const url = new URL(input instanceof Request ? input.url : input);
  if (url.hostname !== "127.0.0.1") {
    offLoopback.push(url.href);
    return Promise.reject(new TypeError(`refused a request off the loopback: ${url.href}`));
  }
  return fetch(input, init);
};
const endpointFlag = ["--endpoint-url", server.endpoint];
const PAYER_FLAG = ["--request-payer", "requester"];

const PRIVATE: Access = {
  name: "private bucket, signed",
  bucket: "private",
  indexFlags: endpointFlag,
  readFlags: endpointFlag,
  readEnv: credentials,
  auth: "header",
  payer: false,
  library: { env: { ...credentials, ...NO_IMDS }, endpoint: server.endpoint, fetch: loopbackFetch },
};
const ANONYMOUS: Access = {
  name: "public bucket, --no-sign-request",
  bucket: "public",
  indexFlags: endpointFlag,
  // The flag wins over credentials in the environment.
  readFlags: [...endpointFlag, "--no-sign-request"],
  readEnv: credentials,
  auth: "anonymous",
  payer: false,
  library: {
    env: { ...credentials, ...NO_IMDS },
    endpoint: server.endpoint,
    noSign: true,
    fetch: loopbackFetch,
  },
};
const AUTOMATIC_ANONYMOUS: Access = {
  ...ANONYMOUS,
  name: "public bucket, no credentials anywhere (endpoint from AWS_ENDPOINT_URL_S3)",
  readFlags: [],
  readEnv: { AWS_ENDPOINT_URL_S3: server.endpoint },
  library: { env: { AWS_ENDPOINT_URL_S3: server.endpoint, ...NO_IMDS }, fetch: loopbackFetch },
};
const PAYER: Access = {
  name: "requester-pays bucket, --request-payer requester",
  bucket: "payer",
  indexFlags: [...endpointFlag, ...PAYER_FLAG],
  readFlags: [...endpointFlag, ...PAYER_FLAG],
  readEnv: credentials,
  auth: "header",
  payer: true,
  library: {
    env: { ...credentials, ...NO_IMDS },
    endpoint: server.endpoint,
    requestPayer: true,
    fetch: loopbackFetch,
  },
};

/** A way to run the CLI in a fresh process. */
interface Runner {
  id: string;
  command: string;
  prefix: string[];
}

const DENO_CLI: Runner = { id: "deno", command: DENO, prefix: ["run", "-A", join(ROOT, "cli.ts")] };

interface ProcessRun {
  code: number;
  stdout: string;
  stderr: string;
  /** What the server saw during the run. */
  requests: S3LogEntry[];
}

/** The process environment without any AWS setting of the machine running the tests, plus `env`. */
function processEnv(env: Record<string, string>): Record<string, string> {
  const clean: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && !name.startsWith("AWS_")) clean[name] = value;
  }
  return {
    ...clean,
    NO_COLOR: "1",
    AWS_EC2_METADATA_DISABLED: "true",
    // No shared credentials or config file, whatever the machine has in ~/.aws.
    AWS_SHARED_CREDENTIALS_FILE: join(scratch, "no-credentials"),
    AWS_CONFIG_FILE: join(scratch, "no-config"),
    ...env,
  };
}

/** Requests attributed to some run, to check that concurrent runs account for all traffic. */
let attributed = 0;

/**
 * Run the CLI in a fresh process in the work directory.
 *
 * @param bucket Keep only the requests to this bucket (runs on other buckets may be concurrent).
 */
function run(
  runner: Runner,
  args: string[],
  env: Record<string, string>,
  bucket?: string,
): Promise<ProcessRun> {
  const first = server.log.length;
  return new Promise((resolve) =>
    execFile(
      runner.command,
      [...runner.prefix, ...args],
      { cwd: workDir, env: processEnv(env), maxBuffer: 16 << 20 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
        const requests = server.log.slice(first).filter((r) =>
          bucket === undefined || r.path.startsWith(`/${bucket}/`) || r.path.startsWith(`/${bucket}?`)
        );
        attributed += requests.length;
        resolve({ code, stdout, stderr, requests });
      },
    )
  );
}

function listRequests(requests: S3LogEntry[]): string {
  return requests.map((r) => `${r.method} ${r.path} ${r.range ?? "-"} → ${r.status} ${r.auth}`).join("\n");
}

/** Every request: GET or PUT, authorised as the access says, accepted by the verifier. */
function assertAuthorised(requests: S3LogEntry[], access: Pick<Access, "auth" | "payer">): void {
  for (const request of requests) {
    const what = `${request.method} ${request.path}`;
    assert.ok(request.method === "GET" || request.method === "PUT", `no HEAD or other methods: ${what}`);
    assert.equal(request.auth, access.auth, what);
    assert.equal(request.rejected, undefined, what);
    assert.equal(request.requestPayer, access.payer, what);
    if (access.auth === "header") {
      assert.equal(request.region, "us-east-1", what);
      assert.equal(request.signedHeaders.includes("x-amz-request-payer"), access.payer, what);
    }
  }
}

/** The one GET of an index's first 64 KiB that opening it costs. */
function assertIndexOpened(request: S3LogEntry | undefined, indexKey: string): void {
  assert.ok(request, "the index was not read");
  assert.equal(request.method, "GET");
  assert.equal(request.path, `/${indexKey}`);
  assert.equal(request.range, "bytes=0-65535");
  assert.equal(request.status, 206);
}

/** Astropy's rows of HDU 2 as row objects, in file order. */
function expectedRows(columns?: string[]): Record<string, Json>[] {
  return table.rows!.flatMap((range) =>
    Array.from({ length: range.stop - range.start }, (_, row) => {
      const names = columns ?? Object.keys(range.columns);
      return Object.fromEntries(names.map((name) => [name, range.columns[name][row] as Json]));
    })
  );
}

/** Astropy's `section[0:3, 0:4, 5, 0]` of the cube, from its full-cube sample, in C order. */
const CUTOUT = (() => {
  const full = image.sections!.find((s) => s.spec.every((axis) => axis === null))!;
  const [, columns, frames, planes] = image.shape;
  const offset = (row: number, column: number) => ((row * columns + column) * frames + 5) * planes + 0;
  const data: Json[] = [];
  for (let row = 0; row < 3; row++) {
    for (let column = 0; column < 4; column++) data.push(full.data[offset(row, column)] as Json);
  }
  // Bytes of the first and last element: the one coalesced request the cutout costs.
  const first = image.datLoc + 4 * offset(0, 0);
  const last = image.datLoc + 4 * offset(2, 3) + 3;
  return { data, range: `bytes=${first}-${last}`, fitsSection: "[1][1:1,6:6,1:4,1:3]" };
})();

const NAXIS1 = table.cards.find((card) => card.keyword === "NAXIS1")!.value as number;
/** All of HDU 2's rows, all columns: one request for the rows' bytes. */
const ROWS_RANGE = `bytes=${table.datLoc}-${table.datLoc + NAXIS1 * expectedRows().length - 1}`;

function indexKeyOf(access: Access, runner: string): string {
  return `${access.bucket}/index/${runner}/tess.cfidx`;
}

/**
 * Tutorial step 1: index the local directory, recording where its files live in the bucket, and
 * upload the index next to them.
 */
async function indexDirectory(runner: Runner, access: Access, indexKey: string): Promise<void> {
  const output = `s3://${indexKey}`;
  const result = await run(
    runner,
    [
      "index",
      localDir,
      "--data-url",
      `s3://${access.bucket}/${PREFIX}`,
      "-o",
      output,
      "--json",
      ...access.indexFlags,
    ],
    credentials,
    access.bucket,
  );
  assert.equal(result.code, 0, result.stderr);
  const summary = JSON.parse(result.stdout);
  const hdus = Object.values(expectedFiles).reduce((n, file) => n + file.hdus.length, 0);
  assert.deepEqual(
    {
      ...summary,
      requests: typeof summary.requests,
      bytes: typeof summary.bytes,
      seconds: typeof summary.seconds,
    },
    {
      indexed: 2,
      unchanged: 0,
      failed: [],
      files: 2,
      hdus,
      requests: "number",
      bytes: "number",
      seconds: "number",
      output,
    },
  );
  // Local files are read from disk: the bucket sees a look for an earlier index, then the upload.
  assert.deepEqual(
    result.requests.map((r) => [r.method, r.path, r.range, r.status]),
    [["GET", `/${indexKey}`, "bytes=0-65535", 404], ["PUT", `/${indexKey}`, undefined, 200]],
    listRequests(result.requests),
  );
  assertAuthorised(result.requests, { auth: "header", payer: access.payer });
}

/** Tutorial steps 2–4 in fresh processes: list the index, print the rows, cut out the cube. */
async function readThroughCli(runner: Runner, access: Access, indexKey: string): Promise<void> {
  const index = ["--index", `s3://${indexKey}`];
  const dataKey = `/${access.bucket}/${PREFIX}/${CUBE}`;

  const ls = await run(
    runner,
    ["ls", ...index, "--json", ...access.readFlags],
    access.readEnv,
    access.bucket,
  );
  assert.equal(ls.code, 0, ls.stderr);
  const listed = JSON.parse(ls.stdout).files as {
    path: string;
    size: number;
    hdus: Record<string, Json>[];
  }[];
  assert.deepEqual(listed.map((f) => [f.path, f.size]), [
    ["sub/mef_images.fits", bytesOf["sub/mef_images.fits"].length],
    [CUBE, cube.size],
  ]);
  for (const file of listed) {
    assert.deepEqual(
      // The CLI's numpyShape is astropy's shape; its shape is FITS order.
      file.hdus.map((
        h,
      ) => [h.index, h.type, h.extname, h.bitpix, h.numpyShape, h.headerOffset, h.dataOffset]),
      expectedFiles[file.path].hdus.map((
        h,
      ) => [h.index, h.type, h.extname, h.bitpix, h.shape, h.hdrLoc, h.datLoc]),
      file.path,
    );
  }
  assert.equal(ls.requests.length, 1, `ls reads nothing but the index:\n${listRequests(ls.requests)}`);
  assertIndexOpened(ls.requests[0], indexKey);
  assertAuthorised(ls.requests, access);

  const rows = await run(
    runner,
    ["table", ...index, `${CUBE}[2]`, "--rows", "1:8", "--format", "json", ...access.readFlags],
    access.readEnv,
    access.bucket,
  );
  assert.equal(rows.code, 0, rows.stderr);
  assert.deepEqual(JSON.parse(rows.stdout), expectedRows());
  assert.equal(rows.requests.length, 2, listRequests(rows.requests));
  assertIndexOpened(rows.requests[0], indexKey);
  assert.deepEqual(
    [rows.requests[1].method, rows.requests[1].path, rows.requests[1].range, rows.requests[1].status],
    ["GET", dataKey, ROWS_RANGE, 206],
  );
  assertAuthorised(rows.requests, access);

  const cutout = await run(
    runner,
    ["cutout", ...index, `${CUBE}${CUTOUT.fitsSection}`, "-o", "-", "--json", ...access.readFlags],
    access.readEnv,
    access.bucket,
  );
  assert.equal(cutout.code, 0, cutout.stderr);
  assert.deepEqual(JSON.parse(cutout.stdout), {
    shape: [1, 1, 4, 3],
    numpyShape: [3, 4, 1, 1],
    dtype: "float32",
    data: CUTOUT.data,
  });
  // Twelve 4-byte runs, within the gap budget of each other: one request from the first to the last.
  assert.equal(cutout.requests.length, 2, listRequests(cutout.requests));
  assertIndexOpened(cutout.requests[0], indexKey);
  assert.deepEqual(
    [cutout.requests[1].method, cutout.requests[1].path, cutout.requests[1].range, cutout.requests[1].status],
    ["GET", dataKey, CUTOUT.range, 206],
  );
  assertAuthorised(cutout.requests, access);
}

/**
 * The tutorial through one runner: every access variant, requester-pays refusal. The buckets are
 * independent, so their chains run concurrently, each counting only its own bucket's requests.
 */
async function tutorialThroughCli(runner: Runner): Promise<void> {
  const first = { log: server.log.length, attributed };
  const steps = async (access: Access): Promise<void> => {
    const indexKey = indexKeyOf(access, runner.id);
    await indexDirectory(runner, access, indexKey);
    await readThroughCli(runner, access, indexKey);
  };
  await Promise.all([
    steps(PRIVATE),
    steps(ANONYMOUS).then(() =>
      // No credentials anywhere: requests go unsigned by themselves (and the workDir's .env stays unread).
      readThroughCli(runner, AUTOMATIC_ANONYMOUS, indexKeyOf(ANONYMOUS, runner.id))
    ),
    steps(PAYER).then(() => refuseWithoutRequestPayer(runner)),
  ]);
  assert.equal(
    server.log.length - first.log,
    attributed - first.attributed,
    "every request belongs to a step of its bucket",
  );
}

/** Requester pays without the flag: refused, with the hint, exit code 4. */
async function refuseWithoutRequestPayer(runner: Runner): Promise<void> {
  const refused = await run(
    runner,
    [
      "table",
      "--index",
      `s3://${indexKeyOf(PAYER, runner.id)}`,
      `${CUBE}[2]`,
      "--rows",
      "1:8",
      ...endpointFlag,
    ],
    credentials,
    PAYER.bucket,
  );
  assert.equal(refused.code, 4, refused.stderr);
  assert.match(refused.stderr, /--request-payer requester/);
  assert.ok(!refused.stderr.includes(server.secretAccessKey), "no secret in the message");
  assert.equal(refused.stdout, "");
  assert.ok(refused.requests.length >= 1);
  for (const request of refused.requests) {
    assert.deepEqual([request.status, request.rejected, request.requestPayer], [403, "AccessDenied", false]);
  }
}

/** Index a bucket prefix directly: a listing, then at most three range reads per file. */
async function indexRemotePrefix(runner: Runner): Promise<void> {
  const indexKey = `private/index/${runner.id}/remote.cfidx`;
  const result = await run(runner, [
    "index",
    `s3://public/${PREFIX}/`,
    "-o",
    `s3://${indexKey}`,
    "--json",
    ...endpointFlag,
  ], credentials);
  assert.equal(result.code, 0, result.stderr);
  const summary = JSON.parse(result.stdout);
  assert.deepEqual([summary.indexed, summary.failed, summary.files], [2, [], 2]);
  assertAuthorised(result.requests, { auth: "header", payer: false });
  const listings = result.requests.filter((r) => r.path.startsWith("/public?"));
  assert.equal(listings.length, 1, listRequests(result.requests));
  assert.match(listings[0].path, /list-type=2&encoding-type=url&prefix=tess%2Fpublic%2Fmast%2F/);
  let fileReads = 0;
  for (const path of Object.keys(FILES)) {
    const reads = result.requests.filter((r) => r.path === `/public/${PREFIX}/${path}`);
    assert.ok(reads.length >= 1 && reads.length <= 3, `${path}:\n${listRequests(reads)}`);
    for (const read of reads) assert.match(read.range ?? "", /^bytes=\d+-\d+$/);
    fileReads += reads.length;
  }
  // The whole 43 200-byte cube fits in the first read.
  assert.equal(result.requests.filter((r) => r.path === `/public/${PREFIX}/${CUBE}`).length, 1);
  assert.equal(result.requests.filter((r) => r.method === "PUT").length, 1);
  // Nothing else: the listing, a look for an earlier index, the file reads and the upload.
  assert.equal(result.requests.length, 3 + fileReads, listRequests(result.requests));

  // The remote index records the bucket as its data root, with sizes and ETags.
  const handle = await openIndex(`s3://${indexKey}`, PRIVATE.library);
  assert.equal(handle.dataRoot, `s3://public/${PREFIX}`);
  const record = await handle.file(CUBE);
  assert.equal(record.size, cube.size);
  assert.ok(record.etag, "a remotely indexed file keeps its ETag");
  assert.deepEqual(
    record.hdus.map((h) => [h.headerOffset, h.dataOffset]),
    cube.hdus.map((h) => [h.hdrLoc, h.datLoc]),
  );
  const read = await (await handle.open(CUBE)).hdu(2).rows(0, 8, { columns: ["TSTART"] });
  assert.deepEqual(
    Array.from(read.columns.TSTART.values as Float64Array),
    table.rows!.flatMap((r) => r.columns.TSTART),
  );
}

/** Tests that run processes: Bun's default of 5 s per test is far too short on a loaded machine. */
const SLOW = { timeout: 120_000 };

test("every build disables the binary's .env and bunfig.toml autoloading", () => {
  for (const target of [undefined, ...TARGETS]) {
    const args = bunBuildArgs(target, "dist/cloudfits");
    assert.deepEqual(args.slice(0, 2), ["build", "--compile"]);
    assert.ok(args.includes("--no-compile-autoload-dotenv"), args.join(" "));
    assert.ok(args.includes("--no-compile-autoload-bunfig"), args.join(" "));
    assert.ok(args.includes("cli/bin.ts"), args.join(" "));
  }
});

test(
  "tutorial through the library: open the index from the bucket, read rows and the cutout",
  SLOW,
  async () => {
    for (const access of [PRIVATE, ANONYMOUS, AUTOMATIC_ANONYMOUS, PAYER]) {
      const indexKey = indexKeyOf(access, "library");
      if (access !== AUTOMATIC_ANONYMOUS) await indexDirectory(DENO_CLI, access, indexKey);
      const key = access === AUTOMATIC_ANONYMOUS ? indexKeyOf(ANONYMOUS, "library") : indexKey;
      const first = server.log.length;
      const index = await openIndex(`s3://${key}`, access.library);
      assert.equal(server.log.length - first, 1, access.name);
      assertIndexOpened(server.log[first], key);
      assert.equal(index.dataRoot, `s3://${access.bucket}/${PREFIX}`);

      const file = await index.open(CUBE);
      assert.equal(server.log.length - first, 1, `${access.name}: opening a file is free with an index`);

      const columns = ["TSTART", "TSTOP", "DQUALITY", "FFI_FILE"];
      const rows = await file.hdu(2).rows(0, 8, { columns });
      const got = Object.fromEntries(
        columns.map((name) => [name, Array.from(rows.columns[name].values as [])]),
      );
      const want = Object.fromEntries(
        columns.map((name) => [name, expectedRows([name]).map((row) => row[name])]),
      );
      assert.deepEqual(got, want, access.name);
      assert.equal(server.log.length - first, 2, `${access.name}: one request for the rows`);

      const section = await file.hdu(1).section([[0, 3], [0, 4], 5, 0]);
      assert.deepEqual(section.shape, [3, 4]);
      assert.equal(section.dtype, "float32");
      assert.deepEqual(Array.from(section.data as Float32Array), CUTOUT.data);
      const reads = server.log.slice(first + 1);
      assert.deepEqual(reads.map((r) => r.path), [
        `/${access.bucket}/${PREFIX}/${CUBE}`,
        `/${access.bucket}/${PREFIX}/${CUBE}`,
      ]);
      assert.equal(reads[1].range, CUTOUT.range);
      assertAuthorised(server.log.slice(first), access);
    }
    assert.deepEqual(offLoopback, [], "the library sent nothing off the loopback");
  },
);

test("tutorial through the CLI under Deno, in fresh processes", SLOW, async () => {
  await tutorialThroughCli(DENO_CLI);
});

test("index a bucket prefix directly with the CLI under Deno: ≤ 3 requests per file", SLOW, async () => {
  await indexRemotePrefix(DENO_CLI);
});

const binary: CompiledBinary = await compiledBinary();
const BINARY: Runner = { id: "binary", command: binary.path ?? "", prefix: [] };
const BINARY_TEST = { ...SLOW, skip: binary.skipped ?? false };

test(
  "tutorial through the compiled binary (deno task compile), in fresh processes",
  BINARY_TEST,
  async () => {
    await tutorialThroughCli(BINARY);
  },
);

test(
  "index a bucket prefix directly with the compiled binary: ≤ 3 requests per file",
  BINARY_TEST,
  async () => {
    await indexRemotePrefix(BINARY);
  },
);
