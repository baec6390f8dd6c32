/**
 * The local file system as the indexer uses it, as an interface: `src/source/file_storage.ts` gives it
 * over `node:fs`, tests give it in memory, and a browser has none.
 *
 * @module
 */

import type { SpoolFile } from "../_bytes.ts";

/** Size, modification time and kind of a local path. */
export interface LocalFileInfo {
  /** Size in bytes. */
  size: number;
  /** Modification time in Unix milliseconds (fractions allowed). */
  mtimeMs: number;
  /** Whether the path is a directory. */
  isDirectory: boolean;
  /**
   * False for a character device, FIFO or socket (`/dev/stdout`, a named pipe): written as a stream,
   * never replaced. Absent means a regular file or a directory.
   */
  isFile?: boolean;
}

/**
 * The local file system, as the indexer uses it. Paths are `/`-separated; `resolve` makes them
 * absolute.
 */
export interface IndexStorage {
  /** The absolute, `/`-separated form of a path (relative ones against the working directory). */
  resolve(path: string): string;
  /** Size, mtime and kind of a path, or undefined when it does not exist. */
  stat(path: string): Promise<LocalFileInfo | undefined>;
  /**
   * Every file under a directory, recursively, as sorted `/`-separated paths relative to it. Symbolic links
   * are followed; a file reached by several paths is listed once, and links that loop or lead nowhere are
   * skipped, each reported through `warn`.
   */
  listFiles(dir: string, warn?: (message: string) => void): Promise<string[]>;
  /** Read a whole file. */
  readFile(path: string): Promise<Uint8Array>;
  /**
   * Write a file atomically (a reader or a crash sees the old file or the new one); without
   * `overwrite`, an existing file is kept and the write fails. The content may be a stream of chunks,
   * written as they come, so that a long output is never held whole; if the stream fails, nothing is
   * written. A directory is refused; a device or FIFO is written as a stream, never replaced.
   */
  writeFileAtomic(
    path: string,
    content: Uint8Array | AsyncIterable<Uint8Array>,
    options?: { overwrite?: boolean },
  ): Promise<void>;
  /** Delete a file if it exists, with any temporary files its interrupted atomic writes left behind. */
  removeFile(path: string): Promise<void>;
  /**
   * A temporary file beside `path` for data too large to keep in memory (an index's finished leaves,
   * its sky directory's sorted runs and cells, its cubes' frame summaries; a new file per call):
   * deleted on close, and after a kill by the next atomic write of `path`. Absent: memory is used.
   */
  spool?(path: string): Promise<SpoolFile>;
}
