import { after, test } from "node:test";
import assert from "node:assert/strict";
import { AwsV4Signer } from "aws4fetch";
import { s3PutObject, s3Source } from "../../src/source/s3.ts";
import { parseS3Error, s3ErrorHint, s3ResponseError } from "../../src/source/s3_errors.ts";
import { type AwsCredentials, s3Fetch } from "../../src/source/s3_fetch.ts";
import { s3BucketUrl, s3ObjectUrl } from "../../src/source/s3_url.ts";
import { parseListPage, s3ListObjects } from "../../src/source/s3_list.ts";
import { objectMaker } from "../_support/fixtures.ts";
import { assertCloudFitsError, rejectsWith } from "../_support/expect_error.ts";
import { recordingFetch } from "../_support/recording_fetch.ts";
import { expectedSignature, startS3Server } from "../_support/s3_server.ts";

const server = await startS3Server();
after(() => server.close());
const endpoint = server.endpoint;
const credentials: AwsCredentials = {
  accessKeyId: server.accessKeyId,
  secretAccessKey: server.secretAccessKey,
};

const data = new Uint8Array(10_000).map((_, i) => (i * 31 + (i >> 7)) % 256);
/** Put a fresh object (own key) in a bucket and return its key and the proxy traffic for it. */
const object = objectMaker(server, "dir", data);

// AWS's documented SigV4 example "GET Object" with a Range header (Amazon S3 API reference,
// "Examples: Signature Calculations in AWS Signature Version 4"). aws4fetch never signs Range unless
// allHeaders is set, so the vector needs it.
const AWS_EXAMPLE = {
  accessKeyId: "AKIAIOSFODNN7EXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
  emptyHash: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  signature: "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
};

test("aws4fetch reproduces AWS's documented 'GET Object with Range' signature", async () => {
  const signer = new AwsV4Signer({
    method: "GET",
    url: "https://examplebucket.s3.amazonaws.com/test.txt",
    headers: { range: "bytes=0-9", "x-amz-content-sha256": AWS_EXAMPLE.emptyHash },
    accessKeyId: AWS_EXAMPLE.accessKeyId,
    secretAccessKey: AWS_EXAMPLE.secretAccessKey,
    service: "s3",
    region: "us-east-1",
    datetime: "20130524T000000Z",
    allHeaders: true,
  });
  const { headers } = await signer.sign();
  assert.equal(
    headers.get("authorization"),
    "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, " +
      `SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=${AWS_EXAMPLE.signature}`,
  );
});

test("the test server's verifier reproduces the same AWS example independently of aws4fetch", async () => {
  const signature = await expectedSignature({
    method: "GET",
    rawPath: "/test.txt",
    query: new URLSearchParams(),
    headers: {
      host: "examplebucket.s3.amazonaws.com",
      range: "bytes=0-9",
      "x-amz-content-sha256": AWS_EXAMPLE.emptyHash,
      "x-amz-date": "20130524T000000Z",
    },
    signedHeaders: ["host", "range", "x-amz-content-sha256", "x-amz-date"],
    payloadHash: AWS_EXAMPLE.emptyHash,
    amzDate: "20130524T000000Z",
    scope: "20130524/us-east-1/s3/aws4_request",
    accessKeyId: AWS_EXAMPLE.accessKeyId,
    secret: AWS_EXAMPLE.secretAccessKey,
  });
  assert.equal(signature, AWS_EXAMPLE.signature);
  const wrong = await expectedSignature({
    method: "GET",
    rawPath: "/test.txt",
    query: new URLSearchParams(),
    headers: { host: "examplebucket.s3.amazonaws.com", range: "bytes=0-8" },
    signedHeaders: ["host", "range"],
    payloadHash: AWS_EXAMPLE.emptyHash,
    amzDate: "20130524T000000Z",
    scope: "20130524/us-east-1/s3/aws4_request",
    accessKeyId: AWS_EXAMPLE.accessKeyId,
    secret: AWS_EXAMPLE.secretAccessKey,
  });
  assert.notEqual(wrong, AWS_EXAMPLE.signature);
});

test("s3ObjectUrl picks virtual-hosted, path-style and custom-endpoint URLs", () => {
  assert.equal(
    s3ObjectUrl({ bucket: "stpubdata", key: "tess/a+b c.fits", region: "us-east-1" }),
    "https://stpubdata.s3.us-east-1.amazonaws.com/tess/a%2Bb%20c.fits",
  );
  assert.equal(s3ObjectUrl({ bucket: "b", key: "k" }), "https://b.s3.us-east-1.amazonaws.com/k");
  assert.equal(
    s3ObjectUrl({ bucket: "my.dotted.bucket", key: "k", region: "eu-west-1" }),
    "https://s3.eu-west-1.amazonaws.com/my.dotted.bucket/k",
  );
  assert.equal(
    s3ObjectUrl({ bucket: "b", key: "a/b", region: "us-west-2", forcePathStyle: true }),
    "https://s3.us-west-2.amazonaws.com/b/a/b",
  );
  assert.equal(
    s3ObjectUrl({ bucket: "b", key: "k(1)", endpoint: "http://127.0.0.1:9000/" }),
    "http://127.0.0.1:9000/b/k%281%29",
  );
  assert.equal(
    s3ObjectUrl({
      bucket: "space",
      key: "k",
      endpoint: "https://nyc3.digitaloceanspaces.com",
      forcePathStyle: false,
    }),
    "https://space.nyc3.digitaloceanspaces.com/k",
  );
  assert.equal(s3BucketUrl({ bucket: "b", endpoint: "http://127.0.0.1:9000" }), "http://127.0.0.1:9000/b");
  assert.equal(s3BucketUrl({ bucket: "b", region: "ap-south-1" }), "https://b.s3.ap-south-1.amazonaws.com/");
  assert.throws(() => s3ObjectUrl({ bucket: "", key: "k" }), TypeError);
  assert.throws(() => s3ObjectUrl({ bucket: "a/b", key: "k" }), TypeError);
  assert.throws(() => s3ObjectUrl({ bucket: "b", key: "a/../k" }), TypeError);
});

test("s3Fetch signs with service s3 and the region, signs the request-payer header, never Range", async () => {
  const fake = recordingFetch(() => new Response("ok"));
  const signed = s3Fetch({
    bucket: "b",
    region: "eu-central-1",
    credentials,
    requestPayer: true,
    fetch: fake.fetch,
  });
  await signed("https://b.s3.eu-central-1.amazonaws.com/k", { headers: { range: "bytes=0-9" } });
  const [request] = fake.requests;
  const authorization = request.headers.get("authorization") ?? "";
  assert.match(
    authorization,
    /^AWS4-HMAC-SHA256 Credential=AKIDCLOUDFITSTEST\/\d{8}\/eu-central-1\/s3\/aws4_request, /,
  );
  const signedHeaders = /SignedHeaders=([^,]+)/.exec(authorization)?.[1].split(";");
  assert.deepEqual(signedHeaders, ["host", "x-amz-content-sha256", "x-amz-date", "x-amz-request-payer"]);
  assert.equal(request.headers.get("x-amz-request-payer"), "requester");
  assert.equal(request.headers.get("x-amz-content-sha256"), "UNSIGNED-PAYLOAD");
  assert.equal(request.headers.get("range"), "bytes=0-9");
});

test("s3Fetch without credentials sends unsigned requests and no request-payer header unless asked", async () => {
  const fake = recordingFetch(() => new Response("ok"));
  await s3Fetch({ bucket: "b", fetch: fake.fetch })("https://b.s3.us-east-1.amazonaws.com/k");
  assert.equal(fake.requests.length, 1);
  assert.equal(fake.requests[0].headers.get("authorization"), null);
  assert.equal(fake.requests[0].headers.get("x-amz-request-payer"), null);
});

test("s3Fetch asks a credential provider before every request, so refreshed keys are used", async () => {
  const fake = recordingFetch(() => new Response("ok"));
  let calls = 0;
  const provider = () => {
    calls++;
    return Promise.resolve({
      accessKeyId: `KEY${calls}`,
      secretAccessKey: "s",
      sessionToken: `token${calls}`,
    });
  };
  const signed = s3Fetch({ bucket: "b", credentials: provider, fetch: fake.fetch });
  await signed("https://b.s3.us-east-1.amazonaws.com/k");
  await signed("https://b.s3.us-east-1.amazonaws.com/k");
  assert.equal(calls, 2);
  assert.match(fake.requests[0].headers.get("authorization") ?? "", /Credential=KEY1\//);
  assert.match(fake.requests[1].headers.get("authorization") ?? "", /Credential=KEY2\//);
  assert.equal(fake.requests[1].headers.get("x-amz-security-token"), "token2");
});

test("s3Fetch follows a 301 to the bucket's region once, rewriting the AWS host, and remembers it", async () => {
  const fake = recordingFetch((url) =>
    url.includes(".eu-west-1.")
      ? new Response("data")
      : new Response("<Error><Code>PermanentRedirect</Code></Error>", {
        status: 301,
        headers: { "x-amz-bucket-region": "eu-west-1" },
      })
  );
  const regionCache = new Map<string, string>();
  const signed = s3Fetch({ bucket: "b", region: "us-east-1", credentials, fetch: fake.fetch, regionCache });
  const response = await signed("https://b.s3.us-east-1.amazonaws.com/k");
  assert.equal(await response.text(), "data");
  assert.deepEqual(fake.requests.map((r) => r.url), [
    "https://b.s3.us-east-1.amazonaws.com/k",
    "https://b.s3.eu-west-1.amazonaws.com/k",
  ]);
  assert.match(fake.requests[1].headers.get("authorization") ?? "", /\/eu-west-1\/s3\/aws4_request/);
  assert.equal(regionCache.get("b"), "eu-west-1");
  await signed("https://b.s3.us-east-1.amazonaws.com/k2");
  assert.equal(fake.requests.length, 3, "the learnt region is used directly");
  assert.equal(fake.requests[2].url, "https://b.s3.eu-west-1.amazonaws.com/k2");
});

test("s3Fetch follows a wrong region only once, and ignores other 400s", async () => {
  let region = 0;
  const bouncing = recordingFetch(() =>
    new Response(`<Error><Code>AuthorizationHeaderMalformed</Code><Region>r${++region}</Region></Error>`, {
      status: 400,
    })
  );
  const response = await s3Fetch({ bucket: "b", credentials, fetch: bouncing.fetch })(
    "http://127.0.0.1:1/b/k",
  );
  assert.equal(response.status, 400);
  assert.equal(bouncing.requests.length, 2);
  assert.equal(bouncing.requests[1].url, "http://127.0.0.1:1/b/k", "custom endpoints keep their host");

  const other = recordingFetch(() =>
    new Response("<Error><Code>InvalidArgument</Code></Error>", { status: 400 })
  );
  const answer = await s3Fetch({ bucket: "b", credentials, fetch: other.fetch })("http://127.0.0.1:1/b/k");
  assert.equal(answer.status, 400);
  assert.equal(await answer.text(), "<Error><Code>InvalidArgument</Code></Error>", "the body stays readable");
  assert.equal(other.requests.length, 1);
});

test("s3Source reads signed ranges from a private bucket with one request per read", async () => {
  const { key, requests } = await object("private");
  const source = s3Source({ bucket: "private", key, endpoint, credentials });
  assert.deepEqual(await source.read(100, 50), data.subarray(100, 150));
  assert.equal(source.size, data.length);
  assert.deepEqual(await source.read(9_990, 100), data.subarray(9_990));
  const log = requests();
  assert.deepEqual(log.map((r) => [r.method, r.range, r.status, r.bytes, r.auth, r.region]), [
    ["GET", "bytes=100-149", 206, 50, "header", "us-east-1"],
    ["GET", "bytes=9990-9999", 206, 10, "header", "us-east-1"],
  ]);
  assert.ok(log.every((r) => !r.signedHeaders.includes("range")), "Range is not signed");
});

test("s3Source handles keys that need encoding (+, spaces, parentheses, unicode)", async () => {
  const key = "odd dir/a+b (1) é.fits";
  await server.putObject("private", key, data.subarray(0, 100));
  const source = s3Source({ bucket: "private", key, endpoint, credentials });
  assert.deepEqual(await source.read(0, 100), data.subarray(0, 100));
  const [entry] = server.log.filter((r) => r.path.includes("a%2Bb"));
  assert.equal(entry.path, "/private/odd%20dir/a%2Bb%20%281%29%20%C3%A9.fits");
  assert.equal(entry.status, 206);
});

test("s3Source reads a public bucket anonymously; a private bucket refuses anonymous reads", async () => {
  const open = await object("public");
  const source = s3Source({ bucket: "public", key: open.key, endpoint });
  assert.deepEqual(await source.read(0, 10), data.subarray(0, 10));
  assert.deepEqual(open.requests().map((r) => [r.auth, r.status, r.bytes]), [["anonymous", 206, 10]]);

  const closed = await object("private");
  await rejectsWith(
    s3Source({ bucket: "private", key: closed.key, endpoint }).read(0, 10),
    "FORBIDDEN",
    /403.*AccessDenied.*without credentials/,
  );
  await rejectsWith(
    s3Source({ bucket: "private", key: closed.key, endpoint, credentials: () => undefined }).read(0, 10),
    "FORBIDDEN",
    /without credentials/,
  );
  assert.deepEqual(closed.requests().map((r) => [r.auth, r.status, r.rejected]), [
    ["anonymous", 403, "AccessDenied"],
    ["anonymous", 403, "AccessDenied"],
  ]);
});

test("a requester-pays bucket rejects reads without the flag, with a hint, and accepts them with it", async () => {
  const { key, requests } = await object("payer");
  await rejectsWith(
    s3Source({ bucket: "payer", key, endpoint, credentials }).read(0, 10),
    "FORBIDDEN",
    /not found or forbidden.*if the bucket is requester-pays, pass --request-payer requester/,
  );
  const paying = s3Source({ bucket: "payer", key, endpoint, credentials, requestPayer: true });
  assert.deepEqual(await paying.read(0, 10), data.subarray(0, 10));
  const log = requests();
  assert.deepEqual(log.map((r) => [r.requestPayer, r.status]), [[false, 403], [true, 206]]);
  assert.ok(log[1].signedHeaders.includes("x-amz-request-payer"), "the request-payer header is signed");
});

test("temporary credentials need their session token", async () => {
  const { key, requests } = await object("private");
  const good = s3Source({ bucket: "private", key, endpoint, credentials: server.temporary });
  assert.deepEqual(await good.read(0, 10), data.subarray(0, 10));
  const bad = s3Source({
    bucket: "private",
    key,
    endpoint,
    credentials: { ...server.temporary, sessionToken: "stale" },
  });
  await rejectsWith(bad.read(0, 10), "FORBIDDEN", /InvalidToken.*refresh the temporary credentials/);
  const withoutToken = s3Source({
    bucket: "private",
    key,
    endpoint,
    credentials: {
      accessKeyId: server.temporary.accessKeyId,
      secretAccessKey: server.temporary.secretAccessKey,
    },
  });
  await rejectsWith(withoutToken.read(0, 10), "FORBIDDEN", /InvalidToken/);
  assert.deepEqual(requests().map((r) => r.status), [206, 403, 403]);
  assert.ok(requests()[0].signedHeaders.includes("x-amz-security-token"));
});

test("a wrong secret is rejected as SignatureDoesNotMatch, an unknown key as InvalidAccessKeyId", async () => {
  const { key, requests } = await object("private");
  const wrongSecret = s3Source({
    bucket: "private",
    key,
    endpoint,
    credentials: { ...credentials, secretAccessKey: "x" },
  });
  await rejectsWith(
    wrongSecret.read(0, 10),
    "FORBIDDEN",
    /SignatureDoesNotMatch.*check the secret access key/,
  );
  const unknownKey = s3Source({
    bucket: "private",
    key,
    endpoint,
    credentials: { ...credentials, accessKeyId: "AKIDNOPE" },
  });
  await rejectsWith(unknownKey.read(0, 10), "FORBIDDEN", /InvalidAccessKeyId/);
  assert.deepEqual(requests().map((r) => r.rejected), ["SignatureDoesNotMatch", "InvalidAccessKeyId"]);
  assert.ok(!JSON.stringify(requests()).includes(credentials.secretAccessKey));
});

test("a missing key is 404 NoSuchKey with s3:ListBucket and 403 'not found or forbidden' without", async () => {
  await rejectsWith(
    s3Source({ bucket: "private", key: "nope.fits", endpoint, credentials }).read(0, 10),
    "NOT_FOUND",
    /not found \(HTTP 404\).*NoSuchKey/,
  );
  await rejectsWith(
    s3Source({ bucket: "locked", key: "nope.fits", endpoint, credentials }).read(0, 10),
    "FORBIDDEN",
    /nope\.fits: not found or forbidden \(HTTP 403\).*S3 returns 403 for a missing key without s3:ListBucket/,
  );
  const existing = await object("locked");
  const source = s3Source({ bucket: "locked", key: existing.key, endpoint, credentials });
  assert.deepEqual(await source.read(0, 4), data.subarray(0, 4));
});

test("s3Source follows a 301 wrong-region answer once and keeps the learnt region", async () => {
  const { key, requests } = await object("elsewhere");
  const regionCache = new Map<string, string>();
  const source = s3Source({
    bucket: "elsewhere",
    key,
    endpoint,
    credentials,
    region: "us-east-1",
    regionCache,
  });
  assert.deepEqual(await source.read(0, 10), data.subarray(0, 10));
  assert.deepEqual(await source.read(10, 10), data.subarray(10, 20));
  assert.deepEqual(requests().map((r) => [r.region, r.status, r.range]), [
    ["us-east-1", 301, "bytes=0-9"],
    ["eu-west-1", 206, "bytes=0-9"],
    ["eu-west-1", 206, "bytes=10-19"],
  ]);
  assert.equal(regionCache.get("elsewhere"), "eu-west-1");
});

test("s3Source follows a 400 AuthorizationHeaderMalformed naming the region in XML", async () => {
  const { key, requests } = await object("elsewhere400");
  const source = s3Source({ bucket: "elsewhere400", key, endpoint, credentials, region: "ap-southeast-2" });
  assert.deepEqual(await source.read(5, 5), data.subarray(5, 10));
  assert.deepEqual(requests().map((r) => [r.region, r.status, r.rejected]), [
    ["ap-southeast-2", 400, "AuthorizationHeaderMalformed"],
    ["eu-west-1", 206, undefined],
  ]);
});

test("a wrong region that persists after one retry fails with the region in the message", async () => {
  const fake = recordingFetch(() =>
    new Response(
      "<Error><Code>PermanentRedirect</Code><Endpoint>b.s3.eu-west-1.amazonaws.com</Endpoint></Error>",
      {
        status: 301,
        headers: { "x-amz-bucket-region": "eu-west-1" },
      },
    )
  );
  const source = s3Source({ bucket: "b", key: "k", region: "us-east-2", credentials, fetch: fake.fetch });
  await rejectsWith(
    source.read(0, 10),
    "BAD_RESPONSE",
    /HTTP 301.*the bucket is in eu-west-1; pass --region eu-west-1/,
  );
  assert.deepEqual(fake.requests.map((r) => r.url), [
    "https://b.s3.us-east-2.amazonaws.com/k",
    "https://b.s3.eu-west-1.amazonaws.com/k",
  ]);
});

test("s3ListObjects pages through ListObjectsV2 with continuation tokens", async () => {
  const prefix = `list-${Date.now()}/`;
  const keys = ["a.fits", "b.fits", "c d.fits", "e+f.fits", "g.fits"].map((name) => prefix + name);
  for (const [i, key] of keys.entries()) await server.putObject("private", key, data.subarray(0, i + 1));
  await server.putObject("private", `other-${Date.now()}.fits`, data.subarray(0, 1));
  const before = server.log.length;
  const listed = [];
  for await (const entry of s3ListObjects({ bucket: "private", prefix, maxKeys: 2, endpoint, credentials })) {
    listed.push(entry);
  }
  assert.deepEqual(listed.map((o) => [o.key, o.size]), keys.map((key, i) => [key, i + 1]));
  assert.match(listed[0].etag ?? "", /^[0-9a-f]{32}$/);
  assert.ok(listed.every((o) => o.lastModified !== undefined && !Number.isNaN(Date.parse(o.lastModified))));
  const traffic = server.log.slice(before);
  assert.equal(traffic.length, 3);
  assert.ok(
    traffic.every((r) =>
      r.status === 200 && r.auth === "header" && r.path.startsWith("/private?list-type=2")
    ),
  );
  assert.ok(!traffic[0].path.includes("continuation-token"));
  assert.ok(
    traffic[1].path.includes("continuation-token=") && traffic[2].path.includes("continuation-token="),
  );
});

test("s3ListObjects stops requesting pages when the caller stops iterating", async () => {
  const prefix = `early-${Date.now()}/`;
  for (const name of ["a", "b", "c", "d"]) {
    await server.putObject("private", `${prefix}${name}`, data.subarray(0, 1));
  }
  const before = server.log.length;
  for await (const entry of s3ListObjects({ bucket: "private", prefix, maxKeys: 1, endpoint, credentials })) {
    assert.equal(entry.key, `${prefix}a`);
    break;
  }
  assert.equal(server.log.length - before, 1);
});

test("s3ListObjects reports a forbidden listing and a missing bucket", async () => {
  await rejectsWith(
    (async () => {
      for await (const _ of s3ListObjects({ bucket: "locked", endpoint, credentials })) { /* nothing */ }
    })(),
    "FORBIDDEN",
    /Cannot list http:\/\/127\.0\.0\.1:\d+\/locked: forbidden \(HTTP 403\)/,
  );
  await rejectsWith(
    (async () => {
      for await (const _ of s3ListObjects({ bucket: "no-such-bucket", endpoint, credentials })) {
        /* nothing */
      }
    })(),
    "NOT_FOUND",
    /NoSuchBucket/,
  );
  assert.throws(() => s3ListObjects({ bucket: "b", maxKeys: 0 }), RangeError);
});

test("s3PutObject uploads with a signed body hash, and the object reads back", async () => {
  const key = `uploads/index ${Date.now()}.cfi`;
  const body = data.subarray(0, 777);
  const { etag } = await s3PutObject({ bucket: "private", key, body, endpoint, credentials });
  assert.match(etag ?? "", /^[0-9a-f]{32}$/, "the ETag without its quotes");
  const [put] = server.log.filter((r) => r.method === "PUT");
  assert.equal(put.status, 200);
  assert.ok(put.signedHeaders.includes("x-amz-content-sha256"));
  const source = s3Source({ bucket: "private", key, endpoint, credentials });
  assert.deepEqual(await source.read(0, 1000), body);
  await rejectsWith(
    s3PutObject({
      bucket: "private",
      key,
      body,
      endpoint,
      credentials: { ...credentials, secretAccessKey: "x" },
    }),
    "FORBIDDEN",
    /Cannot upload .*SignatureDoesNotMatch/,
  );
});

test("presigned URLs from aws4fetch pass the verifier; a tampered one does not", async () => {
  const { key, requests } = await object("private");
  const signed = await server.client.sign(s3ObjectUrl({ bucket: "private", key, endpoint }), {
    aws: { signQuery: true },
  });
  const good = await fetch(signed.url, { headers: { range: "bytes=0-3" } });
  assert.equal(good.status, 206);
  assert.deepEqual(new Uint8Array(await good.arrayBuffer()), data.subarray(0, 4));
  const flipped = signed.url.replace(
    /X-Amz-Signature=(.)/,
    (_, c) => `X-Amz-Signature=${c === "0" ? "1" : "0"}`,
  );
  const tampered = await fetch(flipped, { headers: { range: "bytes=0-3" } });
  assert.equal(tampered.status, 403);
  assert.match(await tampered.text(), /SignatureDoesNotMatch/);
  const otherMethod = await fetch(signed.url, { method: "HEAD" });
  assert.equal(otherMethod.status, 403, "a presigned GET is not valid for HEAD");
  assert.deepEqual(requests().map((r) => [r.auth, r.status]), [["query", 206], ["query", 403], [
    "query",
    403,
  ]]);
});

test("s3ErrorHint and s3ResponseError explain S3's error codes", async () => {
  assert.deepEqual(parseS3Error("<Error><Code>A&amp;B</Code><Message>m</Message></Error>"), {
    code: "A&B",
    message: "m",
  });
  assert.equal(
    s3ErrorHint(403, "<Error><Code>AccessDenied</Code></Error>", { requestPayer: true, signed: true }),
    "AccessDenied; S3 returns 403 for a missing key without s3:ListBucket",
  );
  assert.equal(
    s3ErrorHint(
      301,
      "<Error><Code>PermanentRedirect</Code><Endpoint>b.s3.eu-north-1.amazonaws.com</Endpoint></Error>",
    ),
    "PermanentRedirect: the bucket is in eu-north-1; pass --region eu-north-1",
  );
  assert.equal(s3ErrorHint(500, ""), undefined);
  const error = await s3ResponseError(new Response("<Error><Code>SlowDown</Code></Error>", { status: 503 }), {
    action: "list",
    url: "https://b.s3.us-east-1.amazonaws.com/?list-type=2&X-Amz-Signature=secret",
  });
  assertCloudFitsError(error, "NETWORK");
  assert.equal(
    error.message,
    "Cannot list https://b.s3.us-east-1.amazonaws.com/: service unavailable (HTTP 503): SlowDown",
  );
});

test("parseListPage decodes entities and rejects documents that are not listings", () => {
  const page = parseListPage(
    `<?xml version="1.0"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><IsTruncated>true</IsTruncated>` +
      `<NextContinuationToken>t+/=</NextContinuationToken><Contents><Key>a&lt;b&#233;.fits</Key><Size>12</Size>` +
      `<ETag>&quot;abc-2&quot;</ETag><LastModified>2024-01-01T00:00:00.000Z</LastModified></Contents></ListBucketResult>`,
  );
  assert.deepEqual(page, {
    objects: [{ key: "a<bé.fits", size: 12, etag: "abc-2", lastModified: "2024-01-01T00:00:00.000Z" }],
    truncated: true,
    nextToken: "t+/=",
  });
  assert.equal(parseListPage("<Error><Code>AccessDenied</Code></Error>"), undefined);
  assert.throws(
    () => parseListPage("<ListBucketResult><Contents><Key>k</Key></Contents></ListBucketResult>"),
    /no key or size/,
  );
});
