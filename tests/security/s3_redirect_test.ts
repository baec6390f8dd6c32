/**
 * Issue #15 item 7: an S3 redirect to another host never receives the credentials, the signature, the
 * signed headers or a PUT body; a redirect that names the bucket's region is re-signed for that region
 * and sent to the host the request was signed for. Two loopback servers: the "S3" on 127.0.0.1 answers
 * with redirects to the "elsewhere" server, reached as `localhost` (another host name, another port),
 * which records every request it gets.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { s3PutObject, s3Source } from "../../src/source/s3.ts";
import { rejectsWith } from "../_support/expect_error.ts";

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: number;
}

/** A loopback HTTP server that records requests and answers with `answer`. */
async function recordingServer(
  answer: (request: IncomingMessage, response: ServerResponse, seen: Seen[]) => void,
): Promise<{ port: number; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((request, response) => {
    let body = 0;
    request.on("data", (chunk: Uint8Array) => (body += chunk.length));
    request.on("end", () => {
      seen.push({ method: request.method ?? "", url: request.url ?? "", headers: request.headers, body });
      answer(request, response, seen);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { port: (server.address() as AddressInfo).port, seen };
}

const credentials = { accessKeyId: "AKIDREDIRECT", secretAccessKey: "secret", sessionToken: "TOKEN-xyz" };
const body = new Uint8Array(3000).fill(7);

const elsewhere = await recordingServer((_request, response) => {
  response.writeHead(200, { "content-length": "3000", etag: '"e"' });
  response.end(body);
});
const elsewhereUrl = `http://localhost:${elsewhere.port}`;

/** The "S3": redirects every request to the other host; with a region header when the path says so. */
const s3 = await recordingServer((request, response) => {
  const named = request.url?.startsWith("/named/");
  const signedFor = /Credential=[^/]+\/\d+\/([^/]+)\//.exec(String(request.headers.authorization))?.[1];
  if (named && signedFor === "eu-west-1") {
    response.writeHead(200, { "content-length": "3000", etag: '"s"' });
    response.end(body);
    return;
  }
  const xml = named
    ? "<Error><Code>TemporaryRedirect</Code><Message>Please re-send this request to the specified temporary endpoint.</Message><Region>eu-west-1</Region></Error>"
    : "<Error><Code>TemporaryRedirect</Code><Message>Please re-send this request to the specified temporary endpoint.</Message></Error>";
  response.writeHead(307, {
    location: `${elsewhereUrl}${request.url}`,
    "content-type": "application/xml",
    ...(named ? { "x-amz-bucket-region": "eu-west-1" } : {}),
  });
  response.end(xml);
});
const endpoint = `http://127.0.0.1:${s3.port}`;

const CREDENTIAL_HEADERS = ["authorization", "x-amz-security-token", "x-amz-date", "x-amz-content-sha256"];

function assertNothingElsewhere(): void {
  for (const request of elsewhere.seen) {
    for (const name of CREDENTIAL_HEADERS) {
      assert.equal(request.headers[name], undefined, `${name} was sent to ${elsewhereUrl}${request.url}`);
    }
    assert.equal(request.body, 0, `a body of ${request.body} bytes was sent to ${elsewhereUrl}`);
  }
  assert.equal(elsewhere.seen.length, 0, "nothing is sent to a host the request was not signed for");
}

test("a signed GET redirected to another host is not followed: no token, signature or request there", async () => {
  const source = s3Source({ bucket: "bucket", key: "a.fits", endpoint, credentials });
  await rejectsWith(
    source.read(0, 100),
    "BAD_RESPONSE",
    /HTTP 307.*TemporaryRedirect.*localhost:\d+.*not followed/,
  );
  assert.equal(s3.seen.length, 1, "one request: a redirect that cannot succeed is not retried");
  assert.equal(s3.seen[0].headers["x-amz-security-token"], "TOKEN-xyz");
  assertNothingElsewhere();
});

test("a signed PUT redirected to another host sends neither the body nor the credentials there", async () => {
  const before = s3.seen.length;
  await rejectsWith(
    s3PutObject({ bucket: "bucket", key: "up.fits", endpoint, credentials, body }),
    "BAD_RESPONSE",
    /HTTP 307/,
  );
  assert.equal(s3.seen.length, before + 1);
  assert.equal(s3.seen.at(-1)!.body, body.length);
  assertNothingElsewhere();
});

test("a redirect naming the bucket's region is re-signed for that region, on the host signed for", async () => {
  const before = s3.seen.length;
  const source = s3Source({ bucket: "named", key: "b.fits", endpoint, credentials });
  const bytes = await source.read(0, 100);
  assert.equal(bytes.length, 100);
  const requests = s3.seen.slice(before);
  assert.deepEqual(
    requests.map((r) => /Credential=[^/]+\/\d+\/([^/]+)\//.exec(String(r.headers.authorization))?.[1]),
    ["us-east-1", "eu-west-1"],
  );
  assertNothingElsewhere();
});

test("an anonymous request may follow a redirect: it carries nothing to leak", async () => {
  const source = s3Source({ bucket: "bucket", key: "public.fits", endpoint });
  assert.equal((await source.read(0, 10)).length, 10);
  assert.equal(elsewhere.seen.length, 1);
  assert.equal(elsewhere.seen[0].headers.authorization, undefined);
  elsewhere.seen.length = 0;
});
