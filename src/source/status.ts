/**
 * The one mapping from an HTTP error status to a {@linkcode CloudFitsError}, shared by every provider:
 * range reads ({@linkcode httpSource}, and through it S3, GCS and Azure), listings and uploads.
 * Providers add what they know through an {@linkcode ErrorExplainer}: S3's XML error codes, Azure's
 * `x-ms-error-code`.
 *
 * @module
 */
import { concatBytes } from "../_bytes.ts";
import { CloudFitsError, type CloudFitsErrorCode } from "../errors.ts";

/**
 * Turn an error response into a hint appended to the message (S3 XML error codes, Azure error codes).
 *
 * @param status The HTTP status.
 * @param body Up to 16 KiB of the response body, decoded as UTF-8 (empty when there was none).
 * @param headers The response headers (`x-amz-bucket-region`, `x-ms-error-code`, …).
 * @returns The hint, or `undefined` for none.
 */
export type ErrorExplainer = (status: number, body: string, headers: Headers) => string | undefined;

/** What one status means: the error code, the words of the message, and whether to try again. */
export interface StatusRule {
  /** The error code. */
  code: CloudFitsErrorCode;
  /** The reason in the message, before "(HTTP status)". */
  reason: string;
  /** Whether the failure is transient: `withRetry` retries `NETWORK` errors. */
  retryable: boolean;
}

/** The largest error body read for an {@linkcode ErrorExplainer}. */
export const ERROR_BODY_BYTES = 16 * 1024;

/**
 * Decide what an HTTP error status means. One table for every provider and every request:
 *
 * | status | code | reason | retried |
 * |---|---|---|---|
 * | 401 | `FORBIDDEN` | unauthorized | no |
 * | 403 reading an object | `FORBIDDEN` | not found or forbidden: S3 answers 403 for a missing key without `s3:ListBucket` | no |
 * | 403 otherwise (listing, upload) | `FORBIDDEN` | forbidden | no |
 * | 404, 410 | `NOT_FOUND` | not found | no |
 * | 408 | `NETWORK` | request timeout | yes |
 * | 429 | `NETWORK` | too many requests | yes, after `Retry-After` when sent |
 * | 503 | `NETWORK` | service unavailable (S3's SlowDown) | yes, after `Retry-After` when sent |
 * | other 5xx | `NETWORK` | server error | yes, after `Retry-After` when sent |
 * | anything else (301 or 400 from S3 for a wrong region, other 3xx and 4xx) | `BAD_RESPONSE` | unexpected answer | no |
 *
 * S3's wrong-region 301 and 400 are followed once by `s3Fetch` before they get here; what still
 * arrives names the bucket's region in its hint. Successful statuses, and 416 to a range read, are
 * decided by the caller ({@linkcode httpSource} documents 200, 206 and 416).
 *
 * @param status The HTTP status.
 * @param object Whether the request read an object's bytes (then 403 may hide a missing key).
 * @returns The code, reason and retryability.
 *
 * @example Classifying statuses
 * ```ts
 * import { statusRule } from "./status.ts";
 *
 * console.log(statusRule(403, true).reason); // "not found or forbidden"
 * console.log(statusRule(503).code, statusRule(503).retryable); // "NETWORK" true
 * ```
 */
export function statusRule(status: number, object = false): StatusRule {
  if (status === 401) return { code: "FORBIDDEN", reason: "unauthorized", retryable: false };
  if (status === 403) {
    return { code: "FORBIDDEN", reason: object ? "not found or forbidden" : "forbidden", retryable: false };
  }
  if (status === 404 || status === 410) return { code: "NOT_FOUND", reason: "not found", retryable: false };
  if (status === 408) return { code: "NETWORK", reason: "request timeout", retryable: true };
  if (status === 429) return { code: "NETWORK", reason: "too many requests", retryable: true };
  if (status === 503) return { code: "NETWORK", reason: "service unavailable", retryable: true };
  if (status >= 500 && status <= 599) return { code: "NETWORK", reason: "server error", retryable: true };
  return { code: "BAD_RESPONSE", reason: "unexpected answer", retryable: false };
}

/** What failed, for {@linkcode statusError} and {@linkcode responseError}. */
export interface StatusErrorContext {
  /** What was attempted, after "Cannot": "read bytes 0-2879 of https://…", "list https://…". */
  action: string;
  /** The URL concerned, already redacted (no query string or userinfo). */
  url: string;
  /** The byte offset, for reads. */
  offset?: number;
  /** Whether the request read an object's bytes (403 then says "not found or forbidden"). */
  object?: boolean;
}

/** A {@linkcode CloudFitsError} from an error status; `retryAfterMs` is set when the server asked for a delay. */
export type StatusError = CloudFitsError & { readonly retryAfterMs?: number };

/**
 * Build the error for an error status by {@linkcode statusRule}: "Cannot ACTION: REASON (HTTP
 * STATUS): HINT". A retryable answer's `Retry-After` (seconds or an HTTP date) becomes `retryAfterMs`,
 * which `withRetry` waits for.
 *
 * @param status The HTTP status.
 * @param headers The response headers (for `Retry-After`).
 * @param context The action, URL and offset.
 * @param hint A provider's explanation, appended after a colon.
 * @returns The error to throw.
 *
 * @example A throttled read
 * ```ts
 * import { statusError } from "./status.ts";
 *
 * const error = statusError(429, new Headers({ "retry-after": "2" }), {
 *   action: "read bytes 0-9 of https://example.org/a.fits",
 *   url: "https://example.org/a.fits",
 * });
 * console.log(error.code, error.retryAfterMs); // "NETWORK" 2000
 * console.log(error.message); // "Cannot read bytes 0-9 of https://example.org/a.fits: too many requests (HTTP 429)"
 * ```
 */
export function statusError(
  status: number,
  headers: Headers,
  context: StatusErrorContext,
  hint?: string,
): StatusError {
  const rule = statusRule(status, context.object);
  const error = new CloudFitsError(
    rule.code,
    `Cannot ${context.action}: ${rule.reason} (HTTP ${status})${hint ? `: ${hint}` : ""}`,
    { url: context.url, status, offset: context.offset },
  );
  const retryAfterMs = rule.retryable ? parseRetryAfter(headers.get("retry-after")) : undefined;
  if (retryAfterMs !== undefined) Object.defineProperty(error, "retryAfterMs", { value: retryAfterMs });
  return error;
}

/**
 * Build the error for a failed response: read up to 16 KiB of its body (cancelling the rest), ask the
 * provider's explainer for a hint, then {@linkcode statusError}.
 *
 * @param response The failed response; its body is consumed.
 * @param context The action, URL and offset.
 * @param explain The provider's hint, if any.
 * @returns The error to throw.
 *
 * @example An Azure listing of a missing container
 * ```ts
 * import { responseError } from "./status.ts";
 *
 * const response = new Response("", { status: 404, headers: { "x-ms-error-code": "ContainerNotFound" } });
 * const error = await responseError(
 *   response,
 *   { action: "list blobs in https://acct.blob.core.windows.net/c", url: "https://acct.blob.core.windows.net/c" },
 *   (_status, _body, headers) => headers.get("x-ms-error-code") ?? undefined,
 * );
 * console.log(error.message); // "Cannot list blobs in https://acct.blob.core.windows.net/c: not found (HTTP 404): ContainerNotFound"
 * ```
 */
export async function responseError(
  response: Response,
  context: StatusErrorContext,
  explain?: ErrorExplainer,
): Promise<StatusError> {
  let hint: string | undefined;
  if (explain === undefined) {
    response.body?.cancel().catch(() => {});
  } else {
    const body = new TextDecoder().decode(await readErrorBody(response));
    hint = explain(response.status, body, response.headers);
  }
  return statusError(response.status, response.headers, context, hint);
}

/**
 * Read up to {@linkcode ERROR_BODY_BYTES} of an error body and cancel the rest; a body that breaks off
 * gives what arrived.
 *
 * @param response The response; its body is consumed.
 * @returns The bytes read.
 *
 * @example Reading a short error body
 * ```ts
 * import { readErrorBody } from "./status.ts";
 *
 * const body = await readErrorBody(new Response("<Error><Code>NoSuchKey</Code></Error>", { status: 404 }));
 * console.log(body.length); // 37
 * ```
 */
export async function readErrorBody(response: Response): Promise<Uint8Array> {
  if (response.body === null) return new Uint8Array(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  try {
    while (length < ERROR_BODY_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      length += value.length;
    }
  } catch {
    // What arrived before the break is all there is.
  } finally {
    reader.cancel().catch(() => {});
  }
  return concatBytes(chunks).subarray(0, ERROR_BODY_BYTES);
}

/**
 * `Retry-After` as delta-seconds or an HTTP date, in milliseconds.
 *
 * @param header The header value.
 * @param now The clock, in Unix milliseconds, for dates.
 * @returns The delay, or `undefined` when absent or unparsable.
 *
 * @example Both forms
 * ```ts
 * import { parseRetryAfter } from "./status.ts";
 *
 * console.log(parseRetryAfter("3")); // 3000
 * console.log(parseRetryAfter("Thu, 01 Jan 1970 00:00:05 GMT", 1000)); // 4000
 * ```
 */
export function parseRetryAfter(header: string | null, now: number = Date.now()): number | undefined {
  if (header === null) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
