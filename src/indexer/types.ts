/**
 * What the indexer needs from outside the library: a local file system for local sources, local
 * index files and checkpoints. `fileStorage()` from `@cloudfits/core/file` is the real one.
 *
 * @module
 */
import type { ByteSource } from "../source/types.ts";

export type { IndexStorage, LocalFileInfo } from "../source/storage.ts";
export type { SpoolFile } from "../_bytes.ts";

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
