/**
 * CRC-32 as gzip (RFC 1952) and PNG define it: reflected polynomial 0xEDB88320, initial value and final
 * XOR 0xFFFFFFFF.
 *
 * @module
 */

let table: Uint32Array | undefined;

/**
 * Continue a CRC-32 over more bytes: start with 0, and pass the result back in for the next piece.
 *
 * @param bytes The bytes to add.
 * @param crc The CRC of the bytes before them (0 for none).
 * @returns The CRC of everything so far.
 *
 * @example The check value, in one piece or two
 * ```ts
 * import assert from "node:assert/strict";
 * import { crc32 } from "./crc32.ts";
 *
 * const text = new TextEncoder().encode("123456789");
 * assert.equal(crc32(text), 0xcbf43926);
 * assert.equal(crc32(text.subarray(4), crc32(text.subarray(0, 4))), 0xcbf43926);
 * ```
 */
export function crc32(bytes: Uint8Array, crc = 0): number {
  table ??= Uint32Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  let c = ~crc;
  for (let i = 0; i < bytes.length; i++) c = table[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}
