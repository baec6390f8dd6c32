/**
 * CRC-32C (Castagnoli): reflected polynomial 0x82F63B78, initial value and final XOR 0xFFFFFFFF.
 * The check value of the ASCII bytes "123456789" is 0xE3069283.
 *
 * @module
 */

const TABLE: Uint32Array = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/**
 * Compute the CRC-32C of some bytes.
 *
 * @param bytes The bytes to check.
 * @param previous The CRC of the bytes before these, to check a stream piece by piece.
 * @returns The CRC as an unsigned 32-bit number.
 *
 * @example Check value
 * ```ts ignore
 * crc32c(new TextEncoder().encode("123456789")); // 0xE3069283
 * ```
 */
export function crc32c(bytes: Uint8Array, previous = 0): number {
  let crc = (previous ^ 0xffffffff) >>> 0;
  for (let i = 0; i < bytes.length; i++) crc = TABLE[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** Multiply two polynomials modulo the (reflected) CRC-32C polynomial; bit 31 holds x⁰. */
function multiplyModP(a: number, b: number): number {
  let product = 0;
  for (let m = 0x80000000; m !== 0 && a !== 0; m >>>= 1) {
    if (a & m) {
      product ^= b;
      a ^= m;
    }
    b = b & 1 ? (b >>> 1) ^ 0x82f63b78 : b >>> 1;
  }
  return product >>> 0;
}

/** x^(2^k) modulo the polynomial, k = 0…63: the powers `crc32cCombine` multiplies together. */
const X_2K: Uint32Array = (() => {
  const table = new Uint32Array(64);
  let power = 0x40000000; // x¹
  for (let k = 0; k < 64; k++, power = multiplyModP(power, power)) table[k] = power;
  return table;
})();

/**
 * The CRC-32C of two byte runs back to back, from the CRC of each and the second's length, without
 * the bytes (zlib's `crc32_combine`: the first CRC times x^(8·lengthB), in O(log lengthB) steps).
 *
 * @param crcA The CRC-32C of the first run.
 * @param crcB The CRC-32C of the second run.
 * @param lengthB The second run's length in bytes (a safe integer ≥ 0).
 * @returns The CRC-32C of the first run followed by the second.
 *
 * @example Two halves
 * ```ts
 * import assert from "node:assert/strict";
 * import { crc32c, crc32cCombine } from "./_crc32c.ts";
 *
 * const [a, b] = [new TextEncoder().encode("12345"), new TextEncoder().encode("6789")];
 * assert.equal(crc32cCombine(crc32c(a), crc32c(b), b.length), 0xe3069283);
 * ```
 */
export function crc32cCombine(crcA: number, crcB: number, lengthB: number): number {
  // Shift crcA by 8·lengthB zero bits: multiply by x^(2^k) for each bit k of the bit count.
  let shift = 0x80000000; // x⁰
  for (let k = 3, n = lengthB; n > 0; k++, n = Math.floor(n / 2)) {
    if (n % 2) shift = multiplyModP(X_2K[k], shift);
  }
  return (multiplyModP(shift, crcA) ^ crcB) >>> 0;
}
