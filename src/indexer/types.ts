/**
 * What the indexer needs from outside the library: a local file system for local sources, local
 * index files and checkpoints. `fileStorage()` from `@cloudfits/core/file` is the real one.
 *
 * @module
 */
import type { ByteSource } from "../source/types.ts";

/** Size, modification time and kind of a local path. */
export interface LocalFileInfo {
  /** Size in bytes. */
  size: number;
  /** Modification time in Unix milliseconds (fractions allowed). */
  mtimeMs: number;
  /** Whether the path is a directory. */
  isDirectory: boolean;
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
  /** Every file under a directory, recursively, as sorted `/`-separated paths relative to it. */
  listFiles(dir: string): Promise<string[]>;
  /** Read a whole file. */
  readFile(path: string): Promise<Uint8Array>;
  /**
   * Write a file atomically (a reader or a crash sees the old file or the new one); without
   * `overwrite`, an existing file is kept and the write fails.
   */
  writeFileAtomic(path: string, bytes: Uint8Array, options?: { overwrite?: boolean }): Promise<void>;
  /** Delete a file if it exists, with any temporary files its interrupted atomic writes left behind. */
  removeFile(path: string): Promise<void>;
}

/** One file to index: its path in the index, what the listing knew of it, and how to open it. */
export interface IndexCandidate {
  /** Path relative to the data root, `/`-separated. */
  path: string;
  /** A name for messages: an absolute path or a redacted URL. */
  display: string;
  /** Size from the listing (or stat). */
  size?: number;
  /** ETag from the listing. */
  etag?: string;
  /** Modification time from the listing (or stat), in Unix milliseconds. */
  lastModified?: number;
  /** Open the file's bytes (close the result when it has a `close()`). */
  open(): Promise<ByteSource>;
}

/** A source that could not be indexed, with the reason. */
export interface IndexFailure {
  /** Its path relative to the data root (or its location when it has none). */
  path: string;
  /** What went wrong. */
  error: string;
}
