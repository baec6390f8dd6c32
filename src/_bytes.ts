/**
 * Join byte arrays into one.
 *
 * @param parts The pieces, in order.
 * @returns A new array holding them all.
 */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/**
 * A byte count for people: `43.2 kB`, `40.8 GB` (decimal units).
 *
 * @param bytes A size in bytes.
 * @returns The humanised size.
 */
export function humanBytes(bytes: number): string {
  const units = ["B", "kB", "MB", "GB", "TB", "PB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
}

/** Bytes appended and read back in order: a temporary file (`IndexStorage.spool`), or memory. */
export interface SpoolFile {
  /** Append bytes. */
  append(bytes: Uint8Array): Promise<void>;
  /** Bytes appended so far (an append counts from its call, before it resolves). */
  readonly size: number;
  /**
   * The bytes appended from `start` (default 0) to `end`, in order (may be called again, and while more
   * are appended).
   */
  read(end: number, start?: number): AsyncIterable<Uint8Array>;
  /** Free it (a temporary file is deleted). */
  close(): Promise<void>;
}

/**
 * Refuse a spool without a numeric `size` (a `SpoolFile` written before it had one), which would
 * otherwise stream nothing back and misplace what was spooled.
 *
 * @param spool A caller's spool.
 * @returns The same spool.
 * @throws {TypeError} When `size` is not a number.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkedSpool, memorySpool } from "./_bytes.ts";
 *
 * assert.ok(checkedSpool(memorySpool()));
 * const old = { append: () => Promise.resolve(), read: async function* () {}, close: () => Promise.resolve() };
 * assert.throws(() => checkedSpool(old as never), /numeric size/);
 * ```
 */
export function checkedSpool(spool: SpoolFile): SpoolFile {
  if (typeof spool.size !== "number") {
    throw new TypeError("Cannot spool: a SpoolFile must have a numeric size (bytes appended so far)");
  }
  return spool;
}

/**
 * A spool in memory.
 *
 * @returns An empty spool.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { memorySpool } from "./_bytes.ts";
 *
 * const spool = memorySpool();
 * await spool.append(new Uint8Array([1, 2]));
 * await spool.append(new Uint8Array([3]));
 * assert.equal(spool.size, 3);
 * assert.deepEqual(await Array.fromAsync(spool.read(2)), [new Uint8Array([1, 2])]);
 * assert.deepEqual(await Array.fromAsync(spool.read(3, 1)), [new Uint8Array([2]), new Uint8Array([3])]);
 * ```
 */
export function memorySpool(): SpoolFile {
  const chunks: Uint8Array[] = [];
  let size = 0;
  return {
    append: (bytes) => {
      chunks.push(bytes);
      size += bytes.length;
      return Promise.resolve();
    },
    get size() {
      return size;
    },
    read: async function* (end, start = 0) {
      for (let i = 0, at = 0; at < end; at += chunks[i++].length) {
        const chunk = chunks[i];
        if (at + chunk.length > start) {
          yield chunk.subarray(Math.max(0, start - at), Math.min(chunk.length, end - at));
        }
      }
    },
    close: () => Promise.resolve(void (chunks.length = 0)),
  };
}
