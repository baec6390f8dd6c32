/**
 * A local file picked in the page as a byte source: each read is one `Blob.slice`, so a big file is
 * never read whole.
 *
 * @module
 */
import type { ByteSource } from "../mod.ts";

/**
 * Read a `Blob` (a `File` from an `<input type="file">`) through `slice`.
 *
 * @param blob The file.
 * @param name Its name, for messages.
 * @returns A byte source of the blob's size.
 */
export function blobSource(blob: Blob, name: string): ByteSource {
  return {
    name,
    size: blob.size,
    async read(offset: number, length: number): Promise<Uint8Array> {
      const end = Math.min(blob.size, offset + length);
      if (offset >= end) return new Uint8Array(0);
      return new Uint8Array(await blob.slice(offset, end).arrayBuffer());
    },
  };
}
