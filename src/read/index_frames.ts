/**
 * Reading an index's FRAMES section (TESS cubes' frame summaries) on demand: the table once, then one
 * block per cube asked for. A one-file index's section is read whole in one read.
 *
 * @module
 */
import { CloudFitsError } from "../errors.ts";
import { concatBytes } from "../_bytes.ts";
import { crc32c } from "../index_format/_crc32c.ts";
import { FIXED_HEADER_SIZE, SECTION_ENTRY_SIZE, SectionType } from "../index_format/_layout.ts";
import {
  checkedFrameBlock,
  checkFrameBlock,
  decodeFramesTable,
  framesTableEnd,
  type FrameTableEntry,
  type StoredFrameSummary,
} from "../index_format/frames.ts";

/** The first read of a FRAMES section of a many-file index: the table usually fits. */
const TABLE_READ = 64 * 1024;
/** Blocks read at once when every cube's block is asked for in order. */
const BLOCKS_READ = 1024 * 1024;

/** Where the section lies, from the section table. */
interface SectionEntry {
  offset: number;
  length: number;
  crc: number;
}

/** Finds cubes' frame summaries in one index. */
export class FrameSectionReader {
  readonly #read: (offset: number, length: number) => Promise<Uint8Array>;
  readonly #name: string;
  readonly #section: SectionEntry | undefined;
  readonly #wholeAtOnce: boolean;
  #start: Promise<{ bytes: Uint8Array; table: Map<string, FrameTableEntry> }> | undefined;

  /**
   * @param read Reads exactly `length` bytes of the index at `offset` (or fails `BAD_INDEX`).
   * @param name The index's name, for messages.
   * @param head The index's open region (holds the section table).
   * @param fileCount Files in the index: a one-file index's section is read whole at once.
   */
  constructor(
    read: (offset: number, length: number) => Promise<Uint8Array>,
    name: string,
    head: Uint8Array,
    fileCount: number,
  ) {
    // A section that starts inside the first read is fetched only from where that read ended.
    this.#read = async (offset, length) => {
      if (offset >= head.length || offset + length <= head.length) return await read(offset, length);
      const rest = await read(head.length, offset + length - head.length);
      const out = new Uint8Array(length);
      out.set(head.subarray(offset));
      out.set(rest, head.length - offset);
      return out;
    };
    this.#name = name;
    const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
    const sections = view.getUint32(20, true);
    for (let i = 0; i < sections; i++) {
      const base = FIXED_HEADER_SIZE + i * SECTION_ENTRY_SIZE;
      if (view.getUint16(base, true) !== SectionType.FRAMES) continue;
      this.#section = {
        offset: Number(view.getBigUint64(base + 8, true)),
        length: Number(view.getBigUint64(base + 16, true)),
        crc: view.getUint32(base + 24, true),
      };
    }
    this.#wholeAtOnce = fileCount <= 1;
  }

  /** Whether the index has a FRAMES section at all. */
  get present(): boolean {
    return this.#section !== undefined;
  }

  /**
   * One cube's frame summary.
   *
   * @param path The cube's path in the index.
   * @returns Its summary, or undefined when the index has none for it.
   */
  async find(path: string): Promise<StoredFrameSummary | undefined> {
    const section = this.#section;
    if (!section) return undefined;
    const { bytes, table } = await this.#table(section);
    const entry = table.get(path);
    if (!entry) return undefined;
    const block = entry.offset + entry.length <= bytes.length
      ? bytes.subarray(entry.offset, entry.offset + entry.length)
      : await this.#read(section.offset + entry.offset, entry.length);
    return await checkedFrameBlock(block, entry, this.#name, section.offset + entry.offset);
  }

  /**
   * The stored blocks of the cubes, asked for in path order, for rewriting the index (merges,
   * incremental runs): read forward about 1 MiB at a time, so that one read is held, and each checked
   * against its CRC-32C (not decoded).
   *
   * @returns A lookup to call with ascending paths: a cube's block, or undefined for another file.
   */
  blocksInOrder(): (path: string) => Promise<Uint8Array | undefined> {
    let window: { start: number; bytes: Uint8Array } = { start: 0, bytes: new Uint8Array(0) };
    return async (path) => {
      const section = this.#section;
      if (!section) return undefined;
      const { bytes, table } = await this.#table(section);
      const entry = table.get(path);
      if (!entry) return undefined;
      const end = entry.offset + entry.length;
      if (end > bytes.length && (entry.offset < window.start || end > window.start + window.bytes.length)) {
        const length = Math.min(section.length - entry.offset, Math.max(entry.length, BLOCKS_READ));
        window = { start: entry.offset, bytes: await this.#read(section.offset + entry.offset, length) };
      }
      const block = end <= bytes.length
        ? bytes.subarray(entry.offset, end)
        : window.bytes.subarray(entry.offset - window.start, end - window.start);
      return checkFrameBlock(block, entry, this.#name, section.offset + entry.offset);
    };
  }

  #table(section: SectionEntry) {
    this.#start ??= (async () => {
      const first = this.#wholeAtOnce ? section.length : Math.min(section.length, TABLE_READ);
      let bytes = await this.#read(section.offset, first);
      if (first === section.length) this.#checkSection(bytes, section);
      const end = framesTableEnd(bytes, section.length, this.#name, section.offset);
      if (end > bytes.length) {
        bytes = concatBytes([bytes, await this.#read(section.offset + bytes.length, end - bytes.length)]);
      }
      return { bytes, table: decodeFramesTable(bytes, section.length, this.#name, section.offset) };
    })();
    this.#start.catch(() => this.#start = undefined); // A failed read may be retried.
    return this.#start;
  }

  #checkSection(bytes: Uint8Array, section: SectionEntry): void {
    if (crc32c(bytes) !== section.crc) {
      throw new CloudFitsError(
        "BAD_INDEX",
        `Cannot read index ${this.#name}: the FRAMES section fails its CRC-32C`,
        { url: this.#name, offset: section.offset },
      );
    }
  }
}
