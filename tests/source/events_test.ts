/**
 * Request events report the wire: every `onRequest` event stands for one request the server saw, with
 * the range it was sent (offset and length of its `Range` header), its status and the body bytes that
 * came back — through the walk and the planned reads of `openFits`, retries, the cache, a server that
 * ignores Range, reads past the end, and S3's wrong-region answers.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { buildHeader, formatCard } from "../../src/fits/write.ts";
import { openFits } from "../../src/open.ts";
import { withCache } from "../../src/source/cache.ts";
import { httpSource, type RequestEvent } from "../../src/source/http.ts";
import { withRetry } from "../../src/source/retry.ts";
import { s3Source } from "../../src/source/s3.ts";
import { fixture, objectMaker } from "../_support/fixtures.ts";
import { type Fault, serveObject, startRangeServer } from "../_support/range_server.ts";
import { startS3Server } from "../_support/s3_server.ts";

const server = await startRangeServer();
after(() => server.close());

/** What a request came to, as both sides can tell it. */
interface Exchange {
  offset: number;
  length: number;
  status: number;
  bytes: number;
}

function fromEvents(events: readonly RequestEvent[]): Exchange[] {
  return events.map(({ offset, length, status, bytes }) => ({ offset, length, status, bytes }));
}

/** The server's log as exchanges: offset and length from each `Range: bytes=a-b` header. */
function fromLog(log: readonly { range: string | undefined; status: number; bytes: number }[]): Exchange[] {
  return log.map(({ range, status, bytes }) => {
    const match = /^bytes=(\d+)-(\d+)$/.exec(range ?? "");
    assert.ok(match !== null, `a request without a closed range: ${range}`);
    const offset = Number(match[1]);
    return { offset, length: Number(match[2]) - offset + 1, status, bytes };
  });
}

/** Serve `bytes` at a fresh path, optionally with a fault, and collect its events. */
function serve(bytes: Uint8Array, fault?: Fault) {
  const object = serveObject(server, bytes, { fault, prefix: "events" });
  const events: RequestEvent[] = [];
  return {
    ...object,
    events,
    onRequest: (event: RequestEvent) => events.push(event),
    /** The events and the server's log, once every response is complete. */
    async exchanges(): Promise<{ events: Exchange[]; wire: Exchange[] }> {
      await server.idle();
      return { events: fromEvents(events), wire: fromLog(object.requests()) };
    },
  };
}

/** A primary image of 200 × 300 float32 (240,000 B of data at offset 5760) and a small extension. */
function twoHduFile(): Uint8Array {
  const cards = (pairs: [string, string | number | boolean][]) =>
    pairs.map(([keyword, value]) => formatCard(keyword, value));
  const primary = buildHeader([
    ...cards([["SIMPLE", true], ["BITPIX", -32], ["NAXIS", 2], ["NAXIS1", 300], ["NAXIS2", 200], [
      "EXTEND",
      true,
    ]]),
    ...Array.from({ length: 40 }, (_, i) => formatCard(`KEY${i}`, i)),
  ]);
  const extension = buildHeader(
    cards([["XTENSION", "IMAGE"], ["BITPIX", 16], ["NAXIS", 1], ["NAXIS1", 10], ["PCOUNT", 0], [
      "GCOUNT",
      1,
    ]]),
  );
  const dataBlocks = Math.ceil(240_000 / 2880) * 2880;
  const file = new Uint8Array(primary.length + dataBlocks + extension.length + 2880);
  file.set(primary);
  file.set(extension, primary.length + dataBlocks);
  const view = new DataView(file.buffer, primary.length, 240_000);
  for (let i = 0; i < 60_000; i++) view.setFloat32(4 * i, i);
  return file;
}

for (const name of ["mef_images", "tess_cube"]) {
  test(`openFits over ${name}: the walk and the sections' reads are reported one event per request`, async () => {
    const object = serve(fixture(name));
    // A first read of one block, so that the walk and the sections take several requests.
    const fits = await openFits(httpSource(object.url, { onRequest: object.onRequest }), { readAhead: 2880 });
    assert.ok(fits.hdus.length > 1);
    for (const hdu of fits.hdus) {
      if (hdu.type === "IMAGE" || (hdu.type === "PRIMARY" && hdu.dataSize > 0)) {
        await fits.hdu(hdu.index).section([]);
      }
    }
    const { events, wire } = await object.exchanges();
    assert.ok(events.length >= 2, `${events.length} events`);
    assert.deepEqual(events, wire);
  });
}

test("a section overlapping the walk's first 64 KiB: the event names the range sent, not the range asked", async () => {
  const file = twoHduFile();
  const object = serve(file);
  const fits = await openFits(httpSource(object.url, { onRequest: object.onRequest }));
  assert.deepEqual([fits.hdus[0].dataOffset, fits.hdus[0].dataSize], [5760, 240_000]);
  const image = await fits.hdu(0).section([[0, 200], [0, 300]]);
  assert.equal(image.data.length, 60_000);
  assert.equal(image.data[59_999], 59_999);
  const { events, wire } = await object.exchanges();
  assert.deepEqual(events, wire);
  // Whatever the reader reuses from the walk, the bytes reported are the bytes that came.
  assert.equal(events.reduce((sum, e) => sum + e.bytes, 0), wire.reduce((sum, e) => sum + e.bytes, 0));
});

test("retries: each attempt is an event, the failed ones with their status and error body", async () => {
  const object = serve(fixture("mef_images"), { kind: "status", status: 503, times: 2 });
  const source = withRetry(httpSource(object.url, { onRequest: object.onRequest }), {
    sleep: () => Promise.resolve(),
  });
  assert.equal((await source.read(0, 2880)).length, 2880);
  const { events, wire } = await object.exchanges();
  assert.deepEqual(events, wire);
  assert.deepEqual(events.map((e) => e.status), [503, 503, 206]);
  assert.ok(events[0].bytes > 0, "the 503's body was read, and counted");
  assert.deepEqual(object.events.map((e) => e.attempt), [1, 2, 3]);
});

test("the cache: identical reads share one request and one event", async () => {
  const object = serve(fixture("mef_images"));
  const source = withCache(httpSource(object.url, { onRequest: object.onRequest }));
  await Promise.all([source.read(100, 50), source.read(100, 50)]);
  await source.read(100, 50);
  const { events, wire } = await object.exchanges();
  assert.deepEqual(events, wire);
  assert.equal(events.length, 1);
});

test("a server that ignores Range: one event with the whole body; later reads send and report nothing", async () => {
  const bytes = fixture("mef_images");
  const object = serve(bytes, { kind: "ignore-range" });
  const source = httpSource(object.url, { onRequest: object.onRequest });
  await source.read(2880, 100);
  await source.read(80_000, 100);
  await server.idle();
  assert.deepEqual(object.requests().map((entry) => [entry.range, entry.status, entry.bytes]), [[
    "bytes=2880-2979",
    200,
    bytes.length,
  ]]);
  assert.deepEqual(fromEvents(object.events), [{
    offset: 2880,
    length: 100,
    status: 200,
    bytes: bytes.length,
  }]);
});

test("a first read past the end of an object of unknown size: the Range sent, and the bytes there were", async () => {
  const bytes = fixture("primary_only");
  const object = serve(bytes);
  const source = httpSource(object.url, { onRequest: object.onRequest });
  assert.equal((await source.read(0, 65_536)).length, bytes.length);
  assert.equal((await source.read(2880, 65_536)).length, bytes.length - 2880);
  const { events, wire } = await object.exchanges();
  assert.deepEqual(events, wire);
  assert.deepEqual(events, [
    { offset: 0, length: 65_536, status: 206, bytes: bytes.length },
    { offset: 2880, length: bytes.length - 2880, status: 206, bytes: bytes.length - 2880 },
  ]);
});

test("S3: the wrong-region answer that s3Fetch follows is an event too", async () => {
  const s3 = await startS3Server();
  try {
    const { key, requests } = await objectMaker(s3, "events", fixture("mef_images"))("elsewhere");
    const events: RequestEvent[] = [];
    const source = s3Source({
      bucket: "elsewhere",
      key,
      endpoint: s3.endpoint,
      region: "us-east-1",
      credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
      onRequest: (event) => events.push(event),
    });
    assert.equal((await source.read(0, 100)).length, 100);
    assert.equal((await source.read(100, 100)).length, 100);
    const log = requests();
    assert.deepEqual(log.map((entry) => [entry.region, entry.status]), [
      ["us-east-1", 301],
      ["eu-west-1", 206],
      ["eu-west-1", 206],
    ]);
    // Deno's fetch gives a redirect status it cannot follow (no Location) a null body, so its client
    // receives none of the 301's bytes; Bun's receives them all. The event says what the client got.
    const wire = fromLog(log);
    if (events[0].bytes === 0) wire[0].bytes = 0;
    assert.deepEqual(fromEvents(events), wire);
    assert.ok(events.every((event) => event.url === events[0].url && !event.url.includes("?")));
  } finally {
    await s3.close();
  }
});
