/**
 * Paths as the index stores them: UTF-8 keys, each written as the length of the prefix it shares
 * with the previous key plus the rest (in the directory and in every leaf).
 *
 * @module
 */
import { sharedPrefix } from "./_layout.ts";
import type { ByteReader, ByteWriter } from "./_varint.ts";

const UTF8 = new TextEncoder();
const UTF8_DECODER = new TextDecoder("utf-8", { fatal: true });

/**
 * Read one prefix-compressed key: a shared-prefix length (at most the previous key's), then the
 * suffix's length and bytes.
 *
 * @param reader The reader, at the key.
 * @param previous The previous key (empty for the first).
 * @returns The key, a new array.
 * @throws {CloudFitsError} `BAD_INDEX` when the prefix is longer than the previous key or bytes run out.
 *
 * @example
 * ```ts
 * import { readPathKey } from "./_path_keys.ts";
 * import { ByteReader } from "./_varint.ts";
 *
 * const previous = new TextEncoder().encode("a/1.fits");
 * const key = readPathKey(new ByteReader(new Uint8Array([2, 6, 50, 46, 102, 105, 116, 115]), "a leaf", 0), previous);
 * console.log(new TextDecoder().decode(key)); // a/2.fits
 * ```
 */
export function readPathKey(reader: ByteReader, previous: Uint8Array): Uint8Array<ArrayBuffer> {
  const shared = reader.count("shared path prefix", previous.length);
  const suffix = reader.bytes(reader.varint());
  const key = new Uint8Array(shared + suffix.length);
  key.set(previous.subarray(0, shared));
  key.set(suffix, shared);
  return key;
}

/**
 * Write one prefix-compressed key, as {@linkcode readPathKey} reads it.
 *
 * @param writer The writer.
 * @param previous The previous key (empty for the first).
 * @param key The key.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readPathKey, writePathKey } from "./_path_keys.ts";
 * import { ByteReader, ByteWriter } from "./_varint.ts";
 *
 * const [previous, key] = ["a/1.fits", "a/2.fits"].map((path) => new TextEncoder().encode(path));
 * const writer = new ByteWriter();
 * writePathKey(writer, previous, key);
 * assert.deepEqual(readPathKey(new ByteReader(writer.finish(), "a leaf", 0), previous), key);
 * ```
 */
export function writePathKey(writer: ByteWriter, previous: Uint8Array, key: Uint8Array): void {
  const shared = sharedPrefix(previous, key);
  writer.varint(shared);
  writer.varint(key.length - shared);
  writer.bytes(key.subarray(shared));
}

/**
 * The path a key spells.
 *
 * @param bytes The key.
 * @param reader The reader it came from, to place the error.
 * @returns The path.
 * @throws {CloudFitsError} `BAD_INDEX` when the key is not valid UTF-8.
 *
 * @example
 * ```ts
 * import { pathOfKey } from "./_path_keys.ts";
 * import { ByteReader } from "./_varint.ts";
 *
 * const reader = new ByteReader(new Uint8Array(0), "a leaf", 0);
 * console.log(pathOfKey(new TextEncoder().encode("a/1.fits"), reader)); // a/1.fits
 * ```
 */
export function pathOfKey(bytes: Uint8Array, reader: ByteReader): string {
  try {
    return UTF8_DECODER.decode(bytes);
  } catch {
    throw reader.fail("a path is not valid UTF-8");
  }
}

/**
 * The key of a path, to look it up.
 *
 * @param path The path.
 * @returns Its UTF-8 bytes.
 *
 * @example
 * ```ts
 * import { keyOfPath } from "./_path_keys.ts";
 *
 * console.log(keyOfPath("é").length); // 2
 * ```
 */
export function keyOfPath(path: string): Uint8Array {
  return UTF8.encode(path);
}
