import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { type CloudFitsErrorCode, isCloudFitsError } from "../../../src/errors.ts";
import { decodeHcompress } from "../../../src/fits/tiles/hcompress.ts";
import { throwsWith } from "../../_support/expect_error.ts";

const VECTORS = new URL("../../../testdata/hcompress/", import.meta.url);

interface TileVector {
  tile: number;
  nx: number;
  ny: number;
  zbitpix: number;
  smooth: boolean;
  stream_base64: string;
  expected?: number[];
  expected_sha256?: string;
  expected_first?: number[];
}

interface VectorFile {
  name: string;
  made_by: string;
  tiles: TileVector[];
}

function loadVectors(name: string): VectorFile {
  return JSON.parse(readFileSync(new URL(`${name}.json`, VECTORS), "utf8"));
}

function streamOf(tile: TileVector): Uint8Array {
  const binary = atob(tile.stream_base64);
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/** Compare pixel arrays without printing thousands of numbers on failure. */
function assertPixels(actual: Int32Array, expected: ArrayLike<number>, label: string): void {
  assert.equal(actual.length, expected.length, `${label}: pixel count`);
  let mismatches = 0;
  let first = -1;
  for (let i = 0; i < actual.length; i++) {
    if (actual[i] !== expected[i]) {
      mismatches++;
      if (first < 0) first = i;
    }
  }
  assert.equal(
    mismatches,
    0,
    `${label}: ${mismatches} pixels differ, first at ${first} (got ${actual[first]}, want ${
      expected[first]
    })`,
  );
}

function countDifferences(a: Int32Array, b: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
  return n;
}

async function sha256LittleEndian(pixels: Int32Array): Promise<string> {
  const bytes = new Uint8Array(pixels.length * 4);
  const view = new DataView(bytes.buffer);
  pixels.forEach((value, i) => view.setInt32(i * 4, value, true));
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Assert that `run` throws a CloudFitsError with `code` whose message matches `pattern`. */
function assertFails(run: () => unknown, code: CloudFitsErrorCode, pattern: RegExp): void {
  const error = throwsWith(run, code, pattern);
  assert.match(error.message, /^Cannot decode HCOMPRESS tile at stream byte \d+: /);
}

/** A hand-made stream: header, then `body` (bit planes, end nybble, sign bits). */
function handStream(rows: number, cols: number, sum: bigint, planes: number[], body: number[]): Uint8Array {
  const bytes = new Uint8Array(25 + body.length);
  const view = new DataView(bytes.buffer);
  bytes.set([0xdd, 0x99]);
  view.setInt32(2, rows);
  view.setInt32(6, cols);
  view.setInt32(10, 0);
  view.setBigInt64(14, sum);
  bytes.set(planes, 22);
  bytes.set(body, 25);
  return bytes;
}

const SMALL_VECTORS = [
  "int16_37x23",
  "int32_full_range_20x16",
  "uint8_13x9",
  "int16_tiles_50x40",
  "int16_lossy_64x48",
  "int16_lossy_smooth_64x48",
];

for (const name of SMALL_VECTORS) {
  test(`decodes every tile of ${name} exactly as funpack does`, () => {
    const vectors = loadVectors(name);
    assert.ok(vectors.tiles.length >= 1);
    for (const tile of vectors.tiles) {
      const pixels = decodeHcompress(streamOf(tile), tile.nx, tile.ny, { smooth: tile.smooth });
      assert.ok(pixels instanceof Int32Array);
      assertPixels(pixels, tile.expected!, `${name} tile ${tile.tile}`);
    }
  });
}

test("the vectors cover odd, non-square, edge and multi-tile shapes and every ZBITPIX", () => {
  const shapes = new Set<string>();
  const bitpix = new Set<number>();
  for (const name of SMALL_VECTORS) {
    for (const tile of loadVectors(name).tiles) {
      shapes.add(`${tile.nx}x${tile.ny}`);
      bitpix.add(tile.zbitpix);
    }
  }
  for (const shape of ["37x23", "13x9", "17x8", "16x16", "64x16", "16x48"]) {
    assert.ok(shapes.has(shape), shape);
  }
  assert.deepEqual([...bitpix].sort(), [16, 32, 8]);
});

test("full-range int32 needs 64-bit coefficients and round-trips through them", () => {
  const [tile] = loadVectors("int32_full_range_20x16").tiles;
  const expected = tile.expected!;
  assert.ok(Math.max(...expected) > 2 ** 30 && Math.min(...expected) < -(2 ** 30));
  assertPixels(decodeHcompress(streamOf(tile), 20, 16), expected, "int32 full range");
});

test("lossy tiles multiply by the stream's scale", () => {
  const [tile] = loadVectors("int16_lossy_64x48").tiles;
  const stream = streamOf(tile);
  const scale = new DataView(stream.buffer).getInt32(10);
  assert.ok(scale > 1, `scale ${scale}`);
  assertPixels(decodeHcompress(stream, tile.nx, tile.ny), tile.expected!, "lossy");
});

test("smoothing is what makes the SMOOTH = 1 tiles match funpack", () => {
  const tiles = loadVectors("int16_lossy_smooth_64x48").tiles;
  let changed = 0;
  for (const tile of tiles) {
    assert.equal(tile.smooth, true);
    const unsmoothed = decodeHcompress(streamOf(tile), tile.nx, tile.ny, { smooth: false });
    changed += countDifferences(unsmoothed, tile.expected!);
    assertPixels(
      decodeHcompress(streamOf(tile), tile.nx, tile.ny, { smooth: true }),
      tile.expected!,
      "smoothed",
    );
  }
  assert.ok(changed > 100, `smoothing changed only ${changed} pixels`);
});

test("smoothing leaves lossless tiles unchanged", () => {
  const [tile] = loadVectors("int16_37x23").tiles;
  assertPixels(
    decodeHcompress(streamOf(tile), 37, 23, { smooth: true }),
    tile.expected!,
    "lossless smoothed",
  );
});

test("decodes a 512 × 512 smoothed int32 tile to funpack's pixels", async () => {
  const [tile] = loadVectors("int32_lossy_smooth_512x512").tiles;
  assert.equal(tile.nx, 512);
  assert.equal(tile.ny, 512);
  const pixels = decodeHcompress(streamOf(tile), 512, 512, { smooth: true });
  assert.deepEqual(Array.from(pixels.subarray(0, 16)), tile.expected_first);
  assert.equal(await sha256LittleEndian(pixels), tile.expected_sha256);
  const unsmoothed = decodeHcompress(streamOf(tile), 512, 512, { smooth: false });
  assert.notEqual(await sha256LittleEndian(unsmoothed), tile.expected_sha256);
});

test("reads a stream that sits inside a larger buffer", () => {
  const [tile] = loadVectors("uint8_13x9").tiles;
  const stream = streamOf(tile);
  const heap = new Uint8Array(stream.length + 40).fill(0xee);
  heap.set(stream, 17);
  const pixels = decodeHcompress(heap.subarray(17, 17 + stream.length), 13, 9);
  assertPixels(pixels, tile.expected!, "subarray");
});

test("decodes hand-made constant tiles from the sum term alone", () => {
  // 2 × 2: one inverse pass divides the sum term by 4.
  assert.deepEqual(Array.from(decodeHcompress(handStream(2, 2, 28n, [0, 0, 0], [0x00]), 2, 2)), [7, 7, 7, 7]);
  assert.deepEqual(Array.from(decodeHcompress(handStream(2, 2, -28n, [0, 0, 0], [0x00]), 2, 2)), [
    -7,
    -7,
    -7,
    -7,
  ]);
  // 3 × 2 (3 columns, 2 rows): two passes, through the odd-row and odd-column branches, divide by 8.
  const wide = decodeHcompress(handStream(2, 3, 40n, [0, 0, 0], [0x00]), 3, 2);
  assert.deepEqual(Array.from(wide), [5, 5, 5, 5, 5, 5]);
});

test("every truncation of a stream fails as TRUNCATED and names what was being read", () => {
  const [tile] = loadVectors("int16_37x23").tiles;
  const stream = streamOf(tile);
  assertFails(
    () => decodeHcompress(stream.subarray(0, 0), 37, 23),
    "TRUNCATED",
    /0 bytes, its header needs 25/,
  );
  assertFails(
    () => decodeHcompress(stream.subarray(0, 24), 37, 23),
    "TRUNCATED",
    /24 bytes, its header needs 25/,
  );
  assertFails(
    () => decodeHcompress(stream.subarray(0, 25), 37, 23),
    "TRUNCATED",
    /bit plane 12 of quadrant 0/,
  );
  assertFails(
    () => decodeHcompress(stream.subarray(0, stream.length - 1), 37, 23),
    "TRUNCATED",
    new RegExp(`stream ends after ${stream.length - 1} bytes while reading sign bits`),
  );
  for (let length = 25; length < stream.length; length++) {
    assertFails(() => decodeHcompress(stream.subarray(0, length), 37, 23), "TRUNCATED", /while reading/);
  }
});

test("a wrong magic number fails as BAD_HEADER", () => {
  const stream = streamOf(loadVectors("uint8_13x9").tiles[0]);
  stream[0] = 0x53; // "SIMPLE" of an old-style HCOMPRESS file
  assertFails(() => decodeHcompress(stream, 13, 9), "BAD_HEADER", /magic number 0x53 0x99 is not 0xdd 0x99/);
});

test("dimensions that differ from the tile fail as BAD_HEADER before any allocation", () => {
  const stream = streamOf(loadVectors("int16_37x23").tiles[0]);
  assertFails(
    () => decodeHcompress(stream, 23, 37),
    "BAD_HEADER",
    /stream holds 37 × 23 pixels, the tile is 23 × 37/,
  );
  const huge = stream.slice();
  new DataView(huge.buffer).setInt32(2, 0x7fffffff);
  new DataView(huge.buffer).setInt32(6, 0x7fffffff);
  assertFails(
    () => decodeHcompress(huge, 37, 23),
    "BAD_HEADER",
    /stream holds 2147483647 × 2147483647 pixels/,
  );
});

test("hostile bit-plane counts and sums fail without decoding", () => {
  const stream = streamOf(loadVectors("int16_37x23").tiles[0]);
  const tooDeep = stream.slice();
  tooDeep[23] = 200;
  assertFails(() => decodeHcompress(tooDeep, 37, 23), "BAD_HEADER", /200 bit planes exceed the 64/);
  const inexact = stream.slice();
  inexact[24] = 60;
  assertFails(() => decodeHcompress(inexact, 37, 23), "UNSUPPORTED", /60 bit planes exceed the 53/);
  const bigSum = stream.slice();
  new DataView(bigSum.buffer).setBigInt64(14, 2n ** 60n);
  assertFails(
    () => decodeHcompress(bigSum, 37, 23),
    "UNSUPPORTED",
    /sum term 1152921504606846976 exceeds 2\^53/,
  );
  const bigScale = stream.slice();
  bigScale[22] = 30;
  new DataView(bigScale.buffer).setInt32(10, 2 ** 30);
  assertFails(
    () => decodeHcompress(bigScale, 37, 23),
    "UNSUPPORTED",
    /scale 1073741824 makes coefficients exceed/,
  );
});

test("deep bit planes on a short stream end as TRUNCATED, not in a long loop", () => {
  const planes = handStream(64, 64, 0n, [53, 53, 53], [0x00, 0x00]);
  assertFails(
    () => decodeHcompress(planes, 64, 64),
    "TRUNCATED",
    /while reading bit plane \d+ of quadrant 0/,
  );
});

test("invalid codes fail as BAD_HEADER", () => {
  assertFails(
    () => decodeHcompress(handStream(2, 2, 28n, [1, 0, 0], [0x50]), 2, 2),
    "BAD_HEADER",
    /bit plane format code is 5, expected 0 or 15/,
  );
  assertFails(
    () => decodeHcompress(handStream(2, 2, 28n, [0, 0, 0], [0x30]), 2, 2),
    "BAD_HEADER",
    /end-of-planes code is 3, expected 0/,
  );
  assertFails(
    () => decodeHcompress(handStream(1, 1, 5n, [0, 0, 0], [0x00]), 1, 1),
    "UNSUPPORTED",
    /1 × 1 tile/,
  );
});

test("bad arguments throw built-in errors", () => {
  const stream = handStream(2, 2, 28n, [0, 0, 0], [0x00]);
  assert.throws(() => decodeHcompress(stream, 0, 2), RangeError);
  assert.throws(() => decodeHcompress(stream, 2, 1.5), RangeError);
  assert.throws(() => decodeHcompress(stream, 70000, 70000), RangeError);
  assert.throws(() => decodeHcompress([0xdd, 0x99] as unknown as Uint8Array, 2, 2), TypeError);
});

test("corrupted streams either decode to nx × ny integers or fail as a CloudFitsError", () => {
  const tiles = [loadVectors("int16_37x23").tiles[0], loadVectors("int16_lossy_smooth_64x48").tiles[1]];
  let seed = 12345;
  const random = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % n;
  };
  let failures = 0;
  let decoded = 0;
  for (const tile of tiles) {
    const original = streamOf(tile);
    for (let round = 0; round < 150; round++) {
      const stream = original.slice();
      const flips = 1 + random(4);
      for (let f = 0; f < flips; f++) stream[25 + random(stream.length - 25)] ^= 1 << random(8);
      try {
        const pixels = decodeHcompress(stream, tile.nx, tile.ny, { smooth: tile.smooth });
        assert.equal(pixels.length, tile.nx * tile.ny);
        decoded++;
      } catch (error) {
        assert.ok(isCloudFitsError(error), `round ${round}: ${error}`);
        failures++;
      }
    }
  }
  assert.equal(decoded + failures, 300);
  assert.ok(failures > 0, "some corruptions must be detected");
});
