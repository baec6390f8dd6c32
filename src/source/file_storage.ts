/**
 * The local file system for the indexer, over `node:fs`: listings, stats and atomic writes that a
 * crash or a kill never leaves half done. Exported through `@cloudfits/core/file`.
 *
 * @module
 */
import process from "node:process";
import { link, mkdir, open, readdir, readFile, realpath, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join, resolve, sep } from "node:path";
import { tmpdir } from "node:os";
import { CloudFitsError } from "../errors.ts";
import type { IndexStorage, LocalFileInfo } from "./storage.ts";
import type { SpoolFile } from "../_bytes.ts";

/**
 * The local file system as the indexer needs it: `resolve` against the working directory, `stat`,
 * recursive listings, whole-file reads, {@linkcode writeFileAtomic}, and deletes that also clean up
 * the temporaries of killed writes ({@linkcode removeStaleTemporaries}).
 *
 * @returns The storage.
 *
 * @example List a directory the way the indexer does
 * ```ts
 * import { fileStorage } from "@cloudfits/core/file";
 * import assert from "node:assert/strict";
 *
 * const storage = fileStorage();
 * assert.ok((await storage.listFiles("testdata")).includes("tess_cube.fits"));
 * assert.equal((await storage.stat("testdata"))?.isDirectory, true);
 * assert.equal(await storage.stat("testdata/absent.fits"), undefined);
 * ```
 */
export function fileStorage(): IndexStorage {
  return {
    resolve: (path) => resolve(path).split(sep).join("/"),
    stat: statPath,
    listFiles,
    readFile: async (path) => new Uint8Array(await readFile(path)),
    writeFileAtomic,
    removeFile: async (path) => {
      await rm(path, { force: true });
      await removeStaleTemporaries(path);
    },
    spool,
  };
}

/** Read a spool back in pieces of this size. */
const SPOOL_READ_BYTES = 1024 * 1024;

/** A temporary file named like an atomic write's, so a killed run's is removed by the next write. */
async function spool(path: string): Promise<SpoolFile> {
  // Beside the index (its directory is made as the index's write would), or in the temporary
  // directory when the index goes to a device or FIFO (`-o /dev/stdout`).
  const stream = (await statPath(path))?.isFile === false;
  const name = temporaryName(stream ? join(tmpdir(), "cloudfits-spool") : path);
  await mkdir(dirname(name), { recursive: true });
  const handle = await open(name, "wx+");
  let size = 0;
  return {
    append: async (bytes) => {
      const at = size;
      size += bytes.length;
      await handle.write(bytes, 0, bytes.length, at);
    },
    get size() {
      return size;
    },
    read: async function* (end, start = 0) {
      for (let at = start; at < end;) {
        const buffer = new Uint8Array(Math.min(end - at, SPOOL_READ_BYTES));
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, at);
        if (bytesRead === 0) throw new Error(`The spool ${name} ends at ${at} of ${end} bytes`);
        yield buffer.subarray(0, bytesRead);
        at += bytesRead;
      }
    },
    close: async () => {
      await handle.close();
      await rm(name, { force: true });
    },
  };
}

async function statPath(path: string): Promise<LocalFileInfo | undefined> {
  try {
    const s = await stat(path);
    const info: LocalFileInfo = { size: s.size, mtimeMs: s.mtimeMs, isDirectory: s.isDirectory() };
    if (!s.isDirectory() && !s.isFile()) info.isFile = false;
    return info;
  } catch (error) {
    if ((error as { code?: string }).code === "ENOENT") return undefined;
    throw error;
  }
}

/**
 * Every file under `dir`, recursively, following symbolic links: a file reached by several paths is listed
 * once (by the first path in sorted order), a link back into a directory being walked is not followed, and
 * a dangling link is skipped, each with a warning.
 */
async function listFiles(dir: string, warn: (message: string) => void = () => {}): Promise<string[]> {
  const real = await realpath(dir);
  // Without symbolic links no file is reached twice: the real paths of 10⁵ files need not be kept.
  const plain = await walkFiles(dir, real, undefined);
  return (plain.linked ? (await walkFiles(dir, real, { warn, seen: new Map() })).found : plain.found).sort();
}

/**
 * The walk of {@linkcode listFiles}: every file under `dir`, and whether a symbolic link was met. With
 * `links`, links are followed (each file once, loops cut, with warnings); without, links are skipped
 * and only noted, for the caller to walk again with `links`.
 */
async function walkFiles(
  dir: string,
  realDir: string,
  links: { warn: (message: string) => void; seen: Map<string, string> } | undefined,
): Promise<{ found: string[]; linked: boolean }> {
  const found: string[] = [];
  let linked = false;
  // `real` is the directory's real path: a plain entry's real path follows from it without a system call.
  const walk = async (sub: string, real: string, ancestors: ReadonlySet<string>): Promise<void> => {
    const entries = (await readdir(join(dir, sub), { withFileTypes: true }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const rel = sub ? `${sub}/${entry.name}` : entry.name;
      if (!links) {
        linked ||= entry.isSymbolicLink();
        if (entry.isDirectory()) await walk(rel, real, ancestors);
        else if (entry.isFile()) found.push(rel);
        continue;
      }
      let isDirectory = entry.isDirectory();
      let isFile = entry.isFile();
      const full = join(dir, rel);
      const link = entry.isSymbolicLink();
      if (link) {
        const target = await stat(full).catch(() => undefined);
        if (target === undefined) {
          links.warn(`${full}: a symbolic link to nothing; skipped`);
          continue;
        }
        isDirectory = target.isDirectory();
        isFile = target.isFile();
      }
      const realEntry = link ? await realpath(full) : join(real, entry.name);
      if (isDirectory) {
        if (ancestors.has(realEntry)) {
          links.warn(`${full}: a symbolic link that loops back to ${realEntry}; not followed`);
          continue;
        }
        await walk(rel, realEntry, new Set([...ancestors, realEntry]));
      } else if (isFile) {
        const first = links.seen.get(realEntry);
        if (first !== undefined) {
          links.warn(`${full}: the same file as ${join(dir, first)}; listed once`);
          continue;
        }
        links.seen.set(realEntry, rel);
        found.push(rel);
      }
    }
  };
  await walk("", realDir, new Set([realDir]));
  return { found, linked };
}

/**
 * The name of a temporary file for `path`: hidden, in the same directory (so the rename is atomic),
 * unique per process and call, and recognisable by {@linkcode removeStaleTemporaries}.
 */
function temporaryName(path: string): string {
  // Web crypto, not node:crypto: loading node:crypto at start-up delays the CLI's first request.
  const random = Array.from(
    crypto.getRandomValues(new Uint8Array(6)),
    (byte) => byte.toString(16).padStart(2, "0"),
  );
  return join(dirname(path), `.${basename(path)}.${process.pid}-${random.join("")}.tmp`);
}

/**
 * Write `bytes` to `path` so that a reader (or a crash at any moment) sees the old file or the new one,
 * never part of either: write and fsync a temporary file in the same directory, then rename it over
 * `path` (or, without `overwrite`, hard-link it, which fails rather than replace a file created since),
 * then fsync the directory so that the rename itself survives a power cut.
 *
 * @param path The file to write.
 * @param content Its new content: bytes, or a stream of chunks written as they come (nothing is written if it fails).
 * @param options `overwrite: true` replaces an existing file; otherwise it is an error.
 * @throws {CloudFitsError} `USAGE` when the file exists and `overwrite` is not set.
 *
 * @example Write, refuse to replace, then replace
 * ```ts
 * import { writeFileAtomic } from "@cloudfits/core/file";
 * import { mkdtemp, readFile, rm } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import assert from "node:assert/strict";
 *
 * const dir = await mkdtemp(join(tmpdir(), "cloudfits-example-"));
 * const path = join(dir, "out.csv");
 * await writeFileAtomic(path, new TextEncoder().encode("a,b\n"));
 * await assert.rejects(writeFileAtomic(path, new Uint8Array()), { code: "USAGE" });
 * await writeFileAtomic(path, new TextEncoder().encode("c,d\n"), { overwrite: true });
 * assert.equal(await readFile(path, "utf8"), "c,d\n");
 * await rm(dir, { recursive: true });
 * ```
 */
export async function writeFileAtomic(
  path: string,
  content: Uint8Array | AsyncIterable<Uint8Array>,
  options: { overwrite?: boolean } = {},
): Promise<void> {
  const refuse = () =>
    new CloudFitsError("USAGE", `Cannot write ${path}: the file exists (pass overwrite to replace it)`, {
      url: path,
    });
  const existing = await statPath(path);
  if (existing?.isDirectory) {
    throw new CloudFitsError("USAGE", `Cannot write ${path}: it is a directory; give a file name`, {
      url: path,
    });
  }
  // A device or FIFO (`-o /dev/stdout`, a named pipe) is a stream to write to, never a file to replace.
  if (existing?.isFile === false) return await writeStream(path, content);
  if (!options.overwrite && existing !== undefined) throw refuse();
  const directory = dirname(path) || ".";
  await mkdir(directory, { recursive: true });
  await removeStaleTemporaries(path);
  const temporary = temporaryName(path);
  try {
    const handle = await open(temporary, "wx");
    try {
      if (content instanceof Uint8Array) await handle.writeFile(content);
      else for await (const chunk of content) await handle.write(chunk);
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

/** Write to a device or FIFO as it is, without truncating, syncing or renaming anything. */
async function writeStream(path: string, content: Uint8Array | AsyncIterable<Uint8Array>): Promise<void> {
  const handle = await open(path, "a");
  try {
    if (content instanceof Uint8Array) await handle.write(content);
    else for await (const chunk of content) await handle.write(chunk);
  } finally {
    await handle.close();
  }
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
 * @example Remove what a killed writer left beside an index
 * ```ts
 * import { removeStaleTemporaries } from "@cloudfits/core/file";
 * import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import assert from "node:assert/strict";
 *
 * const dir = await mkdtemp(join(tmpdir(), "cloudfits-example-"));
 * // Named after the index, by a process id that cannot be running.
 * await writeFile(join(dir, `.tess.cfidx.${2 ** 22 + 1}-0123456789ab.tmp`), "half");
 * assert.equal((await removeStaleTemporaries(join(dir, "tess.cfidx"))).length, 1);
 * assert.deepEqual(await readdir(dir), []);
 * await rm(dir, { recursive: true });
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
