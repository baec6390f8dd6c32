/**
 * `cloudfits verify --index INDEX` checks every indexed file against its source: fresh data passes
 * (exit 0); a changed size, a same-size rewrite (its header differs), a missing file and, with
 * `--datasum`, a failing DATASUM are reported (exit 5), in text and JSON; on S3, an object replaced
 * under the same key is caught by its ETag. The traffic is one header read per file without
 * `--datasum`.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { copyFile, mkdir, mkdtemp, readFile, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runCli } from "../_support/cli_io.ts";
import { startS3Server } from "../_support/s3_server.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const FIXTURES = ["primary_only", "mef_images", "table_all", "checksum_good", "checksum_bad"];

const scratch = await mkdtemp(join(tmpdir(), "cloudfits-verify-"));
after(() => rm(scratch, { recursive: true, force: true }));

interface Report {
  files: number;
  ok: number;
  problems: {
    path: string;
    status: string;
    detail?: string;
    checksums?: { index: number; checksum: string; datasum: string }[];
  }[];
}

async function makeData(name: string): Promise<{ dir: string; index: string }> {
  const dir = join(scratch, name, "data");
  await mkdir(dir, { recursive: true });
  for (const fixture of FIXTURES) {
    await copyFile(join(ROOT, "testdata", `${fixture}.fits`), join(dir, `${fixture}.fits`));
  }
  const index = join(scratch, name, "data.cfidx");
  const made = await runCli(["index", dir, "-o", index]);
  assert.equal(made.code, 0, made.stderr);
  return { dir, index };
}

async function verify(index: string, ...flags: string[]): Promise<{ code: number; report: Report }> {
  const run = await runCli(["verify", "--index", index, "--json", ...flags]);
  assert.equal(run.stderr, "");
  return { code: run.code, report: JSON.parse(run.stdout) };
}

test("verify passes fresh data, then reports size changes, same-size rewrites and missing files", async () => {
  const { dir, index } = await makeData("local");
  const fresh = await verify(index);
  assert.equal(fresh.code, 0);
  assert.deepEqual(fresh.report, { files: FIXTURES.length, ok: FIXTURES.length, problems: [] });
  const text = await runCli(["verify", "--index", index]);
  assert.equal(text.code, 0);
  assert.equal(text.stdout, `${FIXTURES.length} of ${FIXTURES.length} files match the index\n`);

  // Grown by one block: the size differs.
  const grown = join(dir, "primary_only.fits");
  await writeFile(grown, new Uint8Array(2880), { flag: "a" });
  let result = await verify(index);
  assert.equal(result.code, 5);
  assert.deepEqual(result.report.problems, [
    { path: "primary_only.fits", status: "stale", detail: "size is 8640 bytes, indexed 5760" },
  ]);

  // Same size, different bytes in the primary header (a keyword value changed).
  const rewritten = join(dir, "table_all.fits");
  const bytes = new Uint8Array(await readFile(rewritten));
  bytes.set(new TextEncoder().encode("COMMENT changed in place"), 2880 - 80 * 2);
  await writeFile(rewritten, bytes);
  // Missing.
  await rm(join(dir, "mef_images.fits"));
  result = await verify(index);
  assert.equal(result.code, 5);
  assert.deepEqual(
    result.report.problems.map(({ path, status }) => [path, status]),
    [["mef_images.fits", "missing"], ["primary_only.fits", "stale"], ["table_all.fits", "stale"]],
  );
  assert.match(result.report.problems[0].detail ?? "", /mef_images\.fits: no such file/);
  assert.equal(result.report.problems[2].detail, "the primary header differs from the indexed one");
  assert.equal(result.report.ok, FIXTURES.length - 3);

  const listed = await runCli(["verify", "--index", index]);
  assert.equal(listed.code, 5);
  assert.match(listed.stdout, /^stale\tprimary_only\.fits\tsize is 8640 bytes, indexed 5760$/m);
  assert.match(listed.stdout, /^missing\tmef_images\.fits\t/m);
  assert.match(listed.stdout, /^2 of 5 files match the index$/m);

  // Truncated back to its size: fresh again.
  await truncate(grown, 5760);
  result = await verify(index, "primary_only.fits");
  assert.deepEqual([result.code, result.report.files, result.report.ok], [0, 1, 1]);
});

test("verify --datasum reads the data and reports the HDU whose DATASUM fails", async () => {
  const { index } = await makeData("datasum");
  const quick = await verify(index);
  assert.equal(quick.code, 0, "without --datasum the damaged data goes unnoticed");
  const { code, report } = await verify(index, "--datasum");
  assert.equal(code, 5);
  assert.equal(report.ok, FIXTURES.length - 1);
  assert.equal(report.problems.length, 1);
  const [problem] = report.problems;
  assert.equal(problem.path, "checksum_bad.fits");
  assert.equal(problem.status, "damaged");
  assert.equal(problem.detail, "HDU 1 fails DATASUM");
  assert.deepEqual(problem.checksums?.map((c) => [c.index, c.datasum]), [[0, "ok"], [1, "bad"], [2, "ok"]]);

  // Without header text in the index, the file's own headers are checked and summed.
  const structural = join(scratch, "datasum", "structural.cfidx");
  const made = await runCli([
    "index",
    join(scratch, "datasum", "data"),
    "-o",
    structural,
    "--no-header-text",
  ]);
  assert.equal(made.code, 0, made.stderr);
  const again = await verify(structural, "--datasum");
  assert.equal(again.code, 5);
  assert.deepEqual(again.report.problems.map((p) => [p.path, p.detail]), [[
    "checksum_bad.fits",
    "HDU 1 fails DATASUM",
  ]]);
  assert.deepEqual((await verify(structural)).report.problems, []);
});

test("verify on S3: one header read per object; an object replaced under its key is stale by ETag", {
  timeout: 60_000,
}, async () => {
  const server = await startS3Server();
  try {
    const env = { AWS_ACCESS_KEY_ID: server.accessKeyId, AWS_SECRET_ACCESS_KEY: server.secretAccessKey };
    const endpoint = ["--endpoint-url", server.endpoint];
    const put = async (key: string, fixture: string) => {
      const body = new Uint8Array(await readFile(join(ROOT, "testdata", `${fixture}.fits`)));
      const response = await server.client.fetch(`${server.endpoint}/private/${key}`, {
        method: "PUT",
        body,
      });
      assert.equal(response.status, 200, await response.text());
    };
    for (const fixture of ["primary_only", "table_all", "checksum_good"]) {
      await put(`v/${fixture}.fits`, fixture);
    }
    const index = join(scratch, "s3.cfidx");
    const made = await runCli(["index", "s3://private/v/", "-o", index, ...endpoint], env);
    assert.equal(made.code, 0, made.stderr);

    let first = server.log.length;
    let run = await runCli(["verify", "--index", index, "--json", ...endpoint], env);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), { files: 3, ok: 3, problems: [] });
    const reads = server.log.slice(first);
    assert.deepEqual(
      reads.map((r) => [r.method, r.path, r.range, r.status]).sort(),
      [
        ["GET", "/private/v/checksum_good.fits", "bytes=0-2879", 206],
        ["GET", "/private/v/primary_only.fits", "bytes=0-2879", 206],
        ["GET", "/private/v/table_all.fits", "bytes=0-2879", 206],
      ],
    );

    // Same size, same header, different data: only the ETag tells.
    const original = new Uint8Array(await readFile(join(ROOT, "testdata/table_all.fits")));
    const changed = original.slice();
    changed[changed.length - 1] ^= 0xff;
    const response = await server.client.fetch(`${server.endpoint}/private/v/table_all.fits`, {
      method: "PUT",
      body: changed,
    });
    assert.equal(response.status, 200);
    first = server.log.length;
    run = await runCli(["verify", "--index", index, "--json", ...endpoint], env);
    assert.equal(run.code, 5, run.stderr);
    const report: Report = JSON.parse(run.stdout);
    assert.deepEqual(report.problems.map((p) => [p.path, p.status]), [["table_all.fits", "stale"]]);
    assert.match(report.problems[0].detail ?? "", /ETag/i);
    assert.ok(!server.log.slice(first).some((r) => r.method !== "GET"), "verify only reads");

    // Deleted: missing.
    const deleted = await server.client.fetch(`${server.endpoint}/private/v/primary_only.fits`, {
      method: "DELETE",
    });
    assert.equal(deleted.status, 204);
    run = await runCli(["verify", "--index", index, "--json", ...endpoint], env);
    assert.deepEqual(
      JSON.parse(run.stdout).problems.map((p: { path: string; status: string }) => [p.path, p.status]),
      [["primary_only.fits", "missing"], ["table_all.fits", "stale"]],
    );

    // Wrong credentials: nothing could be checked; the exit code says why (4), not "stale".
    run = await runCli(["verify", "--index", index, "--json", ...endpoint], {
      ...env,
      AWS_SECRET_ACCESS_KEY: "wrong",
    });
    assert.equal(run.code, 4, run.stdout);
    assert.deepEqual(
      JSON.parse(run.stdout).problems.map((p: { status: string }) => p.status),
      ["error", "error", "error"],
    );
  } finally {
    await server.close();
  }
});
