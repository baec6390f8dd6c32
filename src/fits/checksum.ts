/**
 * FITS CHECKSUM and DATASUM: the 32-bit ones'-complement sum of an HDU and its ASCII encoding
 * (FITS standard 4.0, appendix J).
 *
 * @module
 */

/**
 * The 32-bit ones'-complement sum of big-endian 32-bit words, as FITS DATASUM defines it.
 *
 * @param bytes The bytes to sum; their length must be a multiple of 4.
 * @param initial A sum to continue from (to sum a stream in pieces whose lengths are multiples of 4).
 * @returns The sum, an unsigned 32-bit integer.
 *
 * @example Summing two words with end-around carry
 * ```ts
 * import { dataSum } from "./checksum.ts";
 *
 * console.log(dataSum(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 2]))); // 2
 * ```
 */
export function dataSum(bytes: Uint8Array, initial = 0): number {
  if (bytes.length % 4 !== 0) {
    throw new RangeError(`Cannot sum ${bytes.length} bytes: the length must be a multiple of 4`);
  }
  // Sum 16-bit halves separately; doubles hold 2^37 of them exactly, far beyond any single call.
  let hi = Math.floor(initial / 0x10000);
  let lo = initial & 0xffff;
  for (let i = 0; i < bytes.length; i += 4) {
    hi += (bytes[i] << 8) | bytes[i + 1];
    lo += (bytes[i + 2] << 8) | bytes[i + 3];
  }
  // Fold the carries of each half into the other, end around, until none remain.
  for (;;) {
    const hiCarry = Math.floor(hi / 0x10000);
    const loCarry = Math.floor(lo / 0x10000);
    if (hiCarry === 0 && loCarry === 0) break;
    hi = (hi % 0x10000) + loCarry;
    lo = (lo % 0x10000) + hiCarry;
  }
  return hi * 0x10000 + lo;
}

/**
 * Encode a 32-bit sum as the 16-character CHECKSUM string of the FITS standard (appendix J).
 *
 * To produce a CHECKSUM value, encode the complement of the HDU's sum computed with
 * `CHECKSUM = '0000000000000000'`; the result makes the HDU sum to −0.
 *
 * @param value An unsigned 32-bit integer.
 * @param complement Encode `~value` instead (default true, as CHECKSUM needs).
 * @returns 16 ASCII characters from `0`–`9`, `A`–`Z`, `a`–`z`, never punctuation.
 *
 * @example
 * ```ts
 * import { encodeChecksum } from "./checksum.ts";
 *
 * console.log(encodeChecksum(0xffffffff, false).length); // 16
 * ```
 */
export function encodeChecksum(value: number, complement = true): string {
  const word = complement ? ~value >>> 0 : value >>> 0;
  const exclude = new Set([0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f, 0x40, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f, 0x60]);
  const chars = new Array<number>(16);
  for (let byte = 0; byte < 4; byte++) {
    const b = (word >>> (24 - 8 * byte)) & 0xff;
    const quotient = Math.floor(b / 4) + 0x30;
    const remainder = b % 4;
    const ch = [quotient, quotient, quotient, quotient];
    ch[0] += remainder;
    // Nudge pairs apart until none is punctuation; each pair keeps its sum.
    let changed = true;
    while (changed) {
      changed = false;
      for (let k = 0; k < 4; k += 2) {
        if (exclude.has(ch[k]) || exclude.has(ch[k + 1])) {
          ch[k]++;
          ch[k + 1]--;
          changed = true;
        }
      }
    }
    for (let k = 0; k < 4; k++) chars[4 * k + byte] = ch[k];
  }
  // Rotate right by one character so the string lines up with 32-bit words in the header.
  const rotated = [chars[15], ...chars.slice(0, 15)];
  return String.fromCharCode(...rotated);
}
