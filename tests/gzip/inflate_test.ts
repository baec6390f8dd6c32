/**
 * The inflater against node:zlib: every compression level, stored blocks, multi-member files, input fed
 * a byte at a time, resumption at each recorded access point, and damaged or truncated streams.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { constants, gzipSync } from "node:zlib";
import { readFileSync } from "node:fs";
import { type AccessPoint, Inflater } from "../../src/gzip/inflate.ts";
import { crc32 } from "../../src/gzip/crc32.ts";
import { concatBytes } from "../../src/_bytes.ts";
import { throwsWith } from "../_support/expect_error.ts";

/** Inflate `gz` from byte `at` with input fed in pieces of `piece` bytes. */
function inflate(inflater: Inflater, gz: Uint8Array, at = 0, piece = gz.length): Uint8Array {
  const parts: Uint8Array[] = [];
  let offset = at;
  while (!inflater.done) {
    const out = inflater.next();
    if (out) {
      parts.push(out.slice());
      continue;
    }
    if (inflater.done) break;
    const end = Math.min(gz.length, offset + piece);
    inflater.feed(gz.subarray(offset, end), end === gz.length);
    offset = end;
  }
  return concatBytes(parts);
}

/** Bytes from a fixed-seed generator: incompressible, so deflate stores them (stored blocks). */
function noise(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let x = 20261204;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes[i] = x & 0xff;
  }
  return bytes;
}

/** Mixed data: FITS fixtures (headers, numbers), text and random bytes. */
function sample(): Uint8Array<ArrayBuffer> {
  const parts = [
    readFileSync("testdata/tess_cube.fits"),
    readFileSync("testdata/table_all.fits"),
    new TextEncoder().encode("abc".repeat(40_000)),
    noise(60_000),
    readFileSync("testdata/mef_images.fits"),
  ];
  return new Uint8Array(parts.flatMap((p) => [...p]));
}

const data: Uint8Array<ArrayBuffer> = sample();

test("equals the input at every zlib level and strategy", () => {
  for (const level of [0, 1, 6, 9]) {
    const gz = gzipSync(data, { level });
    assert.deepEqual(inflate(new Inflater(), gz), data, `level ${level}`);
  }
  for (const strategy of [constants.Z_FIXED, constants.Z_HUFFMAN_ONLY, constants.Z_RLE]) {
    assert.deepEqual(inflate(new Inflater(), gzipSync(data, { strategy })), data, `strategy ${strategy}`);
  }
});

test("equals DecompressionStream's output, with input fed a few bytes at a time", async () => {
  const gz = new Uint8Array(
    await new Response(
      new Blob([data as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new CompressionStream("gzip")),
    ).arrayBuffer(),
  );
  const web = new Uint8Array(
    await new Response(
      new Blob([gz as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream("gzip")),
    ).arrayBuffer(),
  );
  // Pieces of every size up to 9 bytes end input inside codes, block headers and stored-block lengths
  // (a stored block after 7-byte pieces once read its length from bytes already dropped).
  for (const piece of [1, 2, 3, 4, 5, 6, 7, 8, 9, 1000]) {
    assert.deepEqual(inflate(new Inflater(), gz, 0, piece), web, `${piece}`);
  }
});

test("multi-member files are one stream; trailing zeros end it", () => {
  const members = [data.subarray(0, 100_000), data.subarray(100_000, 100_001), data.subarray(100_001)];
  const gz = new Uint8Array([...members.flatMap((m) => [...gzipSync(m)]), 0, 0, 0, 0]);
  assert.deepEqual(inflate(new Inflater(), gz, 0, 5000), data);
});

test("resumes at every access point it records, in the middle of members too", () => {
  const half = data.length >> 1;
  const gz = new Uint8Array([...gzipSync(data.subarray(0, half)), ...gzipSync(data.subarray(half))]);
  const points: AccessPoint[] = [];
  const whole = inflate(new Inflater({ spacing: 10_000, onPoint: (p) => points.push(p) }), gz);
  assert.deepEqual(whole, data);
  assert.ok(points.length >= 4, `${points.length} points`);
  assert.ok(points.some((p) => p.memberOut === half), "points in the second member");
  for (const point of points) {
    assert.equal(point.window.length, Math.min(32768, point.out - point.memberOut));
    assert.equal(point.crc, crc32(data.subarray(point.memberOut, point.out)));
    const rest = inflate(new Inflater({ start: point }), gz, Math.floor(point.bit / 8), 3000);
    assert.deepEqual(rest, data.subarray(point.out), `from ${point.out}`);
  }
});

test("damaged data is an error, never wrong bytes", () => {
  const gz = gzipSync(data);
  const crcFlipped = gz.slice();
  crcFlipped[gz.length - 6] ^= 1;
  throwsWith(() => inflate(new Inflater(), crcFlipped), "CHECKSUM", /CRC-32 or length check/);
  throwsWith(() => inflate(new Inflater(), gz.subarray(0, gz.length - 3)), "TRUNCATED", /trailer/);
  throwsWith(() => inflate(new Inflater(), gz.subarray(0, 5000)), "TRUNCATED", /deflate block/);
  throwsWith(() => inflate(new Inflater(), data.subarray(0, 100)), "BAD_HEADER", /magic bytes/);
  // Flip bits through the deflate data: each damaged stream fails (usually as invalid codes, always by
  // its CRC at the latest).
  for (let at = 20; at < gz.length - 8; at += 997) {
    const damaged = gz.slice();
    damaged[at] ^= 0x10;
    assert.throws(() => inflate(new Inflater(), damaged), (e: Error & { code?: string }) => {
      return e.code === "BAD_HEADER" || e.code === "CHECKSUM" || e.code === "TRUNCATED";
    });
  }
});
