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
  quiet: { type: "boolean", short: "q" },
  progress: { type: "boolean" },
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
  /** No warnings and no progress on stderr. */
  quiet?: boolean;
  /** Progress on stderr even when it is not a terminal. */
  progress?: boolean;
  help?: boolean;
}

/**
 * Parse a command's arguments with the common options added, refusing unknown flags with one line that
 * suggests the closest option (`Unknown option --row: did you mean --rows?`).
 *
 * @param args Arguments after the command name.
 * @param options The command's own options.
 * @param hints Advice for particular unknown flags, e.g. `{ "-f": "--fits-files-directory" }`.
 * @returns Values and positionals.
 */
export function parseCommand<T extends NonNullable<ParseArgsConfig["options"]>>(
  args: string[],
  options: T,
  hints: Record<string, string> = {},
): { values: Record<string, string | boolean | string[] | undefined>; positionals: string[] } {
  const all: NonNullable<ParseArgsConfig["options"]> = { ...COMMON_OPTIONS, ...options };
  let parsed;
  try {
    parsed = parseArgs({ args, options: all, allowPositionals: true, strict: true });
  } catch (error) {
    throw usageError(error, all, hints);
  }
  return {
    values: parsed.values as Record<string, string | boolean | string[] | undefined>,
    positionals: parsed.positionals,
  };
}

/** Node's parseArgs errors as one line each: the flag, and what was probably meant. */
function usageError(
  error: unknown,
  options: NonNullable<ParseArgsConfig["options"]>,
  hints: Record<string, string>,
): unknown {
  const code = (error as { code?: string }).code;
  const message = (error as Error).message ?? "";
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
    const flag = /'(-[^']*)'/.exec(message)?.[1] ?? message;
    const suggestion = hints[flag] ?? closestOption(flag, options);
    return new CloudFitsError(
      "USAGE",
      `Unknown option ${flag}${suggestion ? `: did you mean ${suggestion}?` : " (see --help)"}`,
    );
  }
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
    const flag = /--[\w-]+/.exec(message)?.[0];
    const type = flag ? options[flag.slice(2)]?.type : undefined;
    return new CloudFitsError(
      "USAGE",
      type === "boolean" ? `Option ${flag} takes no value` : `Option ${flag ?? message} needs a value`,
    );
  }
  if (code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") {
    return new CloudFitsError("USAGE", message.split(/\.\s/)[0]);
  }
  return error;
}

/** The known long option nearest to a mistyped flag (by edit distance, or as a prefix), if close. */
function closestOption(flag: string, options: NonNullable<ParseArgsConfig["options"]>): string | undefined {
  const typed = flag.replace(/^-+/, "").split("=")[0].toLowerCase();
  if (typed.length < 2) return undefined;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const name of Object.keys(options)) {
    const distance = name.startsWith(typed) || typed.startsWith(name) ? 1 : editDistance(typed, name);
    if (distance < bestDistance) [best, bestDistance] = [name, distance];
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(typed.length / 3))
    ? `--${best}`
    : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        previous[j] + 1,
        current[j - 1] + 1,
        previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length];
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
