import { parseArgs, type ParseArgsConfig } from "node:util";
import { CloudFitsError } from "../src/errors.ts";

/** Options every command accepts: output format, index, cloud access and logging. */
export const COMMON_OPTIONS = {
  format: { type: "string" },
  json: { type: "boolean" },
  index: { type: "string" },
  "data-root": { type: "string" },
  profile: { type: "string" },
  region: { type: "string" },
  "endpoint-url": { type: "string" },
  "no-sign-request": { type: "boolean" },
  "request-payer": { type: "string" },
  concurrency: { type: "string" },
  verbose: { type: "boolean", short: "v" },
  help: { type: "boolean", short: "h" },
} as const satisfies ParseArgsConfig["options"];

/** Parsed values of {@linkcode COMMON_OPTIONS}. */
export interface CommonValues {
  format?: string;
  json?: boolean;
  index?: string;
  "data-root"?: string;
  profile?: string;
  region?: string;
  "endpoint-url"?: string;
  "no-sign-request"?: boolean;
  "request-payer"?: string;
  concurrency?: string;
  verbose?: boolean;
  help?: boolean;
}

/**
 * Parse a command's arguments with the common options added, refusing unknown flags.
 *
 * @param args Arguments after the command name.
 * @param options The command's own options.
 * @returns Values and positionals.
 */
export function parseCommand<T extends NonNullable<ParseArgsConfig["options"]>>(
  args: string[],
  options: T,
): { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] } {
  const parsed = parseArgs({
    args,
    options: { ...COMMON_OPTIONS, ...options },
    allowPositionals: true,
    strict: true,
  });
  return {
    values: parsed.values as Record<string, string | boolean | string[] | undefined>,
    positionals: parsed.positionals,
  };
}

/**
 * The output format asked for: `--json` wins, then `--format`, then the command's default.
 *
 * @param values Parsed options.
 * @param allowed Formats the command supports.
 * @param fallback The default.
 * @returns The chosen format.
 */
export function outputFormat(
  values: Record<string, unknown>,
  allowed: readonly string[],
  fallback: string,
): string {
  const format = values.json ? "json" : (values.format as string | undefined) ?? fallback;
  if (!allowed.includes(format)) {
    throw new CloudFitsError("USAGE", `Unknown --format '${format}': expected one of ${allowed.join(", ")}`);
  }
  return format;
}

/**
 * The `--concurrency` flag as a number.
 *
 * @param values Parsed flags.
 * @returns Requests in flight, or undefined for the default.
 */
export function concurrencyOf(values: CommonValues): number | undefined {
  if (values.concurrency === undefined) return undefined;
  const n = Number(values.concurrency);
  if (!Number.isInteger(n) || n < 1 || n > 1024) {
    throw new CloudFitsError(
      "USAGE",
      `Invalid --concurrency '${values.concurrency}': expected an integer 1 to 1024`,
    );
  }
  return n;
}
