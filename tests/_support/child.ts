/**
 * Child processes for the tests: the repository's runtimes, and one way to start a process and collect
 * what it printed and how it ended.
 *
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

/** The repository root. */
export const ROOT: string = fileURLToPath(new URL("../../", import.meta.url));

/** The `deno` launcher the repository installs (a Node script that runs the real binary as its child). */
export const DENO: string = join(
  ROOT,
  "node_modules/.bin",
  process.platform === "win32" ? "deno.exe" : "deno",
);

/** The `bun` the repository installs. */
export const BUN: string = join(ROOT, "node_modules/.bin", process.platform === "win32" ? "bun.exe" : "bun");

/** How a child process ended, and what it printed. */
export interface ChildResult {
  /** Exit code, or null when a signal ended it. */
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Where and with what environment to run a child. */
export interface ChildOptions {
  /** Working directory (default: the repository root). */
  cwd?: string;
  /** The whole environment (default: this process's). */
  env?: Record<string, string | undefined>;
}

/**
 * Start a process in its own process group, so that `process.kill(-child.pid, signal)` reaches it and
 * its children (the `deno` launcher runs the real binary as a child), collecting its output.
 *
 * @param command The program and its arguments.
 * @param options Working directory and environment.
 * @returns The child, and its result once it has exited and closed its output.
 */
export function startChild(
  command: readonly string[],
  options: ChildOptions = {},
): { child: ChildProcess; exited: Promise<ChildResult> } {
  const child = spawn(command[0], command.slice(1), {
    cwd: options.cwd ?? ROOT,
    env: options.env ?? process.env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk) => stdout += String(chunk));
  child.stderr?.on("data", (chunk) => stderr += String(chunk));
  const exited = new Promise<ChildResult>((resolve) => {
    child.once("close", (code) => resolve({ code, stdout, stderr }));
    // A program that cannot start never closes its output.
    child.once("error", (error) => resolve({ code: -1, stdout, stderr: stderr + String(error) }));
  });
  return { child, exited };
}

/**
 * Run a process to its end.
 *
 * @param command The program and its arguments.
 * @param options Working directory and environment.
 * @returns Its exit code and output.
 */
export function runChild(command: readonly string[], options: ChildOptions = {}): Promise<ChildResult> {
  return startChild(command, options).exited;
}
