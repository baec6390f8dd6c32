import process from "node:process";
import { rm } from "node:fs/promises";
import { CloudFitsError } from "../src/errors.ts";
import type { IndexStorage } from "../src/indexer/types.ts";
import { fileStorage, removeStaleTemporaries, writeFileAtomic } from "../src/source/file.ts";

export { removeStaleTemporaries, writeFileAtomic };

/**
 * Everything the CLI touches outside itself, injectable so that tests run it in-process: the streams,
 * the environment, and the local file system (as the indexer's storage describes it).
 */
export interface CliIo extends Pick<IndexStorage, "readFile" | "writeFileAtomic" | "stat" | "listFiles"> {
  /** Write to standard output. */
  out(text: string | Uint8Array): Promise<void>;
  /** Write to standard error. */
  err(text: string): Promise<void>;
  /** Whether standard output is a terminal (people) or a pipe (programs). */
  isTTY: boolean;
  /** Whether standard error is a terminal: progress is shown only there (unless `--progress`). */
  errIsTTY?: boolean;
  /** Environment variables. */
  env: Record<string, string | undefined>;
  /** Delete a local file if it exists (absent in-memory test doubles may skip it). */
  removeFile?(path: string): Promise<void>;
}

/**
 * The CLI's I/O on the real process: stdout, stderr, the environment and the local file system.
 *
 * @returns The process I/O.
 */
export function nodeIo(): CliIo {
  const write = (stream: NodeJS.WriteStream, data: string | Uint8Array): Promise<void> =>
    new Promise((resolve, reject) => stream.write(data, (error) => (error ? reject(error) : resolve())));
  const files = fileStorage();
  // process.stdout and process.stderr are made at their first write, not here: making them loads the
  // runtime's stream code, which would delay the first request (bench/startup.ts).
  const out = (): NodeJS.WriteStream => {
    // A closed pipe is reported to the write that failed (see isBrokenPipe); without a listener the
    // stream's own error event would end the process with a stack trace.
    if (process.stdout.listenerCount("error") === 0) process.stdout.on("error", () => {});
    return process.stdout;
  };
  return {
    out: (text) => write(out(), text),
    err: (text) => write(process.stderr, text),
    isTTY: isTerminal(1),
    errIsTTY: isTerminal(2),
    env: process.env,
    readFile: files.readFile,
    writeFileAtomic: files.writeFileAtomic,
    removeFile: (path) => rm(path, { force: true }),
    stat: files.stat,
    listFiles: files.listFiles,
  };
}

/** Bun's native `isatty`, which answers without making `process.stdout` (see {@linkcode isTerminal}). */
type TtyBinding = { isTTY(fd: number): boolean };
type ProcessBinding = { binding(name: "tty_wrap"): TtyBinding };

/**
 * Whether standard output (1) or standard error (2) is a terminal, as `process.stdout.isTTY` says, but
 * without making the stream where the runtime can answer otherwise: Deno's `isTerminal()`, Bun's
 * `tty_wrap` binding (making `process.stdout` in a Bun binary loads its stream code: ~5 ms on the way
 * to the first request).
 *
 * @param fd 1 or 2.
 * @returns True for a terminal.
 */
function isTerminal(fd: 1 | 2): boolean {
  const deno = (globalThis as { Deno?: Record<"stdout" | "stderr", { isTerminal(): boolean }> }).Deno;
  if (deno) return (fd === 1 ? deno.stdout : deno.stderr).isTerminal();
  if (process.versions.bun) {
    try {
      return (process as unknown as ProcessBinding).binding("tty_wrap").isTTY(fd);
    } catch {
      // A Bun without the binding: ask the stream.
    }
  }
  return Boolean((fd === 1 ? process.stdout : process.stderr).isTTY);
}

/**
 * Tell whether an error is a write to a pipe whose reader has gone (`cloudfits … | head`): Node and Bun
 * say `EPIPE`, Deno `BrokenPipe`.
 *
 * @param error Anything thrown.
 * @returns True for a broken pipe.
 */
export function isBrokenPipe(error: unknown): boolean {
  const e = error as { code?: unknown; name?: unknown } | null;
  return e?.code === "EPIPE" || e?.name === "BrokenPipe" || e?.code === "ERR_STREAM_DESTROYED";
}

/**
 * The indexer's view of the local file system: the CLI's I/O (so that tests can replace it), with
 * paths resolved against the working directory and deletes that also clean up the temporaries of
 * killed writes.
 *
 * @param io The process I/O.
 * @returns The storage for `buildIndex`.
 */
export function indexStorage(io: CliIo): IndexStorage {
  const files = fileStorage();
  return {
    resolve: files.resolve,
    // Finished leaves wait in a temporary file beside the index, not in memory.
    spool: files.spool,
    stat: io.stat,
    listFiles: io.listFiles,
    readFile: io.readFile,
    writeFileAtomic: io.writeFileAtomic,
    removeFile: async (path) => {
      await io.removeFile?.(path);
      await removeStaleTemporaries(path);
    },
  };
}

/**
 * Refuse an output file that exists, unless `--force` is given: checked before reading anything,
 * since the read may be long and the answer is already known.
 *
 * @param path The output path (`-` is standard output, always allowed).
 * @param force Whether `--force` was given.
 * @param io The process I/O.
 * @returns Whether the path is a stream (standard output, a device or a FIFO) rather than a file.
 * @throws {CloudFitsError} `USAGE` when the file exists, or the path is a directory.
 */
export async function refuseExistingOutput(path: string, force: boolean, io: CliIo): Promise<boolean> {
  if (path === "-") return true;
  const existing = await io.stat(path);
  if (existing?.isDirectory) {
    throw new CloudFitsError("USAGE", `Cannot write ${path}: it is a directory; give a file name`, {
      url: path,
    });
  }
  // Devices and FIFOs (-o /dev/stdout) are written as streams, not replaced: nothing to refuse.
  if (!force && existing !== undefined && existing.isFile !== false) {
    throw new CloudFitsError("USAGE", `Cannot write ${path}: the file exists (pass --force to replace it)`, {
      url: path,
    });
  }
  return existing?.isFile === false;
}
