import { parseArgs, type ParseArgsConfig } from "node:util";
import { CloudFitsError } from "../src/errors.ts";
import { EXIT } from "../src/exit_codes.ts";
import type { CliIo } from "./io.ts";
import { runLs } from "./ls.ts";
import { runHeader } from "./header.ts";
import { runCutout } from "./cutout.ts";
import { runTable } from "./table.ts";
import { runIndex } from "./index_command.ts";
import { runVerify } from "./verify.ts";
import { runDemo } from "./demo.ts";
import { runPlan } from "./plan.ts";
import { HELP } from "./help.ts";

/** Options every command accepts: output format, index, cloud access and logging. */
export const COMMON_OPTIONS = {
  format: { type: "string" },
  json: { type: "boolean" },
  index: { type: "string" },
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
  profile?: string;
  region?: string;
  "endpoint-url"?: string;
  "no-sign-request"?: boolean;
  "request-payer"?: string;
  concurrency?: string;
  verbose?: boolean;
  help?: boolean;
}

type Runner = (args: string[], io: CliIo) => Promise<number>;

const COMMANDS: Record<string, Runner> = {
  ls: runLs,
  header: runHeader,
  cutout: runCutout,
  plan: runPlan,
  table: runTable,
  index: runIndex,
  verify: runVerify,
  demo: runDemo,
};

/**
 * Dispatch one command.
 *
 * @param command The command name.
 * @param args The remaining arguments.
 * @param io The process I/O.
 * @returns The exit code.
 */
export function runCommand(command: string, args: string[], io: CliIo): Promise<number> {
  const runner = COMMANDS[command];
  if (!runner) {
    throw new CloudFitsError(
      "USAGE",
      `Unknown command '${command}': expected one of ${Object.keys(COMMANDS).join(", ")}`,
    );
  }
  if (args.includes("--help") || args.includes("-h")) {
    return io.out(HELP[command] + "\n").then(() => EXIT.ok);
  }
  return runner(args, io);
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
