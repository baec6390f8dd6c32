/**
 * Open a cloudfits index over a byte source: one read for its open region (the first 16 KiB, or more
 * when the writer let it grow), then one read per leaf of file records, on demand and cached.
 *
 * @module
 */
import { CloudFitsError } from "../errors.ts";
import { decodeIndexHead, type IndexHead, leafFor, parseIndexFrame } from "../index_format/decode.ts";
import {
  type FileRecord,
  inflateLeafText,
  type Leaf,
  parseLeaf,
  recordFor,
} from "../index_format/decode_leaf.ts";
import { materialize } from "../index_format/materialize.ts";
import { FIRST_READ } from "../index_format/_layout.ts";
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
  /** Number of leaves (blocks of file records). */
  readonly leafCount: number;
  /** Format version as `major.minor`. */
  readonly version: string;
  /** Every path, in UTF-8 byte order (loads leaves as it goes). */
  paths(): AsyncIterable<string>;
  /** One file with rebuilt headers, or undefined when absent. Costs at most one read (its leaf). */
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
 * Open a cloudfits index. Reads the first 16,384 bytes in one read (one more only when the writer let
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
  let head = await source.read(0, FIRST_READ, { signal });
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
    signal,
    maxBatchBytes: options.maxBatchBytes ?? 8 * 1024 * 1024,
    ...decodeIndexHead(head, frame, source.name),
  });
}

/** Inflated leaf texts kept at once (findFile in the same leaf inflates once). */
const INFLATED_LEAVES_KEPT = 4;

interface DecodedIndexInit extends IndexHead {
  source: ByteSource;
  head: Uint8Array;
  signal: AbortSignal | undefined;
  maxBatchBytes: number;
}

class DecodedIndex implements CloudFitsIndex {
  readonly dataUrl: string | undefined;
  readonly createdMs: number;
  readonly indexer: string;
  readonly fileCount: number;
  readonly version: string;
  readonly #init: DecodedIndexInit;
  readonly #leaves = new Map<number, Promise<Leaf>>();
  readonly #inflated = new Map<number, Promise<Uint8Array>>();
  readonly #frames: FrameSectionReader;

  constructor(init: DecodedIndexInit) {
    this.#init = init;
    this.dataUrl = init.dataUrl;
    this.createdMs = init.createdMs;
    this.indexer = init.indexer;
    this.fileCount = init.fileCount;
    this.version = init.version;
    this.#frames = new FrameSectionReader(
      (offset, length) => this.#readSpan(offset, length),
      init.source.name,
      init.head,
      init.fileCount,
    );
  }

  get leafCount(): number {
    return this.#init.leaves.length;
  }

  async *paths(): AsyncIterable<string> {
    for (let i = 0; i < this.#init.leaves.length; i++) {
      for (const record of (await this.#leafForIteration(i)).records) yield record.summary.path;
    }
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
    const frames = options.frames ? await this.#frames.blocks() : undefined;
    for (let i = 0; i < this.#init.leaves.length; i++) {
      const leaf = await this.#leafForIteration(i);
      const text = await this.#leafText(leaf);
      for (const record of leaf.records) {
        const file = materialize(record, text, this.#init.source.name);
        const block = frames?.get(file.path);
        yield block ? { ...file, frames: block } : file;
      }
    }
  }

  async *summaries(): AsyncIterable<FileSummary> {
    for (let i = 0; i < this.#init.leaves.length; i++) {
      for (const record of (await this.#leafForIteration(i)).records) yield record.summary;
    }
  }

  /** A leaf's inflated header text; the last few are kept. */
  #leafText(leaf: Leaf): Promise<Uint8Array> {
    let text = this.#inflated.get(leaf.index);
    if (!text) {
      text = inflateLeafText(leaf, this.#init.source.name, this.#init.leaves[leaf.index].offset);
      this.#inflated.set(leaf.index, text);
      if (this.#inflated.size > INFLATED_LEAVES_KEPT) {
        this.#inflated.delete(this.#inflated.keys().next().value!);
      }
    }
    return text;
  }

  async #findRecord(path: string): Promise<{ leaf: Leaf; record: FileRecord } | undefined> {
    const found = leafFor(this.#init.leaves, path);
    if (found < 0) return undefined;
    const leaf = await this.#leaf(found);
    const record = recordFor(leaf, path);
    return record && { leaf, record };
  }

  #leaf(i: number): Promise<Leaf> {
    let leaf = this.#leaves.get(i);
    if (!leaf) {
      const entry = this.#init.leaves[i];
      leaf = this.#readSpan(entry.offset, entry.length).then((bytes) => this.#parseLeaf(i, bytes));
      this.#leaves.set(i, leaf);
      leaf.catch(() => this.#leaves.delete(i)); // A failed read may be retried.
    }
    return leaf;
  }

  /** Load leaf `i`, fetching it together with the uncached leaves that follow it (one read per batch). */
  #leafForIteration(i: number): Promise<Leaf> {
    const cached = this.#leaves.get(i);
    if (cached) return cached;
    const leaves = this.#init.leaves;
    let end = i + 1;
    while (
      end < leaves.length && !this.#leaves.has(end) &&
      leaves[end].offset === leaves[end - 1].offset + leaves[end - 1].length &&
      leaves[end].offset + leaves[end].length - leaves[i].offset <= this.#init.maxBatchBytes
    ) end++;
    if (end === i + 1) return this.#leaf(i);
    const start = leaves[i].offset;
    const span = this.#readSpan(start, leaves[end - 1].offset + leaves[end - 1].length - start);
    for (let j = i; j < end; j++) {
      const entry = leaves[j];
      const leaf = span.then((bytes) =>
        this.#parseLeaf(j, bytes.subarray(entry.offset - start, entry.offset - start + entry.length))
      );
      this.#leaves.set(j, leaf);
      leaf.catch(() => this.#leaves.delete(j));
    }
    return this.#leaves.get(i)!;
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

  #parseLeaf(i: number, bytes: Uint8Array): Leaf {
    return parseLeaf(bytes, i, this.#init.leaves, this.#init.indexer, this.#init.source.name);
  }
}
