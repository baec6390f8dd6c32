/**
 * HTTP(S) objects as byte sources: one `Range` GET per read, with every response status decided
 * explicitly and every response checked against the request.
 *
 * @module
 */
import { CloudFitsError, isCloudFitsError } from "../errors.ts";
import type { RetryReadOptions } from "./retry.ts";
import type { ByteSource, SuffixBytes } from "./types.ts";
import { redactUrl } from "../url.ts";
import type { ErrorExplainer } from "./status.ts";
import { type RequestPool, sharedRequestPool } from "./request_pool.ts";
import { CORS_ADVICE, isPossiblyCors, pageLocation } from "./_cors.ts";
import { rangeHeaders, takeEarlyRead } from "./range_get.ts";
import { collectBody, discard, readAnswer, slice } from "./http_answer.ts";
import { describe, scrub } from "./http_errors.ts";

/** The subset of `fetch` that cloudfits calls; inject a signing or instrumented fetch here. */
export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/**
 * One HTTP request as reported to {@linkcode HttpSourceOptions.onRequest}: what went over the wire, not
 * the read that caused it. There is one event per request sent (each retry attempt, and the
 * wrong-region answer that `s3Fetch` follows, included), and none for reads answered from memory (the
 * body of a 200 kept as the whole object, a `withCache` hit).
 */
export interface RequestEvent {
  /** Always `GET`: cloudfits never sends HEAD. */
  method: "GET";
  /** The URL without query string or userinfo. */
  url: string;
  /**
   * First byte of the `Range` header sent; for a suffix range, where the answer placed its bytes (−1 when
   * no valid answer did).
   */
  offset: number;
  /** Bytes the `Range` header sent asked for (cut to the object's size once that is known). */
  length: number;
  /** True for a suffix range (`Range: bytes=-length`, see {@linkcode HttpSource.readSuffix}). */
  suffix?: boolean;
  /** Response status, or 0 when no response arrived (network failure, timeout, abort). */
  status: number;
  /**
   * Body bytes received: the part of a 206, the whole object of a 200, up to 16 KiB of an error body,
   * or what arrived before a failure.
   */
  bytes: number;
  /** Duration from sending the request to the end of the body, in milliseconds. */
  ms: number;
  /** 1-based attempt number when the read runs under {@linkcode withRetry}. */
  attempt?: number;
}

/** Settings for {@linkcode httpSource}. */
export interface HttpSourceOptions {
  /** The fetch to use (default: the global one). S3 and Azure sources pass a signing fetch. */
  fetch?: FetchLike;
  /** Extra headers for every request. `Range` and `Accept-Encoding` are always set by the source. */
  headers?: HeadersInit;
  /** Expected object size (from an index): a different size is a `STALE` error ("index stale"). */
  size?: number;
  /** Expected strong ETag (from an index): a different one is a `STALE` error ("index stale"). */
  etag?: string;
  /** Per-request timeout in milliseconds, body included (default 30,000): then `TIMEOUT`. */
  timeoutMs?: number;
  /** Description for messages (default: the URL without query string and userinfo). */
  name?: string;
  /** Called after every request, successful or not, to observe traffic. */
  onRequest?: (event: RequestEvent) => void;
  /**
   * Turn an error response into a hint appended to the message (for example, S3 XML error codes).
   * Receives the status, up to 16 KiB of the body and the headers; return `undefined` for no hint.
   */
  explainError?: ErrorExplainer;
  /** The limit on requests in flight per host that this source shares (default: one pool for the process). */
  requestPool?: RequestPool;
  /**
   * Whether `readSuffix` may send a suffix range (`Range: bytes=-N`) before the size is known. Default:
   * yes, except in a page reading another origin, where a suffix range is not a CORS-safelisted header
   * and would cost a preflight round trip. Azure Blob has no suffix ranges: `azureSource` turns it off.
   */
  suffixRanges?: boolean;
}

/** A {@linkcode ByteSource} over an HTTP(S) URL. */
export interface HttpSource extends ByteSource {
  /** The strong ETag pinned from the index or the first response, without quotes, once known. */
  readonly etag: string | undefined;
  /**
   * The object's last `length` bytes: one `Range: bytes=-length` GET while the size is unknown (an
   * ordinary range read once it is known). The answer must be a 206 whose `Content-Range` ends at the
   * object's end and starts `length` bytes before it (or at 0), and it pins or is checked against the
   * size and ETag like any response: an object that changed since another read is `STALE`. Any other
   * answer — 200 (a small one is kept as the whole object; a large body is cancelled at once), 416, a
   * wrong `Content-Range`, an error status, a network failure or timeout, or `suffixRanges: false` —
   * resolves to undefined, and the caller reads as usual.
   */
  readSuffix(length: number, options?: RetryReadOptions): Promise<SuffixBytes | undefined>;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * Read an object over HTTP(S) with one `Range: bytes=a-b` GET per read.
 *
 * Every read sends `Range: bytes=a-b` (the end clamped to the size once known; a suffix range only from
 * `readSuffix`, which a caller asks for when it needs the object's end) and `Accept-Encoding: identity`
 * (Bun asks for gzip otherwise). There are no HEAD requests:
 * the size comes from `Content-Range`. Retries are not done here; wrap the source in `withRetry`.
 *
 * | response | result |
 * |---|---|
 * | 206 | `Content-Range: bytes a-b/total` must start at the requested offset and end at min(requested end, total − 1); the body must hold exactly b − a + 1 bytes. The first response pins the size and the strong ETag (weak `W/` tags are ignored) |
 * | 200 or 206 with `Content-Encoding` other than identity | `BAD_RESPONSE` (not retried) |
 * | 206 with a wrong or missing `Content-Range`, or a `Content-Length` that disagrees | `BAD_RESPONSE` |
 * | body ends before its `Content-Length` | `NETWORK` ("got N of M bytes") |
 * | the body stream fails (connection reset or closed mid-body) | `NETWORK` ("the HTTP 206 body broke off after N bytes: …") |
 * | body ends early without a `Content-Length` (chunked), or runs long | `BAD_RESPONSE` |
 * | size or ETag differs from the index (`size`/`etag` options) | `STALE` ("index stale") |
 * | size or ETag differs from an earlier response | `STALE` (object changed while reading) |
 * | 200 with `Content-Length` ≤ 1 MiB (or no length and a body ≤ 1 MiB) | the server ignores Range: the body is the whole object; it is kept and serves every later read without requests |
 * | 200 with a larger or unbounded body | the body is cancelled at once, never buffered: `RANGE_IGNORED` |
 * | 416 | the read starts at or after the end: empty result; size from Content-Range: bytes &#42;/N; if N says the read was inside the object: `STALE` |
 * | any other status | the shared table of `statusRule` (status.ts): 401 and 403 `FORBIDDEN` (403 says "not found or forbidden": S3 answers 403 for a missing key without ListBucket); 404 and 410 `NOT_FOUND`; 408, 429 and 5xx `NETWORK`, retryable, with a `Retry-After` delay as `retryAfterMs` on the error; anything else (unfollowed 3xx, 400, …) `BAD_RESPONSE` |
 * | `fetch` throwing, connection reset | `NETWORK` (retryable) |
 * | `fetch` throwing a browser's bare `TypeError` ("Failed to fetch") for another origin | `CORS`, not retryable: the message says "possibly CORS" and what the server must allow |
 * | no answer within `timeoutMs` | `TIMEOUT` |
 * | the caller's signal fires | `ABORTED` |
 *
 * Error bodies are read up to 16 KiB (for `explainError`, and so that events count them), then
 * cancelled. URLs in names, messages and events never carry query strings (SAS tokens, presigned
 * signatures) or userinfo, and headers are never reported.
 *
 * @param url The object's `http:` or `https:` URL (query strings such as SAS tokens are sent, never shown).
 * @param options Injected fetch, headers, expected size and ETag, timeout, name and hooks.
 * @returns A source whose `size` and `etag` are pinned by the first response.
 *
 * @example Reading the first card of an object, watching the traffic
 * ```ts
 * import assert from "node:assert/strict";
 * import { httpSource, type RequestEvent } from "@cloudfits/core";
 *
 * const object = new TextEncoder().encode("SIMPLE  =                    T".padEnd(2880));
 * const sent: { url: string; headers: Headers }[] = [];
 * // A stand-in for the network: records each request and answers it from `object`.
 * const fetch = (url: string | URL | Request, init?: RequestInit) => {
 *   const headers = new Headers(init?.headers);
 *   sent.push({ url: String(url), headers });
 *   const [, a, b] = /bytes=(\d+)-(\d+)/.exec(headers.get("range")!)!;
 *   return Promise.resolve(new Response(object.slice(Number(a), Number(b) + 1), {
 *     status: 206,
 *     headers: { "content-range": `bytes ${a}-${b}/${object.length}`, etag: '"v1"' },
 *   }));
 * };
 *
 * const events: RequestEvent[] = [];
 * const onRequest = (event: RequestEvent) => events.push(event);
 * const source = httpSource("https://example.org/image.fits?sig=secret", { fetch, onRequest });
 * assert.equal(new TextDecoder().decode(await source.read(0, 30)), "SIMPLE  =                    T");
 * assert.deepEqual([source.size, source.etag, source.name], [2880, "v1", "https://example.org/image.fits"]);
 * assert.equal(sent[0].headers.get("range"), "bytes=0-29");
 * assert.deepEqual(events.map((e) => [e.url, e.offset, e.length, e.status]), [[source.name, 0, 30, 206]]);
 * ```
 */
export function httpSource(url: string | URL, options: HttpSourceOptions = {}): HttpSource {
  const target = new URL(url);
  const safeUrl = redactUrl(target);
  if (target.protocol !== "http:" && target.protocol !== "https:") {
    throw new TypeError(`Cannot read ${safeUrl}: only http: and https: URLs are supported`);
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!(timeoutMs > 0)) throw new RangeError(`Cannot use timeoutMs ${timeoutMs}: it must be positive`);
  if (options.size !== undefined && !(Number.isSafeInteger(options.size) && options.size >= 0)) {
    throw new RangeError(`Cannot use size ${options.size}: it must be a non-negative integer`);
  }
  const fetchImpl: FetchLike = options.fetch ?? ((input, init) => fetch(input, init));
  const page = pageLocation();
  const suffixRanges = options.suffixRanges ?? (page === undefined || page.origin === target.origin);
  const name = options.name ?? safeUrl;
  const href = target.href;

  let size = options.size;
  let sizeFromIndex = options.size !== undefined;
  let etag = strongEtag(options.etag ?? null);
  let etagFromIndex = etag !== undefined;
  /** The whole object, when the server answered a ranged request with a small 200. */
  let whole: Uint8Array | undefined;

  const fail = (
    code: ConstructorParameters<typeof CloudFitsError>[0],
    message: string,
    offset: number,
    status?: number,
    cause?: unknown,
  ): CloudFitsError => new CloudFitsError(code, message, { url: safeUrl, offset, status, cause });

  /** Compare a response's size and ETag with what is pinned; pin them if nothing is yet. */
  const pin = (
    what: string,
    offset: number,
    status: number,
    total: number | undefined,
    tag: string | null,
  ) => {
    if (total !== undefined) {
      if (size === undefined) size = total;
      else if (size !== total) {
        const message = sizeFromIndex
          ? `index stale: the object is now ${total} bytes, the index says ${size}`
          : `the object changed while reading: it was ${size} bytes and is now ${total}`;
        throw fail("STALE", `Cannot read ${what}: ${message}`, offset, status);
      }
      sizeFromIndex = false;
    }
    const strong = strongEtag(tag);
    if (strong === undefined) return;
    if (etag === undefined) etag = strong;
    else if (etag !== strong) {
      const message = etagFromIndex
        ? `index stale: the ETag is now "${strong}", the index says "${etag}"`
        : `the object changed while reading: its ETag was "${etag}" and is now "${strong}"`;
      throw fail("STALE", `Cannot read ${what}: ${message}`, offset, status);
    }
    etagFromIndex = false;
  };

  const pool = options.requestPool ?? sharedRequestPool;
  const read = (offset: number, length: number, readOptions: RetryReadOptions = {}): Promise<Uint8Array> =>
    pool.run(target.host, () => readOnce(offset, length, readOptions));

  /** One GET: of `length` bytes at `offset`, or with `suffix` of the object's last `length` bytes. */
  const readOnce = async (
    offset: number,
    length: number,
    readOptions: RetryReadOptions,
    suffix = false,
  ): Promise<Uint8Array> => {
    checkRange(offset, length);
    const signal = readOptions.signal;
    if (signal?.aborted) {
      throw fail(
        "ABORTED",
        `Cannot read ${length} bytes at offset ${offset} of ${name}: aborted`,
        offset,
        undefined,
        signal.reason,
      );
    }
    if (whole !== undefined) {
      return suffix ? whole.subarray(Math.max(0, whole.length - length)) : slice(whole, offset, length);
    }
    if (length === 0 || (size !== undefined && offset >= size)) return new Uint8Array(0);

    const last = suffix ? -1 : Math.min(offset + length, size ?? Infinity) - 1;
    const what = suffix ? `the last ${length} bytes of ${name}` : `bytes ${offset}-${last} of ${name}`;
    const headers = rangeHeaders(suffix ? `bytes=-${length}` : `bytes=${offset}-${last}`, options.headers);
    // The CLI may have sent this very request before its command had loaded (range_get.ts).
    const early = options.fetch === undefined ? takeEarlyRead(href, headers) : undefined;

    // A timer we clear ourselves (rather than AbortSignal.timeout) so that no timer outlives the read.
    const timeout = new AbortController();
    const timer = setTimeout(
      () => timeout.abort(new DOMException(`No answer within ${timeoutMs} ms`, "TimeoutError")),
      timeoutMs,
    );
    const combined = signal === undefined ? timeout.signal : AbortSignal.any([signal, timeout.signal]);
    // Injected fetches (a signer awaiting credentials, a fake Response) may ignore the signal: race it.
    let stopWaiting = () => {};
    const aborted = new Promise<never>((_, reject) => {
      const onAbort = () => reject(combined.reason);
      combined.addEventListener("abort", onAbort, { once: true });
      stopWaiting = () => combined.removeEventListener("abort", onAbort);
    });
    aborted.catch(() => {});

    const started = early?.started ?? performance.now();
    let status = 0;
    let received = 0;
    /** Where the answer's bytes start: known before sending, except for a suffix range. */
    let placed = suffix ? -1 : offset;

    /** Read a body into one buffer of `capacity` bytes; `undefined` when more arrived (then cancelled). */
    const collect = (response: Response, capacity: number, into?: Uint8Array) =>
      collectBody(response, capacity, into, aborted, (bytes) => {
        received += bytes;
      });

    try {
      if (early) combined.addEventListener("abort", () => early.abort(combined.reason), { once: true });
      const pending = early?.response ?? fetchImpl(href, { headers, signal: combined, redirect: "follow" });
      // Should the race be lost to the signal, a late response's body must still be released.
      pending.then(discardIfLate, () => {});
      const response = await Promise.race([pending, aborted]);
      status = response.status;
      return await readAnswer(response, {
        status,
        what,
        offset,
        length,
        last,
        suffix,
        into: readOptions.into,
        url: safeUrl,
        explainError: options.explainError,
        fail,
        pin,
        collect,
        size: () => size,
        place: (start) => {
          placed = start;
        },
        keepWhole: (bytes) => {
          whole = bytes;
        },
      });
    } catch (error) {
      if (isCloudFitsError(error)) throw error;
      if (signal?.aborted) {
        throw fail("ABORTED", `Cannot read ${what}: aborted`, offset, undefined, signal.reason);
      }
      if (timeout.signal.aborted) {
        throw fail("TIMEOUT", `Cannot read ${what}: timed out after ${timeoutMs} ms`, offset);
      }
      const cause = scrub(error, target, safeUrl);
      if (status === 0 && isPossiblyCors(error, target, pageLocation())) {
        // A browser words a CORS refusal and a network failure alike; the first is the likely one.
        throw fail(
          "CORS",
          `Cannot read ${what}: possibly CORS (the browser says '${describe(cause)}', as it does for a ` +
            `request its CORS rules refuse): ${CORS_ADVICE}`,
          offset,
          undefined,
          cause,
        );
      }
      // Runtimes word a dropped body vaguely ("error reading a body from connection"): say where it broke.
      const where = status === 0 ? "" : `the HTTP ${status} body broke off after ${received} bytes: `;
      throw fail(
        "NETWORK",
        `Cannot read ${what}: ${where}${describe(cause)}`,
        offset,
        status || undefined,
        cause,
      );
    } finally {
      clearTimeout(timer);
      stopWaiting();
      options.onRequest?.({
        method: "GET",
        url: safeUrl,
        offset: placed,
        length: suffix ? length : last - offset + 1,
        ...(suffix ? { suffix } : {}),
        status,
        bytes: received,
        ms: performance.now() - started,
        ...(readOptions.attempt === undefined ? {} : { attempt: readOptions.attempt }),
      });
    }

    function discardIfLate(response: Response): void {
      if (combined.aborted && status === 0) discard(response);
    }
  };

  const readSuffix = async (
    length: number,
    readOptions: RetryReadOptions = {},
  ): Promise<SuffixBytes | undefined> => {
    if (!Number.isSafeInteger(length) || length <= 0) {
      throw new RangeError(`Cannot read the last ${length} bytes: the length must be a positive integer`);
    }
    const known = size ?? whole?.length;
    if (known !== undefined) {
      const start = Math.max(0, known - length);
      return { offset: start, bytes: await read(start, known - start, readOptions) };
    }
    if (!suffixRanges) return undefined;
    try {
      const bytes = await pool.run(target.host, () => readOnce(0, length, readOptions, true));
      return { offset: size! - bytes.length, bytes };
    } catch (error) {
      // Speculative: only a changed object and the caller's abort are errors; the caller reads as usual.
      if (isCloudFitsError(error) && (error.code === "STALE" || error.code === "ABORTED")) throw error;
      return undefined;
    }
  };

  return {
    name,
    get size(): number | undefined {
      return size;
    },
    get etag(): string | undefined {
      return etag;
    },
    read,
    readSuffix,
  };
}

function checkRange(offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
    throw new RangeError(`Cannot read ${length} bytes at offset ${offset}: invalid range`);
  }
}

/** The quoted value of a strong ETag, or `undefined` for none or a weak one. */
function strongEtag(header: string | null): string | undefined {
  if (header === null) return undefined;
  const value = header.trim();
  if (value === "" || value.startsWith("W/")) return undefined;
  return value.startsWith('"') && value.endsWith('"') && value.length >= 2 ? value.slice(1, -1) : value;
}
