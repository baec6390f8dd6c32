import type { ByteSource } from "./types.ts";

/**
 * A {@linkcode ByteSource} over bytes already in memory, for tests and browsers.
 *
 * @param bytes The whole object.
 * @param name A description used in error messages.
 * @returns A source whose reads are views into `bytes`.
 *
 * @example Reading part of a buffer
 * ```ts
 * import assert from "node:assert/strict";
 * import { memorySource } from "@cloudfits/core";
 *
 * const source = memorySource(new TextEncoder().encode("SIMPLE  ="), "inline");
 * assert.equal(source.size, 9);
 * assert.equal(source.name, "inline");
 * assert.equal(new TextDecoder().decode(await source.read(0, 6)), "SIMPLE");
 * ```
 */
export function memorySource(bytes: Uint8Array, name = "memory"): ByteSource {
  return {
    name,
    size: bytes.length,
    read(offset: number, length: number): Promise<Uint8Array> {
      if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
        return Promise.reject(
          new RangeError(`Cannot read ${length} bytes at offset ${offset}: invalid range`),
        );
      }
      const start = Math.min(offset, bytes.length);
      return Promise.resolve(bytes.subarray(start, Math.min(bytes.length, start + length)));
    },
  };
}
