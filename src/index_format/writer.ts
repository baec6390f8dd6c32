/**
 * Write a cloudfits index as its files come, in path order, with memory bounded by one leaf: each
 * file's record is encoded when added, each leaf compressed and spooled when full, and the directory
 * (one DIRECTORY, or ROOT and PAGES for a catalog) placed around the spooled leaves at the end.
 *
 * @module
 */

import { crc32c, crc32cCombine } from "./_crc32c.ts";
import { deflateRaw } from "./_deflate.ts";
import { layoutIndex, type LeafDescriptor } from "./_assemble.ts";
import {
  CATALOG_READ,
  compareBytes,
  RequiredFeature,
  type SectionPayload,
  type StreamedSection,
} from "./_layout.ts";
import { writePathKey } from "./_path_keys.ts";
import { ByteWriter } from "./_varint.ts";
import { checkDataUrl, checkPath, type EncodedFile, encodeFileRecord } from "./encode_record.ts";
import { framesSection, type FrameTableRow } from "./frames.ts";
import { shardSection } from "./shard.ts";
import { type FootprintRecord, SkyDirectoryBuilder, type SkyDirectoryOptions } from "./sky_cells.ts";
import type { EncodeIndexOptions, IndexedFile } from "./types.ts";
import { checkedSpool, concatBytes, memorySpool, type SpoolFile } from "../_bytes.ts";

/**
 * Sees every file in path order and adds sections after the leaves: the place for per-file data that
 * lives outside the file records (sky footprints, frame times).
 */
export interface IndexSectionSink {
  /** One file, in path order. */
  add(file: IndexedFile): void | Promise<void>;
  /**
   * The sections for the files seen so far, asked at every checkpoint (`final` false) and at the end
   * (`final` true). Streamed sections come after every held one.
   */
  sections(
    final: boolean,
  ): readonly (SectionPayload | StreamedSection)[] | Promise<readonly (SectionPayload | StreamedSection)[]>;
  /** Free temporary storage (after the index is written). */
  close?(): Promise<void>;
}

/**
 * The FRAMES section: each TESS cube's stored frame summary (`IndexedFile.frames`), in every index
 * and checkpoint. The blocks (≈15 B per frame, ≈55 KB per TESS cube) go to temporary storage as
 * they come, in path order, which is the section's order; only the table (path, length, CRC-32C per
 * cube) and the blocks' running CRC-32C are held, so a checkpoint reads none of them back.
 */
class FramesSink implements IndexSectionSink {
  readonly #open: () => Promise<SpoolFile>;
  readonly #table: FrameTableRow[] = [];
  #spool: SpoolFile | undefined;
  #crc = 0;

  constructor(open: () => Promise<SpoolFile>) {
    this.#open = open;
  }

  async add(file: IndexedFile): Promise<void> {
    if (!file.frames) return;
    this.#spool ??= checkedSpool(await this.#open());
    await this.#spool.append(file.frames);
    const crc = crc32c(file.frames);
    this.#crc = crc32cCombine(this.#crc, crc, file.frames.length);
    this.#table.push({ path: file.path, length: file.frames.length, crc });
  }

  sections(): StreamedSection[] {
    const spool = this.#spool;
    if (!spool) return [];
    // A checkpoint's section ends where the blocks end now, whatever is appended while it is written.
    const end = spool.size;
    return [framesSection(this.#table, () => spool.read(end), this.#crc)];
  }

  async close(): Promise<void> {
    await this.#spool?.close();
  }
}

/**
 * The sky directory (sections SKY and SKY_CELLS) of the footprints given to it, written in the
 * finished index only (a checkpoint's records give their footprints again from their headers). The
 * footprints are sorted in bounded runs spilled to temporary storage (see `SkyDirectoryBuilder`).
 */
export class SkySink implements IndexSectionSink {
  readonly #builder: SkyDirectoryBuilder;

  /** @param options Temporary storage and the spill budget. */
  constructor(options: SkyDirectoryOptions = {}) {
    this.#builder = new SkyDirectoryBuilder(options);
  }

  /** Runs spilled so far. */
  get spilledRuns(): number {
    return this.#builder.spilledRuns;
  }

  /** Nothing: footprints come through {@linkcode SkySink.footprints}. */
  add(): void {}

  /**
   * File footprints, in any order (the directory's order follows from them alone).
   *
   * @param records One footprint per HDU.
   */
  async footprints(records: Iterable<FootprintRecord> | AsyncIterable<FootprintRecord>): Promise<void> {
    for await (const record of records) await this.#builder.add(record);
  }

  /** SKY and SKY_CELLS at the end, nothing at a checkpoint. */
  async sections(final: boolean): Promise<(SectionPayload | StreamedSection)[]> {
    return final ? await this.#builder.finish() : [];
  }

  /** Free the temporary storage. */
  async close(): Promise<void> {
    await this.#builder.close();
  }
}

/**
 * Options of {@linkcode IndexWriter}: those of `encodeIndex` (but footprints: pass a
 * {@linkcode SkySink}), a spool and section sinks.
 */
export interface IndexWriterOptions extends Omit<EncodeIndexOptions, "footprints"> {
  /** Where finished leaves wait (default: memory; the index's size, ~100–200 B per file). */
  spool?: SpoolFile;
  /** Opens temporary storage for the TESS cubes' frame summaries (default: memory). */
  spools?: () => Promise<SpoolFile>;
  /** Sinks adding optional sections after the leaves (and the SHARD section, before FRAMES). */
  sinks?: readonly IndexSectionSink[];
}

/** A finished (or checkpointed) index: its size and its bytes in order. */
export interface WrittenIndex {
  /** Total bytes. */
  size: number;
  /** The bytes, in order, as chunks. */
  chunks(): AsyncIterable<Uint8Array>;
}

/** Leaves are filled to about this (estimated), and split if they compress to more than one read. */
const LEAF_TARGET_BYTES = 56 * 1024;
/** First guess of header text's deflate ratio; each leaf then measures it. */
const INITIAL_TEXT_RATIO = 6;
const UTF8 = new TextEncoder();

interface PendingFile extends EncodedFile {
  key: Uint8Array;
}

/**
 * An index being written: `add` files in strictly increasing path order (UTF-8 bytes), then `finish`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeIndex } from "../read/index.ts";
 * import { IndexWriter } from "./writer.ts";
 * import { concatBytes, memorySpool, type SpoolFile } from "../_bytes.ts";
 *
 * const writer = new IndexWriter({ indexer: "demo", createdMs: 0 });
 * for (const path of ["a.fits", "b.fits"]) await writer.add({ path, size: 0, hdus: [] });
 * await assert.rejects(writer.add({ path: "a.fits", size: 0, hdus: [] }), /path order/);
 * const written = await writer.finish();
 * const index = await decodeIndex(concatBytes(await Array.fromAsync(written.chunks())));
 * assert.deepEqual(await Array.fromAsync(index.paths()), ["a.fits", "b.fits"]);
 * ```
 */
export class IndexWriter {
  readonly #options: IndexWriterOptions;
  readonly #indexer: string;
  readonly #createdMs: number;
  readonly #spool: SpoolFile;
  readonly #sinks: readonly IndexSectionSink[];
  readonly #leaves: LeafDescriptor[] = [];
  #pending: PendingFile[] = [];
  #pendingBytes = 0;
  #textRatio = INITIAL_TEXT_RATIO;
  #previousKey: Uint8Array | undefined;
  #fileCount = 0;
  #gzip = false;
  /** `add`, `snapshot` and `finish` run one at a time, so a snapshot sees whole leaves only. */
  #lock: Promise<unknown> = Promise.resolve();

  /**
   * Start an empty index.
   *
   * @param options Data root, creation time, indexer, header text, shard, spool and sinks.
   * @throws {TypeError} For a data URL with credentials or a query string, or a bad creation time.
   */
  constructor(options: IndexWriterOptions = {}) {
    this.#options = options;
    this.#indexer = options.indexer ?? "cloudfits";
    this.#createdMs = options.createdMs ?? Date.now();
    if (!Number.isSafeInteger(this.#createdMs)) {
      throw new TypeError(`Cannot encode creation time ${this.#createdMs}`);
    }
    if (options.dataUrl !== undefined) checkDataUrl(options.dataUrl);
    this.#spool = options.spool ? checkedSpool(options.spool) : memorySpool();
    this.#sinks = [
      ...options.sinks ?? [],
      new FramesSink(options.spools ?? (() => Promise.resolve(memorySpool()))),
    ];
  }

  /** Files added so far. */
  get fileCount(): number {
    return this.#fileCount;
  }

  /**
   * Files whose records the writer holds (those of the leaf being filled); the others are spooled,
   * so this stays under one leaf's worth however many files are added.
   */
  get heldFiles(): number {
    return this.#pending.length;
  }

  /**
   * Add a file after every file added so far.
   *
   * @param file The file, with the HDUs `walkHdus` produced.
   * @throws {TypeError} For a path out of order, a duplicate or unsafe path, or inconsistent HDUs.
   */
  add(file: IndexedFile): Promise<void> {
    return this.#exclusive(() => this.#add(file));
  }

  async #add(file: IndexedFile): Promise<void> {
    checkPath(file.path);
    const key = UTF8.encode(file.path);
    if (this.#previousKey !== undefined) {
      const order = compareBytes(this.#previousKey, key);
      if (order === 0) throw new TypeError(`Cannot index '${file.path}' twice`);
      if (order > 0) throw new TypeError(`Cannot add '${file.path}': files come in path order`);
    }
    const record = await encodeFileRecord(file, this.#indexer, this.#options.headerText ?? true);
    for (const sink of this.#sinks) await sink.add(file);
    this.#previousKey = key;
    this.#fileCount++;
    if (file.gzip) this.#gzip = true;
    if (this.#pendingBytes >= LEAF_TARGET_BYTES) await this.#flush();
    this.#pending.push({ ...record, key });
    this.#pendingBytes += record.body.length + key.length + record.text.length / this.#textRatio;
  }

  /** The index of the files added so far, leaving the writer open (a checkpoint). */
  snapshot(): Promise<WrittenIndex> {
    return this.#exclusive(async () => {
      const last = this.#pending.length > 0 ? await encodeLeaves(this.#pending) : [];
      return await this.#place(last.map((leaf) => leaf.bytes), last.map((leaf) => leaf.descriptor), false);
    });
  }

  /** Flush the last leaf and place the directory: the finished index. */
  finish(): Promise<WrittenIndex> {
    return this.#exclusive(async () => {
      await this.#flush();
      return await this.#place([], [], true);
    });
  }

  #exclusive<T>(job: () => Promise<T>): Promise<T> {
    const run = this.#lock.then(job);
    this.#lock = run.catch(() => {});
    return run;
  }

  /** Free the spool and the sinks' temporary storage. */
  async close(): Promise<void> {
    await Promise.all([this.#spool.close(), ...this.#sinks.map((sink) => sink.close?.())]);
  }

  async #flush(): Promise<void> {
    if (this.#pending.length === 0) return;
    const leaves = await encodeLeaves(this.#pending);
    const text = this.#pending.reduce((sum, file) => sum + file.text.length, 0);
    const deflated = leaves.reduce((sum, leaf) => sum + leaf.deflatedText, 0);
    if (text > 0 && deflated > 0) this.#textRatio = Math.max(1, text / deflated);
    this.#pending = [];
    this.#pendingBytes = 0;
    for (const leaf of leaves) {
      await this.#spool.append(leaf.bytes);
      this.#leaves.push(leaf.descriptor);
    }
  }

  async #place(
    extraLeaves: Uint8Array[],
    extraDescriptors: LeafDescriptor[],
    final: boolean,
  ): Promise<WrittenIndex> {
    const meta = new ByteWriter();
    meta.varint(this.#options.dataUrl === undefined ? 0 : 1);
    if (this.#options.dataUrl !== undefined) meta.string(this.#options.dataUrl);
    meta.string(this.#indexer);
    const extraSections: (SectionPayload | StreamedSection)[] = this.#options.shard
      ? [shardSection(this.#options.shard)]
      : [];
    for (const sink of this.#sinks) extraSections.push(...await sink.sections(final));
    const layout = layoutIndex({
      createdMs: this.#createdMs,
      requiredFlags: this.#gzip ? RequiredFeature.GZIP : 0,
      optionalFlags: 0,
      meta: meta.finish(),
      leaves: [...this.#leaves, ...extraDescriptors],
      fileCount: this.#fileCount,
      extraSections,
    });
    const spool = this.#spool;
    const spooled = spool.size;
    return {
      size: layout.total,
      async *chunks() {
        yield layout.head;
        yield* spool.read(spooled);
        yield* extraLeaves;
        if (layout.tail.length > 0) yield layout.tail;
        for (const section of layout.streamed) yield* section.chunks();
      },
    };
  }
}

/**
 * Collect a written index into one array.
 *
 * @param written The index.
 * @returns Its bytes.
 */
export async function collectIndex(written: WrittenIndex): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of written.chunks()) chunks.push(chunk);
  return concatBytes(chunks);
}

interface EncodedLeaf {
  bytes: Uint8Array;
  descriptor: LeafDescriptor;
  deflatedText: number;
}

/** Encode files as one leaf, or as halves (recursively) when it would exceed one catalog read. */
async function encodeLeaves(files: readonly PendingFile[]): Promise<EncodedLeaf[]> {
  const leaf = await encodeLeaf(files);
  if (leaf.bytes.length <= CATALOG_READ || files.length === 1) return [leaf];
  const half = files.length >> 1;
  return [...await encodeLeaves(files.slice(0, half)), ...await encodeLeaves(files.slice(half))];
}

/** One leaf: file count, inflated text length, file records, then one deflate-raw stream of their text. */
async function encodeLeaf(files: readonly PendingFile[]): Promise<EncodedLeaf> {
  const text = concatBytes(files.map((file) => file.text));
  const writer = new ByteWriter();
  writer.varint(files.length);
  writer.varint(text.length);
  for (let i = 0; i < files.length; i++) {
    writePathKey(writer, i === 0 ? new Uint8Array(0) : files[i - 1].key, files[i].key);
    writer.bytes(files[i].body);
  }
  const deflated = text.length > 0 ? await deflateRaw(text) : new Uint8Array(0);
  writer.bytes(deflated);
  const bytes = writer.finish();
  return {
    bytes,
    descriptor: { firstKey: files[0].key, fileCount: files.length, length: bytes.length, crc: crc32c(bytes) },
    deflatedText: deflated.length,
  };
}
