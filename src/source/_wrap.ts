import type { ByteSource, ReadOptions } from "./types.ts";

/**
 * A source that forwards `name`, `size` and `etag` to another one and reads through `read`: the shape
 * every wrapper (retry, cache, counting) shares.
 *
 * @param source The wrapped source.
 * @param read The wrapper's read.
 * @returns The wrapping source.
 */
export function wrapSource(
  source: ByteSource,
  read: (offset: number, length: number, options?: ReadOptions) => Promise<Uint8Array>,
): ByteSource {
  return {
    get name(): string {
      return source.name;
    },
    get size(): number | undefined {
      return source.size;
    },
    get etag(): string | undefined {
      return source.etag;
    },
    read,
  };
}
