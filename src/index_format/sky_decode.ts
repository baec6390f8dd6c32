/**
 * Decoding the sky directory's root, block nodes and pages (the format: `sky_cells.ts`,
 * docs/index-format.md).
 *
 * @module
 */
import { CloudFitsError } from "../errors.ts";
import { inflateRaw } from "./_deflate.ts";
import { ByteReader } from "./_varint.ts";
import { MAX_ORDER } from "./healpix.ts";
import {
  BLOCK_ORDER,
  type FootprintRecord,
  PAGE_LIMIT,
  SKY_VERSION,
  type SkyBlock,
  type SkyChild,
  type SkyRoot,
} from "./sky_cells.ts";

const TEXT = new TextDecoder("utf-8", { fatal: true });

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
  if (version !== 1 && version !== SKY_VERSION) {
    throw reader.fail(`unknown SKY version ${version}: a later cloudfits wrote it`);
  }
  const records = reader.varint();
  const mask = reader.varint();
  const orders = Array.from({ length: MAX_ORDER + 1 }, (_, i) => i).filter((order) => mask & (1 << order));
  const depth = version === 1 ? reader.varint() : 1;
  if (depth > 4) throw reader.fail(`depth ${depth} is not plausible`);
  const blockOrder = version === 1 ? 0 : reader.varint();
  if (blockOrder > BLOCK_ORDER) throw reader.fail(`block order ${blockOrder} is not plausible`);
  return { version, records, orders, blockOrder, depth, children: readNode(reader, bytes.length) };
}

/**
 * Decode a block's node (version 2).
 *
 * @param bytes The node's bytes (CRC checked).
 * @param name The index's name, for messages.
 * @returns The block's own entries' page and its pages.
 */
export function parseSkyBlock(bytes: Uint8Array, name: string): SkyBlock {
  const reader = new ByteReader(bytes, `a SKY_CELLS node of ${name}`, 0);
  const inline = reader.bytes(reader.count("inline bytes", bytes.length));
  return { inline, pages: readNode(reader, bytes.length) };
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
  const footprints: FootprintRecord[] = [];
  for (let i = 0; i < count; i++) {
    key += reader.varint();
    const ref = reader.varint();
    if (ref > 0) {
      if (ref > footprints.length) throw reader.fail(`footprint ${ref} of the page is not yet written`);
      entries.push({ ...footprints[ref - 1], key });
      continue;
    }
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
    const footprint = { path: TEXT.decode(path), hdu, width, height, ra, dec, radius, polygon, keywords };
    footprints.push(footprint);
    entries.push({ ...footprint, key });
  }
  return entries;
}

/** The refusal for a node or page whose bytes fail their CRC. */
export function damagedSky(name: string, offset: number): CloudFitsError {
  return new CloudFitsError(
    "BAD_INDEX",
    `Cannot read ${name}: its sky directory fails its CRC-32C at byte ${offset}`,
  );
}
