/**
 * The answer to one range GET of an `httpSource`, decided: a 206 checked against the request and the
 * pinned size and ETag, a 200 kept as the whole object when it is small, a 416, and every other status
 * through the one table in status.ts (the table on `httpSource` says what each becomes).
 *
 * @module
 */
import type { CloudFitsError } from "../errors.ts";
import { ERROR_BODY_BYTES, type ErrorExplainer, statusError } from "./status.ts";

/** A 200 answer to a ranged request is accepted as the whole object up to this size. */
const SMALL_OBJECT_BYTES = 1024 * 1024;

/**
 * One range GET whose answer has arrived: what was asked, and the state of the source that the answer
 * is checked against and sets.
 */
export interface RangeExchange {
  /** The answer's status. */
  status: number;
  /** The read, as messages name it ("bytes a-b of …", "the last N bytes of …"). */
  what: string;
  /** First byte asked for (0 for a suffix range). */
  offset: number;
  /** Bytes asked for. */
  length: number;
  /** Last byte asked for, cut to the size once known (−1 for a suffix range). */
  last: number;
  /** A suffix range (`Range: bytes=-length`). */
  suffix: boolean;
  /** The caller's buffer for the body, used when large enough. */
  into: Uint8Array | undefined;
  /** The URL for error details, without query string or userinfo. */
  url: string;
  /** The provider's hint for an error answer. */
  explainError: ErrorExplainer | undefined;
  /** An error of this read. */
  fail: (
    code: ConstructorParameters<typeof CloudFitsError>[0],
    message: string,
    offset: number,
    status?: number,
  ) => CloudFitsError;
  /** Compare the answer's size and ETag with what is pinned; pin them if nothing is yet. */
  pin: (what: string, offset: number, status: number, total: number | undefined, tag: string | null) => void;
  /** The object's size as pinned. */
  size: () => number | undefined;
  /** Read a body into one buffer of `capacity` bytes; `undefined` when more arrived (then cancelled). */
  collect: (response: Response, capacity: number, into?: Uint8Array) => Promise<Uint8Array | undefined>;
  /** Record where the answer's bytes start. */
  place: (start: number) => void;
  /** Keep a 200's body as the whole object, to serve every later read. */
  keepWhole: (body: Uint8Array) => void;
}

/**
 * The bytes a range GET's answer brings, or the error it is.
 *
 * @param response The answer.
 * @param exchange The request and the source's state.
 * @returns The bytes asked for (empty for a read at or after the end).
 */
export async function readAnswer(response: Response, exchange: RangeExchange): Promise<Uint8Array> {
  const { status, what, offset, length, last, suffix, fail, pin, collect } = exchange;
  // `identity` was asked for: a compressed body is not the object's bytes, and runtimes differ in
  // what they make of it (Deno and Bun inflate it; a corrupt one fails as a broken body, which would be
  // retried). One request, one clear error, the same everywhere.
  const encoding = response.headers.get("content-encoding");
  if (
    (status === 206 || status === 200) && encoding !== null &&
    encoding.trim().toLowerCase() !== "identity"
  ) {
    discard(response);
    throw fail(
      "BAD_RESPONSE",
      `Cannot read ${what}: the server sent Content-Encoding ${encoding} although identity was asked for`,
      offset,
      status,
    );
  }
  if (status === 206) {
    const raw = response.headers.get("content-range");
    const range = parseContentRange(raw);
    // A suffix range's answer starts `length` bytes before the end, or at 0 for a smaller object.
    const start = !suffix ? offset : range?.total === undefined ? -1 : Math.max(0, range.total - length);
    if (range === undefined || range.start === undefined || range.start !== start) {
      discard(response);
      throw fail(
        "BAD_RESPONSE",
        `Cannot read ${what}: the server answered with Content-Range '${raw ?? "(none)"}'`,
        offset,
        status,
      );
    }
    pin(what, offset, status, range.total, response.headers.get("etag"));
    const end = suffix
      ? range.total! - 1
      : range.total === undefined
      ? last
      : Math.min(last, range.total - 1);
    if (range.end !== end) {
      discard(response);
      throw fail(
        "BAD_RESPONSE",
        `Cannot read ${what}: the server answered with Content-Range '${raw}', expected bytes ${start}-${end}`,
        offset,
        status,
      );
    }
    exchange.place(start);
    const expected = end - start + 1;
    const declared = contentLength(response);
    if (declared !== undefined && declared !== expected) {
      discard(response);
      throw fail(
        "BAD_RESPONSE",
        `Cannot read ${what}: Content-Length ${declared} disagrees with Content-Range '${raw}'`,
        offset,
        status,
      );
    }
    const body = await collect(response, expected, exchange.into);
    if (body === undefined) {
      throw fail(
        "BAD_RESPONSE",
        `Cannot read ${what}: got more than the ${expected} bytes announced`,
        offset,
        status,
      );
    }
    if (body.length < expected) {
      // Short of its own Content-Length is a dropped connection (retryable); short without one is what
      // the server chose to send.
      throw fail(
        declared === undefined ? "BAD_RESPONSE" : "NETWORK",
        `Cannot read ${what}: got ${body.length} of ${expected} bytes`,
        offset,
        status,
      );
    }
    return body;
  }
  if (status === 200) {
    const declared = contentLength(response);
    if (declared !== undefined && declared > SMALL_OBJECT_BYTES) {
      discard(response);
      throw fail(
        "RANGE_IGNORED",
        `Cannot read ${what}: server ignores Range requests (it sent the whole ${declared}-byte object)`,
        offset,
        status,
      );
    }
    const body = await collect(response, declared ?? SMALL_OBJECT_BYTES);
    if (body === undefined) {
      throw declared === undefined
        ? fail(
          "RANGE_IGNORED",
          `Cannot read ${what}: server ignores Range requests (it sent more than ${SMALL_OBJECT_BYTES} bytes)`,
          offset,
          status,
        )
        : fail(
          "BAD_RESPONSE",
          `Cannot read ${what}: got more than the ${declared} bytes announced`,
          offset,
          status,
        );
    }
    if (declared !== undefined && body.length < declared) {
      throw fail(
        "NETWORK",
        `Cannot read ${what}: got ${body.length} of ${declared} bytes`,
        offset,
        status,
      );
    }
    pin(what, offset, status, body.length, response.headers.get("etag"));
    exchange.keepWhole(body);
    if (!suffix) return slice(body, offset, length);
    const placed = Math.max(0, body.length - length);
    exchange.place(placed);
    return body.subarray(placed);
  }
  if (status === 416) {
    discard(response);
    if (suffix) {
      // Unsatisfiable for an empty object, or a server without suffix ranges: either way, no tail.
      throw fail(
        "BAD_RESPONSE",
        `Cannot read ${what}: the server refused the suffix range`,
        offset,
        status,
      );
    }
    const range = parseContentRange(response.headers.get("content-range"));
    if (range?.total !== undefined) pin(what, offset, status, range.total, null);
    // RFC 9110: a single range is unsatisfiable only when it starts at or after the end.
    const size = exchange.size();
    if (size !== undefined && offset < size) {
      throw fail(
        "STALE",
        `Cannot read ${what}: the server refused the range although the object is ${size} bytes`,
        offset,
        status,
      );
    }
    return new Uint8Array(0);
  }
  // Every other status is an error, decided by the one table in status.ts.
  const hint = await errorHint(response, exchange);
  throw statusError(status, response.headers, {
    action: `read ${what}`,
    url: exchange.url,
    offset,
    object: true,
  }, hint);
}

/**
 * Read up to 16 KiB of an error body (so the event counts what arrived, and a short body leaves the
 * connection reusable), then ask the provider's explainer for a hint.
 */
async function errorHint(response: Response, exchange: RangeExchange): Promise<string | undefined> {
  const body = await exchange.collect(response, ERROR_BODY_BYTES).catch(() => new Uint8Array(0));
  return exchange.explainError?.(
    exchange.status,
    new TextDecoder().decode(body ?? new Uint8Array(0)),
    response.headers,
  );
}

/**
 * Read a body into one buffer of `capacity` bytes (the caller's `into` when large enough); `undefined`
 * when more arrived (then cancelled).
 *
 * @param response The answer whose body to read.
 * @param capacity The most bytes to keep.
 * @param into The caller's buffer.
 * @param aborted Rejects when the read is aborted or times out, as the body may never end otherwise.
 * @param onChunk Told each chunk's size as it arrives.
 * @returns The body, or `undefined` when it runs past `capacity`.
 */
export async function collectBody(
  response: Response,
  capacity: number,
  into: Uint8Array | undefined,
  aborted: Promise<never>,
  onChunk: (bytes: number) => void,
): Promise<Uint8Array | undefined> {
  const buffer = into !== undefined && into.length >= capacity
    ? into.subarray(0, capacity)
    : new Uint8Array(capacity);
  if (response.body === null) return buffer.subarray(0, 0);
  const reader = response.body.getReader();
  let filled = 0;
  try {
    for (;;) {
      const { done, value } = await Promise.race([reader.read(), aborted]);
      if (done) return buffer.subarray(0, filled);
      onChunk(value.length);
      if (filled + value.length > capacity) {
        reader.cancel().catch(() => {});
        return undefined;
      }
      buffer.set(value, filled);
      filled += value.length;
    }
  } catch (error) {
    reader.cancel().catch(() => {});
    throw error;
  }
}

/** The part of `bytes` from `offset`, at most `length` long. */
export function slice(bytes: Uint8Array, offset: number, length: number): Uint8Array {
  const start = Math.min(offset, bytes.length);
  return bytes.subarray(start, Math.min(bytes.length, start + length));
}

/** Cancel a body that will not be read, so that the connection is released. */
export function discard(response: Response): void {
  response.body?.cancel().catch(() => {});
}

/** Parse `bytes a-b/total`, `bytes a-b/*` or bytes &#42;/total. */
function parseContentRange(
  header: string | null,
): { start?: number; end?: number; total?: number } | undefined {
  if (header === null) return undefined;
  const match = /^bytes\s+(?:(\d+)-(\d+)|\*)\/(\d+|\*)$/i.exec(header.trim());
  if (match === null) return undefined;
  const total = match[3] === "*" ? undefined : Number(match[3]);
  if (match[1] === undefined) return total === undefined ? undefined : { total };
  const start = Number(match[1]);
  const end = Number(match[2]);
  // Azurite answers a range starting exactly at the end with "bytes N-(N-1)/N" and no body: the empty
  // end of the object, said oddly. Any other reversed range is nonsense.
  if (end === start - 1 && total === start) return { start, end, total };
  if (end < start || (total !== undefined && end >= total)) return undefined;
  return { start, end, total };
}

function contentLength(response: Response): number | undefined {
  const value = response.headers.get("content-length");
  if (value === null || !/^\d+$/.test(value.trim())) return undefined;
  return Number(value);
}
