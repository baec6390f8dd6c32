import type { ByteSource, ReadOptions, SuffixBytes } from "./types.ts";

/**
 * A source that forwards `name`, `size`, `etag`, `readSuffix` and `close` to another one and reads through
 * `read`: the shape every wrapper (retry, cache, counting) shares. A wrapped source that can be closed
 * makes the wrapper closable too, `await using` included.
 *
 * @param source The wrapped source.
 * @param read The wrapper's read.
 * @param close The wrapper's close (default: the wrapped source's, when it has one).
 * @param readSuffix The wrapper's suffix read (default: the wrapped source's, when it has one; a
 *   speculative read is neither retried nor cached).
 * @returns The wrapping source.
 */
export function wrapSource(
  source: ByteSource,
  read: (offset: number, length: number, options?: ReadOptions) => Promise<Uint8Array>,
  close: (() => Promise<void>) | undefined = source.close === undefined
    ? undefined
    : () => source.close?.() ?? Promise.resolve(),
  readSuffix: ((length: number, options?: ReadOptions) => Promise<SuffixBytes | undefined>) | undefined =
    source.readSuffix?.bind(source),
): ByteSource {
  const wrapped: ByteSource = {
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
    ...(readSuffix === undefined ? {} : { readSuffix }),
  };
  return close === undefined ? wrapped : withClose(wrapped, close);
}

/**
 * Give an object `close()` and, where the runtime has `Symbol.asyncDispose` (not every browser does),
 * the same function as `[Symbol.asyncDispose]` for `await using`.
 *
 * @param target The object to extend (returned, extended in place).
 * @param close What closing does.
 * @returns `target`, now closable.
 */
export function withClose<T extends object>(
  target: T,
  close: () => Promise<void>,
): T & { close(): Promise<void> } {
  const property = { value: close, writable: true, configurable: true };
  Object.defineProperty(target, "close", { ...property, enumerable: true });
  if (typeof Symbol.asyncDispose === "symbol") Object.defineProperty(target, Symbol.asyncDispose, property);
  return target as T & { close(): Promise<void> };
}
