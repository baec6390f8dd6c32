/**
 * Open a cloudfits index over a byte source: one read for its open region (the first 64 KiB, or more
 * when the writer let it grow), then one read per leaf of file records, on demand and cached.
 *
 * @module
 */
import { CloudFitsError } from "../errors.ts";
import {
  decodeIndexHead,
  decodePage,
  type IndexHead,
  type LeafEntry,
  leafFor,
  parseIndexFrame,
} from "../index_format/decode.ts";
import {
  type FileRecord,
  inflateLeafText,
  type Leaf,
  parseLeaf,
  recordFor,
} from "../index_format/decode_leaf.ts";
import { materialize } from "../index_format/materialize.ts";
import { OPEN_READ } from "../index_format/_layout.ts";
import type { FileSummary, IndexedFile } from "../index_format/types.ts";
import type { StoredFrameSummary } from "../index_format/frames.ts";
import { FrameSectionReader } from "./index_frames.ts";
import { memorySource } from "../source/memory.ts";
import type { ByteSource } from "../source/types.ts";

/** Options of {@linkcode decodeIndex}. */
export interface DecodeIndexOptions {
  /** Abort the reads. */
  signal?: AbortSignal;
  /** Largest span fetched at once when iterating over every file (default 8 MiB). */
  maxBatchBytes?: number;
}

/** An opened index: its metadata at once, file records on demand. */
export interface CloudFitsIndex {
  /** Data root the paths are relative to, when recorded. */
  readonly dataUrl: string | undefined;
  /** Creation time, Unix milliseconds. */
  readonly createdMs: number;
  /** Indexer name and version. */
  readonly indexer: string;
  /** Number of files. */
  readonly fileCount: number;
  /** Directory levels: 1 (a DIRECTORY of leaves), or 2 for a catalog (a ROOT of pages of leaves). */
  readonly levels: 1 | 2;
  /** Entries of the directory read on opening: leaves (blocks of file records), or a catalog's pages. */
  readonly leafCount: number;
  /** Format version as `major.minor`. */
  readonly version: string;
  /** Every path, in UTF-8 byte order (loads leaves as it goes). */
  paths(): AsyncIterable<string>;
  /**
   * One file with rebuilt headers, or undefined when absent. Costs at most one read (its leaf), two in
   * a catalog (its directory page, then its leaf); recent leaves and pages are kept.
   */
  findFile(path: string): Promise<IndexedFile | undefined>;
  /** One file's planning summary, without inflating header text. */
  findSummary(path: string): Promise<FileSummary | undefined>;
  /**
   * A TESS cube's frame summary (the FRAMES section), or undefined when the index has none for it.
   * Costs one read of the section (its table and the cube's block), or two for a many-file index.
   */
  findFrames(path: string): Promise<StoredFrameSummary | undefined>;
  /**
   * Every file with rebuilt headers, in path order; with `frames`, each TESS cube carries its stored
   * frame summary (the whole FRAMES section is read once), so that an index rewritten from these
   * records keeps them.
   */
  files(options?: { frames?: boolean }): AsyncIterable<IndexedFile>;
  /** Every file's planning summary, in path order. */
  summaries(): AsyncIterable<FileSummary>;
}

/**
 * Open a cloudfits index. Reads the first 65,536 bytes in one read (one more only when the writer let
 * the directory outgrow them), checks magic, version, flags and CRC-32Cs, and returns an object that
 * fetches leaves of file records on demand (one read each, cached).
 *
 * @param input The index bytes, or a source over the index object.
 * @param options Abort signal and iteration batch size.
 * @returns The opened index.
 * @throws {CloudFitsError} `BAD_INDEX` for anything damaged, truncated, of an unknown major version or
 * with unknown required features, naming the part and its offset.
 *
 * @example Opening an index through a source, and a damaged one
 * ```ts
 * import assert from "node:assert/strict";
 * import { countingSource, decodeIndex, encodeIndex, memorySource, walkHdus } from "@cloudfits/core";
 * import { openFileSource } from "@cloudfits/core/file";
 *
 * await using file = await openFileSource("testdata/tess_cube.fits");
 * const { hdus } = await walkHdus(file);
 * const bytes = await encodeIndex([{ path: "tess_cube.fits", size: file.size, hdus }]);
 *
 * const source = countingSource(memorySource(bytes, "cubes.cfidx"));
 * const index = await decodeIndex(source);
 * assert.equal(index.fileCount, 1);
 * const cube = await index.findFile("tess_cube.fits");
 * assert.deepEqual(cube?.hdus.map((hdu) => hdu.dataOffset), [2880, 5760, 34560]);
 * assert.equal(await index.findFile("other.fits"), undefined);
 * assert.equal(source.stats.requests, 1, "a small index is read whole at once");
 *
 * const damaged = bytes.slice();
 * damaged[100] ^= 0xff;
 * await assert.rejects(decodeIndex(damaged), { code: "BAD_INDEX" });
 * ```
 */
export async function decodeIndex(
  input: Uint8Array | ByteSource,
  options: DecodeIndexOptions = {},
): Promise<CloudFitsIndex> {
  const source = input instanceof Uint8Array ? memorySource(input, "index bytes") : input;
  const signal = options.signal;
  let head = await source.read(0, OPEN_READ, { signal });
  const frame = parseIndexFrame(head, source.name, source.size);
  if (frame.openLength > head.length) {
    const rest = await source.read(head.length, frame.openLength - head.length, { signal });
    if (rest.length !== frame.openLength - head.length) {
      throw new CloudFitsError(
        "BAD_INDEX",
        `Cannot open index ${source.name}: truncated at byte ${head.length + rest.length}`,
        { url: source.name },
      );
    }
    const joined = new Uint8Array(frame.openLength);
    joined.set(head);
    joined.set(rest, head.length);
    head = joined;
  }
  return new DecodedIndex({
    source,
    head,
    total: frame.total,
    signal,
    maxBatchBytes: options.maxBatchBytes ?? 8 * 1024 * 1024,
    ...decodeIndexHead(head, frame, source.name),
  });
}

/** Inflated leaf texts kept at once (findFile in the same leaf inflates once). */
const INFLATED_LEAVES_KEPT = 4;
/** Decoded leaves and directory pages kept for lookups; iteration streams past them. */
const LEAVES_KEPT = 64;
const PAGES_KEPT = 16;

interface DecodedIndexInit extends IndexHead {
  source: ByteSource;
  head: Uint8Array;
  total: number;
  signal: AbortSignal | undefined;
  maxBatchBytes: number;
}

/** A leaf's place: its directory entry, its number for messages and the next leaf's first path. */
interface LeafPlace {
  entry: LeafEntry;
  number: number;
  nextKey: Uint8Array | undefined;
}

class DecodedIndex implements CloudFitsIndex {
  readonly dataUrl: string | undefined;
  readonly createdMs: number;
  readonly indexer: string;
  readonly fileCount: number;
  readonly version: string;
  readonly levels: 1 | 2;
  readonly #init: DecodedIndexInit;
  readonly #leaves = new Map<number, Promise<Leaf>>();
  readonly #pages = new Map<number, Promise<LeafEntry[]>>();
  readonly #inflated = new Map<number, Promise<Uint8Array>>();
  readonly #frames: FrameSectionReader;

  constructor(init: DecodedIndexInit) {
    this.#init = init;
    this.dataUrl = init.dataUrl;
    this.createdMs = init.createdMs;
    this.indexer = init.indexer;
    this.fileCount = init.fileCount;
    this.version = init.version;
    this.levels = init.pages ? 2 : 1;
    this.#frames = new FrameSectionReader(
      (offset, length) => this.#readSpan(offset, length),
      init.source.name,
      init.head,
      init.fileCount,
    );
  }

  get leafCount(): number {
    return (this.#init.pages ?? this.#init.leaves).length;
  }

  async *paths(): AsyncIterable<string> {
    for await (const leaf of this.#allLeaves()) for (const record of leaf.records) yield record.summary.path;
  }

  async findFile(path: string): Promise<IndexedFile | undefined> {
    const found = await this.#findRecord(path);
    return found && materialize(found.record, await this.#leafText(found.leaf), this.#init.source.name);
  }

  async findSummary(path: string): Promise<FileSummary | undefined> {
    return (await this.#findRecord(path))?.record.summary;
  }

  findFrames(path: string): Promise<StoredFrameSummary | undefined> {
    return this.#frames.find(path);
  }

  async *files(options: { frames?: boolean } = {}): AsyncIterable<IndexedFile> {
    const frames = options.frames ? this.#frames.blocksInOrder() : undefined;
    for await (const leaf of this.#allLeaves()) {
      const text = await this.#leafText(leaf);
      for (const record of leaf.records) {
        const file = materialize(record, text, this.#init.source.name);
        const block = await frames?.(file.path);
        yield block ? { ...file, frames: block } : file;
      }
    }
  }

  async *summaries(): AsyncIterable<FileSummary> {
    for await (const leaf of this.#allLeaves()) for (const record of leaf.records) yield record.summary;
  }

  /** A leaf's inflated header text; the last few are kept. */
  #leafText(leaf: Leaf): Promise<Uint8Array> {
    return cached(
      this.#inflated,
      leaf.offset,
      INFLATED_LEAVES_KEPT,
      () => inflateLeafText(leaf, this.#init.source.name, leaf.offset),
    );
  }

  async #findRecord(path: string): Promise<{ leaf: Leaf; record: FileRecord } | undefined> {
    const place = await this.#placeOf(path);
    if (!place) return undefined;
    const leaf = await cached(
      this.#leaves,
      place.entry.offset,
      LEAVES_KEPT,
      async () => this.#parseLeaf(place, await this.#readSpan(place.entry.offset, place.entry.length)),
    );
    const record = recordFor(leaf, path);
    return record && { leaf, record };
  }

  /** The leaf that would hold a path: from the DIRECTORY, or from a catalog's ROOT and one page. */
  async #placeOf(path: string): Promise<LeafPlace | undefined> {
    const pages = this.#init.pages;
    if (!pages) return placeIn(this.#init.leaves, leafFor(this.#init.leaves, path), undefined, 0);
    const p = leafFor(pages, path);
    if (p < 0) return undefined;
    const leaves = await this.#page(p);
    return placeIn(leaves, leafFor(leaves, path), pages[p + 1]?.firstKey, 0);
  }

  #page(p: number): Promise<LeafEntry[]> {
    const pages = this.#init.pages!;
    const entry = pages[p];
    return cached(this.#pages, entry.offset, PAGES_KEPT, async () => {
      const bytes = await this.#readSpan(entry.offset, entry.length);
      return decodePage(bytes, entry, pages[p + 1]?.firstKey, this.#init.total, this.#init.source.name);
    });
  }

  /** Every leaf in path order, adjacent ones fetched together (one read per batch), none kept. */
  async *#allLeaves(): AsyncIterable<Leaf> {
    const pages = this.#init.pages;
    if (!pages) {
      yield* this.#leavesOf(this.#init.leaves, undefined, 0);
      return;
    }
    let number = 0;
    for (let p = 0; p < pages.length; p++) {
      const leaves = await this.#page(p);
      yield* this.#leavesOf(leaves, pages[p + 1]?.firstKey, number);
      number += leaves.length;
    }
  }

  async *#leavesOf(
    leaves: readonly LeafEntry[],
    nextKey: Uint8Array | undefined,
    firstNumber: number,
  ): AsyncIterable<Leaf> {
    for (let i = 0; i < leaves.length;) {
      let end = i + 1;
      while (
        end < leaves.length &&
        leaves[end].offset === leaves[end - 1].offset + leaves[end - 1].length &&
        leaves[end].offset + leaves[end].length - leaves[i].offset <= this.#init.maxBatchBytes
      ) end++;
      const start = leaves[i].offset;
      const span = await this.#readSpan(start, leaves[end - 1].offset + leaves[end - 1].length - start);
      for (let j = i; j < end; j++) {
        const place = placeIn(leaves, j, nextKey, firstNumber)!;
        yield this.#parseLeaf(
          place,
          span.subarray(leaves[j].offset - start, leaves[j].offset - start + leaves[j].length),
        );
      }
      i = end;
    }
  }

  async #readSpan(offset: number, length: number): Promise<Uint8Array> {
    const { head, source, signal } = this.#init;
    if (offset + length <= head.length) return head.subarray(offset, offset + length);
    const bytes = await source.read(offset, length, { signal });
    if (bytes.length !== length) {
      throw new CloudFitsError(
        "BAD_INDEX",
        `Cannot read index ${source.name} at offset ${offset}: got ${bytes.length} of ${length} bytes (truncated)`,
        { url: source.name, offset },
      );
    }
    return bytes;
  }

  #parseLeaf(place: LeafPlace, bytes: Uint8Array): Leaf {
    return parseLeaf(
      bytes,
      place.number,
      place.entry,
      place.nextKey,
      this.#init.indexer,
      this.#init.source.name,
    );
  }
}

function placeIn(
  leaves: readonly LeafEntry[],
  i: number,
  nextKey: Uint8Array | undefined,
  firstNumber: number,
): LeafPlace | undefined {
  if (i < 0) return undefined;
  return { entry: leaves[i], number: firstNumber + i, nextKey: leaves[i + 1]?.firstKey ?? nextKey };
}

/** A value from a small cache, computed when absent; the oldest goes beyond `kept`, failures are not kept. */
function cached<T>(
  cache: Map<number, Promise<T>>,
  key: number,
  kept: number,
  make: () => Promise<T>,
): Promise<T> {
  let value = cache.get(key);
  if (!value) {
    value = make();
    cache.set(key, value);
    value.catch(() => cache.delete(key)); // A failed read may be retried.
    if (cache.size > kept) cache.delete(cache.keys().next().value!);
  }
  return value;
}
