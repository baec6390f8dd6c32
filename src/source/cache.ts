/**
 * A size-bounded cache of read promises, as a wrapper around any byte source.
 *
 * @module
 */
import { CloudFitsError } from "../errors.ts";
import type { ByteSource, ReadOptions, WrappedSource } from "./types.ts";
import { wrapSource } from "./_wrap.ts";

/** Settings for {@linkcode withCache}. */
export interface CacheOptions {
  /** Keep at most this many bytes of completed reads (default 64 MiB); larger reads pass through. */
  maxBytes?: number;
}

interface Entry {
  promise: Promise<Uint8Array>;
  /** Bytes counted against `maxBytes`: the requested length until the read resolves, then the actual. */
  bytes: number;
  settled: boolean;
  /** Callers still waiting; when the last one aborts, the shared request is aborted too. */
  waiters: number;
  controller: AbortController;
}

/**
 * Cache reads by exact `(offset, length)`: identical reads, concurrent or later, share one request.
 *
 * Promises are cached, not bytes, so three concurrent identical reads cost one request. The cache keeps
 * at most `maxBytes`, evicting the least recently used entries first; failed reads are evicted so the
 * next read tries again. A caller's abort rejects only that caller; the shared request is aborted
 * only when every caller waiting on it has aborted.
 *
 * @param source The source to cache.
 * @param options Size bound.
 * @returns A source with the same name and size whose reads are shared.
 *
 * @example Identical reads share one request
 * ```ts
 * import assert from "node:assert/strict";
 * import { countingSource, memorySource, withCache } from "@cloudfits/core";
 *
 * const counted = countingSource(memorySource(new Uint8Array(8)));
 * const source = withCache(counted, { maxBytes: 1024 });
 * const [a, b] = await Promise.all([source.read(0, 4), source.read(0, 4)]);
 * assert.equal(a, b, "the same bytes, from one read");
 * assert.equal(counted.stats.requests, 1);
 * ```
 */
export function withCache<S extends ByteSource>(source: S, options: CacheOptions = {}): WrappedSource<S> {
  const maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
  if (!(maxBytes >= 0)) throw new RangeError(`Cannot cache ${maxBytes} bytes: maxBytes must be non-negative`);
  const entries = new Map<string, Entry>();
  let total = 0;

  const remove = (key: string, entry: Entry): void => {
    if (entries.get(key) !== entry) return;
    entries.delete(key);
    total -= entry.bytes;
  };

  const evict = (): void => {
    for (const [key, entry] of entries) {
      if (total <= maxBytes) return;
      remove(key, entry);
    }
  };

  const start = (key: string, offset: number, length: number): Entry => {
    const controller = new AbortController();
    const entry: Entry = {
      promise: source.read(offset, length, { signal: controller.signal }),
      bytes: length,
      settled: false,
      waiters: 0,
      controller,
    };
    entries.set(key, entry);
    total += length;
    entry.promise.then((bytes) => {
      entry.settled = true;
      if (entries.get(key) !== entry) return;
      total += bytes.length - entry.bytes;
      entry.bytes = bytes.length;
      evict();
    }, () => {
      entry.settled = true;
      remove(key, entry);
    });
    evict();
    return entry;
  };

  /** Follow a pending entry; only when every follower has aborted is the shared request aborted. */
  const follow = (
    entry: Entry,
    key: string,
    signal: AbortSignal | undefined,
    offset: number,
    length: number,
  ): Promise<Uint8Array> => {
    entry.waiters++;
    if (signal === undefined) {
      const leave = () => void entry.waiters--;
      entry.promise.then(leave, leave);
      return entry.promise;
    }
    return new Promise<Uint8Array>((resolve, reject) => {
      let waiting = true;
      const leave = () => {
        waiting = false;
        entry.waiters--;
        signal.removeEventListener("abort", onAbort);
      };
      const onAbort = () => {
        if (!waiting) return;
        leave();
        if (entry.waiters === 0 && !entry.settled) {
          remove(key, entry);
          entry.controller.abort(signal.reason);
        }
        reject(aborted(source.name, offset, length, signal.reason));
      };
      signal.addEventListener("abort", onAbort, { once: true });
      entry.promise.then((bytes) => {
        if (waiting) leave();
        resolve(bytes);
      }, (error) => {
        if (waiting) leave();
        reject(error);
      });
    });
  };

  const read = (offset: number, length: number, readOptions: ReadOptions = {}): Promise<Uint8Array> => {
    const signal = readOptions.signal;
    if (signal?.aborted) return Promise.reject(aborted(source.name, offset, length, signal.reason));
    if (length > maxBytes) return source.read(offset, length, readOptions);
    const key = `${offset}:${length}`;
    let entry = entries.get(key);
    if (entry === undefined) {
      entry = start(key, offset, length);
    } else {
      // Refresh its place in the eviction order.
      entries.delete(key);
      entries.set(key, entry);
    }
    return entry.settled ? entry.promise : follow(entry, key, signal, offset, length);
  };

  return wrapSource(source, read) as WrappedSource<S>;
}

function aborted(name: string, offset: number, length: number, cause: unknown): CloudFitsError {
  return new CloudFitsError(
    "ABORTED",
    `Cannot read ${length} bytes at offset ${offset} of ${name}: aborted`,
    {
      offset,
      cause,
    },
  );
}
