/**
 * The Rice decoder of the tiled-image convention (RICE_1), after White & Percival's algorithm with
 * cfitsio's stream layout, for 1-, 2- and 4-byte pixels.
 *
 * Stream: the first pixel as a raw big-endian value of BYTEPIX bytes, then blocks of BLOCKSIZE pixels
 * (the last one shorter). Each block starts with an FS code of 3, 4 or 5 bits (for 1, 2, 4 bytes)
 * holding fs + 1: 0 means every difference in the block is zero; the largest code means each difference
 * is stored raw in 8 × BYTEPIX bits; otherwise each difference is a unary quotient (zeros ended by a one)
 * followed by fs low bits. Differences from the previous pixel are zigzag-mapped (0, −1, 1, −2 → 0, 1,
 * 2, 3) and wrap around the pixel width.
 *
 * @module
 */
import { CloudFitsError } from "../../errors.ts";
import { RICE_FS_BITS } from "./limits.ts";

/** What {@linkcode decodeRice} returns for each BYTEPIX: signed 16- and 32-bit, unsigned 8-bit. */
export type RicePixels = Uint8Array | Int16Array | Int32Array;

/**
 * Decode one Rice-compressed tile.
 *
 * @param bytes The compressed stream.
 * @param pixelCount Pixels in the tile.
 * @param bytePix Bytes per pixel: 1, 2 or 4 (ZVAL of BYTEPIX; 4 by default).
 * @param blockSize Pixels per block (ZVAL of BLOCKSIZE; 32 by default).
 * @returns The pixels: Uint8Array, Int16Array or Int32Array for 1, 2 and 4 bytes.
 * @throws {CloudFitsError} `TRUNCATED` when the stream ends before `pixelCount` pixels; `UNSUPPORTED`
 *   for another BYTEPIX. RangeError for a bad count or block size.
 *
 * @example A constant tile: first pixel 7, then one block with FS code 0
 * ```ts
 * import { decodeRice } from "./rice.ts";
 *
 * console.log(decodeRice(new Uint8Array([0, 7, 0]), 3, 2, 32)); // Int16Array(3) [ 7, 7, 7 ]
 * ```
 */
export function decodeRice(bytes: Uint8Array, pixelCount: number, bytePix = 4, blockSize = 32): RicePixels {
  if (!Number.isSafeInteger(pixelCount) || pixelCount < 0) {
    throw new RangeError(`Cannot decode ${pixelCount} Rice pixels: not a count`);
  }
  if (!Number.isSafeInteger(blockSize) || blockSize < 1) {
    throw new RangeError(`Cannot decode Rice blocks of ${blockSize} pixels: not a positive integer`);
  }
  const fsBits = RICE_FS_BITS[bytePix];
  if (fsBits === undefined) {
    throw new CloudFitsError(
      "UNSUPPORTED",
      `Cannot decode a Rice tile of ${bytePix}-byte pixels: expected 1, 2 or 4`,
    );
  }
  const out = bytePix === 4
    ? new Int32Array(pixelCount)
    : bytePix === 2
    ? new Int16Array(pixelCount)
    : new Uint8Array(pixelCount);
  if (pixelCount === 0) return out;
  const fsMax = bytePix === 1 ? 6 : bytePix === 2 ? 14 : 25;
  const bBits = bytePix * 8;
  const length = bytes.length;
  const ended = (): CloudFitsError =>
    new CloudFitsError(
      "TRUNCATED",
      `Cannot decode a Rice tile of ${pixelCount} pixels: the ${length}-byte stream ends early`,
    );
  if (length < bytePix + 1) throw ended();

  // Pixel values wrap at the pixel width: keep them as int32 and let the typed array narrow them.
  let last = 0;
  for (let k = 0; k < bytePix; k++) last = (last << 8) | bytes[k];
  let at = bytePix;
  let buffer = bytes[at++]; // bits not yet consumed, right-aligned
  let bitsLeft = 8;

  for (let i = 0; i < pixelCount;) {
    // The FS code.
    bitsLeft -= fsBits;
    while (bitsLeft < 0) {
      if (at >= length) throw ended();
      buffer = (buffer << 8) | bytes[at++];
      bitsLeft += 8;
    }
    const fs = (buffer >>> bitsLeft) - 1;
    buffer &= (1 << bitsLeft) - 1;
    const end = Math.min(i + blockSize, pixelCount);

    if (fs < 0) {
      // Low entropy: every difference is zero.
      for (; i < end; i++) out[i] = last;
    } else if (fs === fsMax) {
      // High entropy: raw differences of bBits bits each.
      for (; i < end; i++) {
        let diff = 0;
        let need = bBits;
        // Take whatever is left in the buffer first, then whole bytes, then a partial byte.
        diff = bitsLeft > 0 ? buffer : 0;
        need -= bitsLeft;
        while (need >= 8) {
          if (at >= length) throw ended();
          diff = (diff << 8) | bytes[at++];
          need -= 8;
        }
        if (need > 0) {
          if (at >= length) throw ended();
          buffer = bytes[at++];
          bitsLeft = 8 - need;
          diff = (diff << need) | (buffer >>> bitsLeft);
          buffer &= (1 << bitsLeft) - 1;
        } else {
          buffer = 0;
          bitsLeft = 0;
        }
        last = (last + unzigzag(diff >>> 0)) | 0;
        out[i] = last;
      }
    } else {
      // Rice codes: a unary quotient, then fs bits.
      for (; i < end; i++) {
        while (buffer === 0) {
          if (at >= length) throw ended();
          bitsLeft += 8;
          buffer = bytes[at++];
        }
        const zeros = bitsLeft - (32 - Math.clz32(buffer));
        bitsLeft -= zeros + 1;
        buffer ^= 1 << bitsLeft; // drop the terminating one bit
        bitsLeft -= fs;
        while (bitsLeft < 0) {
          if (at >= length) throw ended();
          buffer = (buffer << 8) | bytes[at++];
          bitsLeft += 8;
        }
        const diff = ((zeros << fs) | (buffer >>> bitsLeft)) >>> 0;
        buffer &= (1 << bitsLeft) - 1;
        last = (last + unzigzag(diff)) | 0;
        out[i] = last;
      }
    }
  }
  return out;
}

/** 0, 1, 2, 3, … → 0, −1, 1, −2, … (as int32 arithmetic, so 32-bit differences wrap). */
function unzigzag(mapped: number): number {
  return (mapped & 1) === 0 ? mapped >>> 1 : ~(mapped >>> 1);
}
