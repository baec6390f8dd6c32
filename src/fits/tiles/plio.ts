/**
 * The PLIO_1 decoder: IRAF's pixel-list line-list encoding, for masks of integers 0 … 2^24.
 *
 * A line list is 16-bit words. A header gives the list length and where the instructions start (old
 * lists: length in word 2, instructions from word 3; new lists: word 2 ≤ 0, length in words 3 and 4 as
 * `w4 × 2^15 + w3`, instructions from word `w1`). Each instruction word is a 3-bit opcode over 12 bits
 * of data, acting on a current value pv (starting at 1):
 *
 * | opcode | meaning |
 * |---|---|
 * | 0 | `data` zeros |
 * | 1 | pv = next word × 2^12 + data (the next word is consumed) |
 * | 2, 3 | pv += data, pv −= data |
 * | 4 | `data` pixels of pv |
 * | 5 | `data − 1` zeros, then one pixel of pv |
 * | 6, 7 | pv += data or pv −= data, then one pixel of pv |
 *
 * Pixels the list does not reach are zero.
 *
 * @module
 */
import { CloudFitsError } from "../../errors.ts";

/**
 * Decode one PLIO_1 tile.
 *
 * @param words The line list as signed 16-bit words (the heap's `1PI` elements).
 * @param pixelCount Pixels in the tile.
 * @returns The tile's pixels.
 * @throws {CloudFitsError} `BAD_HEADER` for a list whose header points outside its words;
 *   `TRUNCATED` when an opcode 1 has no following word.
 *
 * @example Three zeros, pv += 4, two pixels of pv (an old-style header: 7 words, instructions from word 3)
 * ```ts
 * import { decodePlio } from "./plio.ts";
 *
 * console.log(decodePlio(new Int16Array([0, 7, 7, 0x0003, 0x2004, 0x4002, 0]), 6)); // Int32Array(6) [ 0, 0, 0, 5, 5, 0 ]
 * ```
 */
export function decodePlio(words: Int16Array, pixelCount: number): Int32Array {
  const out = new Int32Array(pixelCount);
  const bad = (reason: string): CloudFitsError =>
    new CloudFitsError("BAD_HEADER", `Cannot decode a PLIO_1 tile of ${words.length} words: ${reason}`);
  if (words.length < 3) throw bad("the line list header needs at least 3 words");
  let listLength: number;
  let first: number;
  if (words[2] > 0) {
    listLength = words[2];
    first = 3;
  } else {
    if (words.length < 5) throw bad("the line list header needs 5 words");
    listLength = words[4] * 32768 + words[3];
    first = words[1];
  }
  if (listLength > words.length || first < 0) {
    throw bad(`the header claims ${listLength} words from word ${first}`);
  }
  let x = 0; // next pixel, 0-based
  let pv = 1;
  for (let ip = first; ip < listLength && x < pixelCount; ip++) {
    const word = words[ip] & 0xffff;
    const opcode = word >> 12;
    const data = word & 0xfff;
    switch (opcode) {
      case 0:
      case 4:
      case 5: {
        const stop = Math.min(x + data, pixelCount);
        if (opcode === 4) out.fill(pv, x, stop);
        // Zeros are already there; opcode 5 ends its run with one pixel of pv.
        else if (opcode === 5 && data > 0 && x + data <= pixelCount) out[x + data - 1] = pv;
        x += data;
        break;
      }
      case 1:
        if (ip + 1 >= listLength) {
          throw new CloudFitsError(
            "TRUNCATED",
            `Cannot decode a PLIO_1 tile: opcode 1 at word ${ip} has no value word`,
          );
        }
        pv = (words[++ip] & 0xffff) * 4096 + data;
        break;
      case 2:
        pv += data;
        break;
      case 3:
        pv -= data;
        break;
      case 6:
      case 7:
        pv += opcode === 6 ? data : -data;
        out[x++] = pv;
        break;
        // Words with the top bit set are not instructions; IRAF skips them.
    }
  }
  return out;
}
