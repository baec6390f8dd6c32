/**
 * What a page needs from the library: a browser's bare fetch failure reported as possibly CORS after one
 * attempt, relative locations taken against the page, and HDU lists that survive `JSON.stringify`.
 * (tests/web/browser_test.ts checks the same in Chromium.)
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { type FetchLike, isCloudFitsError, openFits, openSource, type RequestEvent } from "../mod.ts";
import { openFileSource } from "../src/source/file.ts";
import { startRangeServer } from "./_support/range_server.ts";

const testdata = join(import.meta.dirname!, "..", "testdata");
const server = await startRangeServer({ root: testdata });
after(() => server.close());

/** A fetch that fails as Chromium's does when CORS rules refuse a response, counting its calls. */
function refusingFetch(message: string): { fetch: FetchLike; calls: () => number } {
  let calls = 0;
  const fetch: FetchLike = () => {
    calls++;
    return Promise.reject(new TypeError(message));
  };
  return { fetch, calls: () => calls };
}

test("a browser's bare 'Failed to fetch' is reported as possibly CORS after one attempt", async () => {
  const { fetch, calls } = refusingFetch("Failed to fetch");
  const events: RequestEvent[] = [];
  await assert.rejects(
    openFits("https://bucket.example/a.fits", { fetch, onRequest: (event) => events.push(event) }),
    (error) => {
      assert.ok(isCloudFitsError(error, "CORS"), String(error));
      assert.match(error.message, /possibly CORS/);
      assert.match(
        error.message,
        /allow the Range request header and expose Content-Range, Content-Length and ETag/,
      );
      assert.doesNotMatch(error.message, /gave up/);
      return true;
    },
  );
  assert.equal(calls(), 1, "not retried: the browser refuses the same way every time");
  assert.deepEqual(events.map((event) => [event.url, event.status]), [["https://bucket.example/a.fits", 0]]);
});

test("Firefox's and Safari's wording count too; other runtimes' network failures are still retried", async () => {
  for (const message of ["NetworkError when attempting to fetch resource.", "Load failed"]) {
    const { fetch, calls } = refusingFetch(message);
    await assert.rejects(openSource("https://bucket.example/a.fits", { fetch }).then((s) => s.read(0, 10)), {
      code: "CORS",
    });
    assert.equal(calls(), 1);
  }
  const { fetch, calls } = refusingFetch("error sending request for url (https://bucket.example/a.fits)");
  const source = await openSource("https://bucket.example/a.fits", { fetch, retries: 1 });
  await assert.rejects(source.read(0, 10), (error) => {
    assert.ok(isCloudFitsError(error, "NETWORK"));
    assert.doesNotMatch(error.message, /CORS/);
    return true;
  });
  assert.equal(calls(), 2, "a network failure outside a browser is retried");
});

test("a relative location is a URL relative to the page (baseUrl), not a local path", async () => {
  server.log.length = 0;
  const fits = await openFits("tess_cube.fits", { baseUrl: `${server.url}/viewer/../index.html` });
  assert.equal(fits.hdus.length, 3);
  assert.deepEqual([...new Set(server.log.map((entry) => entry.path))], ["/tess_cube.fits"]);
  const absolute = await openSource("/primary_only.fits", { baseUrl: `${server.url}/a/b/index.html` });
  assert.equal(absolute.name, `${server.url}/primary_only.fits`);
  assert.equal((await absolute.read(0, 6)).length, 6);
});

test("without a page or openFile a relative location is refused with advice, and a non-http base too", async () => {
  await assert.rejects(openSource("data/a.fits"), { code: "UNSUPPORTED", message: /pass openFile/ });
  await assert.rejects(openSource("data/a.fits", { baseUrl: "file:///srv/index.html" }), {
    code: "UNSUPPORTED",
    message: /not an http\(s\) URL/,
  });
});

test("HDU lists serialise with JSON.stringify: 64-bit integers as strings, cards as astropy reads them", async () => {
  const expected = JSON.parse(await readFile(join(testdata, "exotic_header.expected.json"), "utf8"));
  await using fits = await openFits(join(testdata, "exotic_header.fits"), { openFile: openFileSource });
  const json = JSON.parse(JSON.stringify(fits.hdus));
  assert.equal(json.length, expected.hdus.length);
  for (const [index, hdu] of json.entries()) {
    assert.deepEqual(hdu.header.cards, expected.hdus[index].cards, `HDU ${index}`);
    assert.equal(hdu.headerOffset, expected.hdus[index].hdrLoc);
    assert.equal(hdu.header.bytes, undefined, "raw header bytes are left out");
  }
  const big = json[0].header.cards.find((card: { keyword: string }) => card.keyword === "HUGEINT");
  assert.equal(big.value, "9223372036854775813");
});
