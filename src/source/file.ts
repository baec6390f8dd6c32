/**
 * Local files as byte sources. Kept out of the main entry point so that `@cloudfits/core` stays
 * browser-safe; import `@cloudfits/core/file` where local paths are needed.
 *
 * @module
 */
import { open } from "node:fs/promises";
import { CloudFitsError } from "../errors.ts";
import type { ByteSource, ReadOptions } from "./types.ts";
import type { IndexStorage } from "./storage.ts";
import { fileStorage } from "./file_storage.ts";

/** A {@linkcode ByteSource} over a local file that must be closed after use. */
export interface FileSource extends ByteSource {
  /** The file size, known at open. */
  readonly size: number;
  /** File modification time in Unix milliseconds. */
  readonly mtimeMs: number;
  /** Close the file handle. */
  close(): Promise<void>;
}

/**
 * Open a local file for positional reads.
 *
 * @param path File path.
 * @returns An open source; call `close()` when done.
 *
 * @example
 * ```ts ignore
 * import { openFileSource } from "@cloudfits/core/file";
 *
 * const source = await openFileSource("testdata/mef.fits");
 * const first = await source.read(0, 80);
 * await source.close();
 * ```
 */
export async function openFileSource(path: string): Promise<FileSource> {
  let handle;
  try {
    handle = await open(path, "r");
  } catch (cause) {
    const code = (cause as { code?: string }).code;
    if (code === "ENOENT") {
      throw new CloudFitsError("NOT_FOUND", `Cannot open ${path}: no such file`, { url: path });
    }
    if (code === "EACCES") {
      throw new CloudFitsError("FORBIDDEN", `Cannot open ${path}: permission denied`, { url: path });
    }
    throw new CloudFitsError("NETWORK", `Cannot open ${path}: ${(cause as Error).message}`, {
      url: path,
      cause,
    });
  }
  const stat = await handle.stat();
  if (stat.isDirectory()) {
    await handle.close();
    throw new CloudFitsError("USAGE", `Cannot read ${path}: it is a directory`, { url: path });
  }
  const size = stat.size;
  return {
    name: path,
    size,
    mtimeMs: stat.mtimeMs,
    async read(offset: number, length: number, options?: ReadOptions): Promise<Uint8Array> {
      if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
        throw new RangeError(`Cannot read ${length} bytes at offset ${offset}: invalid range`);
      }
      const want = Math.max(0, Math.min(length, size - offset));
      const buffer = new Uint8Array(want);
      let done = 0;
      // Positional reads may return short counts; loop until the range is filled or the file ends.
      while (done < want) {
        options?.signal?.throwIfAborted();
        const { bytesRead } = await handle.read(buffer, done, want - done, offset + done);
        if (bytesRead === 0) {
          throw new CloudFitsError(
            "STALE",
            `Cannot read ${want} bytes at offset ${offset} of ${path}: file shrank to ${offset + done} bytes`,
            { url: path, offset: offset + done },
          );
        }
        done += bytesRead;
      }
      return buffer;
    },
    close: () => handle.close(),
  };
}

export { fileStorage, removeStaleTemporaries, writeFileAtomic } from "./file_storage.ts";

/** What the library needs to reach local files: {@linkcode openFileSource} and the indexer's storage. */
export interface LocalFileAccess {
  /** Opens a local path (the `openFile` option of `openSource`, `openTarget`, `openIndex`…). */
  openFile: (path: string) => Promise<FileSource>;
  /** The local file system for `buildIndex` (listings, atomic writes, checkpoints). */
  storage: IndexStorage;
}

/**
 * Options that let `openTarget`, `openIndex`, `buildIndex` and `verifyIndex` read and write local
 * files: spread them into their options.
 *
 * @returns `openFile` and `storage` over `node:fs`.
 *
 * @example Open a local target
 * ```ts
 * import { openTarget } from "@cloudfits/core";
 * import { localFileAccess } from "@cloudfits/core/file";
 * import assert from "node:assert/strict";
 *
 * await using opened = await openTarget("testdata/mef_images.fits[1][1:2,1:1]", localFileAccess());
 * assert.deepEqual(opened.section, [[0, 1], [0, 2]]);
 * assert.equal(opened.fits.hdus.length, 2, "walked no further than HDU 1");
 * ```
 */
export function localFileAccess(): LocalFileAccess {
  return { openFile: openFileSource, storage: fileStorage() };
}
