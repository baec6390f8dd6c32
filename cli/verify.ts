import { CloudFitsError } from "../src/errors.ts";
import { EXIT, exitCodeFor } from "../src/exit_codes.ts";
import { verifyIndex } from "../src/verify_index.ts";
import type { CliIo } from "./io.ts";
import { type CommonValues, outputFormat, parseCommand } from "./options.ts";
import { escapeControl, toJson } from "./format.ts";
import { sourceOptions } from "./remote.ts";
import { COST_OPTIONS, costLimitsOf } from "./cost_options.ts";

/**
 * `cloudfits verify --index INDEX [--datasum] [PATH...]`: check indexed files against their sources
 * (`verifyIndex`) and print the files that do not match.
 *
 * @param args Arguments after `verify`.
 * @param io The process I/O.
 * @returns 0 when every file matches, 5 when some are stale, damaged or missing, otherwise the exit
 * code of the first error that kept a file from being checked (4 for permission, 1 for network).
 */
export async function runVerify(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand(args, {
    datasum: { type: "boolean" },
    "max-read": COST_OPTIONS["max-read"],
    "max-requests": COST_OPTIONS["max-requests"],
  });
  const common = values as CommonValues;
  if (common.index === undefined) throw new CloudFitsError("USAGE", "verify needs --index INDEX");
  const format = outputFormat(values, ["json", "text"], "text");
  const verdicts = await verifyIndex(common.index, {
    ...sourceOptions(common, io),
    datasum: Boolean(values.datasum),
    limits: costLimitsOf(values),
    ...(positionals.length > 0 ? { paths: positionals } : {}),
  });
  const bad = verdicts.filter((v) => v.status !== "ok").map(({ error: _, ...verdict }) => verdict);
  if (format === "json") {
    await io.out(toJson({ files: verdicts.length, ok: verdicts.length - bad.length, problems: bad }));
  } else {
    for (const v of bad) {
      await io.out(`${v.status}\t${escapeControl(v.path)}\t${escapeControl(v.detail ?? "")}\n`);
    }
    await io.out(`${verdicts.length - bad.length} of ${verdicts.length} files match the index\n`);
  }
  if (bad.some((v) => v.status !== "error")) return EXIT.badData;
  const firstError = verdicts.find((v) => v.status === "error");
  return firstError === undefined ? EXIT.ok : exitCodeFor(firstError.error);
}
