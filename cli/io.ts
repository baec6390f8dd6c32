import process from "node:process";
import { randomBytes } from "node:crypto";
import { link, mkdir, open, readdir, readFile, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { CloudFitsError } from "../src/errors.ts";

/** Everything the CLI touches outside itself, injectable so that tests run it in-process. */
export interface CliIo {
  /** Write to standard output. */
  out(text: string | Uint8Array): Promise<void>;
  /** Write to standard error. */
  err(text: string): Promise<void>;
  /** Whether standard output is a terminal (people) or a pipe (programs). */
  isTTY: boolean;
  /** Environment variables. */
  env: Record<string, string | undefined>;
  /** Read a whole local file. */
  readFile(path: string): Promise<Uint8Array>;
  /**
   * Write a local file atomically: a temporary file in the same directory, then a rename. Without
   * `overwrite`, an existing file is kept and the write fails with `USAGE`.
   */
  writeFileAtomic(path: string, bytes: Uint8Array, options?: { overwrite?: boolean }): Promise<void>;
  /** Delete a local file if it exists (absent in-memory test doubles may skip it). */
  removeFile?(path: string): Promise<void>;
  /** Size, mtime and kind of a local path, or undefined when it does not exist. */
  stat(path: string): Promise<{ size: number; mtimeMs: number; isDirectory: boolean } | undefined>;
  /** Every file under a directory, recursively, as paths relative to it (sorted). */
  listFiles(dir: string): Promise<string[]>;
}

/**
 * The CLI's I/O on the real process: stdout, stderr, the environment and the local file system.
 *
 * @returns The process I/O.
 */
export function nodeIo(): CliIo {
  const write = (stream: NodeJS.WriteStream, data: string | Uint8Array): Promise<void> =>
    new Promise((resolve, reject) => stream.write(data, (error) => (error ? reject(error) : resolve())));
  return {
    out: (text) => write(process.stdout, text),
    err: (text) => write(process.stderr, text),
    isTTY: Boolean(process.stdout.isTTY),
    env: process.env,
    readFile: async (path) => new Uint8Array(await readFile(path)),
    writeFileAtomic,
    removeFile: (path) => rm(path, { force: true }),
    stat: async (path) => {
      try {
        const s = await stat(path);
        return { size: s.size, mtimeMs: s.mtimeMs, isDirectory: s.isDirectory() };
      } catch (error) {
        if ((error as { code?: string }).code === "ENOENT") return undefined;
        throw error;
      }
    },
    listFiles: async (dir) => {
      const found: string[] = [];
      const walk = async (sub: string): Promise<void> => {
        for (const entry of await readdir(join(dir, sub), { withFileTypes: true })) {
          const rel = sub ? `${sub}/${entry.name}` : entry.name;
          if (entry.isDirectory()) await walk(rel);
          else if (entry.isFile()) found.push(rel);
        }
      };
      await walk("");
      return found.sort();
    },
  };
}

/**
 * The name of a temporary file for `path`: hidden, in the same directory (so the rename is atomic),
 * unique per process and call, and recognisable by {@linkcode removeStaleTemporaries}.
 */
function temporaryName(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}-${randomBytes(6).toString("hex")}.tmp`);
}

/**
 * Write `bytes` to `path` so that a reader (or a crash at any moment) sees the old file or the new one,
 * never part of either: write and fsync a temporary file in the same directory, then rename it over
 * `path` (or, without `overwrite`, hard-link it, which fails rather than replace a file created since),
 * then fsync the directory so that the rename itself survives a power cut.
 *
 * @param path The file to write.
 * @param bytes Its new content.
 * @param options `overwrite: true` replaces an existing file; otherwise it is an error.
 * @throws {CloudFitsError} `USAGE` when the file exists and `overwrite` is not set.
 *
 * @example
 * ```ts ignore
 * await writeFileAtomic("out.csv", new TextEncoder().encode("a,b\n"), { overwrite: true });
 * ```
 */
export async function writeFileAtomic(
  path: string,
  bytes: Uint8Array,
  options: { overwrite?: boolean } = {},
): Promise<void> {
  const refuse = () =>
    new CloudFitsError("USAGE", `Cannot write ${path}: the file exists (pass --force to replace it)`, {
      url: path,
    });
  if (!options.overwrite && await exists(path)) throw refuse();
  const directory = dirname(path) || ".";
  await mkdir(directory, { recursive: true });
  await removeStaleTemporaries(path);
  const temporary = temporaryName(path);
  try {
    const handle = await open(temporary, "wx");
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (options.overwrite) await rename(temporary, path);
    else await linkNew(temporary, path, refuse);
  } finally {
    await rm(temporary, { force: true });
  }
  await syncDirectory(directory);
}

/** Put `temporary` at `path` only if nothing is there: link(2) fails with EEXIST instead of replacing. */
async function linkNew(temporary: string, path: string, refuse: () => Error): Promise<void> {
  try {
    await link(temporary, path);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "EEXIST") throw refuse();
    // File systems without hard links (some network and FUSE mounts): check, then rename.
    if (code !== "EPERM" && code !== "ENOTSUP" && code !== "EOPNOTSUPP" && code !== "ENOSYS") throw error;
    if (await exists(path)) throw refuse();
    await rename(temporary, path);
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === "ENOENT") return false;
    throw error;
  }
}

/** Best effort: Windows and some file systems cannot open or fsync a directory. */
async function syncDirectory(directory: string): Promise<void> {
  try {
    const handle = await open(directory, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // The data is already durable; only the rename's durability is left to the file system.
  }
}

/**
 * Delete the temporary files that writes of `path` left behind when their process was killed: those
 * named after `path` whose process no longer runs on this machine. Files of live processes (a
 * concurrent write) are kept.
 *
 * @param path The file whose temporaries to clean up.
 * @returns The paths removed.
 *
 * @example
 * ```ts ignore
 * const removed = await removeStaleTemporaries("tess.cfidx");
 * ```
 */
export async function removeStaleTemporaries(path: string): Promise<string[]> {
  const directory = dirname(path) || ".";
  const prefix = `.${basename(path)}.`;
  let names: string[];
  try {
    names = await readdir(directory);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const match = /^(\d+)-[0-9a-f]{12}\.tmp$/.exec(name.slice(prefix.length));
    if (!match) continue;
    const temporary = join(directory, name);
    const written = await stat(temporary).then((s) => s.mtimeMs, () => undefined);
    if (written === undefined || await isWriting(Number(match[1]), written)) continue;
    await rm(temporary, { force: true });
    removed.push(temporary);
  }
  return removed;
}

/** Whether process `pid` may still be writing a temporary file last modified at `writtenMs`. */
async function isWriting(pid: number, writtenMs: number): Promise<boolean> {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as { code?: string }).code === "EPERM";
  }
  // On Linux, a zombie, or a process that reused the pid after the file was written, is not the writer.
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (fields[0] === "Z") return false;
    const bootSeconds = Number(/^btime (\d+)$/m.exec(await readFile("/proc/stat", "utf8"))?.[1]);
    // Field 22, the start time, counts USER_HZ ticks (100 per second on every Linux ABI) since boot.
    const startedMs = bootSeconds * 1000 + Number(fields[19]) * 10;
    return !(startedMs > writtenMs + 1000);
  } catch {
    return true;
  }
}

/**
 * Refuse an output file that exists, unless `--force` is given: checked before reading anything,
 * since the read may be long and the answer is already known.
 *
 * @param path The output path (`-` is standard output, always allowed).
 * @param force Whether `--force` was given.
 * @param io The process I/O.
 * @throws {CloudFitsError} `USAGE` when the file exists.
 */
export async function refuseExistingOutput(path: string, force: boolean, io: CliIo): Promise<void> {
  if (path !== "-" && !force && await io.stat(path) !== undefined) {
    throw new CloudFitsError("USAGE", `Cannot write ${path}: the file exists (pass --force to replace it)`, {
      url: path,
    });
  }
}
