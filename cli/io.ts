import process from "node:process";
import { mkdir, open, readdir, readFile, rename, rm, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
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
  /** Write a local file atomically: a temporary file in the same directory, then a rename. */
  writeFileAtomic(path: string, bytes: Uint8Array, options?: { overwrite?: boolean }): Promise<void>;
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

async function writeFileAtomic(
  path: string,
  bytes: Uint8Array,
  options: { overwrite?: boolean } = {},
): Promise<void> {
  if (!options.overwrite) {
    const exists = await stat(path).then(() => true, () => false);
    if (exists) {
      throw new CloudFitsError(
        "USAGE",
        `Cannot write ${path}: the file exists (pass --force to replace it)`,
        {
          url: path,
        },
      );
    }
  }
  await mkdir(dirname(path) || ".", { recursive: true });
  const temporary = `${path}.${process.pid}.${Date.now()}.tmp`;
  const handle = await open(temporary, "w");
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temporary, { force: true });
    throw error;
  }
  await handle.close();
  await rename(temporary, path);
}
