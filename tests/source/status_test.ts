/**
 * The one status table (src/source/status.ts): each error status gives the same code, reason and
 * retryability whichever provider and request met it — range reads over HTTP, S3, GCS and Azure,
 * listings and uploads — and providers add only their hints.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { CloudFitsErrorCode } from "../../src/errors.ts";
import { azurePutBlob, azureSource } from "../../src/source/azure.ts";
import { azureListBlobs } from "../../src/source/azure_list.ts";
import { gcsListObjects, gcsSource } from "../../src/source/gcs.ts";
import { type FetchLike, httpSource } from "../../src/source/http.ts";
import { s3PutObject, s3Source } from "../../src/source/s3.ts";
import { s3ListObjects } from "../../src/source/s3_list.ts";
import { parseRetryAfter, responseError, statusError, statusRule } from "../../src/source/status.ts";
import { rejectsWith } from "../_support/expect_error.ts";

/** status → code, reason for an object read, reason otherwise, retried. */
const TABLE: [number, CloudFitsErrorCode, string, string, boolean][] = [
  [401, "FORBIDDEN", "unauthorized", "unauthorized", false],
  [403, "FORBIDDEN", "not found or forbidden", "forbidden", false],
  [404, "NOT_FOUND", "not found", "not found", false],
  [410, "NOT_FOUND", "not found", "not found", false],
  [429, "NETWORK", "too many requests", "too many requests", true],
  [500, "NETWORK", "server error", "server error", true],
  [502, "NETWORK", "server error", "server error", true],
  [503, "NETWORK", "service unavailable", "service unavailable", true],
  [504, "NETWORK", "server error", "server error", true],
  [301, "BAD_RESPONSE", "unexpected answer", "unexpected answer", false],
  [400, "BAD_RESPONSE", "unexpected answer", "unexpected answer", false],
  [409, "BAD_RESPONSE", "unexpected answer", "unexpected answer", false],
];

test("statusRule: the documented table", () => {
  for (const [status, code, objectReason, reason, retryable] of TABLE) {
    assert.deepEqual(statusRule(status, true), { code, reason: objectReason, retryable }, `${status} object`);
    assert.deepEqual(statusRule(status), { code, reason, retryable }, String(status));
  }
});

test("statusError: 'Cannot ACTION: REASON (HTTP N): HINT', Retry-After only on retryable answers", () => {
  const headers = new Headers({ "retry-after": "3" });
  const context = { action: "list https://h/b", url: "https://h/b" };
  const throttled = statusError(429, headers, context, "SlowDown");
  assert.equal(throttled.message, "Cannot list https://h/b: too many requests (HTTP 429): SlowDown");
  assert.deepEqual([throttled.code, throttled.status, throttled.url, throttled.retryAfterMs], [
    "NETWORK",
    429,
    "https://h/b",
    3000,
  ]);
  const forbidden = statusError(403, headers, { ...context, offset: 7, object: true });
  assert.equal(forbidden.message, "Cannot list https://h/b: not found or forbidden (HTTP 403)");
  assert.equal(forbidden.offset, 7);
  assert.equal(forbidden.retryAfterMs, undefined);
  assert.equal(parseRetryAfter("Thu, 01 Jan 1970 00:00:10 GMT", 4000), 6000);
  assert.equal(parseRetryAfter("soon"), undefined);
});

test("responseError reads at most 16 KiB of the body for the explainer and passes the headers", async () => {
  const big = "x".repeat(100_000);
  let seen = -1;
  const error = await responseError(
    new Response(`<Code>Big</Code>${big}`, { status: 500, headers: { "x-hint": "from-header" } }),
    { action: "upload https://h/k", url: "https://h/k" },
    (status, body, headers) => (seen = body.length, `${status} ${headers.get("x-hint")}`),
  );
  assert.equal(seen, 16 * 1024);
  assert.equal(error.message, "Cannot upload https://h/k: server error (HTTP 500): 500 from-header");
});

/** A fetch that answers every request with one status, a small XML body and `Retry-After: 1`. */
function answering(status: number): FetchLike {
  return () =>
    Promise.resolve(
      new Response(`<Error><Code>Code${status}</Code><Message>said ${status}</Message></Error>`, {
        status,
        headers: { "retry-after": "1", "x-ms-error-code": `Code${status}` },
      }),
    );
}

/** Every request kind of every provider, failing with `status`. */
function requests(status: number): [string, boolean, () => Promise<unknown>][] {
  const fetch = answering(status);
  const body = new Uint8Array(3);
  const azure = { account: "acct", blobEndpoint: "http://127.0.0.1:1/acct", fetch };
  const drain = async (items: AsyncIterable<unknown>) => {
    for await (const _ of items) { /* nothing */ }
  };
  return [
    ["http read", true, () => httpSource("http://127.0.0.1:1/a.fits", { fetch }).read(0, 10)],
    [
      "s3 read",
      true,
      () => s3Source({ bucket: "b", key: "k", endpoint: "http://127.0.0.1:1", fetch }).read(0, 10),
    ],
    [
      "gcs read",
      true,
      () => gcsSource({ bucket: "b", key: "k", endpoint: "http://127.0.0.1:1", fetch }).read(0, 10),
    ],
    ["azure read", true, () => azureSource({ ...azure, container: "c", blob: "k" }).read(0, 10)],
    ["s3 list", false, () => drain(s3ListObjects({ bucket: "b", endpoint: "http://127.0.0.1:1", fetch }))],
    ["gcs list", false, () => drain(gcsListObjects({ bucket: "b", endpoint: "http://127.0.0.1:1", fetch }))],
    ["azure list", false, () => drain(azureListBlobs({ ...azure, container: "c" }))],
    [
      "s3 upload",
      false,
      () => s3PutObject({ bucket: "b", key: "k", endpoint: "http://127.0.0.1:1", body, fetch }),
    ],
    ["azure upload", false, () => azurePutBlob({ ...azure, container: "c", blob: "k", body })],
  ];
}

test("every provider and request kind maps a status the same way, with its own hint after it", async () => {
  for (const [status, code, objectReason, reason, retryable] of TABLE) {
    for (const [name, object, run] of requests(status)) {
      const label = `${name}, HTTP ${status}`;
      const words = object ? objectReason : reason;
      const error = await rejectsWith(run(), code, new RegExp(`: ${words} \\(HTTP ${status}\\)`), { label });
      assert.equal(error.status, status, label);
      assert.equal(error.retryAfterMs, retryable ? 1000 : undefined, label);
      // Each cloud provider's hint names the error code of the body; plain HTTP adds none.
      if (name === "http read") assert.match(error.message, new RegExp(`\\(HTTP ${status}\\)$`), label);
      else assert.match(error.message, new RegExp(`\\(HTTP ${status}\\): .*Code${status}`), label);
    }
  }
});

test("provider hints plug in: S3's region header, Azure's x-ms-error-code without a body", async () => {
  const s3 = s3Source({
    bucket: "b",
    key: "k",
    region: "us-east-2",
    fetch: () =>
      Promise.resolve(
        new Response("<Error><Code>PermanentRedirect</Code></Error>", {
          status: 301,
          headers: { "x-amz-bucket-region": "us-east-2" },
        }),
      ),
  });
  await rejectsWith(
    s3.read(0, 10),
    "BAD_RESPONSE",
    /unexpected answer \(HTTP 301\): PermanentRedirect: the bucket is in us-east-2; pass --region us-east-2$/,
  );
  const azure = azureSource({
    account: "acct",
    container: "c",
    blob: "k",
    fetch: () =>
      Promise.resolve(new Response(null, { status: 404, headers: { "x-ms-error-code": "BlobNotFound" } })),
  });
  await rejectsWith(azure.read(0, 10), "NOT_FOUND", /: not found \(HTTP 404\): BlobNotFound$/);
});
