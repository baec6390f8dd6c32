/**
 * Bounded retries with exponential backoff and full jitter, as a wrapper around any byte source.
 *
 * @module
 */
import { CloudFitsError, isCloudFitsError } from "../errors.ts";
import type { ByteSource, ReadOptions, WrappedSource } from "./types.ts";
import { wrapSource } from "./_wrap.ts";

/** Read options as {@linkcode withRetry} passes them on: the attempt number rides along for traffic hooks. */
export interface RetryReadOptions extends ReadOptions {
  /** 1-based attempt number of this read. */
  attempt?: number;
}

/** One retry decision, reported to {@linkcode RetryOptions.onRetry}. */
export interface RetryEvent {
  /** The attempt that failed (1-based). */
  attempt: number;
  /** How long the wrapper waits before the next attempt. */
  delayMs: number;
  /** The failure being retried. */
  error: CloudFitsError;
}

/** Settings for {@linkcode withRetry}. */
export interface RetryOptions {
  /** Retries after the first attempt (default 4, so at most 5 requests). */
  retries?: number;
  /** Backoff base: attempt n waits up to baseDelayMs × 2^(n−1) (default 200). */
  baseDelayMs?: number;
  /** Cap on any single wait, `Retry-After` included (default 10,000). */
  maxDelayMs?: number;
  /** Jitter source in [0, 1) (default `Math.random`). */
  random?: () => number;
  /** Wait function (default a timer); inject one so tests do not wait. It should reject when `signal` fires. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Called before each wait. */
  onRetry?: (event: RetryEvent) => void;
}

/**
 * Retry transient failures of a source: `NETWORK` (connection failures, 429, 5xx such as S3's 503
 * SlowDown) and `TIMEOUT` errors. Other errors, and the caller's abort, end the read at once.
 *
 * Attempt n waits a uniformly random time in [0, min(maxDelayMs, baseDelayMs × 2^(n−1))) ("full
 * jitter"), or the server's `Retry-After` (capped at `maxDelayMs`) when the error carries it as
 * `retryAfterMs`, as {@linkcode httpSource} errors do. When the last attempt fails, the error is
 * rethrown with the same code and the attempt count in its message.
 *
 * @param source The source to protect.
 * @param options Retry count, delays, jitter, sleep and hook.
 * @returns A source with the same name and size whose reads retry.
 *
 * @example Two 503 answers, then the bytes
 * ```ts
 * import assert from "node:assert/strict";
 * import { type ByteSource, CloudFitsError, memorySource, type RetryEvent, withRetry } from "@cloudfits/core";
 *
 * const bytes = memorySource(new Uint8Array(2880), "flaky.fits");
 * let failures = 2;
 * // A source whose first two reads fail as an HTTP source's do on a 503.
 * const flaky: ByteSource = {
 *   name: bytes.name,
 *   size: bytes.size,
 *   read: (offset, length) =>
 *     failures-- > 0
 *       ? Promise.reject(new CloudFitsError("NETWORK", "HTTP 503 SlowDown", { status: 503 }))
 *       : bytes.read(offset, length),
 * };
 * const retries: RetryEvent[] = [];
 * const sleep = () => Promise.resolve(); // do not wait in an example
 * const source = withRetry(flaky, { retries: 3, sleep, onRetry: (event) => retries.push(event) });
 * assert.equal((await source.read(0, 2880)).length, 2880);
 * assert.deepEqual(retries.map((event) => [event.attempt, event.error.status]), [[1, 503], [2, 503]]);
 * ```
 */
export function withRetry<S extends ByteSource>(source: S, options: RetryOptions = {}): WrappedSource<S> {
  const retries = options.retries ?? 4;
  const baseDelayMs = options.baseDelayMs ?? 200;
  const maxDelayMs = options.maxDelayMs ?? 10_000;
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? abortableSleep;
  if (!Number.isSafeInteger(retries) || retries < 0) {
    throw new RangeError(`Cannot retry ${retries} times: retries must be a non-negative integer`);
  }
  if (!(baseDelayMs >= 0) || !(maxDelayMs >= 0)) {
    throw new RangeError(`Cannot back off with baseDelayMs ${baseDelayMs} and maxDelayMs ${maxDelayMs}`);
  }

  const read = async (offset: number, length: number, readOptions: ReadOptions = {}): Promise<Uint8Array> => {
    const signal = readOptions.signal;
    for (let attempt = 1;; attempt++) {
      const attemptOptions: RetryReadOptions = { signal, attempt, into: readOptions.into };
      try {
        return await source.read(offset, length, attemptOptions);
      } catch (error) {
        const retryable = isCloudFitsError(error, "NETWORK") || isCloudFitsError(error, "TIMEOUT");
        if (!retryable || signal?.aborted) throw error;
        if (attempt > retries) {
          const plural = attempt === 1 ? "attempt" : "attempts";
          throw new CloudFitsError(error.code, `${error.message} (gave up after ${attempt} ${plural})`, {
            url: error.url,
            status: error.status,
            offset: error.offset,
            cause: error,
          });
        }
        const retryAfterMs = (error as { retryAfterMs?: unknown }).retryAfterMs;
        const delayMs = typeof retryAfterMs === "number"
          ? Math.min(maxDelayMs, retryAfterMs)
          : random() * Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
        options.onRetry?.({ attempt, delayMs, error });
        try {
          await sleep(delayMs, signal);
        } catch (cause) {
          if (!signal?.aborted) throw cause;
        }
        if (signal?.aborted) {
          throw new CloudFitsError(
            "ABORTED",
            `Cannot read ${length} bytes at offset ${offset} of ${source.name}: aborted while waiting to retry`,
            { url: error.url, offset, cause: signal.reason },
          );
        }
      }
    }
  };

  return wrapSource(source, read) as WrappedSource<S>;
}

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
