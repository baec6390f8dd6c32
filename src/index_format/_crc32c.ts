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
