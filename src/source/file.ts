/**
 * Local files as byte sources. Kept out of the main entry point so that `@cloudfits/core` stays
 * browser-safe; import `@cloudfits/core/file` where local paths are needed.
 *
 * @example Open a local file through its source, and read a section
 * ```ts
 * import assert from "node:assert/strict";
 * import { openFits } from "@cloudfits/core";
 * import { openFileSource } from "@cloudfits/core/file";
 *
 * await using fits = await openFits("testdata/primary_only.fits", { openFile: openFileSource });
 * const section = await fits.hdu(0).section([[19, 20], [28, 30]]); // numpy order
 * assert.deepEqual(section.shape, [1, 2]);
 * ```
 *
 * @module
 */
import { type FileHandle, open } from "node:fs/promises";
import { CloudFitsError } from "../errors.ts";
import type { ByteSource, ReadOptions } from "./types.ts";
import type { IndexStorage } from "./storage.ts";
import { fileStorage } from "./file_storage.ts";

/** A {@linkcode ByteSource} over a local file, to close after use (`close()` or `await using`). */
export interface FileSource extends ByteSource, AsyncDisposable {
  /** The file size, known at open. */
  readonly size: number;
  /** File modification time in Unix milliseconds. */
  readonly mtimeMs: number;
  /** Close the file handle; closing again does nothing, and reads after closing fail with `USAGE`. */
  close(): Promise<void>;
}

/**
 * File handles of sources that became unreachable without `close()`, closed here: Bun ends the process
 * with an error when the garbage collector meets an open `FileHandle`. The registry holds each handle
 * (not its source) until the source is collected, so the handle is closed by us, never collected open.
 */
const unclosed = new FinalizationRegistry<FileHandle>((handle) => {
  handle.close().catch(() => {});
});

/**
 * Open a local file for positional reads.
 *
 * Close the source when done, with `close()` or `await using`. A source that is dropped without
 * closing does not leak its handle for long: the handle is closed once the source is
 * garbage-collected, and the process exits cleanly either way, on Deno and on Bun.
 *
 * @param path File path.
 * @returns An open source.
 *
 * @example Reading the first card, closing with await using
 * ```ts
 * import assert from "node:assert/strict";
 * import { openFileSource } from "@cloudfits/core/file";
 *
 * await using source = await openFileSource("testdata/mef_images.fits");
 * assert.equal(source.size, 92160);
 * const first = await source.read(0, 30);
 * assert.equal(new TextDecoder().decode(first), "SIMPLE  =                    T");
 * assert.equal((await source.read(92150, 100)).length, 10, "fewer bytes only at the end");
 * await assert.rejects(openFileSource("testdata/absent.fits"), { code: "NOT_FOUND" });
 * ```
 */
export async function openFileSource(path: string): Promise<FileSource> {
  let handle: FileHandle;
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
  let closing: Promise<void> | undefined;
  const opened = handle;
  const close = (): Promise<void> => {
    if (closing === undefined) {
      unclosed.unregister(source);
      closing = opened.close();
    }
    return closing;
  };
  const source: FileSource = {
    name: path,
    size,
    mtimeMs: stat.mtimeMs,
    async read(offset: number, length: number, options?: ReadOptions): Promise<Uint8Array> {
      if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
        throw new RangeError(`Cannot read ${length} bytes at offset ${offset}: invalid range`);
      }
      if (closing !== undefined) {
        throw new CloudFitsError(
          "USAGE",
          `Cannot read ${length} bytes at offset ${offset} of ${path}: the source is closed`,
          { url: path, offset },
        );
      }
      const want = Math.max(0, Math.min(length, size - offset));
      // Straight into the caller's buffer when it offers one.
      const into = options?.into;
      const buffer = into !== undefined && into.length >= want
        ? into.subarray(0, want)
        : new Uint8Array(want);
      let done = 0;
      // Positional reads may return short counts; loop until the range is filled or the file ends.
      while (done < want) {
        options?.signal?.throwIfAborted();
        const { bytesRead } = await opened.read(buffer, done, want - done, offset + done);
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
    close,
    [Symbol.asyncDispose]: close,
  };
  unclosed.register(source, opened, source);
  return source;
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
