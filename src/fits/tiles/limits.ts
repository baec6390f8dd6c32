/**
 * Bounds of the tile codecs: how much a compressed tile of a given length can decode to, so that a plan
 * refuses a hostile tile before anything is allocated. Its own module, apart from the decoders, so that
 * planning a read never loads them: they load when a tile is decoded.
 *
 * @module
 */

/** Deflate cannot expand data by more than this factor (1032:1 is its theoretical limit), plus headers. */
const MAX_INFLATE_RATIO = 1032;

/**
 * The most bytes a gzip stream of `byteLength` bytes can inflate to; bounds a tile before allocating it.
 *
 * @param byteLength Length of the gzip stream.
 * @returns An upper bound on the inflated length.
 *
 * @example Bounding a 100-byte stream
 * ```ts
 * import { gzipMaxInflated } from "./limits.ts";
 *
 * console.log(gzipMaxInflated(100)); // 103200
 * ```
 */
export function gzipMaxInflated(byteLength: number): number {
  return byteLength * MAX_INFLATE_RATIO;
}

/** FS code widths of RICE_1 by BYTEPIX: 3, 4 or 5 bits for 1-, 2- and 4-byte pixels. */
export const RICE_FS_BITS: Record<number, number> = { 1: 3, 2: 4, 4: 5 };

/**
 * The most pixels a Rice stream of `byteLength` bytes can hold: every block needs at least its FS code,
 * so this bounds a tile before anything is allocated.
 *
 * @param byteLength Length of the compressed stream.
 * @param bytePix 1, 2 or 4.
 * @param blockSize Pixels per block.
 * @returns An upper bound on the pixel count.
 *
 * @example Bounding a 9-byte stream of 4-byte pixels
 * ```ts
 * import { riceMaxPixels } from "./limits.ts";
 *
 * console.log(riceMaxPixels(9, 4, 32)); // 256
 * ```
 */
export function riceMaxPixels(byteLength: number, bytePix: number, blockSize: number): number {
  const fsBits = RICE_FS_BITS[bytePix] ?? 3;
  const codeBits = Math.max(0, byteLength - bytePix) * 8;
  return (Math.floor(codeBits / fsBits) + 1) * blockSize;
}

/** A run instruction covers at most 4095 pixels, and a `1` instruction takes two words. */
const MAX_PIXELS_PER_WORD = 4095;

/**
 * The most pixels a line list of `wordCount` words can describe with runs; pixels beyond are zeros, so
 * this only bounds how far a list can reach, not the tile.
 *
 * @param wordCount Words in the line list.
 * @returns An upper bound on the pixels the list covers.
 *
 * @example Bounding a 10-word list
 * ```ts
 * import { plioMaxPixels } from "./limits.ts";
 *
 * console.log(plioMaxPixels(10)); // 40950
 * ```
 */
export function plioMaxPixels(wordCount: number): number {
  return wordCount * MAX_PIXELS_PER_WORD;
}
