/**
 * Incremental indexing: the records of an existing index that a new run may keep, and the test that
 * decides whether a listed file is still the version a record describes.
 *
 * @module
 */
import { isCloudFitsError } from "../errors.ts";
import { decodeIndex } from "../read/index.ts";
import type { IndexedFile } from "../index_format/types.ts";
import { openIndex } from "../open_index.ts";
import type { SourceOptions } from "../open_source.ts";
import { type Location, redactUrl } from "../url.ts";
import type { IndexCandidate, IndexStorage } from "./types.ts";

/** Options for {@linkcode previousRecords}. */
export interface PreviousRecordsOptions extends SourceOptions {
  /** The local file system, for a local index. */
  storage?: IndexStorage;
  /** Told why an existing index that could not be read is ignored. */
  onWarning?: (message: string) => void | Promise<void>;
}

/**
 * The records of the index at `output` when it has the same data root, by path. A missing index (or
 * one the credentials may not read) gives none; an unreadable one gives none with a warning.
 *
 * @param output The index's location string.
 * @param location The same, parsed.
 * @param dataUrl The data root of the new run.
 * @param options Credentials, the local file system and the warning hook.
 * @returns The reusable records.
 */
export async function previousRecords(
  output: string,
  location: Location,
  dataUrl: string | undefined,
  options: PreviousRecordsOptions,
): Promise<Map<string, IndexedFile>> {
  const previous = new Map<string, IndexedFile>();
  try {
    if (location.kind === "file") {
      if (!options.storage || !(await options.storage.stat(location.path))) return previous;
      const index = await decodeIndex(await options.storage.readFile(location.path));
      if ((index.dataUrl ?? undefined) === dataUrl) {
        for await (const file of index.files({ frames: true })) previous.set(file.path, file);
      }
    } else {
      const old = await openIndex(output, { ...options, dataRoot: dataUrl ?? "." });
      try {
        if ((old.index.dataUrl ?? undefined) === dataUrl) {
          for await (const file of old.index.files({ frames: true })) previous.set(file.path, file);
        }
      } finally {
        await old.close();
      }
    }
  } catch (error) {
    previous.clear();
    if (!isCloudFitsError(error, "NOT_FOUND") && !isCloudFitsError(error, "FORBIDDEN")) {
      await options.onWarning?.(
        `ignoring the existing index ${redactUrl(output)}: ${(error as Error).message}`,
      );
    }
  }
  return previous;
}

/**
 * Whether a listed file is the version a record describes: the same size, and the same ETag, or for
 * files without one (local files) the same mtime to within 1 ms (Deno reports whole milliseconds,
 * Node and Bun fractions, and the index stores them rounded).
 *
 * @param candidate The file as listed.
 * @param record The record of the previous index, if any.
 * @returns True when the record can be kept without reading the file.
 */
export function isUnchanged(candidate: IndexCandidate, record: IndexedFile | undefined): boolean {
  if (record === undefined || candidate.size !== record.size) return false;
  if (candidate.etag !== undefined || record.etag !== undefined) return candidate.etag === record.etag;
  return candidate.lastModified !== undefined && record.lastModified !== undefined &&
    Math.abs(record.lastModified - candidate.lastModified) <= 1;
}
