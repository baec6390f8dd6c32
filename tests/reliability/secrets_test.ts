/**
 * Secrets never leak: every command (index, ls, header, cutout, table, verify) runs with `--verbose`
 * and sentinel secrets in AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AZURE_STORAGE_KEY,
 * AZURE_STORAGE_SAS_TOKEN and AZURE_STORAGE_CONNECTION_STRING, against a presigned URL and `az://` URLs
 * whose queries carry sentinel signatures, under failure conditions — 403 from the SigV4-verifying S3
 * proxy and from Azurite, missing objects, a closed port, a stale index — and stdout and stderr are
 * searched for every sentinel, its base64, and the real test keys. The errors the library throws for
 * the same failures are inspected along their cause chains. Indexes written from presigned and SAS
 * sources, checkpoints included, hold no query string or signature: every file the runs wrote is
 * searched. Last, the compiled binary runs in a directory whose `.env` holds keys: its request must be
 * anonymous, proving that `.env` is not loaded.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { inspect } from "node:util";
import { openSource } from "../../src/open_source.ts";
import { listObjects, putObject } from "../../src/remote_objects.ts";
import { azureFetch } from "../../src/source/azure_fetch.ts";
import { type Azurite, serviceSas, startAzurite } from "../_support/azurite.ts";
import { compiledBinary } from "../_support/binary.ts";
import { BUN, ROOT, runChild } from "../_support/child.ts";
import { runCli } from "../_support/cli_io.ts";
import { closedPort, startRangeServer } from "../_support/range_server.ts";
import { type S3TestServer, startS3Server } from "../_support/s3_server.ts";
import { fixture } from "../_support/fixtures.ts";

/**
 * Azure blob URLs with a SAS in their query use the native form, which keeps the SAS apart; every
 * Azure request goes to Azurite through `--endpoint-url` (never to this host).
 */
const AZURE_HTTPS = "https://devstoreaccount1.blob.core.windows.net";
const base64 = (text: string) => Buffer.from(text).toString("base64");

/** Sentinels: each must never be printed (nor its base64). */
const SENTINEL = {
  awsSecret: "SENTINELAWSSECRETKEY",
  sessionToken: "SENTINELSESSIONTOKEN",
  azureKey: "SENTINELAZUREACCOUNTKEY!",
  connectionKey: "SENTINELCONNSTRINGKEY!!!",
  sasEnv: "SENTINELSASFROMENV",
  presignedSignature: "SENTINELPRESIGNEDSIGNATURE",
  presignedToken: "SENTINELPRESIGNEDTOKEN",
  azureUrlSignature: "SENTINELAZUREURLSIG",
} as const;

const scratch = await mkdtemp(join(tmpdir(), "cloudfits-secrets-"));
const cache = join(scratch, "cache");
const work = join(scratch, "work");
await mkdir(work);
let s3: S3TestServer;
let azurite: Azurite;
let range: Awaited<ReturnType<typeof startRangeServer>>;
let refusing: number;
let validSas: string;
/** Everything that must not appear in any output. */
let forbidden: string[] = [];

before(async () => {
  [s3, azurite, range] = await Promise.all([
    startS3Server(),
    startAzurite(),
    startRangeServer({
      files: {
        "p/mef_images.fits": await fixture("mef_images"),
        "p/table_all.fits": await fixture("table_all"),
      },
    }),
  ]);
  refusing = await closedPort();
  for (const name of ["mef_images", "table_all"]) {
    await s3.putObject("private", `s/${name}.fits`, await fixture(name));
  }
  const account = { account: azurite.account, key: azurite.key, blobEndpoint: azurite.blobEndpoint };
  const created = await azureFetch(account)(`${azurite.blobEndpoint}/cfits?restype=container`, {
    method: "PUT",
  });
  await created.body?.cancel();
  assert.equal(created.status, 201);
  for (const name of ["mef_images", "table_all"]) {
    await putObject(`az://cfits/z/${name}.fits`, await fixture(name), {
      env: { AZURE_STORAGE_ACCOUNT: azurite.account, AZURE_STORAGE_KEY: azurite.key },
      endpoint: azurite.blobEndpoint,
    });
  }
  validSas = await serviceSas({
    account: azurite.account,
    key: azurite.key,
    container: "cfits",
    permissions: "rl",
    expiry: new Date(Date.now() + 3_600_000),
  });
  const validSignature = new URLSearchParams(validSas).get("sig")!;
  forbidden = [
    ...Object.values(SENTINEL).flatMap((s) => [s, base64(s)]),
    s3.secretAccessKey,
    s3.temporary.secretAccessKey,
    s3.temporary.sessionToken,
    azurite.key,
    validSignature,
    encodeURIComponent(validSignature),
  ];
});
after(async () => {
  await Promise.all([s3?.close(), azurite?.close(), range?.close()]);
  await rm(scratch, { recursive: true, force: true });
});

/** The sentinel environment: every kind of secret at once, for the given Azure endpoint. */
function sentinelEnv(blobEndpoint: string, withSas = true): Record<string, string> {
  return {
    AWS_ACCESS_KEY_ID: s3.accessKeyId,
    AWS_SECRET_ACCESS_KEY: SENTINEL.awsSecret,
    AWS_SESSION_TOKEN: SENTINEL.sessionToken,
    AWS_SHARED_CREDENTIALS_FILE: join(scratch, "none"),
    AWS_CONFIG_FILE: join(scratch, "none"),
    AZURE_STORAGE_ACCOUNT: azurite.account,
    AZURE_STORAGE_KEY: base64(SENTINEL.azureKey),
    ...(withSas ? { AZURE_STORAGE_SAS_TOKEN: `?sv=2021-08-06&sp=rl&sr=c&sig=${SENTINEL.sasEnv}` } : {}),
    AZURE_STORAGE_CONNECTION_STRING:
      `DefaultEndpointsProtocol=http;AccountName=${azurite.account};AccountKey=${
        base64(SENTINEL.connectionKey)
      };BlobEndpoint=${blobEndpoint}`,
    XDG_CACHE_HOME: cache,
  };
}

function assertClean(text: string, what: string): void {
  for (const secret of forbidden) {
    assert.ok(!text.includes(secret), `${what} leaks '${secret}':\n${text.slice(0, 2000)}`);
  }
}

interface Case {
  what: string;
  args: string[];
  env: Record<string, string>;
}

/** Every command against one target (`TARGET` as given, with a `[1]` table HDU). */
function commands(target: string, flags: string[], out: string): string[][] {
  return [
    ["ls", target, ...flags],
    ["header", `${target}[1]`, ...flags],
    ["header", target, "-k", "NAXIS1,EXTNAME", ...flags],
    ["cutout", `${target}[1][1:2,1:2]`, "-o", join(out, "cut.fits"), "--force", ...flags],
    ["table", `${target}[1]`, "--rows", "1:2", ...flags],
    ["index", target, "-o", join(out, "one.cfidx"), ...flags],
  ];
}

test("no command prints a secret under 403s, missing keys, closed ports and stale indexes", {
  timeout: 120_000,
}, async () => {
  const out = join(scratch, "out");
  await mkdir(out);
  const verbose = ["--verbose"];
  const s3Flags = ["--endpoint-url", s3.endpoint, ...verbose];
  const azureFlags = ["--endpoint-url", azurite.blobEndpoint, ...verbose];
  const closedFlags = ["--endpoint-url", `http://127.0.0.1:${refusing}`, ...verbose];
  const presigned = `${s3.endpoint}/private/s/mef_images.fits?X-Amz-Algorithm=AWS4-HMAC-SHA256` +
    `&X-Amz-Credential=${s3.accessKeyId}%2F20240101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20240101T000000Z` +
    `&X-Amz-Expires=300&X-Amz-SignedHeaders=host&X-Amz-Security-Token=${SENTINEL.presignedToken}` +
    `&X-Amz-Signature=${SENTINEL.presignedSignature}`;
  const azureWithSig =
    `${AZURE_HTTPS}/cfits/z/mef_images.fits?sv=2021-08-06&sr=b&sp=r&se=2099-01-01T00%3A00%3A00Z&sig=${SENTINEL.azureUrlSignature}`;
  const env = sentinelEnv(azurite.blobEndpoint);
  const keyEnv = sentinelEnv(azurite.blobEndpoint, false);
  const cases: Case[] = [];
  const add = (what: string, list: string[][], caseEnv: Record<string, string>) => {
    for (const args of list) cases.push({ what: `${what}: ${args[0]}`, args, env: caseEnv });
  };
  // 403: a wrong secret with a session token (S3), a forged presigned URL, a forged SAS in the URL, a
  // SAS from the environment, and SharedKey with a wrong connection-string key (Azure).
  add("S3 wrong secret", commands("s3://private/s/mef_images.fits", s3Flags, out), env);
  add("S3 prefix wrong secret", [["index", "s3://private/s/", "-o", join(out, "p.cfidx"), ...s3Flags]], env);
  add("presigned", commands(presigned, verbose, out), env);
  add("az URL SAS", commands(azureWithSig, azureFlags, out), env);
  add("az env SAS", commands("az://cfits/z/mef_images.fits", azureFlags, out), env);
  add("az shared key", commands("az://cfits/z/mef_images.fits", azureFlags, out), keyEnv);
  add("az prefix", [[
    "index",
    `${AZURE_HTTPS}/cfits/z/?sig=${SENTINEL.azureUrlSignature}`,
    "-o",
    join(out, "a.cfidx"),
    ...azureFlags,
  ]], env);
  // Missing keys and objects, a closed port.
  add("S3 missing object", [["header", "s3://locked/none.fits", ...s3Flags]], env);
  add("S3 closed port", [["header", "s3://private/s/mef_images.fits", ...closedFlags]], env);
  add("az closed port", [["ls", "az://cfits/z/mef_images.fits", ...closedFlags]], keyEnv);
  add("bucket -o unreachable", [[
    "index",
    join(ROOT, "testdata/primary_only.fits"),
    "--data-url",
    "s3://private/data",
    "-o",
    "s3://private/idx/x.cfidx",
    ...closedFlags,
  ]], env);

  // A stale index over presigned-style HTTP URLs (a plain server that ignores the query): the data
  // changes after indexing, so every read through the index fails.
  const rangeQuery =
    `?X-Amz-Signature=${SENTINEL.presignedSignature}&X-Amz-Security-Token=${SENTINEL.presignedToken}`;
  const stale = join(out, "stale.cfidx");
  const made = await runCli([
    "index",
    `${range.url}/p/mef_images.fits${rangeQuery}`,
    `${range.url}/p/table_all.fits${rangeQuery}`,
    "-o",
    stale,
    ...verbose,
  ], env);
  assert.equal(made.code, 0, made.stderr);
  assertClean(made.stdout + made.stderr, "index of presigned URLs");
  range.setFile("p/mef_images.fits", await fixture("tess_cube"));
  const table = await fixture("table_all");
  table[table.length - 1] ^= 1; // same size, new ETag
  range.setFile("p/table_all.fits", table);
  add("stale index", [
    ["verify", "--index", stale, "--datasum", ...verbose],
    ["ls", "--index", stale, "mef_images.fits", ...verbose],
    ["header", "mef_images.fits[1]", "--index", stale, ...verbose],
    ["cutout", "mef_images.fits[1][1:2,1:2]", "--index", stale, "-o", "-", "--format", "json", ...verbose],
    ["table", "table_all.fits[1]", "--index", stale, "--rows", "1:1", ...verbose],
  ], env);

  const codes: Record<string, number> = {};
  for (const { what, args, env: caseEnv } of cases) {
    const run = await runCli(args, caseEnv);
    assertClean(run.stdout + run.stderr, what);
    codes[what] = run.code;
  }
  // The failure conditions really failed (and were reported), except ls and header from the index
  // alone, which never touch the data.
  const failing = Object.entries(codes).filter(([what]) => !/^stale index: (ls|header)$/.test(what));
  for (const [what, code] of failing) assert.notEqual(code, 0, `${what} must fail`);
  assert.equal(codes["S3 wrong secret: header"], 4);
  assert.equal(codes["presigned: header"], 4);
  assert.equal(codes["az URL SAS: header"], 4);
  assert.equal(codes["az shared key: header"], 4);
  assert.equal(codes["stale index: cutout"], 5);
  assert.equal(codes["stale index: verify"], 5);
  assert.ok(s3.log.some((e) => e.auth === "query" && e.status === 403), "the presigned URL reached S3");
  assert.ok(s3.log.some((e) => e.auth === "header" && e.status === 403), "the wrong secret reached S3");
});

test("indexes and checkpoints from presigned and SAS sources hold no query, signature or key", {
  timeout: 60_000,
}, async () => {
  const out = join(scratch, "indexes");
  await mkdir(out);
  const env = sentinelEnv(azurite.blobEndpoint);
  const rangeQuery =
    `?X-Amz-Signature=${SENTINEL.presignedSignature}&X-Amz-Security-Token=${SENTINEL.presignedToken}`;
  const http = await runCli([
    "index",
    `${range.url}/p/table_all.fits${rangeQuery}`,
    "-o",
    join(out, "http.cfidx"),
    "--json",
  ], env);
  assert.equal(http.code, 0, http.stderr);
  // A valid container SAS in the URL (it must win over the sentinel one in the environment).
  const azure = await runCli([
    "index",
    `${AZURE_HTTPS}/cfits/z/?${validSas}`,
    "-o",
    join(out, "azure.cfidx"),
    "--endpoint-url",
    azurite.blobEndpoint,
    "--json",
    "--verbose",
  ], env);
  assert.equal(azure.code, 0, azure.stderr);
  assert.equal(JSON.parse(azure.stdout).files, 2);
  assertClean(http.stdout + http.stderr + azure.stdout + azure.stderr, "successful index runs");
  const ls = await runCli(["ls", "--index", join(out, "azure.cfidx"), "--json"], env);
  assert.equal(ls.code, 0, ls.stderr);

  // Every file any run of this suite wrote: indexes, checkpoints, cutouts.
  const written: string[] = [];
  const walk = async (dir: string) => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else written.push(path);
    }
  };
  await walk(scratch);
  assert.ok(
    written.some((path) => path.endsWith("azure.cfidx")) && written.some((p) => p.endsWith("http.cfidx")),
  );
  assert.ok(written.some((path) => path.endsWith(".cfidx.partial")), "the failed upload left a checkpoint");
  const markers = [...forbidden, "X-Amz-Signature", "X-Amz-Security-Token", "sig=", "?sv="];
  for (const path of written) {
    const bytes = await readFile(path);
    for (const marker of markers) {
      assert.equal(bytes.indexOf(Buffer.from(marker)), -1, `${path} holds '${marker}'`);
    }
  }
});

test("errors thrown by the library for the same failures hold no secret anywhere in their cause chain", {
  timeout: 60_000,
}, async () => {
  const env = sentinelEnv(azurite.blobEndpoint);
  const keyEnv = sentinelEnv(azurite.blobEndpoint, false);
  const s3Options = { env, endpoint: s3.endpoint };
  const azureOptions = (e: Record<string, string>) => ({ env: e, endpoint: azurite.blobEndpoint });
  const closed = `http://127.0.0.1:${refusing}`;
  const attempts: [string, () => Promise<unknown>][] = [
    ["S3 read", async () => (await openSource("s3://private/s/mef_images.fits", s3Options)).read(0, 10)],
    ["S3 list", () => listObjects("s3://private/s/", s3Options).next()],
    ["S3 put", () => putObject("s3://private/x.cfidx", new Uint8Array(4), s3Options)],
    [
      "S3 closed port",
      async () =>
        (await openSource("s3://private/a.fits", { env, endpoint: closed, retries: 0 })).read(0, 10),
    ],
    ["presigned", async () =>
      (await openSource(
        `${s3.endpoint}/private/s/mef_images.fits?X-Amz-Signature=${SENTINEL.presignedSignature}&X-Amz-Security-Token=${SENTINEL.presignedToken}`,
      )).read(0, 10)],
    [
      "az SAS read",
      async () =>
        (await openSource(
          `${AZURE_HTTPS}/cfits/z/mef_images.fits?sv=2021-08-06&sr=b&sp=r&sig=${SENTINEL.azureUrlSignature}`,
          azureOptions(env),
        ))
          .read(0, 10),
    ],
    [
      "az key read",
      async () => (await openSource("az://cfits/z/mef_images.fits", azureOptions(keyEnv))).read(0, 10),
    ],
    ["az key list", () => listObjects("az://cfits/z/", azureOptions(keyEnv)).next()],
    ["az key put", () => putObject("az://cfits/x.cfidx", new Uint8Array(4), azureOptions(keyEnv))],
    [
      "az closed port",
      async () =>
        (await openSource("az://cfits/z/mef_images.fits", { env: keyEnv, endpoint: closed, retries: 0 }))
          .read(
            0,
            10,
          ),
    ],
  ];
  for (const [what, attempt] of attempts) {
    let caught: unknown;
    try {
      await attempt();
    } catch (error) {
      caught = error;
    }
    assert.ok(caught instanceof Error, `${what} must fail`);
    const texts = [inspect(caught, { depth: 12 }), JSON.stringify(caught) ?? ""];
    for (let e: unknown = caught; e instanceof Error; e = e.cause) {
      texts.push(e.message, e.stack ?? "", String(e));
    }
    assertClean(texts.join("\n"), `${what} error`);
  }
});

// Both leaks these two tests once found are fixed: az:// SAS queries are split off as credentials
// (src/url.ts), and URLs inside runtime error messages lose their queries (src/source/http_errors.ts).
test("az:// URLs with a SAS query keep it out of messages and logs", async () => {
  const target = `az://cfits/z/mef_images.fits?sv=2021-08-06&sr=b&sp=r&sig=${SENTINEL.azureUrlSignature}`;
  const flags = ["--endpoint-url", azurite.blobEndpoint, "--verbose"];
  for (const args of commands(target, flags, join(scratch, "out"))) {
    const run = await runCli(args, sentinelEnv(azurite.blobEndpoint));
    assertClean(run.stdout + run.stderr, `az:// ${args[0]}`);
  }
});

test("network errors of URLs with a query keep the query out of their messages", async () => {
  const closed = `http://127.0.0.1:${refusing}`;
  const env = sentinelEnv(azurite.blobEndpoint);
  const targets = [
    `${closed}/p/a.fits?X-Amz-Signature=${SENTINEL.presignedSignature}`,
    `${AZURE_HTTPS}/cfits/z/mef_images.fits?sv=2021-08-06&sr=b&sp=r&sig=${SENTINEL.azureUrlSignature}`,
  ];
  for (const target of targets) {
    const run = await runCli(["header", target, "--endpoint-url", closed, "--verbose"], env);
    assert.equal(run.code, 1);
    assertClean(run.stdout + run.stderr, `closed port ${target.slice(0, 40)}`);
  }
});

test(
  "the compiled binary does not load a .env from its working directory",
  { timeout: 180_000 },
  async (t) => {
    const binary = await binaryPath();
    if (binary.skipped !== undefined) return t.skip(binary.skipped);
    await s3.putObject("public", "s/primary_only.fits", await fixture("primary_only"));
    await writeFile(
      join(work, ".env"),
      `AWS_ACCESS_KEY_ID=AKIDFROMDOTENV\nAWS_SECRET_ACCESS_KEY=SENTINELDOTENV\n`,
    );
    forbidden.push("SENTINELDOTENV");
    const env: Record<string, string> = { PATH: process.env.PATH ?? "", HOME: scratch, NO_COLOR: "1" };
    env.AWS_EC2_METADATA_DISABLED = "true";
    env.AWS_SHARED_CREDENTIALS_FILE = join(scratch, "none");
    env.AWS_CONFIG_FILE = join(scratch, "none");
    const first = s3.log.length;
    const run = await runChild(
      [
        binary.path,
        "header",
        "s3://public/s/primary_only.fits",
        "--endpoint-url",
        s3.endpoint,
        "--verbose",
        "--json",
      ],
      { cwd: work, env },
    );
    assert.equal(run.code, 0, run.stderr);
    assertClean(run.stdout + run.stderr, "compiled binary");
    const requests = s3.log.slice(first);
    assert.ok(requests.length > 0);
    assert.deepEqual(
      [...new Set(requests.map((r) => r.auth))],
      ["anonymous"],
      "no key from .env signed a request",
    );
  },
);

/** The shared `dist/cloudfits` (built or reused), or failing that, a build of our own in `scratch`. */
async function binaryPath(): Promise<{ path: string; skipped?: undefined } | { skipped: string }> {
  try {
    const shared = await compiledBinary();
    if (shared.skipped !== undefined) return { skipped: shared.skipped };
    return { path: shared.path };
  } catch {
    const path = join(scratch, "cloudfits");
    const args = ["build", "--compile", "--no-compile-autoload-dotenv", "--no-compile-autoload-bunfig"];
    const built = await runChild([BUN, ...args, join(ROOT, "cli.ts"), "--outfile", path]);
    if (built.code !== 0) throw new Error(`bun build failed: ${built.stderr}`);
    return { path };
  }
}
