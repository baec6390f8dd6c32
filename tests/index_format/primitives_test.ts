import { test } from "node:test";
import assert from "node:assert/strict";
import { crc32c, crc32cCombine } from "../../src/index_format/_crc32c.ts";
import { ByteReader, ByteWriter } from "../../src/index_format/_varint.ts";
import { isCloudFitsError } from "../../src/errors.ts";
import { seededRandom } from "../_support/range_server.ts";

test("crc32c matches the Castagnoli check value and known vectors", () => {
  assert.equal(crc32c(new TextEncoder().encode("123456789")), 0xe3069283);
  assert.equal(crc32c(new Uint8Array(0)), 0);
  assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa); // RFC 3720 B.4: 32 bytes of zeros
  assert.equal(crc32c(new Uint8Array(32).fill(0xff)), 0x62a8ab43); // RFC 3720 B.4: 32 bytes of 0xFF
});

test("crc32cCombine gives the CRC-32C of two runs back to back, from their CRCs and the second's length", () => {
  const next = seededRandom(32);
  const lengths = [0, 1, 2, 3, 7, 8, 255, 4096, 65_537, 3_000_001];
  const pool = Uint8Array.from({ length: 3_100_000 }, () => Math.floor(next() * 256));
  const bytes = (length: number) =>
    pool.subarray(Math.floor(next() * (pool.length - length)))
      .subarray(0, length);
  for (const lengthA of lengths) {
    for (const lengthB of lengths) {
      const [a, b] = [bytes(lengthA), bytes(lengthB)];
      const whole = new Uint8Array(lengthA + lengthB);
      whole.set(a);
      whole.set(b, lengthA);
      assert.equal(
        crc32cCombine(crc32c(a), crc32c(b), lengthB),
        crc32c(whole),
        `${lengthA} + ${lengthB} bytes`,
      );
    }
  }
  // Beyond 2³² bytes the length is not cut to 32 bits: 2³³ zero bytes, by doubling 1 MiB of zeros.
  let zeros = crc32c(new Uint8Array(1 << 20));
  for (let length = 1 << 20; length < 2 ** 33; length *= 2) zeros = crc32cCombine(zeros, zeros, length);
  const one = crc32c(new Uint8Array([1]));
  assert.equal(
    crc32cCombine(crc32cCombine(one, zeros, 2 ** 33), one, 1),
    crc32cCombine(one, crc32cCombine(zeros, one, 1), 2 ** 33 + 1),
  );
  assert.notEqual(crc32cCombine(one, zeros, 2 ** 33), crc32cCombine(one, zeros, 0));
});

test("varints round-trip at their byte boundaries, signed and 64-bit", () => {
  const unsigned = [0, 1, 127, 128, 16383, 16384, 2 ** 32, Number.MAX_SAFE_INTEGER];
  const signed = [0, -1, 1, -64, 64, -(2 ** 40), -(2 ** 52), 2 ** 52 - 1];
  const big = [0n, -1n, 32768n, -(1n << 63n), (1n << 63n) - 1n];
  const writer = new ByteWriter();
  unsigned.forEach((value) => writer.varint(value));
  signed.forEach((value) => writer.signed(value));
  big.forEach((value) => writer.signedBig(value));
  writer.f64(0.1);
  writer.u32(0xdeadbeef);
  writer.string("TTYPE1 → ÅÄÖ");
  const bytes = writer.finish();
  const reader = new ByteReader(bytes, "test bytes", 0);
  assert.deepEqual(unsigned.map(() => reader.varint()), unsigned);
  assert.deepEqual(signed.map(() => reader.signed()), signed);
  assert.deepEqual(big.map(() => reader.signedBig()), big);
  assert.equal(reader.f64(), 0.1);
  assert.equal(reader.u32(), 0xdeadbeef);
  assert.equal(reader.string(), "TTYPE1 → ÅÄÖ");
  assert.equal(reader.remaining, 0);
  assert.throws(() => new ByteWriter().signed(2 ** 52), RangeError);
  const small = new ByteWriter();
  small.varint(300);
  assert.deepEqual(small.finish(), new Uint8Array([0xac, 0x02]));
});

test("the reader refuses huge, overlong and truncated varints with BAD_INDEX naming the offset", () => {
  const cases: [number[], RegExp][] = [
    [[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f], /longer than 8 bytes/],
    [[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f], /exceeds 2\^53/],
    [[0x80, 0x00], /overlong/],
    [[0x80, 0x80], /needs 1 bytes, 0 left/],
  ];
  for (const [bytes, message] of cases) {
    assert.throws(() => new ByteReader(new Uint8Array(bytes), "leaf 7", 1000).varint(), (error) => {
      assert.ok(isCloudFitsError(error, "BAD_INDEX"));
      assert.match(error.message, /^Cannot decode leaf 7 at index offset 10\d\d: /);
      assert.match(error.message, message);
      return true;
    });
  }
  // A length prefix claiming more bytes than exist is refused before anything is allocated.
  const claim = new ByteWriter();
  claim.varint(2 ** 40);
  assert.throws(
    () => new ByteReader(claim.finish(), "META", 0).string(),
    /needs 1099511627776 bytes, 0 left/,
  );
  assert.throws(
    () => new ByteReader(new Uint8Array([5]), "META", 0).count("leaf count", 4),
    /leaf count 5 exceeds 4/,
  );
  assert.throws(() => new ByteReader(new Uint8Array([2, 0xc3, 0x28]), "META", 0).string(), /invalid UTF-8/);
});
