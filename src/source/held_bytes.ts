/**
 * Serve reads from bytes a walk already read — its first read, the rest of the object read with a last
 * header — so that a small file, or the data just after a header, is not fetched twice.
 *
 * @module
 */
import { wrapSource } from "./_wrap.ts";
import type { ByteSource, ReadOptions } from "./types.ts";

/** Bytes of a source, read at `offset`. */
export interface HeldBytes {
  /** Where they start in the source. */
  offset: number;
  /** The bytes, as the source returned them. */
  bytes: Uint8Array;
}

/**
 * Wrap a source so that a read lying wholly inside bytes already held is answered from memory, a read
 * whose end lies inside held bytes that start after it fetches only its front, and a read whose start lies
 * inside held bytes that end before it does fetches only its back; every other read goes to the source
 * unchanged. Nothing is added to what is held: the memory is what the reads that produced
 * `held` returned, until `close()` lets it go.
 *
 * @param source The source the held bytes were read from.
 * @param held The bytes held now (asked at each read, so that a walk can add the bytes it reads later).
 * @returns A source that reads through the held bytes first.
 *
 * @example A first read serves a later one
 * ```ts
 * import assert from "node:assert/strict";
 * import { countingSource } from "./counting.ts";
 * import { memorySource } from "./memory.ts";
 * import { withHeldBytes } from "./held_bytes.ts";
 *
 * const source = countingSource(memorySource(new Uint8Array([1, 2, 3, 4, 5, 6])));
 * const head = { offset: 0, bytes: await source.read(0, 4) };
 * const reader = withHeldBytes(source, () => [head]);
 * assert.deepEqual([...await reader.read(1, 3)], [2, 3, 4]);
 * assert.equal(source.stats.requests, 1, "served from the first read");
 * assert.deepEqual([...await reader.read(2, 4)], [3, 4, 5, 6]);
 * assert.equal(source.stats.requests, 2, "a read past it goes to the source...");
 * assert.deepEqual(source.stats.ranges.at(-1), { offset: 4, length: 2 }, "...for the bytes behind only");
 *
 * // Bytes held at the object's end: a read that ends in them fetches only its front.
 * const end = { offset: 4, bytes: await source.read(4, 2) };
 * const joined = withHeldBytes(source, () => [end]);
 * assert.deepEqual([...await joined.read(1, 5)], [2, 3, 4, 5, 6]);
 * assert.deepEqual(source.stats.ranges.at(-1), { offset: 1, length: 3 }, "only the bytes in front");
 * ```
 */
export function withHeldBytes(
  source: ByteSource,
  held: () => readonly (HeldBytes | undefined)[],
): ByteSource {
  let closed = false;
  const read = (offset: number, length: number, options?: ReadOptions): Promise<Uint8Array> => {
    if (closed || options?.signal?.aborted) return source.read(offset, length, options);
    // Bytes that reach the object's end answer a read that asks past it, as the source would.
    const end = source.size === undefined ? offset + length : Math.min(offset + length, source.size);
    const windows = held();
    const window = windows.find((w) =>
      w !== undefined && offset >= w.offset && end <= w.offset + w.bytes.length
    );
    if (end < offset) return source.read(offset, length, options);
    if (window === undefined) {
      const behind = windows.find((w) =>
        w !== undefined && w.offset > offset && w.offset < end && end <= w.offset + w.bytes.length
      );
      if (behind !== undefined) {
        return readFront(
          source,
          offset,
          behind.bytes.subarray(0, end - behind.offset),
          behind.offset,
          options,
        );
      }
      // Held bytes that hold the read's start but end before it does: only the rest is fetched.
      const ahead = windows.find((w) =>
        w !== undefined && offset >= w.offset && offset < w.offset + w.bytes.length
      );
      return ahead === undefined
        ? source.read(offset, length, options)
        : readBack(source, ahead.bytes.subarray(offset - ahead.offset), offset, length, options);
    }
    const bytes = window.bytes.subarray(offset - window.offset, end - window.offset);
    const into = options?.into;
    if (into === undefined || into.length < bytes.length) return Promise.resolve(bytes);
    into.set(bytes);
    return Promise.resolve(into.subarray(0, bytes.length));
  };
  const wrapped = wrapSource(source, read, async () => {
    // Closing lets the held bytes go: reads then reach the closed source, which refuses them.
    closed = true;
    await source.close?.();
  });
  const transferOf = source.transferOf?.bind(source);
  return transferOf === undefined ? wrapped : Object.assign(wrapped, { transferOf });
}

/** Read `[offset, at)` from the source and join the bytes held from `at` on behind it. */
async function readFront(
  source: ByteSource,
  offset: number,
  rest: Uint8Array,
  at: number,
  options: ReadOptions | undefined,
): Promise<Uint8Array> {
  const front = await source.read(offset, at - offset, { signal: options?.signal });
  // Short only at the object's end, which the held bytes lie beyond: then the source's answer stands.
  if (front.length < at - offset) return front;
  return joined(front, rest, options?.into);
}

/** Read what follows the held `front` of the read `[offset, offset + length)`, and join it behind. */
async function readBack(
  source: ByteSource,
  front: Uint8Array,
  offset: number,
  length: number,
  options: ReadOptions | undefined,
): Promise<Uint8Array> {
  const back = await source.read(offset + front.length, length - front.length, { signal: options?.signal });
  return joined(front, back, options?.into);
}

/** `first` then `second`, in `into` when it is large enough. */
function joined(first: Uint8Array, second: Uint8Array, into: Uint8Array | undefined): Uint8Array {
  const length = first.length + second.length;
  const bytes = into !== undefined && into.length >= length
    ? into.subarray(0, length)
    : new Uint8Array(length);
  bytes.set(first);
  bytes.set(second, first.length);
  return bytes;
}

/**
 * A source that keeps the bytes of its first read and answers later reads inside them (or past the
 * object's end, when that read reached it) from memory: the header walk's read-ahead often holds a small
 * cube's whole frame table, or a small index whole.
 *
 * @param source The source.
 * @returns The same source, remembering its first read.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { countingSource } from "./counting.ts";
 * import { memorySource } from "./memory.ts";
 * import { keepingFirstRead } from "./held_bytes.ts";
 *
 * const source = countingSource(memorySource(new Uint8Array([1, 2, 3, 4, 5, 6])));
 * const reader = keepingFirstRead(source);
 * await reader.read(0, 4);
 * assert.deepEqual([...await reader.read(2, 2)], [3, 4]);
 * assert.equal(source.stats.requests, 1, "served from the first read");
 * ```
 */
export function keepingFirstRead(source: ByteSource): ByteSource {
  let first: HeldBytes | undefined;
  const held = withHeldBytes(source, () => [first]);
  return wrapSource(held, async (offset, length, options) => {
    const bytes = await held.read(offset, length, options);
    first ??= { offset, bytes };
    return bytes;
  });
}
