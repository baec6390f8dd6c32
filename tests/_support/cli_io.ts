import { nodeIo } from "../../cli/io.ts";
import type { CliIo } from "../../cli/io.ts";
import { main } from "../../cli.ts";
import { concatBytes } from "../../src/_bytes.ts";

export { expected, type ExpectedFile } from "./fixtures.ts";

/** What one in-process CLI run printed and returned. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** Standard output as bytes (for FITS and PNG written to `-o -`). */
  bytes: Uint8Array;
}

/**
 * Run the CLI in-process with captured output, the real file system and a chosen environment.
 *
 * @param args Command-line arguments.
 * @param env Environment variables (default: only what IMDS safety needs).
 * @param options `tty` to pretend standard output is a terminal, `errTty` standard error.
 * @returns Exit code and output.
 */
export async function runCli(
  args: string[],
  env: Record<string, string | undefined> = {},
  options: { tty?: boolean; errTty?: boolean } = {},
): Promise<CliRun> {
  const chunks: Uint8Array[] = [];
  let stderr = "";
  const io: CliIo = {
    ...nodeIo(),
    isTTY: options.tty ?? false,
    errIsTTY: options.errTty ?? false,
    env: { AWS_EC2_METADATA_DISABLED: "true", ...env },
    out: (data) => {
      chunks.push(typeof data === "string" ? new TextEncoder().encode(data) : data.slice());
      return Promise.resolve();
    },
    err: (text) => {
      stderr += text;
      return Promise.resolve();
    },
  };
  const code = await main(args, io);
  const bytes = concatBytes(chunks);
  return { code, stdout: new TextDecoder().decode(bytes), stderr, bytes };
}
