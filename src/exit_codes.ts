import { type CloudFitsErrorCode, isCloudFitsError } from "./errors.ts";

/**
 * Exit codes of the `cloudfits` command line.
 *
 * | code | meaning |
 * |---|---|
 * | 0 | success (warnings go to stderr) |
 * | 1 | other failure: network, server, unsupported feature |
 * | 2 | usage: bad arguments, section or row range; a read over its cost limits (nothing fetched) |
 * | 3 | not found: file, object, HDU or column |
 * | 4 | authentication or permission |
 * | 5 | bad or stale data: not FITS, truncated, damaged index, checksum, object changed |
 * | 6 | partial failure: some files failed, the rest succeeded |
 */
export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  notFound: 3,
  forbidden: 4,
  badData: 5,
  partial: 6,
} as const;

const BY_CODE: Record<CloudFitsErrorCode, number> = {
  USAGE: EXIT.usage,
  COST_LIMIT: EXIT.usage,
  OUT_OF_RANGE: EXIT.usage,
  NOT_FOUND: EXIT.notFound,
  FORBIDDEN: EXIT.forbidden,
  NOT_FITS: EXIT.badData,
  TRUNCATED: EXIT.badData,
  BAD_HEADER: EXIT.badData,
  BAD_INDEX: EXIT.badData,
  STALE: EXIT.badData,
  CHECKSUM: EXIT.badData,
  BAD_RESPONSE: EXIT.failure,
  RANGE_IGNORED: EXIT.failure,
  UNSUPPORTED: EXIT.failure,
  NETWORK: EXIT.failure,
  CORS: EXIT.failure,
  TIMEOUT: EXIT.failure,
  ABORTED: EXIT.failure,
};

/**
 * The exit code for an error: its code's entry in {@linkcode EXIT}, or 1 for anything unexpected.
 *
 * @param error A caught value.
 * @returns The process exit code.
 *
 * @example
 * ```ts
 * import { CloudFitsError } from "@cloudfits/core";
 * import { exitCodeFor } from "./exit_codes.ts";
 *
 * console.log(exitCodeFor(new CloudFitsError("NOT_FOUND", "No HDU named SCI"))); // 3
 * ```
 */
export function exitCodeFor(error: unknown): number {
  if (isCloudFitsError(error)) return BY_CODE[error.code] ?? EXIT.failure;
  if (error instanceof TypeError && (error as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
    return EXIT.usage;
  }
  return EXIT.failure;
}
