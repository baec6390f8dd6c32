/**
 * Incremental indexing: the records of an existing index that a new run may keep, and the test that
 * decides whether a listed file is still the version a record describes.
 *
 * @module
 */
import { isCloudFitsError } from "../errors.ts";
import { decodeIndex } from "../read/index.ts";
import type { IndexedFile } from "../index_format/types.ts";
import { FIRST_READ } from "../index_format/_layout.ts";
import type { FootprintRecord } from "../index_format/sky_cells.ts";
import { readAllFootprints } from "../index_format/sky_read.ts";
import { openSource, type SourceOptions } from "../open_source.ts";
import { memorySource } from "../source/memory.ts";
import type { ByteSource } from "../source/types.ts";
import { isTessCube } from "../tess_cube.ts";
import { keepingFirstRead } from "./frames.ts";
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
 * The records of the index at `output` when it has the same data root, by path, and its TESS cubes'
 * footprints. A missing index (or one the credentials may not read) gives none; an unreadable one
 * gives none with a warning.
 *
 * @param output The index's location string.
 * @param location The same, parsed.
 * @param dataUrl The data root of the new run.
 * @param options Credentials, the local file system and the warning hook.
 * @returns The reusable records and cube footprints.
 */
export async function previousRecords(
  output: string,
  location: Location,
  dataUrl: string | undefined,
  options: PreviousRecordsOptions,
): Promise<PreviousIndex> {
  const previous = new Map<string, IndexedFile>();
  const cubeFootprints = new Map<string, FootprintRecord[]>();
  try {
    let source: ByteSource;
    if (location.kind === "file") {
      if (!options.storage || !(await options.storage.stat(location.path))) {
        return { records: previous, cubeFootprints };
      }
      source = memorySource(await options.storage.readFile(location.path), output);
    } else {
      // A small index arrives whole in its first read: its FRAMES and sky sections are served from it.
      source = keepingFirstRead(await openSource(output, options));
    }
    try {
      const index = await decodeIndex(source);
      if ((index.dataUrl ?? undefined) === dataUrl) {
        for await (const file of index.files({ frames: true })) previous.set(file.path, file);
        await carryCubeFootprints(source, previous, cubeFootprints);
      }
    } finally {
      await source.close?.();
    }
  } catch (error) {
    previous.clear();
    cubeFootprints.clear();
    if (!isCloudFitsError(error, "NOT_FOUND") && !isCloudFitsError(error, "FORBIDDEN")) {
      await options.onWarning?.(
        `ignoring the existing index ${redactUrl(output)}: ${(error as Error).message}`,
      );
    }
  }
  return { records: previous, cubeFootprints };
}

/** What a new run may keep of the existing index. */
export interface PreviousIndex {
  /** Its file records, by path. */
  records: Map<string, IndexedFile>;
  /**
   * The footprints of its TESS cubes, by path: a cube's WCS is table data, not a header, so an
   * unchanged cube keeps its footprint from here instead of reading its WCS row again.
   */
  cubeFootprints: Map<string, FootprintRecord[]>;
}

/**
 * The old index's footprints of TESS cubes: its sky directory in one read, decoded a page at a time
 * (nothing read when the old index holds no cube).
 */
async function carryCubeFootprints(
  source: ByteSource,
  records: ReadonlyMap<string, IndexedFile>,
  into: Map<string, FootprintRecord[]>,
): Promise<void> {
  if (![...records.values()].some((record) => isTessCube(record.hdus))) return;
  const read = (offset: number, length: number) => source.read(offset, length);
  const head = await read(0, FIRST_READ);
  const isCube = (footprint: FootprintRecord) => {
    const record = records.get(footprint.path);
    return footprint.hdu === 1 && record !== undefined && isTessCube(record.hdus);
  };
  for (const footprint of await readAllFootprints(read, head, source.name, isCube) ?? []) {
    into.set(footprint.path, [...into.get(footprint.path) ?? [], footprint]);
  }
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
