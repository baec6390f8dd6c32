/**
 * Reading an index's sky directory (sections SKY and SKY_CELLS): where the sections lie, the root, and
 * the pages under the children a caller picks (a lookup: the cells of a position; a merge: all).
 *
 * @module
 */
import { SectionType } from "./_layout.ts";
import { CloudFitsError } from "../errors.ts";
import { crc32c } from "./_crc32c.ts";
import { FIXED_HEADER_SIZE, SECTION_ENTRY_SIZE } from "./_layout.ts";
import type { FootprintRecord, SkyChild, SkyRoot } from "./sky_cells.ts";
import {
  damagedSky,
  parseSkyBlock,
  parseSkyNode,
  parseSkyPage,
  parseSkyRoot,
  type SkyEntry,
} from "./sky_decode.ts";
import { blocksFor, pagesFor } from "./sky_keys.ts";
import { cellKey, filedCells } from "./sky_cells.ts";

/** Where a section lies in the index, and its CRC-32C. */
export interface SectionPlace {
  /** Offset from the start of the index. */
  offset: number;
  /** Length in bytes. */
  length: number;
  /** CRC-32C of its bytes. */
  crc: number;
}

/** The places of SKY and SKY_CELLS. */
export interface SkyPlaces {
  /** The SKY root. */
  root: SectionPlace;
  /** The SKY_CELLS nodes and pages. */
  cells: SectionPlace;
}

/** Reads `length` bytes at `offset` of the index. */
export type ReadIndexBytes = (offset: number, length: number) => Promise<Uint8Array>;

/**
 * The SKY and SKY_CELLS entries of the section table (checked against its CRC-32C).
 *
 * @param head The index's first bytes, through its section table.
 * @param name The index's name, for messages.
 * @returns Their places, or undefined for an index without a sky directory.
 * @throws {CloudFitsError} `BAD_INDEX` when the section table fails its CRC-32C.
 */
export function skyPlaces(head: Uint8Array, name: string): SkyPlaces | undefined {
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const count = view.getUint32(20, true);
  const tableEnd = FIXED_HEADER_SIZE + count * SECTION_ENTRY_SIZE;
  if (
    tableEnd > head.length || crc32c(head.subarray(FIXED_HEADER_SIZE, tableEnd)) !== view.getUint32(36, true)
  ) {
    throw new CloudFitsError("BAD_INDEX", `Cannot read ${name}: the section table fails its CRC-32C`);
  }
  const found = new Map<number, SectionPlace>();
  for (let i = 0; i < count; i++) {
    const base = FIXED_HEADER_SIZE + i * SECTION_ENTRY_SIZE;
    found.set(view.getUint16(base, true), {
      offset: Number(view.getBigUint64(base + 8, true)),
      length: Number(view.getBigUint64(base + 16, true)),
      crc: view.getUint32(base + 24, true),
    });
  }
  const root = found.get(SectionType.SKY);
  const cells = found.get(SectionType.SKY_CELLS);
  return root && cells ? { root, cells } : undefined;
}

/**
 * Read and check the SKY root.
 *
 * @param read Reads bytes of the index.
 * @param places Where the sections lie.
 * @param name The index's name, for messages.
 * @returns The root.
 * @throws {CloudFitsError} `BAD_INDEX` for a damaged root.
 */
export async function readSkyRoot(read: ReadIndexBytes, places: SkyPlaces, name: string): Promise<SkyRoot> {
  const bytes = await read(places.root.offset, places.root.length);
  if (bytes.length !== places.root.length || crc32c(bytes) !== places.root.crc) {
    throw damagedSky(name, places.root.offset);
  }
  return parseSkyRoot(bytes, name);
}

/**
 * The entries a version-2 lookup may need: for every block the ranges reach, its node (with the
 * block's own cell's entries) and the pages of its finer cells the ranges ask for; each node and page
 * read once and checked against its CRC-32C, the nodes together, then the pages together.
 *
 * @param read Reads bytes of the index.
 * @param places Where the sections lie.
 * @param root The root.
 * @param name The index's name, for messages.
 * @param ranges The key ranges asked for (see `keyRangesForCone`).
 * @returns The entries of the nodes and pages read.
 * @throws {CloudFitsError} `BAD_INDEX` for a damaged node or page.
 */
export async function readSkyEntries(
  read: ReadIndexBytes,
  places: SkyPlaces,
  root: SkyRoot,
  name: string,
  ranges: readonly [number, number][],
): Promise<SkyEntry[]> {
  const readChild = (child: SkyChild) => readSkyChild(read, places, name, child);
  const blocks = await Promise.all(
    blocksFor(root.children, root.blockOrder, ranges).map(async (i) =>
      parseSkyBlock(await readChild(root.children[i]), name)
    ),
  );
  const pages = await Promise.all([
    ...blocks.map((block) => block.inline.length > 0 ? parseSkyPage(block.inline, name) : []),
    ...blocks.flatMap((block) =>
      pagesFor(block.pages, ranges).map(async (i) =>
        await parseSkyPage(await readChild(block.pages[i]), name)
      )
    ),
  ]);
  return pages.flat();
}

/** A node's or page's stored bytes, checked against its bounds and CRC-32C. */
async function readSkyChild(
  read: ReadIndexBytes,
  places: SkyPlaces,
  name: string,
  child: SkyChild,
): Promise<Uint8Array> {
  const offset = places.cells.offset + child.offset;
  if (child.offset + child.length > places.cells.length) throw damagedSky(name, offset);
  const bytes = await read(offset, child.length);
  if (bytes.length !== child.length || crc32c(bytes) !== child.crc) throw damagedSky(name, offset);
  return bytes;
}

/**
 * Every footprint of an index's sky directory, once per file and HDU (a footprint is filed under
 * several cells: it is taken at the first of them), block by block: each block's node, then its
 * pages, through forward reads of about 1 MiB, so that only one read and one page are held.
 *
 * @param read Reads bytes of the index.
 * @param head The index's first bytes, through its section table.
 * @param name The index's name, for messages.
 * @returns The footprints, or undefined for an index without a sky directory.
 * @throws {CloudFitsError} `BAD_INDEX` for a damaged sky directory.
 *
 * @example An index with one footprint
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeIndex } from "./encode.ts";
 * import { eachFootprint } from "./sky_read.ts";
 *
 * const polygon: [number, number][] = [[9.9, -0.1], [10.1, -0.1], [10.1, 0.1], [9.9, 0.1]];
 * const footprint = { path: "a.fits", hdu: 1, keywords: "", width: 10, height: 10, ra: 10, dec: 0, radius: 0.15, polygon };
 * const bytes = await encodeIndex([], { footprints: [footprint] });
 * const read = (offset: number, length: number) => Promise.resolve(bytes.subarray(offset, offset + length));
 * assert.deepEqual(await Array.fromAsync((await eachFootprint(read, bytes, "a.cfidx"))!), [footprint]);
 * assert.equal(await eachFootprint(read, await encodeIndex([]), "old.cfidx"), undefined);
 * ```
 */
export async function eachFootprint(
  read: ReadIndexBytes,
  head: Uint8Array,
  name: string,
): Promise<AsyncIterable<FootprintRecord> | undefined> {
  const places = skyPlaces(head, name);
  if (!places) return undefined;
  const root = await readSkyRoot(read, places, name);
  if (root.version === 1) return footprintsOfVersion1(read, places, root, name);
  return (async function* () {
    const ahead = new ReadAhead(read, places.cells.offset + places.cells.length);
    let regionStart = places.cells.offset;
    for (const child of root.children) {
      // A block's pages lie before its node: read forward from where the previous node ended.
      ahead.from(regionStart);
      const block = parseSkyBlock(await readSkyChild(ahead.read, places, name, child), name);
      regionStart = places.cells.offset + child.offset + child.length;
      const pages = block.inline.length > 0 ? [block.inline] : [];
      for (const bytes of [...pages, ...block.pages]) {
        const page = bytes instanceof Uint8Array
          ? bytes
          : await readSkyChild(ahead.read, places, name, bytes);
        for (const { key, ...footprint } of await parseSkyPage(page, name)) {
          if (key === firstKey(footprint, root.blockOrder)) yield footprint;
        }
      }
    }
  })();
}

/** The key of the first cell a footprint is filed under. */
function firstKey(footprint: FootprintRecord, blockOrder: number): number {
  const { order, cells } = filedCells(footprint);
  return cellKey(blockOrder, order, Math.min(...cells));
}

/** Reads of at least `READ_AHEAD` bytes, each served from the last one when it holds them. */
class ReadAhead {
  readonly #read: ReadIndexBytes;
  readonly #end: number;
  #start = 0;
  #bytes: Uint8Array = new Uint8Array(0);
  #hint = 0;

  constructor(read: ReadIndexBytes, end: number) {
    this.#read = read;
    this.#end = end;
  }

  /** Where the next reads begin, when they fit in one read from there. */
  from(offset: number): void {
    this.#hint = offset;
  }

  read = async (offset: number, length: number): Promise<Uint8Array> => {
    const at = offset - this.#start;
    if (at < 0 || at + length > this.#bytes.length) {
      const start = this.#hint <= offset && offset + length - this.#hint <= READ_AHEAD ? this.#hint : offset;
      this.#start = start;
      this.#bytes = await this.#read(
        start,
        Math.min(this.#end, Math.max(offset + length, start + READ_AHEAD)) - start,
      );
    }
    return this.#bytes.subarray(offset - this.#start, offset - this.#start + length);
  };
}

/** Bytes of SKY_CELLS read at once when walking it whole. */
const READ_AHEAD = 1024 * 1024;

/** A directory written before blocks: SKY_CELLS read whole, footprints taken once by (path, HDU). */
async function* footprintsOfVersion1(
  read: ReadIndexBytes,
  places: SkyPlaces,
  root: SkyRoot,
  name: string,
): AsyncGenerator<FootprintRecord> {
  const cells = await read(places.cells.offset, places.cells.length);
  const inCells = (offset: number, length: number) =>
    Promise.resolve(cells.subarray(offset - places.cells.offset, offset - places.cells.offset + length));
  let children = root.children;
  for (let level = 0; level < root.depth; level++) {
    const nodes = await Promise.all(children.map((child) => readSkyChild(inCells, places, name, child)));
    children = nodes.flatMap((bytes) => parseSkyNode(bytes, name));
  }
  const seen = new Set<string>();
  for (const child of children) {
    for (
      const { key: _key, ...footprint } of await parseSkyPage(
        await readSkyChild(inCells, places, name, child),
        name,
      )
    ) {
      const id = `${footprint.hdu} ${footprint.path}`;
      if (seen.has(id)) continue;
      seen.add(id);
      yield footprint;
    }
  }
}
