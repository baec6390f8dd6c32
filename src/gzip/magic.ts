/**
 * Recognise whole-file compression by its magic bytes, whatever the file is called.
 *
 * @module
 */

/** A whole-file compression format. */
export type Compression = "gzip" | "bzip2" | "compress" | "xz" | "zstd";

const MAGIC: [Compression, number[]][] = [
  ["gzip", [0x1f, 0x8b]],
  ["compress", [0x1f, 0x9d]],
  ["bzip2", [0x42, 0x5a, 0x68]], // "BZh"
  ["xz", [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
  ["zstd", [0x28, 0xb5, 0x2f, 0xfd]],
];

/**
 * The compression a file's first bytes announce.
 *
 * @param head The first bytes of the file (6 are enough).
 * @returns The format, or undefined for bytes that start no known compressed format (FITS starts with
 *   `SIMPLE`, which none of these magic numbers resembles).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { compressionOf } from "./magic.ts";
 *
 * assert.equal(compressionOf(new Uint8Array([0x1f, 0x8b, 8, 0])), "gzip");
 * assert.equal(compressionOf(new TextEncoder().encode("BZh91AY&SY")), "bzip2");
 * assert.equal(compressionOf(new TextEncoder().encode("SIMPLE  =")), undefined);
 * ```
 */
export function compressionOf(head: Uint8Array): Compression | undefined {
  return MAGIC.find(([, magic]) => magic.every((byte, i) => head[i] === byte))?.[0];
}
