/**
 * The sky directory of an index (sections SKY 6 and SKY_CELLS 7, optional): for every HDU with a
 * celestial WCS, its footprint filed under the HEALPix cells its bounding cone touches, with the WCS
 * itself, so that "which files cover RA/Dec, at which pixel" is answered from the index alone. SKY is
 * the root (a few KiB); SKY_CELLS holds deflated pages of entries in cell order and, for large
 * catalogs, one level of nodes between root and pages. A lookup reads the root, at most one node and
 * one page per cell asked for. See docs/index-format.md.
 *
 * @module
 */

import { CloudFitsError } from "../errors.ts";
import { crc32c } from "./_crc32c.ts";
import { deflateRaw, inflateRaw } from "./_deflate.ts";
import { compareBytes, type SectionPayload, sharedPrefix } from "./_layout.ts";
import { ByteReader, ByteWriter } from "./_varint.ts";
import { cellOf, cellsInCone, MAX_ORDER, orderForRadius } from "./healpix.ts";

/** Section types of the sky directory (reserved in docs/index-format.md). */
export const SkySection = { SKY: 6, SKY_CELLS: 7 } as const;

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

const SKY_VERSION = 1;
/** Raw bytes of entries gathered before a page is deflated; a page stays under `PAGE_LIMIT` stored. */
const RAW_PAGE_TARGET = 192 * 1024;
const PAGE_LIMIT = 60 * 1024;
/** Children per node: 17 bytes at most each, so a node stays under 64 KiB. */
const NODE_FANOUT = 3000;
const UTF8 = new TextEncoder();
const TEXT = new TextDecoder("utf-8", { fatal: true });

/** A cell key: HEALPix's NUNIQ numbering, 4 × 4^order + cell, so that every order has its own range. */
export function cellKey(order: number, cell: number): number {
  return 4 * 4 ** order + cell;
}

interface Entry {
  key: number;
  path: Uint8Array;
  hdu: number;
  body: Uint8Array;
}

/** A child of a node: the first key under it and where it lies in SKY_CELLS. */
export interface SkyChild {
  /** First cell key of the page (or of the node's first page). */
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
  /** HDU footprints filed. */
  records: number;
  /** Orders some footprint is filed at, ascending. */
  orders: number[];
  /** Node levels between the root and the pages (0: the root's children are pages). */
  depth: number;
  /** The root's children. */
  children: SkyChild[];
}

/**
 * Collects footprints one HDU at a time (as the indexer streams them) and encodes the two sections at
 * the end: each footprint is filed at the order {@linkcode orderForRadius} picks, under every cell of
 * that order its cone may touch; entries are sorted by (cell, path, HDU) only in `finish`.
 */
export class SkyDirectoryBuilder {
  readonly #entries: Entry[] = [];
  #records = 0;
  #orders = 0;

  /** File one HDU's footprint. */
  add(record: FootprintRecord): void {
    const order = orderForRadius(record.radius);
    this.#orders |= 1 << order;
    this.#records++;
    const path = UTF8.encode(record.path);
    const body = encodeBody(record);
    for (const cell of cellsInCone(order, record.ra, record.dec, record.radius)) {
      this.#entries.push({ key: cellKey(order, cell), path, hdu: record.hdu, body });
    }
  }

  /** The SKY and SKY_CELLS sections (always written, so an index without footprints says so). */
  async finish(): Promise<SectionPayload[]> {
    const entries = this.#entries.sort((a, b) =>
      a.key - b.key || compareBytes(a.path, b.path) || a.hdu - b.hdu
    );
    const stored: Uint8Array[] = [];
    let at = 0;
    const place = (bytes: Uint8Array, firstKey: number): SkyChild => {
      stored.push(bytes);
      const child = { firstKey, offset: at, length: bytes.length, crc: crc32c(bytes) };
      at += bytes.length;
      return child;
    };
    let level: SkyChild[] = [];
    for (let start = 0; start < entries.length;) {
      let end = start;
      for (let raw = 0; end < entries.length && (end === start || raw < RAW_PAGE_TARGET); end++) {
        raw += entries[end].body.length + entries[end].path.length + 8;
      }
      for (const page of await encodePages(entries.slice(start, end))) {
        level.push(place(page.bytes, page.key));
      }
      start = end;
    }
    let depth = 0;
    while (level.length > NODE_FANOUT) {
      const next: SkyChild[] = [];
      for (let i = 0; i < level.length; i += NODE_FANOUT) {
        const children = level.slice(i, i + NODE_FANOUT);
        next.push(place(encodeNode(children), children[0].firstKey));
      }
      level = next;
      depth++;
    }
    const root = new ByteWriter();
    root.varint(SKY_VERSION);
    root.varint(this.#records);
    root.varint(this.#orders);
    root.varint(depth);
    root.bytes(encodeNode(level));
    const cells = new Uint8Array(at);
    let offset = 0;
    for (const bytes of stored) {
      cells.set(bytes, offset);
      offset += bytes.length;
    }
    return [
      { type: SkySection.SKY, flags: 0, bytes: root.finish() },
      { type: SkySection.SKY_CELLS, flags: 0, bytes: cells },
    ];
  }
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

/** Deflate entries as one page, halving until each page is under the limit. */
async function encodePages(entries: Entry[]): Promise<{ key: number; bytes: Uint8Array }[]> {
  const writer = new ByteWriter();
  writer.varint(entries.length);
  let key = 0;
  let path: Uint8Array = new Uint8Array(0);
  for (const entry of entries) {
    writer.varint(entry.key - key);
    const shared = sharedPrefix(path, entry.path);
    writer.varint(shared);
    writer.varint(entry.path.length - shared);
    writer.bytes(entry.path.subarray(shared));
    writer.varint(entry.hdu);
    writer.bytes(entry.body);
    [key, path] = [entry.key, entry.path];
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
  const half = entries.length >> 1;
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

function readNode(reader: ByteReader, max: number): SkyChild[] {
  const count = reader.count("children", max);
  const children: SkyChild[] = [];
  let key = 0;
  for (let i = 0; i < count; i++) {
    key += reader.varint();
    const offset = reader.varint();
    const length = reader.varint();
    children.push({ firstKey: key, offset, length, crc: reader.u32() });
  }
  return children;
}

/**
 * Decode the SKY root.
 *
 * @param bytes The section's bytes (its CRC already checked).
 * @param name The index's name, for messages.
 * @returns The root.
 * @throws {CloudFitsError} `BAD_INDEX` for an unknown version or damaged bytes.
 */
export function parseSkyRoot(bytes: Uint8Array, name: string): SkyRoot {
  const reader = new ByteReader(bytes, `the SKY section of ${name}`, 0);
  const version = reader.varint();
  if (version !== SKY_VERSION) throw reader.fail(`unknown SKY version ${version}`);
  const records = reader.varint();
  const mask = reader.varint();
  const orders = Array.from({ length: MAX_ORDER + 1 }, (_, i) => i).filter((order) => mask & (1 << order));
  const depth = reader.varint();
  if (depth > 4) throw reader.fail(`depth ${depth} is not plausible`);
  return { records, orders, depth, children: readNode(reader, bytes.length) };
}

/**
 * Decode a node of SKY_CELLS.
 *
 * @param bytes The node's bytes (CRC checked).
 * @param name The index's name, for messages.
 * @returns Its children.
 */
export function parseSkyNode(bytes: Uint8Array, name: string): SkyChild[] {
  return readNode(new ByteReader(bytes, `a SKY_CELLS node of ${name}`, 0), bytes.length);
}

/** One entry of a page: a footprint under one cell key. */
export interface SkyEntry extends FootprintRecord {
  /** The cell key it is filed under. */
  key: number;
}

/**
 * Inflate and decode a page of SKY_CELLS.
 *
 * @param bytes The page's stored bytes (CRC checked).
 * @param name The index's name, for messages.
 * @returns Its entries, in (cell, path, HDU) order.
 */
export async function parseSkyPage(bytes: Uint8Array, name: string): Promise<SkyEntry[]> {
  const head = new ByteReader(bytes, `a SKY_CELLS page of ${name}`, 0);
  const rawLength = head.varint();
  if (rawLength > 64 * PAGE_LIMIT) throw head.fail(`page of ${rawLength} bytes is not plausible`);
  const raw = await inflateRaw(bytes.subarray(head.position), rawLength);
  if (typeof raw === "string") throw head.fail(raw);
  const reader = new ByteReader(raw, `a SKY_CELLS page of ${name}`, 0);
  const count = reader.count("entries", raw.length);
  const entries: SkyEntry[] = [];
  let key = 0;
  let path = new Uint8Array(0);
  for (let i = 0; i < count; i++) {
    key += reader.varint();
    const shared = reader.varint();
    if (shared > path.length) throw reader.fail("shared path prefix longer than the previous path");
    const suffix = reader.bytes(reader.varint());
    const next = new Uint8Array(shared + suffix.length);
    next.set(path.subarray(0, shared));
    next.set(suffix, shared);
    path = next;
    const hdu = reader.varint();
    const width = reader.varint();
    const height = reader.varint();
    const [ra, dec, radius] = [reader.f64(), reader.f64(), reader.f64()];
    const polygon = Array.from(
      { length: reader.count("outline points", raw.length) },
      (): [number, number] => [reader.f64(), reader.f64()],
    );
    const keywords = reader.string();
    entries.push({ key, path: TEXT.decode(path), hdu, width, height, ra, dec, radius, polygon, keywords });
  }
  return entries;
}

/**
 * The ranges of cell keys a cone asks for: for each order some footprint is filed at, the cells the
 * cone may touch, found at an order no finer than the cone needs (a point: its one cell), each as the
 * range of keys its descendants take at the filed order.
 *
 * @param orders The orders present.
 * @param ra Cone centre RA, degrees.
 * @param dec Cone centre Dec, degrees.
 * @param radius Cone radius, degrees.
 * @returns Half-open [first, end) key ranges, ascending.
 */
export function keyRangesForCone(
  orders: readonly number[],
  ra: number,
  dec: number,
  radius: number,
): [number, number][] {
  return orders.flatMap((order) => {
    if (radius === 0) {
      const key = cellKey(order, cellOf(order, ra, dec));
      return [[key, key + 1] as [number, number]];
    }
    const coarse = Math.min(order, orderForRadius(radius) + 1);
    const scale = 4 ** (order - coarse);
    return cellsInCone(coarse, ra, dec, radius).map((cell): [number, number] => [
      cellKey(order, cell * scale),
      cellKey(order, (cell + 1) * scale),
    ]);
  });
}

/**
 * Whether a key lies in one of the ranges.
 *
 * @param ranges Half-open ranges, ascending and disjoint.
 * @param key The key.
 * @returns True when some range holds it.
 */
export function inRanges(ranges: readonly [number, number][], key: number): boolean {
  let lo = 0, hi = ranges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ranges[mid][1] <= key) lo = mid + 1;
    else hi = mid;
  }
  return lo < ranges.length && ranges[lo][0] <= key;
}

/**
 * Which children may hold keys of the ranges: a child holds keys from its first key through the next
 * child's first key (a cell's entries may run across pages).
 *
 * @param children A node's children, by first key.
 * @param ranges Half-open key ranges, ascending.
 * @returns Indices of the children to read, ascending.
 */
export function childrenFor(children: readonly SkyChild[], ranges: readonly [number, number][]): number[] {
  const before = (key: number): number => {
    let lo = 0, hi = children.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (children[mid].firstKey < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const wanted = new Set<number>();
  for (const [first, end] of ranges) {
    for (let i = Math.max(0, before(first) - 1); i < before(end); i++) wanted.add(i);
  }
  return [...wanted].sort((a, b) => a - b);
}

/** The refusal for a node or page whose bytes fail their CRC. */
export function damagedSky(name: string, offset: number): CloudFitsError {
  return new CloudFitsError(
    "BAD_INDEX",
    `Cannot read ${name}: its sky directory fails its CRC-32C at byte ${offset}`,
  );
}
