/**
 * The one way tests expect a failure: a `CloudFitsError` with a given code, a message matching a
 * pattern, and no secret in its message or URL — thrown, rejected, or already caught.
 *
 * @module
 */
import assert from "node:assert/strict";
import { type CloudFitsError, type CloudFitsErrorCode, isCloudFitsError } from "../../src/errors.ts";

/** A caught `CloudFitsError`, with the `retryAfterMs` that throttled HTTP answers carry. */
export type CaughtError = CloudFitsError & { retryAfterMs?: number };

/** What else to check. */
export interface ExpectErrorOptions {
  /** Prefix for assertion messages (which case of a loop failed). */
  label?: string;
  /** Strings that must appear neither in the message nor in the URL (keys, signatures, SAS tokens). */
  secrets?: readonly string[];
}

/**
 * Assert that a caught value is a `CloudFitsError` with `code`, whose message matches `pattern` and
 * leaks none of `options.secrets`.
 *
 * @param error The caught value.
 * @param code The expected code.
 * @param pattern What the message must match.
 * @param options A label, and secrets that must not appear.
 */
export function assertCloudFitsError(
  error: unknown,
  code: CloudFitsErrorCode,
  pattern?: RegExp,
  options: ExpectErrorOptions = {},
): asserts error is CaughtError {
  const label = options.label === undefined ? "" : `${options.label}: `;
  assert.ok(isCloudFitsError(error, code), `${label}expected ${code}, got ${String(error)}`);
  if (pattern !== undefined) assert.match(error.message, pattern, `${label}${error.message}`);
  for (const secret of options.secrets ?? []) {
    assert.ok(!error.message.includes(secret), `${label}secret in message: ${error.message}`);
    assert.ok(!(error.url ?? "").includes(secret), `${label}secret in url: ${error.url}`);
  }
}

/**
 * Await a promise that must reject, and return what it rejected with (any error).
 *
 * @param promise The promise.
 * @returns The rejection.
 */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  assert.fail("expected a rejection");
}

/**
 * Assert that a promise rejects with a `CloudFitsError` of `code` (see {@linkcode assertCloudFitsError}).
 *
 * @param promise The promise.
 * @param code The expected code.
 * @param pattern What the message must match.
 * @param options A label, and secrets that must not appear.
 * @returns The error, for further checks.
 */
export async function rejectsWith(
  promise: Promise<unknown>,
  code: CloudFitsErrorCode,
  pattern?: RegExp,
  options: ExpectErrorOptions = {},
): Promise<CaughtError> {
  const error = await rejection(promise);
  assertCloudFitsError(error, code, pattern, options);
  return error;
}

/**
 * Assert that a function throws a `CloudFitsError` of `code` (see {@linkcode assertCloudFitsError}).
 *
 * @param fn The function.
 * @param code The expected code.
 * @param pattern What the message must match.
 * @param options A label, and secrets that must not appear.
 * @returns The error, for further checks.
 */
export function throwsWith(
  fn: () => unknown,
  code: CloudFitsErrorCode,
  pattern?: RegExp,
  options: ExpectErrorOptions = {},
): CaughtError {
  let error: unknown;
  try {
    fn();
  } catch (caught) {
    error = caught;
  }
  assert.ok(error !== undefined, `${options.label ?? "call"}: expected a ${code} error, nothing was thrown`);
  assertCloudFitsError(error, code, pattern, options);
  return error;
}
