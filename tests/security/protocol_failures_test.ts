/**
 * Issue #15 item 13: deterministic protocol failures are one request and a clear error; only what can
 * succeed on retry is retried (network errors, 5xx, 408, 429); Deno and Bun answer the same. A loopback
 * server answers each path in one way and counts requests; the source is wrapped in `withRetry` as the
 * CLI wraps it (no back-off delays here).
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import { httpSource } from "../../src/source/http.ts";
import { withRetry } from "../../src/source/retry.ts";
import { rejectsWith } from "../_support/expect_error.ts";

const bytes = new Uint8Array(4000).map((_, i) => i % 251);
const counts = new Map<string, number>();
const server = createServer((request, response) => {
  const path = request.url ?? "";
  counts.set(path, (counts.get(path) ?? 0) + 1);
  const status = /^\/status\/(\d+)$/.exec(path);
  if (status) {
    response.writeHead(Number(status[1]), { "content-type": "text/plain" });
    response.end("no");
  } else if (path === "/gzip-valid" || path === "/gzip-corrupt") {
    const gzipped = gzipSync(bytes);
    const body = path === "/gzip-valid" ? gzipped : gzipped.map((b, i) => (i > 20 && i < 60 ? b ^ 0xff : b));
    response.writeHead(200, { "content-encoding": "gzip", "content-length": String(body.length) });
    response.end(body);
  } else {
    response.writeHead(404);
    response.end();
  }
});
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
after(() => new Promise<void>((resolve) => server.close(() => resolve())));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

function source(path: string) {
  return withRetry(httpSource(`${base}${path}`), { retries: 3, sleep: () => Promise.resolve() });
}

test("a 400 is one request and a BAD_RESPONSE", async () => {
  await rejectsWith(source("/status/400").read(0, 100), "BAD_RESPONSE", /HTTP 400/);
  assert.equal(counts.get("/status/400"), 1);
});

test("408, 429 and 503 are retried, and the message says how often", async () => {
  for (const code of [408, 429, 503]) {
    await rejectsWith(source(`/status/${code}`).read(0, 100), "NETWORK", /gave up after 4 attempts/);
    assert.equal(counts.get(`/status/${code}`), 4, `HTTP ${code}`);
  }
});

test("a gzip-encoded 200, valid or corrupt, is one request and the same clear error in every runtime", async () => {
  for (const path of ["/gzip-valid", "/gzip-corrupt"]) {
    await rejectsWith(
      source(path).read(0, 100),
      "BAD_RESPONSE",
      /Content-Encoding gzip although identity was asked for/,
    );
    assert.equal(counts.get(path), 1, path);
  }
});
