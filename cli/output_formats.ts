import { CloudFitsError } from "../src/errors.ts";

/** A file format the CLI writes. */
export type OutputFormat = "fits" | "csv" | "ecsv" | "json" | "ndjson" | "png";

/** Output file extensions (lower case, matched case-insensitively) and the format each means. */
export const EXTENSIONS: Readonly<Record<string, OutputFormat>> = {
  ".fits": "fits",
  ".fit": "fits",
  ".fts": "fits",
  ".csv": "csv",
  ".ecsv": "ecsv",
  ".json": "json",
  ".ndjson": "ndjson",
  ".jsonl": "ndjson",
  ".png": "png",
};

/**
 * The formats each command that writes data can write, and what `-o -` (standard output) gets; a sky
 * cutout (`cutout --ra/--dec`) writes a FITS image or TPF, JSON or PNG.
 */
export const COMMAND_FORMATS = {
  cutout: { formats: ["fits", "csv", "json", "ndjson", "png"], stdout: "json" },
  table: { formats: ["csv", "ecsv", "json", "ndjson"], stdout: "csv" },
  "cutout --ra/--dec": { formats: ["fits", "json", "png"], stdout: "json" },
  lightcurve: { formats: ["csv", "json", "fits", "png"], stdout: "csv" },
} as const satisfies Record<string, { formats: readonly OutputFormat[]; stdout: OutputFormat }>;

/**
 * The format of a command's output: `--json`, then `--format`, then the extension of `-o OUT`
 * (case-insensitive), then the command's standard-output default — also for a device or FIFO without an
 * extension (`-o /dev/stdout`). An extension the command cannot write, or one that means nothing, is a usage
 * error that lists the choices.
 *
 * @param command The command.
 * @param output The `-o` value (`-` for standard output).
 * @param values Parsed flags (`json`, `format`).
 * @param stream Whether `output` is a stream (standard output, a device, a FIFO) rather than a file.
 * @returns The format.
 * @throws {CloudFitsError} `USAGE` for an unknown format or extension.
 */
export function chooseOutputFormat<C extends keyof typeof COMMAND_FORMATS>(
  command: C,
  output: string,
  values: Record<string, unknown>,
  stream = output === "-",
): (typeof COMMAND_FORMATS)[C]["formats"][number] {
  const { formats, stdout } = COMMAND_FORMATS[command];
  const allowed: readonly string[] = formats;
  const asked = values.json ? "json" : values.format as string | undefined;
  if (asked !== undefined) {
    if (!allowed.includes(asked)) {
      throw new CloudFitsError(
        "USAGE",
        `Unknown --format '${asked}' for ${command}: expected ${formats.join(", ")}`,
      );
    }
    return asked as (typeof formats)[number];
  }
  const extension = /\.[^./\\]*$/.exec(output)?.[0].toLowerCase() ?? "";
  if (output === "-" || (stream && extension === "")) return stdout;
  const format = EXTENSIONS[extension];
  if (format === undefined || !allowed.includes(format)) {
    const choices = Object.keys(EXTENSIONS).filter((ext) => allowed.includes(EXTENSIONS[ext]));
    throw new CloudFitsError(
      "USAGE",
      `Cannot tell what to write to ${output}: ${command} writes ${choices.join(", ")} (or pass --format ${
        formats.join("|")
      })`,
    );
  }
  return format as (typeof formats)[number];
}
