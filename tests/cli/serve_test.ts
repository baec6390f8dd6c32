/**
 * `cloudfits serve`: the page at `/`, DIR's files beside it with Range and the CORS rules a page needs,
 * nothing outside DIR; and the library reading a file through it. (tests/web/browser_test.ts drives
 * the page itself in Chromium.)
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openFits } from "../../mod.ts";
import { startPageServer } from "../../cli/serve.ts";
import { runCli } from "../_support/cli_io.ts";

const testdata = join(import.meta.dirname!, "..", "..", "testdata");
const pageDir = await mkdtemp(join(tmpdir(), "cloudfits-page-"));
await writeFile(join(pageDir, "index.html"), "<!doctype html><title>page</title>");
await writeFile(join(pageDir, "app.js"), "console.log(1)");
const server = await startPageServer({ dir: testdata, pageDir });
after(async () => {
  await server.close();
  await rm(pageDir, { recursive: true, force: true });
});

test("the page is served at / and its script beside it", async () => {
  const index = await fetch(`${server.url}/`);
  assert.equal(index.status, 200);
  assert.equal(index.headers.get("content-type"), "text/html; charset=utf-8");
  assert.equal(await index.text(), "<!doctype html><title>page</title>");
  const script = await fetch(`${server.url}/app.js?v=1`);
  assert.equal(script.headers.get("content-type"), "text/javascript; charset=utf-8");
  assert.equal(await script.text(), "console.log(1)");
});

test("files answer ranges with 206 and the CORS rules a page on another origin needs", async () => {
  const bytes = await readFile(join(testdata, "tess_cube.fits"));
  const response = await fetch(`${server.url}/tess_cube.fits`, {
    headers: { range: "bytes=2880-2889", origin: "https://viewer.example" },
  });
  assert.equal(response.status, 206);
  assert.equal(response.headers.get("content-range"), `bytes 2880-2889/${bytes.length}`);
  assert.equal(response.headers.get("access-control-allow-origin"), "*");
  assert.equal(response.headers.get("access-control-allow-headers"), "Range");
  assert.equal(
    response.headers.get("access-control-expose-headers"),
    "Content-Range, Content-Length, ETag, Accept-Ranges",
  );
  assert.match(response.headers.get("etag") ?? "", /^"[0-9a-f]+-[0-9a-f]+"$/);
  assert.deepEqual(new Uint8Array(await response.arrayBuffer()), new Uint8Array(bytes.subarray(2880, 2890)));

  const beyond = await fetch(`${server.url}/tess_cube.fits`, {
    headers: { range: `bytes=${bytes.length}-` },
  });
  assert.equal(beyond.status, 416);
  assert.equal(beyond.headers.get("content-range"), `bytes */${bytes.length}`);
  await beyond.body?.cancel();
  const preflight = await fetch(`${server.url}/tess_cube.fits`, { method: "OPTIONS" });
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers.get("access-control-allow-methods"), "GET, HEAD");
});

test("nothing outside DIR is served", async () => {
  for (const path of ["/../deno.json", "/%2e%2e/deno.json", "/%2e%2e%2fdeno.json", "/missing.fits"]) {
    const response = await fetch(`${server.url}${path}`);
    assert.equal(response.status, 404, path);
    await response.body?.cancel();
  }
});

test("the library reads a served file with range requests", async () => {
  const fits = await openFits(`${server.url}/mef_images.fits`);
  assert.equal(fits.hdus.length, 16);
  const row = await fits.hdu("UINT8").section([3]);
  assert.deepEqual([...row.data], [195, 208, 221, 234, 247]);
});

test("cloudfits serve refuses bad ports and an unbuilt page, and has help", async () => {
  const badPort = await runCli(["serve", "--port", "70000"]);
  assert.equal(badPort.code, 2);
  assert.match(badPort.stderr, /Cannot listen on port '70000'/);
  await assert.rejects(startPageServer({ dir: testdata, pageDir: testdata }), {
    code: "UNSUPPORTED",
    message: /deno task web/,
  });
  const help = await runCli(["serve", "--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /cloudfits serve \[DIR\] \[--port N\]/);
});
