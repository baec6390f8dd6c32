import { readFile } from "node:fs/promises";
import { nodeIo } from "../../cli/io.ts";
import type { CliIo } from "../../cli/io.ts";
import { main } from "../../cli.ts";

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
 * @param options `tty` to pretend standard output is a terminal.
 * @returns Exit code and output.
 */
export async function runCli(
  args: string[],
  env: Record<string, string | undefined> = {},
  options: { tty?: boolean } = {},
): Promise<CliRun> {
  const chunks: Uint8Array[] = [];
  let stderr = "";
  const io: CliIo = {
    ...nodeIo(),
    isTTY: options.tty ?? false,
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
  const bytes = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return { code, stdout: new TextDecoder().decode(bytes), stderr, bytes };
}

/**
 * Load a fixture's astropy-made expected values.
 *
 * @param name Fixture name without extension.
 * @returns The parsed JSON.
 */
export async function expected(name: string): Promise<ExpectedFile> {
  return JSON.parse(await readFile(new URL(`../../testdata/${name}.expected.json`, import.meta.url), "utf8"));
}

/** The shape of `testdata/*.expected.json`. */
export interface ExpectedFile {
  file: string;
  size: number;
  hdus: {
    index: number;
    type: string;
    hdrLoc: number;
    datLoc: number;
    datSpan: number;
    extname: string | null;
    extver: number | null;
    bitpix: number;
    shape: number[];
    cards: { keyword: string; value: unknown; comment: string }[];
    sections?: { spec: unknown[]; shape: number[]; dtype: string; data: unknown[] }[];
    rows?: { start: number; stop: number; columns: Record<string, unknown[]> }[];
  }[];
}
