/**
 * The sky directory of an index (sections SKY 6 and SKY_CELLS 7, optional): for every HDU with a
 * celestial WCS, its footprint filed under the HEALPix cells its bounding cone touches, with the WCS
 * itself, so that "which files cover RA/Dec, at which pixel" is answered from the index alone. SKY is
 * the root (≤ 768 blocks, ≈ 10 KiB); SKY_CELLS holds, per block (an order-3 cell), deflated pages
 * of entries in key order and the block's node: the footprints filed at the block's own cell and the
 * list of its pages. A point lookup reads the root, one node and one page per finer filing class.
 * Decoding: `sky_decode.ts`. See docs/index-format.md.
 *
 * @module
 */

import { crc32c, crc32cCombine } from "./_crc32c.ts";
import { deflateRaw } from "./_deflate.ts";
import { compareBytes, type SectionPayload, SectionType, type StreamedSection } from "./_layout.ts";
import { type RunCodec, SortedRuns } from "./_sorted_runs.ts";
import type { SpoolFile } from "../_bytes.ts";
import { writePathKey } from "./_path_keys.ts";
import { ByteWriter } from "./_varint.ts";
import { cellsInCone, MAX_ORDER, orderForRadius } from "./healpix.ts";

/** One HDU's footprint as the sky directory keeps it. */
export interface FootprintRecord {
  /** The file's path in the index. */
  path: string;
  /** The HDU (0-based; a TESS cube's footprint belongs to HDU 1). */
  hdu: number;
  /** The WCS keywords, as `KEYWORD=value` lines (see `src/sky/footprint.ts`). */
  keywords: string;
  /** Pixels along the longitude axis. */
  width: number;
  /** Pixels along the latitude axis. */
  height: number;
  /** Outline on the sky, (RA, Dec) degrees. */
  polygon: [number, number][];
  /** Bounding cone centre RA, degrees. */
  ra: number;
  /** Bounding cone centre Dec, degrees. */
  dec: number;
  /** Bounding cone radius, degrees. */
  radius: number;
}

/** Version 2 files by blocks (see the module doc); version 1 (one key range per order) is read for merges only. */
export const SKY_VERSION = 2;
/** Raw bytes of entries gathered before a page is deflated; a page stays under `PAGE_LIMIT` stored. */
const RAW_PAGE_TARGET = 192 * 1024;
/** Stored bytes a page stays under. */
export const PAGE_LIMIT = 60 * 1024;
/** A block's own entries are kept in its node when they deflate to at most this (else: pages). */
const INLINE_LIMIT = 48 * 1024;
/** Filing classes: orders below this are kept; from it on, every fourth order (3, 7, 11). */
export const BLOCK_ORDER = 3;
const UTF8 = new TextEncoder();

/**
 * The order a footprint is filed at: the finest order whose cells are as large as its cone, rounded
 * down to a class (orders 0, 1, 2, then 3, 7, 11), so that a mix of sizes files at few orders.
 *
 * @param radius The footprint's bounding cone radius, degrees.
 * @returns The filing order.
 */
export function fileOrder(radius: number): number {
  const order = orderForRadius(radius);
  return order < BLOCK_ORDER ? order : order - (order - BLOCK_ORDER) % 4;
}

/**
 * A cell's key: its block (the cell of `blockOrder` holding it) first, then a NUNIQ-like number
 * within the block (4^(order − blockOrder) + the cell's index inside the block), so that every order's
 * entries of a block lie together and the block's own cell comes first.
 *
 * @param blockOrder The directory's block order.
 * @param order The cell's order (≥ blockOrder).
 * @param cell The cell, nested numbering.
 * @returns The key (below 12 × 4^14).
 */
export function cellKey(blockOrder: number, order: number, cell: number): number {
  const scale = 4 ** (order - blockOrder);
  const block = Math.floor(cell / scale);
  return block * blockSpan(blockOrder) + scale + (cell - block * scale);
}

/** Keys per block: the block's keys are [block × span, (block + 1) × span). */
export function blockSpan(blockOrder: number): number {
  return 4 ** (MAX_ORDER + 1 - blockOrder);
}

interface Entry {
  key: number;
  path: Uint8Array;
  hdu: number;
  /** The footprint's number in the directory: a page writes a footprint filed under several of its cells once. */
  id: number;
  body: Uint8Array;
}

/** A child of a node: the first key under it and where it lies in SKY_CELLS. */
export interface SkyChild {
  /** First cell key of the page (for the root's children: the block). */
  firstKey: number;
  /** Offset from the start of SKY_CELLS. */
  offset: number;
  /** Stored length. */
  length: number;
  /** CRC-32C of the stored bytes. */
  crc: number;
}

/** The decoded SKY root. */
export interface SkyRoot {
  /** 2; 1 for a directory written before blocks (readable whole, not searchable). */
  version: number;
  /** HDU footprints filed. */
  records: number;
  /** Orders some footprint is filed at, ascending. */
  orders: number[];
  /** Version 2: the order of the blocks. */
  blockOrder: number;
  /** Version 1: node levels between the root and the pages. */
  depth: number;
  /** Version 2: the blocks' nodes, by block number; version 1: the root's children. */
  children: SkyChild[];
}

/** A block's node: its own cell's entries (a page, maybe empty) and the pages of its finer cells. */
export interface SkyBlock {
  /** The stored page of the block's own cell's entries (empty when none, or when they are in pages). */
  inline: Uint8Array;
  /** The block's pages, by first key. */
  pages: SkyChild[];
}

interface Pending {
  order: number;
  cell: number;
  path: Uint8Array;
  hdu: number;
  id: number;
  body: Uint8Array;
}

/** Pending entries spilled to a run: order, cell, HDU, footprint number, path, body. */
const PENDING_CODEC: RunCodec<Pending> = {
  write(writer, entry) {
    writer.varint(entry.order);
    writer.varint(entry.cell);
    writer.varint(entry.hdu);
    writer.varint(entry.id);
    writer.varint(entry.path.length);
    writer.bytes(entry.path);
    writer.bytes(entry.body);
  },
  read(reader) {
    const [order, cell, hdu, id] = [reader.varint(), reader.varint(), reader.varint(), reader.varint()];
    const path = reader.bytes(reader.varint());
    return { order, cell, hdu, id, path, body: reader.bytes(reader.remaining) };
  },
  // A body filed under several cells is held once but spilled with each.
  size: (entry) => entry.path.length + entry.body.length + 64,
};

/** Options of {@linkcode SkyDirectoryBuilder}. */
export interface SkyDirectoryOptions {
  /** Opens temporary storage for the spilled entries and the cells (default: memory). */
  spool?: () => Promise<SpoolFile>;
  /** Bytes of entries held before they are sorted and spilled as a run (default 32 MiB). */
  spillBytes?: number;
}

/** Entries held before a spill. */
const SPILL_BYTES = 32 * 1024 * 1024;

/**
 * Collects footprints one HDU at a time (as the indexer streams them) and encodes the two sections at
 * the end: each footprint is filed at the order {@linkcode fileOrder} picks, under every cell of that
 * order its cone may touch; entries are sorted by (block, cell, path, HDU) in runs of a bounded size
 * spilled to temporary storage, and merged in `finish`, which writes SKY_CELLS to that storage a page
 * at a time. Memory: the held entries, one page's entries (more only when one cell holds more), the
 * root and one block's list of pages.
 */

/**
 * Where a footprint is filed: the HEALPix order its radius picks, and the cells of that order its cone
 * touches (the reader keeps a footprint met under several cells once, at the first).
 *
 * @param record The footprint.
 * @returns The order and the cells.
 */
export function filedCells(record: FootprintRecord): { order: number; cells: number[] } {
  const order = fileOrder(record.radius);
  return { order, cells: cellsInCone(order, record.ra, record.dec, record.radius) };
}

export class SkyDirectoryBuilder {
  readonly #runs: SortedRuns<Pending>;
  readonly #orderings = new Map<number, (a: Pending, b: Pending) => number>();
  #records = 0;
  #orders = 0;

  /** @param options Temporary storage and the spill budget. */
  constructor(options: SkyDirectoryOptions = {}) {
    this.#runs = new SortedRuns(PENDING_CODEC, options.spillBytes ?? SPILL_BYTES, options.spool);
  }

  /** Runs spilled so far. */
  get spilledRuns(): number {
    return this.#runs.runs;
  }

  /** File one HDU's footprint. */
  async add(record: FootprintRecord): Promise<void> {
    const { order, cells } = filedCells(record);
    this.#orders |= 1 << order;
    const id = this.#records++;
    const path = UTF8.encode(record.path);
    const body = encodeBody(record);
    // Sorted for the block order known so far; `finish` sorts again a run sorted for another.
    const ordering = this.#ordering(this.#blockOrder());
    for (const cell of cells) {
      await this.#runs.add({ order, cell, path, hdu: record.hdu, id, body }, ordering);
    }
  }

  /** Blocks no finer than the coarsest order filed, so that every entry lies in one block. */
  #blockOrder(): number {
    const lowest = this.#orders === 0 ? BLOCK_ORDER : Math.log2(this.#orders & -this.#orders);
    return Math.min(BLOCK_ORDER, lowest);
  }

  #ordering(blockOrder: number): (a: Pending, b: Pending) => number {
    let ordering = this.#orderings.get(blockOrder);
    if (!ordering) {
      const key = (entry: Pending) => cellKey(blockOrder, entry.order, entry.cell);
      ordering = (a, b) => key(a) - key(b) || compareBytes(a.path, b.path) || a.hdu - b.hdu;
      this.#orderings.set(blockOrder, ordering);
    }
    return ordering;
  }

  /** The SKY and SKY_CELLS sections (always written, so an index without footprints says so). */
  async finish(): Promise<[SectionPayload, StreamedSection]> {
    const blockOrder = this.#blockOrder();
    const span = blockSpan(blockOrder);
    const entries = await this.#runs.sorted(this.#ordering(blockOrder));
    // After any run sorted again: the cells follow everything spilled.
    const cellsStart = this.#runs.spooled;
    let crc = 0;
    const place = async (bytes: Uint8Array, firstKey: number): Promise<SkyChild> => {
      const offset = await this.#runs.append(bytes) - cellsStart;
      const own = crc32c(bytes);
      crc = crc32cCombine(crc, own, bytes.length);
      return { firstKey, offset, length: bytes.length, crc: own };
    };
    const blocks: SkyChild[] = [];
    let block: BlockWriter | undefined;
    for await (const { order, cell, path, hdu, id, body } of entries) {
      const key = cellKey(blockOrder, order, cell);
      const number = Math.floor(key / span);
      if (block?.number !== number) {
        if (block) blocks.push(await block.finish());
        block = new BlockWriter(number, span, place);
      }
      await block.add({ key, path, hdu, id, body });
    }
    if (block) blocks.push(await block.finish());
    const root = new ByteWriter();
    root.varint(SKY_VERSION);
    root.varint(this.#records);
    root.varint(this.#orders);
    root.varint(blockOrder);
    root.bytes(encodeNode(blocks));
    const cellsEnd = this.#runs.spooled;
    // Nothing spilled or placed (no footprints): no temporary storage to open for an empty section.
    const spool = cellsEnd === cellsStart ? undefined : await this.#runs.spool();
    return [
      { type: SectionType.SKY, flags: 0, bytes: root.finish() },
      {
        type: SectionType.SKY_CELLS,
        flags: 0,
        length: cellsEnd - cellsStart,
        crc,
        chunks: async function* () {
          if (spool) yield* spool.read(cellsEnd, cellsStart);
        },
      },
    ];
  }

  /** Free the temporary storage (after the index is written). */
  async close(): Promise<void> {
    await this.#runs.close();
  }
}

/**
 * One block's entries, in key order: the block's own cell's entries are kept in its node when they
 * make one small page, and every other entry goes to pages cut at about `RAW_PAGE_TARGET` raw bytes,
 * never inside a key; the pages, then the node, are placed as they are done.
 */
class BlockWriter {
  readonly number: number;
  readonly #ownKey: number;
  readonly #place: (bytes: Uint8Array, firstKey: number) => Promise<SkyChild>;
  #own: Entry[] | undefined = [];
  #inline: Uint8Array = new Uint8Array(0);
  readonly #pages: SkyChild[] = [];
  #page: Entry[] = [];
  #raw = 0;
  #seen = new Set<number>();

  constructor(
    number: number,
    span: number,
    place: (bytes: Uint8Array, firstKey: number) => Promise<SkyChild>,
  ) {
    this.number = number;
    this.#ownKey = number * span + 1;
    this.#place = place;
  }

  async add(entry: Entry): Promise<void> {
    if (this.#own && entry.key === this.#ownKey) return void this.#own.push(entry);
    await this.#settleOwn();
    await this.#paged(entry);
  }

  /** Once the block's own entries are all in: inline them, or page them with the rest. */
  async #settleOwn(): Promise<void> {
    const own = this.#own;
    if (!own) return;
    this.#own = undefined;
    if (own.length > 0) {
      const [page, ...more] = await encodePages(own);
      if (more.length === 0 && page.bytes.length <= INLINE_LIMIT) return void (this.#inline = page.bytes);
    }
    for (const entry of own) await this.#paged(entry);
  }

  async #paged(entry: Entry): Promise<void> {
    const last = this.#page.at(-1);
    if (last && this.#raw >= RAW_PAGE_TARGET && entry.key !== last.key) await this.#cut();
    this.#raw += this.#seen.has(entry.id) ? 4 : entry.body.length + entry.path.length + 8;
    this.#seen.add(entry.id);
    this.#page.push(entry);
  }

  async #cut(): Promise<void> {
    for (const page of await encodePages(this.#page)) {
      this.#pages.push(await this.#place(page.bytes, page.key));
    }
    this.#page = [];
    this.#raw = 0;
    this.#seen = new Set();
  }

  /** Place the last page and the node; the root's child for the block. */
  async finish(): Promise<SkyChild> {
    await this.#settleOwn();
    if (this.#page.length > 0) await this.#cut();
    const node = new ByteWriter();
    node.varint(this.#inline.length);
    node.bytes(this.#inline);
    node.bytes(encodeNode(this.#pages));
    return await this.#place(node.finish(), this.number);
  }
}

/** Where to halve entries: the key boundary nearest the middle (the middle when all share a key). */
function splitPoint(entries: readonly Entry[]): number {
  const half = entries.length >> 1;
  const boundary = (i: number) => i > 0 && i < entries.length && entries[i].key !== entries[i - 1].key;
  for (let d = 0; d < half; d++) {
    if (boundary(half - d)) return half - d;
    if (boundary(half + d)) return half + d;
  }
  return half;
}

function encodeBody(record: FootprintRecord): Uint8Array {
  const writer = new ByteWriter();
  writer.varint(record.width);
  writer.varint(record.height);
  writer.f64(record.ra);
  writer.f64(record.dec);
  writer.f64(record.radius);
  writer.varint(record.polygon.length);
  for (const [ra, dec] of record.polygon) {
    writer.f64(ra);
    writer.f64(dec);
  }
  writer.string(record.keywords);
  return writer.finish();
}

/** Deflate entries as one page, halving (at key boundaries) until each page is under the limit. */
async function encodePages(entries: Entry[]): Promise<{ key: number; bytes: Uint8Array }[]> {
  const writer = new ByteWriter();
  writer.varint(entries.length);
  let key = 0;
  let path: Uint8Array = new Uint8Array(0);
  // A footprint filed under several cells of the page is written once, then referred to.
  const written = new Map<number, number>();
  for (const entry of entries) {
    writer.varint(entry.key - key);
    key = entry.key;
    const ref = written.get(entry.id);
    writer.varint(ref ?? 0);
    if (ref !== undefined) continue;
    written.set(entry.id, written.size + 1);
    writePathKey(writer, path, entry.path);
    writer.varint(entry.hdu);
    writer.bytes(entry.body);
    path = entry.path;
  }
  const raw = writer.finish();
  const bytes = await deflateRaw(raw);
  if (bytes.length <= PAGE_LIMIT || entries.length === 1) {
    const length = new ByteWriter();
    length.varint(raw.length);
    const page = length.finish();
    const out = new Uint8Array(page.length + bytes.length);
    out.set(page);
    out.set(bytes, page.length);
    return [{ key: entries[0].key, bytes: out }];
  }
  const half = splitPoint(entries);
  return [...await encodePages(entries.slice(0, half)), ...await encodePages(entries.slice(half))];
}

function encodeNode(children: readonly SkyChild[]): Uint8Array {
  const writer = new ByteWriter();
  writer.varint(children.length);
  let key = 0;
  for (const child of children) {
    writer.varint(child.firstKey - key);
    writer.varint(child.offset);
    writer.varint(child.length);
    writer.u32(child.crc);
    key = child.firstKey;
  }
  return writer.finish();
}
