/**
 * Byte order: FITS stores every element big-endian; typed arrays use the host's order (little-endian
 * on every machine we run on). One swap serves both directions.
 *
 * @module
 */
import { LITTLE_ENDIAN_HOST, type TypedArray } from "./dtype.ts";

/**
 * The big-endian bytes of a typed array's elements, as FITS stores them: one copy and one swap, in
 * bulk (a host-order array's bytes are copied, then swapped in place).
 *
 * @param data Host-order values (a stored type: no scaling is applied).
 * @param capacity Bytes to allocate, at least the data's (e.g. rounded up to the 2880-byte block);
 *   the rest stays zero.
 * @returns A new array of `capacity` bytes starting with the big-endian elements.
 *
 * @example Two int16 values, big-endian
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeBigEndian } from "./byte_order.ts";
 *
 * assert.deepEqual(encodeBigEndian(new Int16Array([1, -2])), new Uint8Array([0x00, 0x01, 0xff, 0xfe]));
 * ```
 */
export function encodeBigEndian(data: TypedArray, capacity: number = data.byteLength): Uint8Array {
  const out = new Uint8Array(Math.max(capacity, data.byteLength));
  const bytes = out.subarray(0, data.byteLength);
  bytes.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  toHostOrder(bytes, bytes, data.BYTES_PER_ELEMENT, false);
  return out;
}

/**
 * Write big-endian elements of `from` into `to` in host order, optionally flipping each sign bit. The
 * swap is its own inverse, so it also writes host-order elements big-endian. `to` is aligned to the
 * element size (to 4 for 8-byte elements) and is either `from` itself or a same-length array that does
 * not overlap it; `from` may have any alignment.
 *
 * @param from The elements' bytes.
 * @param to Where the swapped bytes go (`from` itself to swap in place).
 * @param size Bytes per element: 1, 2, 4 or 8.
 * @param flipSign Whether to flip each element's top bit (the unsigned conventions).
 *
 * @example Two int16 swapped in place
 * ```ts
 * import assert from "node:assert/strict";
 * import { toHostOrder } from "./byte_order.ts";
 *
 * const bytes = new Uint8Array([0x00, 0x01, 0xff, 0xfe]);
 * toHostOrder(bytes, bytes, 2, false);
 * assert.deepEqual([...new Int16Array(bytes.buffer)], [1, -2]);
 * ```
 */
export function toHostOrder(from: Uint8Array, to: Uint8Array, size: number, flipSign: boolean): void {
  if (size === 1 || !LITTLE_ENDIAN_HOST) {
    if (from !== to) to.set(from);
    if (flipSign) { for (let i = 0; i < to.length; i += size) to[i] ^= 0x80; }
    return;
  }
  if (size === 2) {
    if (from !== to) to.set(from);
    swap16InPlace(to, flipSign);
    return;
  }
  // DataView's big-endian reads compile to a load and one byte-swap instruction in V8 and
  // JavaScriptCore: measured 1.5-2× faster than shifts and masks over a Uint32Array. Chunks keep the
  // byte offsets (i << 2) within 32 bits.
  const flip = flipSign ? 0x80000000 | 0 : 0;
  const total = to.length >>> 2;
  for (let first = 0; first < total; first += CHUNK_WORDS) {
    const count = Math.min(CHUNK_WORDS, total - first);
    const source = new DataView(from.buffer, from.byteOffset + 4 * first, 4 * count);
    const words = new Int32Array(to.buffer, to.byteOffset + 4 * first, count);
    if (size === 4) swap32(source, words, flip);
    else swap64(source, words, flip);
  }
}

const CHUNK_WORDS = 2 ** 28;

function swap32(source: DataView, words: Int32Array, flip: number): void {
  const n = words.length;
  if (flip === 0) { for (let i = 0; i < n; i++) words[i] = source.getInt32(i << 2); }
  else for (let i = 0; i < n; i++) words[i] = source.getInt32(i << 2) ^ flip;
}

/** 8-byte elements: swap each 4-byte half, and the halves (read both first: `words` may overlay `source`). */
function swap64(source: DataView, words: Int32Array, flip: number): void {
  const n = words.length;
  for (let i = 0; i < n; i += 2) {
    const high = source.getInt32(i << 2);
    words[i] = source.getInt32((i << 2) + 4);
    words[i + 1] = high ^ flip;
  }
}

/** Swap the bytes of each 16-bit element in place, two elements per 32-bit word (little-endian host). */
function swap16InPlace(bytes: Uint8Array, flipSign: boolean): void {
  const words = bytes.length >>> 2;
  const aligned = bytes.byteOffset % 4 === 0;
  const flip = flipSign ? 0x80008000 | 0 : 0;
  if (aligned) {
    const u32 = new Int32Array(bytes.buffer, bytes.byteOffset, words);
    for (let i = 0; i < words; i++) {
      const x = u32[i];
      u32[i] = (((x & 0x00ff00ff) << 8) | ((x >>> 8) & 0x00ff00ff)) ^ flip;
    }
  }
  for (let at = aligned ? 4 * words : 0; at < bytes.length; at += 2) {
    const high = bytes[at];
    bytes[at] = bytes[at + 1];
    bytes[at + 1] = flipSign ? high ^ 0x80 : high;
  }
}
