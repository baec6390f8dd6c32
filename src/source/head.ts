/**
 * Serve reads from the bytes a first read already holds, so that a small file, or the data just after its
 * headers, is not fetched twice.
 *
 * @module
 */
import { wrapSource } from "./_wrap.ts";
import type { ByteSource, ReadOptions } from "./types.ts";

/**
 * Wrap a source so that reads lying wholly inside `head` (its bytes from offset 0, as a first read
 * returned them) are answered from memory; every other read goes to the source unchanged. Only `head`
 * is kept, until `close()`: the memory held is what the first read returned, nothing more.
 *
 * @param source The source whose first bytes `head` holds.
 * @param head The bytes at offset 0, as read from `source`.
 * @returns A source that reads through `head` first.
 *
 * @example The first read serves a later one
 * ```ts
 * import assert from "node:assert/strict";
 * import { countingSource } from "./counting.ts";
 * import { memorySource } from "./memory.ts";
 * import { withHead } from "./head.ts";
 *
 * const source = countingSource(memorySource(new Uint8Array([1, 2, 3, 4, 5, 6])));
 * const reader = withHead(source, await source.read(0, 4));
 * assert.deepEqual([...await reader.read(1, 3)], [2, 3, 4]);
 * assert.equal(source.stats.requests, 1, "served from the first read");
 * assert.deepEqual([...await reader.read(2, 4)], [3, 4, 5, 6]);
 * assert.equal(source.stats.requests, 2, "a read past it goes to the source");
 * ```
 */
export function withHead(source: ByteSource, head: Uint8Array): ByteSource {
  // Closing lets the head go: reads then reach the closed source, which refuses them.
  let held: Uint8Array | undefined = head;
  const read = (offset: number, length: number, options?: ReadOptions): Promise<Uint8Array> => {
    const head = held;
    // The head ends at the object's end when it holds all of it: a read may then ask past the end.
    const whole = head !== undefined && source.size !== undefined && head.length >= source.size;
    const end = whole ? Math.min(offset + length, head.length) : offset + length;
    if (head === undefined || offset < 0 || end > head.length || options?.signal?.aborted) {
      return source.read(offset, length, options);
    }
    const bytes = head.subarray(offset, Math.max(offset, end));
    const into = options?.into;
    if (into === undefined || into.length < bytes.length) return Promise.resolve(bytes);
    into.set(bytes);
    return Promise.resolve(into.subarray(0, bytes.length));
  };
  const wrapped = wrapSource(source, read, async () => {
    held = undefined;
    await source.close?.();
  });
  const transferOf = source.transferOf?.bind(source);
  return transferOf === undefined ? wrapped : Object.assign(wrapped, { transferOf });
}
