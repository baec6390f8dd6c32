import { CloudFitsError, isCloudFitsError } from "../src/errors.ts";
import { EXIT } from "../src/exit_codes.ts";
import type { OpenedTarget, OpenTargetOptions } from "../src/open_target.ts";
import type { TessCube } from "../src/tess_cube.ts";
import { parseAngle } from "../src/wcs/angles.ts";
import type { CliIo } from "./io.ts";
import { refuseExistingOutput } from "./io.ts";
import { forEachAtOnce } from "./at_once.ts";
import { openCliTarget } from "./open_target.ts";
import { type CommonValues, concurrencyOf } from "./options.ts";
import { chooseOutputFormat, type COMMAND_FORMATS } from "./output_formats.ts";

/** One position to cut: a name for messages and output files, RA/Dec in degrees, and an optional size. */
export interface SkyTarget {
  name: string;
  ra: number;
  dec: number;
  size?: string;
}

/** The flags shared by the sky commands: position, size, a targets file. */
export const SKY_OPTIONS = {
  ra: { type: "string" },
  dec: { type: "string" },
  size: { type: "string" },
  targets: { type: "string" },
} as const;

/**
 * Let `--dec -80:28:09` through: parseArgs takes a value that starts with '-' for an option only in the
 * `--dec=-80` form, and negative declinations are half the sky.
 *
 * @param args Command-line arguments.
 * @returns The arguments with `--ra`/`--dec` and a negative number joined by '='.
 */
export function joinNegativeValues(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if ((args[i] === "--dec" || args[i] === "--ra") && /^-[\d.]/.test(args[i + 1] ?? "")) {
      out.push(`${args[i]}=${args[++i]}`);
    } else {
      out.push(args[i]);
    }
  }
  return out;
}

/**
 * The positions asked for: `--ra/--dec` (degrees or sexagesimal), or every row of `--targets FILE.csv`
 * (columns `name,ra,dec[,size]`, a header row first).
 *
 * @param values Parsed flags.
 * @param io The process I/O.
 * @returns The targets, in order.
 */
export async function skyTargets(values: Record<string, unknown>, io: CliIo): Promise<SkyTarget[]> {
  const file = values.targets as string | undefined;
  if (file !== undefined) {
    if (values.ra !== undefined || values.dec !== undefined) {
      throw new CloudFitsError("USAGE", "Give either --targets or --ra and --dec, not both");
    }
    return parseTargets(new TextDecoder().decode(await io.readFile(file)), file);
  }
  if (values.ra === undefined || values.dec === undefined) {
    throw new CloudFitsError("USAGE", "A sky position needs both --ra and --dec (or --targets FILE.csv)");
  }
  const ra = angle(String(values.ra), "ra", "--ra");
  const dec = angle(String(values.dec), "dec", "--dec");
  return [{ name: `${values.ra}_${values.dec}`, ra, dec }];
}

function angle(text: string, kind: "ra" | "dec", what: string): number {
  let value: number;
  try {
    value = parseAngle(text, kind);
  } catch (error) {
    throw new CloudFitsError("USAGE", `Invalid ${what} '${text}'`, { cause: error });
  }
  if (!Number.isFinite(value) || (kind === "dec" && Math.abs(value) > 90)) {
    throw new CloudFitsError("USAGE", `Invalid ${what} '${text}'`);
  }
  return value;
}

function parseTargets(text: string, file: string): SkyTarget[] {
  const lines = text.split(/\r?\n/).map((line) => line.trim()).filter((line) =>
    line && !line.startsWith("#")
  );
  const heading = (lines.shift() ?? "").toLowerCase().split(",").map((cell) => cell.trim());
  const column = (name: string) => heading.indexOf(name);
  const [name, ra, dec, size] = ["name", "ra", "dec", "size"].map(column);
  if (name < 0 || ra < 0 || dec < 0) {
    throw new CloudFitsError("USAGE", `${file}: the first line must name the columns name,ra,dec[,size]`);
  }
  const names = new Set<string>();
  return lines.map((line, i) => {
    const cells = line.split(",").map((cell) => cell.trim());
    const where = `${file} line ${i + 2}`;
    if (!/^[\w.+-]+$/.test(cells[name] ?? "") || names.has(cells[name])) {
      throw new CloudFitsError(
        "USAGE",
        `${where}: a target needs a unique name of letters, digits, '.', '_', '+' or '-'`,
      );
    }
    names.add(cells[name]);
    return {
      name: cells[name],
      ra: angle(cells[ra] ?? "", "ra", `RA on ${where}`),
      dec: angle(cells[dec] ?? "", "dec", `Dec on ${where}`),
      ...(size >= 0 && cells[size] ? { size: cells[size] } : {}),
    };
  });
}

/**
 * Where a target's output goes: `-o` itself for one position; with `--targets`, `-o` must name each file
 * (`DIR/{name}.csv`) or be a directory (`DIR/`, files named `{name}.EXT`).
 *
 * @param output The `-o` value.
 * @param target The target.
 * @param many Whether several targets share the run.
 * @param extension The default extension, for `-o DIR/`.
 * @returns The path, or `-` for standard output.
 */
export function outputFor(output: string, target: SkyTarget, many: boolean, extension: string): string {
  if (!many) return output;
  if (output.endsWith("/")) return `${output}${target.name}.${extension}`;
  if (!output.includes("{name}")) {
    throw new CloudFitsError(
      "USAGE",
      `With --targets, -o must contain {name} or end in '/': got '${output}'`,
    );
  }
  return output.replaceAll("{name}", target.name);
}

/**
 * The one format of a sky command's outputs, chosen before anything is read as for every command
 * (`--json`, `--format`, `-o`'s extension in any case, standard output's default); `-o DIR/` gets files
 * named `{name}.EXT`, in the asked format or else `files`.
 *
 * @param command The command's entry in the table of output formats.
 * @param output The `-o` value.
 * @param values Parsed flags.
 * @param files The format of `-o DIR/`'s files when no flag asks for one.
 * @returns The format, which is also the extension of `-o DIR/`'s files.
 * @throws {CloudFitsError} `USAGE` for an unknown format or extension.
 */
export function skyOutputFormat<C extends "cutout --ra/--dec" | "lightcurve">(
  command: C,
  output: string,
  values: Record<string, unknown>,
  files: (typeof COMMAND_FORMATS)[C]["formats"][number],
): (typeof COMMAND_FORMATS)[C]["formats"][number] {
  return chooseOutputFormat(command, output.endsWith("/") ? `${output}{name}.${files}` : output, values);
}

/**
 * Targets of `--targets`, or files of an archive-wide run, worked on at once: 8, or `--concurrency` when
 * lower, since each holds its output (a cutout's or light curve's bytes) until it is written.
 *
 * @param values Parsed flags.
 * @returns How many at once.
 */
export function targetsInFlight(values: Record<string, unknown>): number {
  return Math.min(8, concurrencyOf(values as CommonValues) ?? 8);
}

/**
 * Run one job per target on one opened file (one connection pool, one header walk, one frame table),
 * several at once (see {@linkcode targetsInFlight}), reporting and skipping the targets that fail: exit 6 at the end when any did.
 *
 * @param text The FITS target as typed.
 * @param values Parsed flags.
 * @param io The process I/O.
 * @param job What to do for one target; it gets the frame table of a TESS cube read by an earlier one.
 * @param open How to open the file: `tailRead` and `suffixRead` for a command that reads the last HDU whole.
 * @returns The exit code.
 */
export async function forEachTarget(
  text: string,
  values: Record<string, unknown>,
  io: CliIo,
  job: (
    opened: OpenedTarget,
    target: SkyTarget,
    many: boolean,
    cube: TessCube | undefined,
  ) => Promise<TessCube | undefined>,
  open: Pick<OpenTargetOptions, "tailRead" | "suffixRead"> = {},
): Promise<number> {
  const targets = await skyTargets(values, io);
  const many = values.targets !== undefined;
  // A bad output pattern fails the run before anything is read, not each target in turn.
  if (many && targets.length > 0) outputFor(String(values.output ?? "-"), targets[0], true, "");
  const opened = await openCliTarget(text, values, io, { ...open, select: "image", allHdus: true });
  let failed = 0;
  let cube: TessCube | undefined;
  let succeeded = false;
  const run = async (target: SkyTarget) => {
    try {
      cube = await job(opened, target, many, cube) ?? cube;
      succeeded = true;
    } catch (error) {
      if (!many || !isCloudFitsError(error)) throw error;
      failed++;
      await io.err(`skipped ${target.name}: ${error.message}\n`);
    }
  };
  try {
    // The first target to succeed has read a TESS cube's frame table; the rest share it and run side by
    // side, their requests in the command's one pool.
    let first = 0;
    while (!succeeded && first < targets.length) await run(targets[first++]);
    await forEachAtOnce(targets.slice(first), targetsInFlight(values), run);
  } finally {
    await opened.close();
  }
  if (failed > 0) await io.err(`${failed} of ${targets.length} targets skipped\n`);
  return failed > 0 ? EXIT.partial : EXIT.ok;
}

/**
 * Write one output, refusing an existing file unless `--force`.
 *
 * @param path The path, or `-` for standard output.
 * @param bytes The content.
 * @param values Parsed flags (`force`).
 * @param io The process I/O.
 */
export async function writeOutput(
  path: string,
  bytes: Uint8Array | string,
  values: Record<string, unknown>,
  io: CliIo,
): Promise<void> {
  const data = typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes;
  if (path === "-") return await io.out(data);
  await refuseExistingOutput(path, Boolean(values.force), io);
  await io.writeFileAtomic(path, data, { overwrite: Boolean(values.force) });
}
