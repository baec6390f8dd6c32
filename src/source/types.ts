/**
 * The byte-source interface every reader in cloudfits is written against.
 *
 * @module
 */

/** Options for one read. */
export interface ReadOptions {
  /** Abort the read. */
  signal?: AbortSignal;
  /**
   * Where the caller wants the bytes: room for `length` bytes. A source that can (a local file, an HTTP
   * body) writes them there and resolves to a view of `into` starting at its first byte, saving an
   * allocation and a copy; any other source ignores it and resolves to an array of its own. Callers
   * tell the two apart with {@linkcode isReadInto}, and copy only when the bytes are elsewhere. A
   * wrapper that keeps what it reads (a cache) must not pass `into` on: the caller owns that memory.
   */
  into?: Uint8Array;
}

/**
 * Whether a read answered with a view of the caller's `into` buffer (so the bytes are in place).
 *
 * @param bytes What the read resolved to.
 * @param into The buffer passed as `into`.
 * @returns True when `bytes` starts at `into`'s first byte, in the same memory.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isReadInto } from "./types.ts";
 *
 * const into = new Uint8Array(8);
 * assert.ok(isReadInto(into.subarray(0, 4), into));
 * assert.ok(!isReadInto(new Uint8Array(4), into));
 * ```
 */
export function isReadInto(bytes: Uint8Array, into: Uint8Array): boolean {
  return bytes.buffer === into.buffer && bytes.byteOffset === into.byteOffset;
}

/**
 * A random-access source of bytes: a local file, an HTTP object, a bucket object, or bytes in memory.
 *
 * Contract:
 * - `read(offset, length)` resolves to exactly `length` bytes, except when the range runs past the end
 *   of the object: then it resolves to the bytes that exist (possibly none). Anything else that is
 *   short (a truncated body, a mismatched `Content-Range`) is a `CloudFitsError`, never fewer bytes.
 * - `size` is the object size once known. Remote sources learn it from their first response; it is
 *   `undefined` before that unless the caller supplied it (from an index, for example).
 * - The returned array may be a view into a larger buffer; treat it as read-only.
 * - A source that holds a resource (a local file's handle) has `close()`, and `[Symbol.asyncDispose]`
 *   for `await using`; closing twice is harmless, and reads after closing fail. Wrappers (`withRetry`,
 *   `withCache`, `countingSource`) forward `close()` to the source they wrap, and are typed closable
 *   (`ClosableSource`, fit for `await using`) exactly when the wrapped source is. Sources that hold
 *   nothing (memory, HTTP) have no `close()`, so generic code writes `await source.close?.()`.
 *
 * @example A source over bytes in memory
 * ```ts
 * import assert from "node:assert/strict";
 * import { memorySource } from "@cloudfits/core";
 *
 * const source = memorySource(new Uint8Array([1, 2, 3, 4]));
 * assert.deepEqual([...await source.read(1, 2)], [2, 3]);
 * assert.deepEqual([...await source.read(3, 10)], [4], "fewer bytes only at the end");
 * assert.equal(source.size, 4);
 * ```
 */
export interface ByteSource {
  /** A description for messages: a path, or a URL with credentials and signatures removed. */
  readonly name: string;
  /** Size of the object in bytes, once known. */
  readonly size: number | undefined;
  /** The object's strong ETag (without quotes), once a remote source has seen one. */
  readonly etag?: string;
  /** Read `length` bytes at `offset` (fewer only at the end of the object). */
  read(offset: number, length: number, options?: ReadOptions): Promise<Uint8Array>;
  /**
   * Read the object's last `length` bytes (all of it when it is smaller) in one request, before its size
   * is known: an HTTP suffix range (`Range: bytes=-length`), sent together with a first read by a caller
   * that will need the object's end (a TESS cube's frame table). Resolves to the bytes and where they
   * start, or to undefined when the server does not answer suffix ranges (Azure Blob, a server that
   * ignores or refuses them): the caller then reads as usual. Only an object that changed since an
   * earlier read (`STALE`) or an abort is an error. Sources that know their size need not have it.
   */
  readSuffix?(length: number, options?: ReadOptions): Promise<SuffixBytes | undefined>;
  /** Release what the source holds (present only on sources that hold something). */
  close?(): Promise<void>;
  /**
   * What reading `[start, end)` takes from the stored object, for a source whose bytes are derived
   * from another object's (whole-file gzip): plans and cost limits count these requests and bytes.
   */
  transferOf?(start: number, end: number): { requests: number; bytes: number };
}

/** The last bytes of an object, as {@linkcode ByteSource.readSuffix} read them. */
export interface SuffixBytes {
  /** Where they start in the object: its size minus their length. */
  offset: number;
  /** The bytes, up to the object's end. */
  bytes: Uint8Array;
}

/** A source that holds a resource: `close()` releases it, and so does the end of an `await using` block. */
export interface ClosableSource extends ByteSource, AsyncDisposable {
  /** Release what the source holds; closing twice is harmless. */
  close(): Promise<void>;
}

/**
 * What a wrapper of `S` is: closable (and usable with `await using`) exactly when `S` is, so wrapping a
 * file source keeps the type that lets the compiler accept `await using`.
 */
export type WrappedSource<S extends ByteSource> = S extends AsyncDisposable ? ClosableSource : ByteSource;
