import { CloudFitsError } from "../src/errors.ts";
import { EXIT } from "../src/exit_codes.ts";
import type { CliIo } from "./io.ts";
import { runLs } from "./ls.ts";
import { runHeader } from "./header.ts";
import { runCutout } from "./cutout.ts";
import { runLightCurve } from "./lightcurve.ts";
import { runTable } from "./table.ts";
import { runIndex } from "./index_command.ts";
import { runMerge } from "./merge.ts";
import { runVerify } from "./verify.ts";
import { runDemo } from "./demo.ts";
import { runPlan } from "./plan.ts";
import { runServe } from "./serve.ts";
import { runFind } from "./find.ts";
import { HELP } from "./help.ts";

type Runner = (args: string[], io: CliIo) => Promise<number>;

const COMMANDS: Record<string, Runner> = {
  ls: runLs,
  header: runHeader,
  cutout: runCutout,
  lightcurve: runLightCurve,
  plan: runPlan,
  table: runTable,
  index: runIndex,
  find: runFind,
  merge: runMerge,
  verify: runVerify,
  serve: runServe,
  demo: (args, io) => runDemo(args, io, runCommand),
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
    const names = Object.keys(COMMANDS);
    const near = names.find((name) => name.startsWith(command.slice(0, 2)) && command.length > 1);
    throw new CloudFitsError(
      "USAGE",
      `Unknown command '${command}'${near ? `: did you mean ${near}?` : ""} (commands: ${names.join(", ")})`,
    );
  }
  if (args.includes("--help") || args.includes("-h")) {
    return io.out(HELP[command] + "\n").then(() => EXIT.ok);
  }
  return runner(args, io);
}
