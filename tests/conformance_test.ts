import { after, test } from "node:test";
import assert from "node:assert/strict";
import { truncate } from "node:fs/promises";
import type { CloudFitsError } from "../src/errors.ts";
import { type Hdu, paddedSize } from "../src/fits/layout.ts";
import { describeTable } from "../src/fits/tform.ts";
import { rowsToJson } from "../src/table_json.ts";
import { walkHdus } from "../src/read/walk.ts";
import { DEFAULT_READ_AHEAD } from "../src/read/read_ahead.ts";
import { arrayToJson } from "../src/json.ts";
import { type FitsFile, openFits, type OpenFitsOptions } from "../src/open.ts";
import { coalesceRanges } from "../src/plan/coalesce.ts";
import { planImageSection } from "../src/plan/image_section.ts";
import { planTileSection } from "../src/plan/tile_section.ts";
import type { RequestEvent } from "../src/source/http.ts";
import { s3Source } from "../src/source/s3.ts";
import type { ByteRange } from "../src/plan/types.ts";
import { redactUrl } from "../src/url.ts";
import { type Backend, type BackendName, type OpenedSource, startBackends } from "./_support/backends.ts";
import { expected, type ExpectedHdu, fixture } from "./_support/fixtures.ts";
import { rejectsWith } from "./_support/expect_error.ts";

/**
 * Open with the HDUs walked beforehand, as from an index: the file then holds none of the walk's bytes,
 * so every planned read reaches the service under test.
 */
async function openWalked(source: OpenedSource, options: OpenFitsOptions = {}): Promise<FitsFile> {
  return await openFits(source, { ...options, hdus: (await walkHdus(source)).hdus });
}

// One suite, every backend: the same reads give the same bytes, values and ByteSource-level traffic
// whether the object sits in memory, in a file, behind a range server, in S3, in Azure or behind GCS's
// XML API; and the network backends send exactly the planned ranges as identity-encoded GETs.

const FIXTURES = ["tess_cube", "mef_images", "table_all", "compressed_rice_i16"] as const;
type ByFixture<T> = Record<typeof FIXTURES[number], T>;

const bytesOf = Object.fromEntries(FIXTURES.map((name) => [name, fixture(name)])) as ByFixture<Uint8Array>;
const expectedOf = Object.fromEntries(FIXTURES.map((name) => [name, expected(name).hdus])) as ByFixture<
  ExpectedHdu[]
>;

const backends = await startBackends();
after(() => backends.close());
for (const backend of backends.list) {
  for (const name of FIXTURES) await backend.put(`${name}.fits`, bytesOf[name]);
}

/** What one case produced on one backend: compared across backends by the last test. */
interface Summary {
  result: unknown;
  requests: number;
  bytes: number;
  /** Ranges read, cut to the object's size, sorted (parallel reads may be issued in any order). */
  ranges: ByteRange[];
}

const summaries = new Map<BackendName, Map<string, Summary>>();

function record(backend: Backend, key: string, source: OpenedSource, result: unknown): void {
  const size = source.size;
  assert.ok(size !== undefined, `${backend.name}: size unknown after ${key}`);
  let cases = summaries.get(backend.name);
  if (cases === undefined) summaries.set(backend.name, cases = new Map());
  assert.ok(!cases.has(key), `${backend.name}: ${key} recorded twice`);
  cases.set(key, {
    result,
    requests: source.stats.requests,
    bytes: source.stats.bytes,
    ranges: sorted(source.stats.ranges.map(({ offset, length }) => ({
      offset,
      length: Math.max(0, Math.min(length, size - offset)),
    }))),
  });
}

function sorted(ranges: readonly ByteRange[]): ByteRange[] {
  return [...ranges].sort((a, b) => a.offset - b.offset || a.length - b.length);
}

function ascii(bytes: Uint8Array): string {
  return new TextDecoder("latin1").decode(bytes);
}

/** Open a fresh source, run `body`, and close the source whatever happens. */
async function withSource<T>(
  backend: Backend,
  object: string,
  body: (source: OpenedSource) => Promise<T>,
): Promise<T> {
  const source = await backend.open(object);
  try {
    return await body(source);
  } finally {
    await source.close?.();
  }
}

/**
 * Check what a network backend sent since `marks`: one identity-encoded GET per expected range header,
 * each answered 206, and the bytes the source returned; the server's log (where there is one) agrees.
 */
function assertWire(
  backend: Backend,
  object: string,
  marks: { wire: number; server: number },
  expectedRanges: string[],
  expectedBytes: number,
): void {
  if (backend.wire === undefined) return;
  const sent = backend.wire.slice(marks.wire);
  const label = `${backend.name} ${object}`;
  assert.deepEqual(sent.map((r) => r.method), expectedRanges.map(() => "GET"), `${label}: one GET per read`);
  assert.deepEqual(sent.map((r) => r.range).sort(), [...expectedRanges].sort(), `${label}: Range headers`);
  assert.ok(sent.every((r) => r.acceptEncoding === "identity"), `${label}: Accept-Encoding identity`);
  assert.ok(sent.every((r) => r.status === 206), `${label}: statuses ${sent.map((r) => r.status)}`);
  assert.equal(sent.reduce((sum, r) => sum + r.bytes, 0), expectedBytes, `${label}: body bytes`);
  if (backend.serverLog === undefined) return;
  const logged = backend.serverLog(object).slice(marks.server);
  assert.deepEqual(
    logged.map((r) => r.method),
    expectedRanges.map(() => "GET"),
    `${label}: server saw GETs only`,
  );
  assert.deepEqual(logged.map((r) => r.range).sort(), [...expectedRanges].sort(), `${label}: server ranges`);
  assert.equal(logged.reduce((sum, r) => sum + r.bytes, 0), expectedBytes, `${label}: bytes served`);
  for (const entry of logged) {
    if ("acceptEncoding" in entry) {
      assert.equal(entry.acceptEncoding, "identity", `${label}: server encoding`);
    }
  }
}

function marksOf(backend: Backend, object: string): { wire: number; server: number } {
  return { wire: backend.wire?.length ?? 0, server: backend.serverLog?.(object).length ?? 0 };
}

/** The Range header a read sends: open-ended reads are cut to the size once the source knows it. */
function rangeHeader({ offset, length }: ByteRange, size: number | undefined): string {
  return `bytes=${offset}-${Math.min(offset + length, size ?? Infinity) - 1}`;
}

async function digest(parts: Uint8Array[]): Promise<string> {
  const joined = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
  let at = 0;
  for (const part of parts) {
    joined.set(part, at);
    at += part.length;
  }
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", joined));
  return Array.from(hash, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The error's URL has no query string, fragment or user info (its secrets are checked by `rejectsWith`). */
function assertRedacted(backend: Backend, error: CloudFitsError): void {
  const url = error.url ?? "";
  if (url !== "") assert.equal(url, redactUrl(url), `${backend.name}: url ${url} is not redacted`);
  assert.doesNotMatch(url, /[?#@]/, `${backend.name}: url ${url} keeps a query or user info`);
}

/** Where a binary table's heap starts in the file: THEAP, by default right after the rows. */
function heapOffset(hdu: Hdu): number {
  const rows = hdu.axes[0] * hdu.axes[1];
  return hdu.dataOffset + (hdu.header.getInteger("THEAP") ?? rows);
}

const TIMEOUT = { timeout: 60_000 };
const cube = bytesOf.tess_cube;

for (const backend of backends.list) {
  const { name } = backend;

  test(
    `${name}: raw reads give the first card, the tail, nothing past the end, and the size`,
    TIMEOUT,
    async () => {
      await withSource(backend, "tess_cube.fits", async (source) => {
        const marks = marksOf(backend, "tess_cube.fits");
        assert.equal(source.size, backend.remote ? undefined : cube.length, "size before the first read");
        const head = await source.read(0, 80);
        assert.equal(ascii(head.subarray(0, 9)), "SIMPLE  =");
        assert.deepEqual(head, cube.subarray(0, 80));
        assert.equal(source.size, cube.length, "size after the first read");
        const tail = await source.read(cube.length - 100, 200);
        assert.deepEqual(tail, cube.subarray(cube.length - 100), "fewer bytes only at the end");
        const middle = await source.read(20_000, 2880);
        assert.deepEqual(middle, cube.subarray(20_000, 22_880));
        assert.equal((await source.read(cube.length, 10)).length, 0, "read at the end");
        assert.equal((await source.read(cube.length + 1000, 10)).length, 0, "read past the end");
        assert.equal((await source.read(100, 0)).length, 0, "empty read");
        assert.deepEqual(source.stats.ranges, [
          { offset: 0, length: 80 },
          { offset: cube.length - 100, length: 200 },
          { offset: 20_000, length: 2880 },
          { offset: cube.length, length: 10 },
          { offset: cube.length + 1000, length: 10 },
          { offset: 100, length: 0 },
        ]);
        assert.equal(source.stats.bytes, 80 + 100 + 2880);
        // Once the size is known, reads at or past the end (and empty ones) need no request.
        assertWire(backend, "tess_cube.fits", marks, [
          "bytes=0-79",
          `bytes=${cube.length - 100}-${cube.length - 1}`,
          "bytes=20000-22879",
        ], 80 + 100 + 2880);
        record(backend, "raw reads", source, await digest([head, tail, middle]));
      });
    },
  );

  test(
    `${name}: a first read that runs past the end returns the tail; one past the end returns nothing`,
    TIMEOUT,
    async () => {
      // On a fresh remote source the size is unknown, so these reads go out with open-ended ranges.
      const tail = await withSource(backend, "tess_cube.fits", async (source) => {
        const marks = marksOf(backend, "tess_cube.fits");
        const bytes = await source.read(cube.length - 100, 200);
        assert.equal(source.size, cube.length);
        assertWire(backend, "tess_cube.fits", marks, [`bytes=${cube.length - 100}-${cube.length + 99}`], 100);
        return bytes;
      });
      assert.deepEqual(tail, cube.subarray(cube.length - 100));
      await withSource(backend, "tess_cube.fits", async (source) => {
        const bytes = await source.read(cube.length + 1000, 10);
        assert.equal(bytes.length, 0);
        // A 416 names the size only when the server sends Content-Range: bytes */size (s3rver does not).
        assert.ok(source.size === undefined || source.size === cube.length, `size ${source.size}`);
      });
    },
  );

  test(`${name}: a first read exactly at the end returns nothing`, TIMEOUT, async () => {
    await withSource(backend, "tess_cube.fits", async (source) => {
      // Servers say this three ways: 416 (S3, the range server), or 206 with Content-Range
      // 'bytes 43200-43199/43200' and no body (Azurite). Every backend reads it as the empty end.
      assert.equal((await source.read(cube.length, 10)).length, 0);
      assert.ok(source.size === undefined || source.size === cube.length, `size ${source.size}`);
    });
  });

  if (backend.remote) {
    test(`${name}: requests carry the authorisation the service expects`, TIMEOUT, async () => {
      await withSource(backend, "tess_cube.fits", async (source) => {
        const marks = marksOf(backend, "tess_cube.fits");
        await source.read(0, 2880);
        for (const secret of backend.secrets) assert.ok(!source.name.includes(secret), source.name);
        const [sent, ...more] = backend.wire!.slice(marks.wire);
        assert.deepEqual(more, []);
        const sigV4 = (region: string) =>
          new RegExp(`^AWS4-HMAC-SHA256 Credential=AKIDCLOUDFITSTEST/\\d{8}/${region}/s3/aws4_request, `);
        const expected: Record<string, [RegExp | null, string[]]> = {
          http: [null, ["X-Amz-Signature"]],
          s3: [sigV4("us-east-1"), []],
          "s3-uri": [sigV4("us-east-1"), []],
          "azure-key": [/^SharedKey devstoreaccount1:/, []],
          "azure-sas": [null, ["se", "sig", "sp", "sr", "sv"]],
          "gcs-hmac": [sigV4("auto"), []],
          "gcs-public": [null, []],
        };
        const [authorization, parameters] = expected[name];
        if (authorization === null) assert.equal(sent.authorization, null);
        else assert.match(sent.authorization ?? "", authorization);
        assert.deepEqual([...new URL(sent.url).searchParams.keys()].sort(), parameters);
        if (backend.serverLog !== undefined && name !== "http") {
          // The S3 proxy verified the signature (or let the public bucket's GET through anonymously).
          const [logged] = backend.serverLog("tess_cube.fits").slice(marks.server);
          const region =
            ({ s3: "us-east-1", "s3-uri": "us-east-1", "gcs-hmac": "auto" } as Record<string, string>)[
              name
            ];
          assert.deepEqual(logged.auth, { kind: region === undefined ? "anonymous" : "header", region });
          assert.equal(logged.status, 206);
        }
      });
    });
  }

  for (const fixture of FIXTURES) {
    test(
      `${name}: walkHdus over ${fixture} finds astropy's offsets with the planned reads`,
      TIMEOUT,
      async () => {
        const object = `${fixture}.fits`;
        const size = bytesOf[fixture].length;
        await withSource(backend, object, async (source) => {
          const marks = marksOf(backend, object);
          const { hdus, warnings } = await walkHdus(source);
          const found = hdus.map((
            h,
          ) => [h.index, h.type, h.headerOffset, h.dataOffset, paddedSize(h.dataSize)]);
          const expected = expectedOf[fixture].map((h) => [h.index, h.type, h.hdrLoc, h.datLoc, h.datSpan]);
          assert.deepEqual(found, expected);
          assert.deepEqual(warnings, []);
          // The first read is the read-ahead, cut to the size only where the size is known up front.
          assert.deepEqual(source.stats.ranges[0], {
            offset: 0,
            length: Math.min(DEFAULT_READ_AHEAD, backend.remote ? Infinity : size),
          });
          assert.equal(
            source.stats.bytes,
            source.stats.ranges.reduce(
              (sum, r) => sum + Math.max(0, Math.min(r.length, size - r.offset)),
              0,
            ),
          );
          assertWire(
            backend,
            object,
            marks,
            source.stats.ranges.map((r, i) => rangeHeader(r, i === 0 ? undefined : size)),
            source.stats.bytes,
          );
          record(backend, `walk ${fixture}`, source, found);
        });
      },
    );
  }

  if (backend.wire !== undefined) {
    test(`${name}: request events are the requests the client sent and their answers`, TIMEOUT, async () => {
      const events: RequestEvent[] = [];
      const mark = backend.wire?.length ?? 0;
      const source = await backend.open("mef_images.fits", (event) => events.push(event));
      const fits = await openWalked(source);
      for (const hdu of expectedOf.mef_images) {
        for (const section of hdu.sections ?? []) await fits.hdu(hdu.index).section(section.spec);
      }
      const sent = backend.wire?.slice(mark) ?? [];
      assert.ok(sent.length > 2, `${sent.length} requests`);
      assert.deepEqual(
        events.map((
          { offset, length, status, bytes },
        ) => [`bytes=${offset}-${offset + length - 1}`, status, bytes]),
        sent.map(({ range, status, bytes }) => [range, status, bytes]),
      );
    });
  }

  for (const fixture of ["tess_cube", "mef_images"] as const) {
    test(
      `${name}: image sections of ${fixture} equal astropy's, read as the planned runs`,
      TIMEOUT,
      async () => {
        const object = `${fixture}.fits`;
        await withSource(backend, object, async (source) => {
          // No gap budget: every planned run that does not touch another is its own request.
          const fits = await openWalked(source, { maxGap: 0 });
          const results = [];
          for (const expectedHdu of expectedOf[fixture]) {
            for (const section of expectedHdu.sections ?? []) {
              const label = `${name} ${fixture} HDU ${expectedHdu.index} ${JSON.stringify(section.spec)}`;
              const hdu = fits.hdu(expectedHdu.index);
              const before = source.stats.requests;
              const marks = marksOf(backend, object);
              const image = await hdu.section(section.spec);
              const data = arrayToJson(image.data);
              assert.deepEqual([image.shape, image.dtype], [section.shape, section.dtype], label);
              assert.deepEqual(data, section.data, label);
              const planned = coalesceRanges([...planImageSection(hdu.info, section.spec).ranges], {
                maxGap: 0,
              });
              const read = source.stats.ranges.slice(before);
              assert.deepEqual(sorted(read), sorted(planned), `${label}: data requests`);
              assertWire(
                backend,
                object,
                marks,
                read.map((r) => rangeHeader(r, source.size)),
                read.reduce((sum, r) => sum + r.length, 0),
              );
              results.push([expectedHdu.index, image.shape, image.dtype, data]);
            }
          }
          assert.ok(results.length >= 4, `${fixture} has sections`);
          record(backend, `sections ${fixture}`, source, results);
        });
      },
    );
  }

  test(
    `${name}: table_all rows with VLAs equal astropy's, in one rows read and one heap read`,
    TIMEOUT,
    async () => {
      await withSource(backend, "table_all.fits", async (source) => {
        const fits = await openWalked(source);
        const hdu = fits.hdu(1);
        const { rowBytes } = describeTable(hdu.info);
        const heapStart = heapOffset(hdu.info);
        const expectedRows = expectedOf.table_all[1].rows ?? [];
        assert.equal(expectedRows.length, 2);
        const results = [];
        for (const { start, stop, columns } of expectedRows) {
          const before = source.stats.requests;
          const marks = marksOf(backend, "table_all.fits");
          const json = rowsToJson(await hdu.rows(start, stop));
          assert.deepEqual(json, columns, `rows [${start}, ${stop})`);
          const [rows, heap, ...more] = source.stats.ranges.slice(before);
          assert.deepEqual(more, [], "exactly two data requests");
          assert.deepEqual(rows, {
            offset: hdu.info.dataOffset + start * rowBytes,
            length: (stop - start) * rowBytes,
          });
          assert.ok(heap.offset >= heapStart, `heap read at ${heap.offset}`);
          assert.ok(heap.offset + heap.length <= hdu.info.dataOffset + hdu.info.dataSize);
          assertWire(
            backend,
            "table_all.fits",
            marks,
            [rows, heap].map((r) => rangeHeader(r, source.size)),
            rows.length + heap.length,
          );
          results.push(json);
        }
        record(backend, "rows table_all", source, results);
      });
    },
  );

  test(
    `${name}: compressed_rice_i16 cutouts equal funpack's, in one descriptor read and one tile read`,
    TIMEOUT,
    async () => {
      await withSource(backend, "compressed_rice_i16.fits", async (source) => {
        const fits = await openWalked(source);
        const hdu = fits.hdu(1);
        const heapStart = heapOffset(hdu.info);
        const sections = expectedOf.compressed_rice_i16[1].sections ?? [];
        assert.equal(sections.length, 5);
        const results = [];
        for (const section of sections) {
          const label = JSON.stringify(section.spec);
          const before = source.stats.requests;
          const marks = marksOf(backend, "compressed_rice_i16.fits");
          const image = await hdu.section(section.spec);
          const data = arrayToJson(image.data);
          assert.deepEqual(
            [image.shape, image.dtype, data],
            [section.shape, section.dtype, section.data],
            label,
          );
          const [descriptors, tiles, ...more] = source.stats.ranges.slice(before);
          assert.deepEqual(more, [], `${label}: exactly two data requests`);
          assert.deepEqual(
            [descriptors],
            coalesceRanges(planTileSection(hdu.info, section.spec).rowRanges),
            label,
          );
          assert.ok(tiles.offset >= heapStart, `${label}: tiles read at ${tiles.offset}`);
          assert.ok(tiles.offset + tiles.length <= hdu.info.dataOffset + hdu.info.dataSize, label);
          assertWire(
            backend,
            "compressed_rice_i16.fits",
            marks,
            [descriptors, tiles].map((r) => rangeHeader(r, source.size)),
            descriptors.length + tiles.length,
          );
          results.push([image.shape, data]);
        }
        record(backend, "cutouts compressed_rice_i16", source, results);
      });
    },
  );

  if (name !== "memory") {
    test(`${name}: a missing object is NOT_FOUND with a redacted URL`, TIMEOUT, async () => {
      const object = `missing-${name}.fits`;
      const marks = marksOf(backend, object);
      const error = await rejectsWith(
        withSource(backend, object, (source) => source.read(0, 2880)),
        "NOT_FOUND",
        backend.remote ? /not found \(HTTP 404\)/ : /no such file/,
        {
          label: name,
          secrets: backend.secrets,
        },
      );
      assert.match(error.url ?? "", new RegExp(`/${object}$`));
      assertRedacted(backend, error);
      if (backend.wire !== undefined) {
        const sent = backend.wire.slice(marks.wire);
        assert.deepEqual(sent.map((r) => [r.method, r.range, r.status]), [["GET", "bytes=0-2879", 404]]);
      }
    });
  }

  if (backend.etags) {
    test(`${name}: an object replaced after the first read is STALE on the next read`, TIMEOUT, async () => {
      const object = `stale-${name}.fits`;
      await backend.put(object, cube);
      const changed = cube.slice();
      changed[3000] ^= 0xff; // same size, different bytes: only the ETag tells
      await withSource(backend, object, async (source) => {
        const marks = marksOf(backend, object);
        assert.deepEqual(await source.read(0, 2880), cube.subarray(0, 2880));
        const etag = source.etag;
        assert.ok(etag !== undefined && etag !== "", "a strong ETag after the first read");
        await backend.put(object, changed);
        const error = await rejectsWith(
          source.read(2880, 2880),
          "STALE",
          /changed while reading: its ETag was/,
          {
            label: name,
            secrets: backend.secrets,
          },
        );
        assert.equal(error.offset, 2880);
        assertRedacted(backend, error);
        const sent = backend.wire!.slice(marks.wire);
        assert.deepEqual(sent.map((r) => [r.method, r.range, r.status]), [
          ["GET", "bytes=0-2879", 206],
          ["GET", "bytes=2880-5759", 206],
        ]);
      });
    });
  }
}

test("file: a file that shrinks after opening is STALE on the next read", TIMEOUT, async () => {
  const file = backends.get("file");
  await file.put("shrinks.fits", cube);
  await withSource(file, "shrinks.fits", async (source) => {
    assert.deepEqual(await source.read(0, 2880), cube.subarray(0, 2880));
    await truncate(file.pathOf!("shrinks.fits"), 4000);
    await rejectsWith(source.read(2880, 2880), "STALE", /file shrank to 4000 bytes/);
  });
});

test(
  "s3: a missing key in a bucket without s3:ListBucket is FORBIDDEN, 'not found or forbidden'",
  TIMEOUT,
  async () => {
    const { s3Server } = backends;
    const before = s3Server.log.length;
    const source = s3Source({
      bucket: "locked",
      key: "conformance/missing.fits",
      endpoint: s3Server.endpoint,
      region: "us-east-1",
      credentials: { accessKeyId: s3Server.accessKeyId, secretAccessKey: s3Server.secretAccessKey },
    });
    const error = await rejectsWith(
      source.read(0, 2880),
      "FORBIDDEN",
      /not found or forbidden \(HTTP 403\)/,
      {
        secrets: [s3Server.secretAccessKey],
      },
    );
    assert.equal(error.url ?? "", `${s3Server.endpoint}/locked/conformance/missing.fits`);
    assert.deepEqual(s3Server.log.slice(before).map((r) => [r.method, r.range, r.status]), [
      ["GET", "bytes=0-2879", 403],
    ]);
  },
);

test("every backend gives byte-identical results and identical ByteSource traffic", () => {
  const reference = summaries.get("memory");
  assert.ok(reference !== undefined);
  const keys = [...reference.keys()].sort();
  assert.deepEqual(
    keys,
    [
      "cutouts compressed_rice_i16",
      "raw reads",
      "rows table_all",
      "sections mef_images",
      "sections tess_cube",
      ...FIXTURES.map((f) => `walk ${f}`),
    ].sort(),
  );
  assert.deepEqual([...summaries.keys()], backends.list.map((b) => b.name));
  for (const [backend, cases] of summaries) {
    assert.deepEqual([...cases.keys()].sort(), keys, `${backend} ran every case`);
    for (const key of keys) assert.deepEqual(cases.get(key), reference.get(key), `${backend}: ${key}`);
  }
});
