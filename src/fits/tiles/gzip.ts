/**
 * GZIP_1 and GZIP_2 tiles: a gzip stream of the tile's big-endian pixels, byte-shuffled for GZIP_2
 * (every pixel's most significant byte first, then every second byte, …). Inflation uses the
 * web-standard `DecompressionStream("gzip")`, with an output cap so a hostile stream cannot expand
 * beyond the tile.
 *
 * @module
 */
import { CloudFitsError } from "../../errors.ts";

/**
 * Inflate a gzip stream that must expand to exactly `length` bytes.
 *
 * @param bytes The gzip stream (one member).
 * @param length The exact inflated length (the tile's pixels × bytes per pixel).
 * @returns The inflated bytes, in a fresh buffer.
 * @throws {CloudFitsError} `BAD_HEADER` for an invalid stream or one that inflates to another length.
 *
 * @example Round trip
 * ```ts
 * import { gunzipExactly } from "./gzip.ts";
 *
 * const packed = new Uint8Array(await new Response(
 *   new Blob([new Uint8Array([1, 2, 3])]).stream().pipeThrough(new CompressionStream("gzip")),
 * ).arrayBuffer());
 * console.log(await gunzipExactly(packed, 3)); // Uint8Array(3) [ 1, 2, 3 ]
 * ```
 */
export async function gunzipExactly(bytes: Uint8Array, length: number): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  let filled = 0;
  const bad = (reason: string): CloudFitsError =>
    new CloudFitsError("BAD_HEADER", `Cannot inflate a ${bytes.length}-byte gzip tile: ${reason}`);
  const reader = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream()
    .pipeThrough(new DecompressionStream("gzip"))
    .getReader();
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      if (filled + value.length > length) {
        await reader.cancel().catch(() => {});
        throw bad(`it inflates to more than the tile's ${length} bytes`);
      }
      out.set(value, filled);
      filled += value.length;
    }
  } catch (cause) {
    if (cause instanceof CloudFitsError) throw cause;
    throw new CloudFitsError(
      "BAD_HEADER",
      `Cannot inflate a ${bytes.length}-byte gzip tile: invalid stream (${
        cause instanceof Error ? cause.message : String(cause)
      })`,
      { cause },
    );
  }
  if (filled !== length) throw bad(`it inflates to ${filled} bytes, not the tile's ${length}`);
  return out;
}

/**
 * Undo GZIP_2's byte shuffle: the input holds byte 0 of every element, then byte 1 of every element, …;
 * the output holds each element's bytes together (still big-endian).
 *
 * @param bytes Shuffled bytes, a whole number of elements.
 * @param elementSize Bytes per element.
 * @returns The unshuffled bytes (a new array; the input itself when `elementSize` is 1).
 *
 * @example Two 16-bit values, 0x0102 and 0x0304
 * ```ts
 * import { unshuffleBytes } from "./gzip.ts";
 *
 * console.log(unshuffleBytes(new Uint8Array([1, 3, 2, 4]), 2)); // Uint8Array(4) [ 1, 2, 3, 4 ]
 * ```
 */
export function unshuffleBytes(bytes: Uint8Array, elementSize: number): Uint8Array {
  if (elementSize === 1) return bytes;
  if (bytes.length % elementSize !== 0) {
    throw new RangeError(`Cannot unshuffle ${bytes.length} bytes into ${elementSize}-byte elements`);
  }
  const count = bytes.length / elementSize;
  const out = new Uint8Array(bytes.length);
  for (let plane = 0; plane < elementSize; plane++) {
    const from = plane * count;
    for (let i = 0; i < count; i++) out[i * elementSize + plane] = bytes[from + i];
  }
  return out;
}
