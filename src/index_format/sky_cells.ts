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

import { crc32c } from "./_crc32c.ts";
import { deflateRaw } from "./_deflate.ts";
import { compareBytes, type SectionPayload, SectionType } from "./_layout.ts";
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
  body: Uint8Array;
}

/**
 * Collects footprints one HDU at a time (as the indexer streams them) and encodes the two sections at
 * the end: each footprint is filed at the order {@linkcode fileOrder} picks, under every cell of that
 * order its cone may touch; entries are keyed and sorted by (block, cell, path, HDU) only in `finish`.
 */
export class SkyDirectoryBuilder {
  readonly #pending: Pending[] = [];
  #records = 0;
  #orders = 0;

  /** File one HDU's footprint. */
  add(record: FootprintRecord): void {
    const order = fileOrder(record.radius);
    this.#orders |= 1 << order;
    this.#records++;
    const path = UTF8.encode(record.path);
    const body = encodeBody(record);
    for (const cell of cellsInCone(order, record.ra, record.dec, record.radius)) {
      this.#pending.push({ order, cell, path, hdu: record.hdu, body });
    }
  }

  /** The SKY and SKY_CELLS sections (always written, so an index without footprints says so). */
  async finish(): Promise<SectionPayload[]> {
    // Blocks no finer than the coarsest order filed, so that every entry lies in one block.
    const lowest = this.#orders === 0 ? BLOCK_ORDER : Math.log2(this.#orders & -this.#orders);
    const blockOrder = Math.min(BLOCK_ORDER, lowest);
    const span = blockSpan(blockOrder);
    const entries: Entry[] = this.#pending.map(({ order, cell, path, hdu, body }) => ({
      key: cellKey(blockOrder, order, cell),
      path,
      hdu,
      body,
    }));
    this.#pending.length = 0;
    entries.sort((a, b) => a.key - b.key || compareBytes(a.path, b.path) || a.hdu - b.hdu);
    const stored: Uint8Array[] = [];
    let at = 0;
    const place = (bytes: Uint8Array, firstKey: number): SkyChild => {
      stored.push(bytes);
      const child = { firstKey, offset: at, length: bytes.length, crc: crc32c(bytes) };
      at += bytes.length;
      return child;
    };
    const blocks: SkyChild[] = [];
    for (let start = 0; start < entries.length;) {
      const block = Math.floor(entries[start].key / span);
      let end = start;
      while (end < entries.length && entries[end].key < (block + 1) * span) end++;
      let own = start;
      while (own < end && entries[own].key === block * span + 1) own++;
      let inline: Uint8Array = new Uint8Array(0);
      let rest = start;
      if (own > start) {
        const [page, ...more] = await encodePages(entries.slice(start, own));
        if (more.length === 0 && page.bytes.length <= INLINE_LIMIT) [inline, rest] = [page.bytes, own];
      }
      const pages = (await pageEntries(entries.slice(rest, end))).map((page) => place(page.bytes, page.key));
      const node = new ByteWriter();
      node.varint(inline.length);
      node.bytes(inline);
      node.bytes(encodeNode(pages));
      blocks.push(place(node.finish(), block));
      start = end;
    }
    const root = new ByteWriter();
    root.varint(SKY_VERSION);
    root.varint(this.#records);
    root.varint(this.#orders);
    root.varint(blockOrder);
    root.bytes(encodeNode(blocks));
    const cells = new Uint8Array(at);
    let offset = 0;
    for (const bytes of stored) {
      cells.set(bytes, offset);
      offset += bytes.length;
    }
    return [
      { type: SectionType.SKY, flags: 0, bytes: root.finish() },
      { type: SectionType.SKY_CELLS, flags: 0, bytes: cells },
    ];
  }
}

/** Cut a block's entries into pages of about `RAW_PAGE_TARGET` raw bytes, never inside a key. */
async function pageEntries(entries: Entry[]): Promise<{ key: number; bytes: Uint8Array }[]> {
  const pages: { key: number; bytes: Uint8Array }[] = [];
  for (let start = 0; start < entries.length;) {
    let end = start;
    const seen = new Set<Uint8Array>();
    for (
      let raw = 0;
      end < entries.length &&
      (end === start || raw < RAW_PAGE_TARGET || entries[end].key === entries[end - 1].key);
      end++
    ) {
      const body = entries[end].body;
      raw += seen.has(body) ? 4 : body.length + entries[end].path.length + 8;
      seen.add(body);
    }
    pages.push(...await encodePages(entries.slice(start, end)));
    start = end;
  }
  return pages;
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
  const written = new Map<Uint8Array, number>();
  for (const entry of entries) {
    writer.varint(entry.key - key);
    key = entry.key;
    const ref = written.get(entry.body);
    writer.varint(ref ?? 0);
    if (ref !== undefined) continue;
    written.set(entry.body, written.size + 1);
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
