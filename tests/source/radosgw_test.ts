/**
 * cloudfits against a real, signature-verifying S3: Ceph's RADOS Gateway on loopback
 * (tests/_support/radosgw.ts; started once for this file, ~15 s). Signed, anonymous-public, presigned
 * and wrong-secret reads, and listings of keys with `%`, `+`, spaces and non-ASCII letters, through the
 * library's S3 source and through `cloudfits index`, `ls --index` and `cutout`. Without the Ceph
 * packages the tests are skipped with the reason printed.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AwsV4Signer } from "aws4fetch";
import { httpSource } from "../../src/source/http.ts";
import { s3Source } from "../../src/source/s3.ts";
import { s3ListObjects } from "../../src/source/s3_list.ts";
import { fixture } from "../_support/fixtures.ts";
import { rejectsWith } from "../_support/expect_error.ts";
import { runCli } from "../_support/cli_io.ts";
import { type Radosgw, radosgwMissing, startRadosgw } from "../_support/radosgw.ts";

const missing = radosgwMissing();
if (missing !== undefined) console.warn(`warning: ${missing}`);
const rgw: Radosgw | undefined = missing === undefined ? await startRadosgw() : undefined;
after(() => rgw?.close());
const skip = missing ?? false;

const image = fixture("primary_only");
const ODD_KEYS = [
  "odd/100%.fits",
  "odd/a%2Fb.fits",
  "odd/x+y.fits",
  "odd/sp ace.fits",
  "odd/Überschrift é.fits",
];
if (rgw !== undefined) {
  await rgw.createBucket("private");
  await rgw.createBucket("public", { publicRead: true });
  await rgw.putObject("private", "data/image.fits", image);
  await rgw.putObject("public", "data/image.fits", image, { publicRead: true });
  for (const key of ODD_KEYS) await rgw.putObject("private", key, image);
}
const directory = mkdtempSync(join(tmpdir(), "cloudfits-radosgw-test-"));
after(() => rmSync(directory, { recursive: true, force: true }));

const credentials = () => ({ accessKeyId: rgw!.accessKeyId, secretAccessKey: rgw!.secretAccessKey });
const cliEnv = (secret = rgw!.secretAccessKey) => ({
  AWS_ACCESS_KEY_ID: rgw!.accessKeyId,
  AWS_SECRET_ACCESS_KEY: secret,
  AWS_EC2_METADATA_DISABLED: "true",
});

test("a signed read of a private object: the bytes asked for, in one request", { skip }, async () => {
  const requests: string[] = [];
  const source = s3Source({
    bucket: "private",
    key: "data/image.fits",
    endpoint: rgw!.endpoint,
    credentials: credentials(),
    onRequest: (event) => requests.push(`${event.status} ${event.offset}+${event.length}`),
  });
  assert.deepEqual(await source.read(2880, 100), image.subarray(2880, 2980));
  assert.deepEqual(requests, ["206 2880+100"]);
});

test("anonymous reads: a public-read object is readable, a private one is refused", { skip }, async () => {
  const open = (bucket: string) => s3Source({ bucket, key: "data/image.fits", endpoint: rgw!.endpoint });
  assert.deepEqual(await open("public").read(0, 80), image.subarray(0, 80));
  await rejectsWith(open("private").read(0, 80), "FORBIDDEN", /HTTP 403.*sent without credentials/);
  const result = await runCli([
    "cutout",
    "s3://public/data/image.fits[0][1:2,1:2]",
    "--endpoint-url",
    rgw!.endpoint,
    "--no-sign-request",
    "-o",
    "-",
    "--json",
  ]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(JSON.parse(result.stdout).shape.join("x"), "2x2");
});

test("a presigned URL reads ranges; a tampered one is refused", { skip }, async () => {
  const signer = new AwsV4Signer({
    url: `${rgw!.endpoint}/private/data/image.fits`,
    ...credentials(),
    service: "s3",
    region: "us-east-1",
    signQuery: true,
  });
  const url = (await signer.sign()).url.toString();
  assert.deepEqual(await httpSource(url).read(2880, 16), image.subarray(2880, 2896));
  const tampered = url.replace(
    /X-Amz-Signature=([0-9a-f])/,
    (_, c) => `X-Amz-Signature=${c === "0" ? "1" : "0"}`,
  );
  await rejectsWith(httpSource(tampered).read(0, 16), "FORBIDDEN", /HTTP 403/);
});

test("a wrong secret: exit 4 and SignatureDoesNotMatch, never the secret", { skip }, async () => {
  const wrong = "not-the-secret-0123456789";
  const result = await runCli(
    ["header", "s3://private/data/image.fits", "--endpoint-url", rgw!.endpoint],
    cliEnv(wrong),
  );
  assert.equal(result.code, 4, result.stderr);
  assert.match(
    result.stderr,
    /SignatureDoesNotMatch: the signature was rejected; check the secret access key/,
  );
  assert.ok(!result.stderr.includes(wrong) && !result.stdout.includes(wrong));
});

test("listings keep keys with %, +, spaces and non-ASCII letters exactly", { skip }, async () => {
  const keys: string[] = [];
  for await (
    const object of s3ListObjects({
      bucket: "private",
      prefix: "odd/",
      endpoint: rgw!.endpoint,
      credentials: credentials(),
    })
  ) keys.push(object.key);
  assert.deepEqual(keys.sort(), [...ODD_KEYS].sort());
});

test(
  "cloudfits index of a prefix with such keys, then ls --index and a cutout through the index",
  { skip },
  async () => {
    const index = join(directory, "odd.cfidx");
    const env = cliEnv();
    const endpoint = ["--endpoint-url", rgw!.endpoint];
    const built = await runCli(["index", "s3://private/odd/", "-o", index, ...endpoint], env);
    assert.equal(built.code, 0, built.stderr);
    const listed = await runCli(["ls", "--index", index, "--json", ...endpoint], env);
    assert.equal(listed.code, 0, listed.stderr);
    const paths = JSON.parse(listed.stdout).files.map((file: { path: string }) => file.path);
    assert.deepEqual(paths.sort(), ODD_KEYS.map((key) => key.slice("odd/".length)).sort());
    for (const key of ODD_KEYS) {
      const name = key.slice("odd/".length);
      const cut = await runCli([
        "cutout",
        `${name}[0][1:2,1:2]`,
        "--index",
        index,
        "-o",
        "-",
        "--json",
        ...endpoint,
      ], env);
      assert.equal(cut.code, 0, `${name}: ${cut.stderr}`);
      assert.equal(JSON.parse(cut.stdout).shape.join("x"), "2x2");
    }
  },
);
