/**
 * The `cloudfits` command line.
 *
 * @module
 */

/**
 * Run the command line with the given arguments.
 *
 * @param args Arguments without the program name.
 * @returns The process exit code.
 *
 * @example
 * ```ts ignore
 * import { main } from "@cloudfits/core/cli";
 * process.exitCode = await main(["--version"]);
 * ```
 */
export function main(args: string[]): Promise<number> {
  console.log(args.length === 0 ? "cloudfits" : args.join(" "));
  return Promise.resolve(0);
}
