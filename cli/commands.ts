/**
 * The command table: each command's module is imported only when that command runs, so that the CLI
 * starts without loading (or evaluating) the code of the commands it does not run.
 *
 * @module
 */
import { CloudFitsError } from "../src/errors.ts";
import { EXIT } from "../src/exit_codes.ts";
import type { CliIo } from "./io.ts";

type Runner = (args: string[], io: CliIo) => Promise<number>;

// Literal specifiers, so that `deno compile` and `bun build --compile` still bundle every command.
const COMMANDS: Record<string, () => Promise<Runner>> = {
  ls: async () => (await import("./ls.ts")).runLs,
  header: async () => (await import("./header.ts")).runHeader,
  cutout: async () => (await import("./cutout.ts")).runCutout,
  lightcurve: async () => (await import("./lightcurve.ts")).runLightCurve,
  plan: async () => (await import("./plan.ts")).runPlan,
  table: async () => (await import("./table.ts")).runTable,
  index: async () => (await import("./index_command.ts")).runIndex,
  find: async () => (await import("./find.ts")).runFind,
  merge: async () => (await import("./merge.ts")).runMerge,
  verify: async () => (await import("./verify.ts")).runVerify,
  serve: async () => (await import("./serve.ts")).runServe,
  demo: async () => {
    const { runDemo } = await import("./demo.ts");
    return (args, io) => runDemo(args, io, runCommand);
  },
};

/**
 * Dispatch one command, importing its module first.
 *
 * @param command The command name.
 * @param args The remaining arguments.
 * @param io The process I/O.
 * @returns The exit code.
 */
export async function runCommand(command: string, args: string[], io: CliIo): Promise<number> {
  const load = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (!load) {
    const names = Object.keys(COMMANDS);
    const near = names.find((name) => name.startsWith(command.slice(0, 2)) && command.length > 1);
    throw new CloudFitsError(
      "USAGE",
      `Unknown command '${command}'${near ? `: did you mean ${near}?` : ""} (commands: ${names.join(", ")})`,
    );
  }
  if (args.includes("--help") || args.includes("-h")) {
    const { HELP } = await import("./help.ts");
    await io.out(HELP[command] + "\n");
    return EXIT.ok;
  }
  return await (await load())(args, io);
}
