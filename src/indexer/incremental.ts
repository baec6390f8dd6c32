/**
 * Incremental indexing: the records of an existing index (or checkpoint) that a new run may keep, read
 * in path order beside the sorted listing, and the test that decides whether a listed file is still
 * the version a record describes.
 *
 * @module
 */
import { isCloudFitsError } from "../errors.ts";
import { decodeIndex } from "../read/index.ts";
import { memorySource } from "../source/memory.ts";
import type { IndexedFile } from "../index_format/types.ts";
import { compareBytes, FIRST_READ } from "../index_format/_layout.ts";
import type { FootprintRecord } from "../index_format/sky_cells.ts";
import { eachFootprint, skyPlaces } from "../index_format/sky_read.ts";
import { openSource, type SourceOptions } from "../open_source.ts";
import type { ByteSource } from "../source/types.ts";
import { keepingFirstRead } from "../source/held_bytes.ts";
import { type Location, redactUrl } from "../url.ts";
import type { IndexCandidate, IndexStorage } from "./types.ts";

const UTF8 = new TextEncoder();
/** Leaves read at once while a cursor passes them. */
const CURSOR_BATCH_BYTES = 1024 * 1024;

/** Options for {@linkcode previousRecords}. */
export interface PreviousRecordsOptions extends SourceOptions {
  /** The local file system, for a local index. */
  storage?: IndexStorage;
  /** Told why an existing index that could not be read is ignored. */
  onWarning?: (message: string) => void | Promise<void>;
}

/** What a new run may keep of the existing index. */
export interface PreviousIndex {
  /** Its file records (TESS cubes with their frame summaries), in path order; `close()` releases it. */
  records: RecordCursor;
  /**
   * Whether it has a sky directory: an unchanged TESS cube without a frame summary then keeps its
   * footprint from there (a cube's WCS is table data, not a header) instead of being read again.
   */
  keepsCubeFootprints: boolean;
  /**
   * The footprints of these TESS cubes (HDU 1) in its sky directory, decoded a page at a time.
   *
   * @param paths The cubes' paths.
   */
  cubeFootprints(paths: ReadonlySet<string>): Promise<FootprintRecord[]>;
}

/**
 * The records of the index at `output` when it has the same data root, as a cursor in path order, and
 * its TESS cubes' footprints. A missing index (or one the credentials may not read) gives none; an
 * unreadable one gives none with a warning. Records are decoded as the cursor passes them, one leaf at
 * a time.
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
  const warn = (error: unknown) =>
    options.onWarning?.(`ignoring the existing index ${redactUrl(output)}: ${(error as Error).message}`);
  const none: PreviousIndex = {
    records: new RecordCursor(),
    keepsCubeFootprints: false,
    cubeFootprints: () => Promise.resolve([]),
  };
  let source: ByteSource | undefined;
  try {
    if (location.kind === "file") {
      if (!options.storage || !(await options.storage.stat(location.path))) return none;
      // Read in batches through a file source when there is one (the index may be hundreds of MB).
      source = options.openFile
        ? keepingFirstRead(await options.openFile(location.path))
        : memorySource(await options.storage.readFile(location.path), location.path);
    } else {
      source = keepingFirstRead(await openSource(output, options));
    }
    // The first read is kept: the head is read again below, and a small index arrives whole in it (its
    // FRAMES and sky sections are then served from it).
    const index = await decodeIndex(source, { maxBatchBytes: CURSOR_BATCH_BYTES });
    if ((index.dataUrl ?? undefined) !== dataUrl) {
      await source.close?.();
      return none;
    }
    const opened = source;
    const read = (offset: number, length: number) => opened.read(offset, length);
    // The section table lies in the first FIRST_READ bytes, which the kept first read holds.
    const head = await read(0, FIRST_READ);
    return {
      records: new RecordCursor(index.files({ frames: true }), warn, async () => await opened.close?.()),
      keepsCubeFootprints: skyPlaces(head, opened.name) !== undefined,
      cubeFootprints: async (paths) => {
        const cubes: FootprintRecord[] = [];
        for await (const footprint of await eachFootprint(read, head, opened.name) ?? []) {
          if (footprint.hdu === 1 && paths.has(footprint.path)) cubes.push(footprint);
        }
        return cubes;
      },
    };
  } catch (error) {
    await source?.close?.();
    if (!isCloudFitsError(error, "NOT_FOUND") && !isCloudFitsError(error, "FORBIDDEN")) await warn(error);
    return none;
  }
}

/**
 * Records of an index in path order, looked up by increasing paths: a merge join against a sorted
 * listing that keeps one record in memory. A record that fails to decode ends the cursor with a
 * warning (the files after it are read again).
 */
export class RecordCursor {
  readonly #iterator: AsyncIterator<IndexedFile> | undefined;
  readonly #onError: ((error: unknown) => unknown) | undefined;
  readonly #close: (() => Promise<void>) | undefined;
  #current: { file: IndexedFile; key: Uint8Array } | undefined;
  #started = false;
  #ended = false;
  #queue: Promise<unknown> = Promise.resolve();

  /**
   * A cursor over records in path order (none when `files` is undefined).
   *
   * @param files The records.
   * @param onError Told when decoding fails.
   * @param close Releases what the records come from.
   */
  constructor(
    files?: AsyncIterable<IndexedFile>,
    onError?: (error: unknown) => unknown,
    close?: () => Promise<void>,
  ) {
    this.#iterator = files?.[Symbol.asyncIterator]();
    this.#ended = files === undefined;
    this.#onError = onError;
    this.#close = close;
  }

  /**
   * The record of a path, if the index has it. Calls are answered in the order they are made, and
   * their paths must increase.
   *
   * @param path The path.
   * @returns The record, or undefined.
   */
  find(path: string): Promise<IndexedFile | undefined> {
    const found = this.#queue.then(() => this.#find(UTF8.encode(path)));
    this.#queue = found.catch(() => {});
    return found;
  }

  async #find(key: Uint8Array): Promise<IndexedFile | undefined> {
    if (!this.#started) {
      this.#started = true;
      await this.#advance();
    }
    while (this.#current && compareBytes(this.#current.key, key) < 0) await this.#advance();
    return this.#current && compareBytes(this.#current.key, key) === 0 ? this.#current.file : undefined;
  }

  async #advance(): Promise<void> {
    this.#current = undefined;
    if (this.#ended) return;
    try {
      const next = await this.#iterator!.next();
      if (next.done) this.#ended = true;
      else this.#current = { file: next.value, key: UTF8.encode(next.value.path) };
    } catch (error) {
      this.#ended = true;
      await this.#onError?.(error);
    }
  }

  /** Release the index's source. */
  async close(): Promise<void> {
    await this.#close?.();
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
