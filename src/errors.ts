/**
 * Structured errors with stable codes.
 *
 * Every failure cloudfits reports on purpose is a {@linkcode CloudFitsError}. Use
 * {@linkcode isCloudFitsError} rather than `instanceof`, which breaks when two copies of the package
 * are loaded.
 *
 * @module
 */

/**
 * Stable error codes. The CLI maps them to exit codes (see `exitCodeFor`).
 *
 * | code | meaning |
 * |---|---|
 * | `NOT_FITS` | the bytes are not a FITS file |
 * | `TRUNCATED` | the object ends before a header or data segment that it declares |
 * | `BAD_HEADER` | a header card or keyword value violates the standard in a way we cannot tolerate |
 * | `UNSUPPORTED` | valid FITS that this version cannot read yet |
 * | `OUT_OF_RANGE` | a section, row range or HDU address outside what the file holds |
 * | `NOT_FOUND` | object, HDU or column not found (S3 may say 403 for a missing key) |
 * | `FORBIDDEN` | authentication or permission failure |
 * | `RANGE_IGNORED` | the server answered a ranged request with the whole object |
 * | `BAD_RESPONSE` | a response that does not match the request (Content-Range, encoding, short body) |
 * | `STALE` | the object changed (size or ETag) since it was indexed or first read |
 * | `NETWORK` | connection failure or server error after bounded retries |
 * | `CORS` | in a browser, a request to another origin failed without an answer: possibly CORS (browsers say the same for network failures); never retried |
 * | `TIMEOUT` | a request took longer than its timeout |
 * | `ABORTED` | the caller's `AbortSignal` fired |
 * | `BAD_INDEX` | a cloudfits index that is damaged, truncated or of an unknown version |
 * | `CHECKSUM` | CHECKSUM/DATASUM or CRC verification failed |
 * | `USAGE` | invalid arguments |
 * | `COST_LIMIT` | a read whose plan exceeds the byte or request limits; nothing was fetched |
 */
export type CloudFitsErrorCode =
  | "NOT_FITS"
  | "TRUNCATED"
  | "BAD_HEADER"
  | "UNSUPPORTED"
  | "OUT_OF_RANGE"
  | "NOT_FOUND"
  | "FORBIDDEN"
  | "RANGE_IGNORED"
  | "BAD_RESPONSE"
  | "STALE"
  | "NETWORK"
  | "CORS"
  | "TIMEOUT"
  | "ABORTED"
  | "BAD_INDEX"
  | "CHECKSUM"
  | "USAGE"
  | "COST_LIMIT";

/** Details attached to a {@linkcode CloudFitsError}. */
export interface CloudFitsErrorDetails {
  /** Where the failure happened: a URL with credentials and query signatures removed, or a path. */
  url?: string;
  /** HTTP status, when a response caused the failure. */
  status?: number;
  /** Byte offset in the object, when the failure concerns a position in a file. */
  offset?: number;
  /** The underlying error. */
  cause?: unknown;
}

/**
 * The one error class cloudfits throws for expected failures.
 *
 * Messages are sentence case, name the action and the value, and never contain credentials.
 *
 * @example Catching a specific failure
 * ```ts
 * import assert from "node:assert/strict";
 * import { CloudFitsError, memorySource, openFits } from "@cloudfits/core";
 *
 * const notFits = memorySource(new TextEncoder().encode("PK\x03\x04 a zip file"), "archive.zip");
 * await assert.rejects(openFits(notFits), (error) => {
 *   assert.ok(error instanceof CloudFitsError);
 *   assert.equal(error.code, "NOT_FITS");
 *   assert.match(error.message, /archive\.zip/);
 *   return true;
 * });
 * ```
 */
export class CloudFitsError extends Error {
  /** Stable machine-readable code. */
  readonly code: CloudFitsErrorCode;
  /** Redacted URL or path of the object concerned. */
  readonly url?: string;
  /** HTTP status, when a response caused the failure. */
  readonly status?: number;
  /** Byte offset in the object, when relevant. */
  readonly offset?: number;

  /**
   * Create an error.
   *
   * @param code Stable error code.
   * @param message Human-readable message without trailing period.
   * @param details URL, status, offset and cause.
   */
  constructor(code: CloudFitsErrorCode, message: string, details: CloudFitsErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = "CloudFitsError";
    this.code = code;
    if (details.url !== undefined) this.url = details.url;
    if (details.status !== undefined) this.status = details.status;
    if (details.offset !== undefined) this.offset = details.offset;
  }
}

/**
 * Tell whether a value is a {@linkcode CloudFitsError}, optionally with a given code.
 *
 * Works across duplicate copies of the package, where `instanceof` does not.
 *
 * @param error Any caught value.
 * @param code When given, also require this code.
 * @returns True when `error` is a cloudfits error (with `code`).
 *
 * @example Telling errors apart by code
 * ```ts
 * import assert from "node:assert/strict";
 * import { CloudFitsError, isCloudFitsError } from "@cloudfits/core";
 *
 * const e = new CloudFitsError("STALE", "Object changed since it was indexed");
 * assert.equal(isCloudFitsError(e), true);
 * assert.equal(isCloudFitsError(e, "STALE"), true);
 * assert.equal(isCloudFitsError(e, "NOT_FOUND"), false);
 * assert.equal(isCloudFitsError(new Error("plain")), false);
 * ```
 */
export function isCloudFitsError(error: unknown, code?: CloudFitsErrorCode): error is CloudFitsError {
  if (typeof error !== "object" || error === null) return false;
  const e = error as { name?: unknown; code?: unknown };
  return e.name === "CloudFitsError" && typeof e.code === "string" && (code === undefined || e.code === code);
}
