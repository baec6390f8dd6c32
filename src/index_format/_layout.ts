/**
 * Constants of the FCI v1 layout and the final assembly of an index: fixed header, section table,
 * META, DIRECTORY, leaves, then any further sections.
 *
 * @module
 */

import { crc32c } from "./_crc32c.ts";
import { ByteWriter } from "./_varint.ts";

/** `\x89 F C I \r \n \x1A \n`. */
export const MAGIC: Uint8Array = new Uint8Array([0x89, 0x46, 0x43, 0x49, 0x0d, 0x0a, 0x1a, 0x0a]);
/** Major version written and understood. */
export const MAJOR_VERSION = 1;
/** Minor version written. */
export const MINOR_VERSION = 0;
/** Size of the fixed header. */
export const FIXED_HEADER_SIZE = 64;
/** Size of one section-table entry. */
export const SECTION_ENTRY_SIZE = 32;
/** Bytes a reader fetches first, and the budget the encoder keeps the open region within. */
export const FIRST_READ = 16384;
/** Upper bound on the section count a reader accepts. */
export const MAX_SECTIONS = 256;

/**
 * Section types: META and DIRECTORY (v1.0, required); SHARD (v1.1, optional: `shard.ts`); FRAMES
 * (optional: `frames.ts`).
 */
export const SectionType = { META: 1, DIRECTORY: 2, SHARD: 4, FRAMES: 5 } as const;
/** Section-entry flag: a reader that does not know the section's type must refuse the index. */
export const SECTION_REQUIRED = 1;
/** Section codecs. */
export const Codec = { NONE: 0, DEFLATE_RAW: 1 } as const;

/**
 * Required feature flags of the fixed header. GZIP: some file records carry a whole-file gzip part
 * (file flag GZIP), so a reader that cannot inflate must refuse the index rather than read compressed
 * bytes at inflated offsets.
 */
export const RequiredFeature = { GZIP: 1 } as const;
/** Required feature flags this reader knows. */
export const KNOWN_REQUIRED_FEATURES = RequiredFeature.GZIP;
/** File-record flags. */
export const FileFlag = { ETAG: 1, LAST_MODIFIED: 2, INDEXER: 4, HEADER_COMPLETE: 8, GZIP: 16 } as const;
/** HDU-record flags. */
export const HduFlag = {
  BSCALE: 1,
  BZERO: 2,
  BLANK: 4,
  EXTNAME: 8,
  EXTVER: 16,
  RAW_HEADER: 32,
  THEAP: 64,
  HEADER_OFFSET: 128,
  COLUMNS: 256,
} as const;
/** Column-record flags. */
export const ColumnFlag = {
  NAME: 1,
  SCALE: 2,
  ZERO: 4,
  NULL: 8,
  DIM: 16,
  UNIT: 32,
  VLA_MAX: 64,
  DECIMALS: 128,
} as const;
/** HDU kinds in record order. */
export const HDU_KINDS = [
  "PRIMARY",
  "IMAGE",
  "BINTABLE",
  "TABLE",
  "COMPRESSED_IMAGE",
  "GROUPS",
  "OTHER",
] as const;

/** One section to place: its type, flags and payload (stored as is, codec 0). */
export interface SectionPayload {
  type: number;
  flags: number;
  bytes: Uint8Array;
}

/** A leaf to place, with what the directory says about it. */
export interface LeafPayload {
  firstPath: string;
  fileCount: number;
  bytes: Uint8Array;
}

/** Everything an index holds, before placement. */
export interface IndexParts {
  createdMs: number;
  requiredFlags: number;
  optionalFlags: number;
  meta: Uint8Array;
  leaves: readonly LeafPayload[];
  /** Optional sections placed after the leaves (a shard's SHARD section; tests model later versions). */
  extraSections?: readonly SectionPayload[];
  fileCount: number;
  majorVersion?: number;
}

const UTF8 = new TextEncoder();

/** Place the parts: fixed header, section table, META, DIRECTORY, leaves, extra sections. */
export function assembleIndex(parts: IndexParts): Uint8Array {
  const extra = parts.extraSections ?? [];
  const sectionCount = 2 + extra.length;
  const tableEnd = FIXED_HEADER_SIZE + sectionCount * SECTION_ENTRY_SIZE;
  const metaEnd = tableEnd + parts.meta.length;
  const { directory, leavesStart } = placeDirectory(parts);
  const leavesLength = parts.leaves.reduce((sum, leaf) => sum + leaf.bytes.length, 0);
  const extraStart = leavesStart + leavesLength;
  const total = extraStart + extra.reduce((sum, section) => sum + section.bytes.length, 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);

  const entries: { type: number; flags: number; offset: number; bytes: Uint8Array }[] = [
    { type: SectionType.META, flags: SECTION_REQUIRED, offset: tableEnd, bytes: parts.meta },
    { type: SectionType.DIRECTORY, flags: SECTION_REQUIRED, offset: metaEnd, bytes: directory },
  ];
  let at = extraStart;
  for (const section of extra) {
    entries.push({ ...section, offset: at });
    at += section.bytes.length;
  }
  entries.forEach((entry, i) => {
    const base = FIXED_HEADER_SIZE + i * SECTION_ENTRY_SIZE;
    view.setUint16(base, entry.type, true);
    view.setUint8(base + 2, Codec.NONE);
    view.setUint8(base + 3, entry.flags);
    view.setUint32(base + 4, entry.bytes.length, true);
    view.setBigUint64(base + 8, BigInt(entry.offset), true);
    view.setBigUint64(base + 16, BigInt(entry.bytes.length), true);
    view.setUint32(base + 24, crc32c(entry.bytes), true);
    out.set(entry.bytes, entry.offset);
  });
  let leafAt = leavesStart;
  for (const leaf of parts.leaves) {
    out.set(leaf.bytes, leafAt);
    leafAt += leaf.bytes.length;
  }

  out.set(MAGIC, 0);
  view.setUint16(8, parts.majorVersion ?? MAJOR_VERSION, true);
  view.setUint16(10, MINOR_VERSION, true);
  view.setUint32(12, parts.requiredFlags, true);
  view.setUint32(16, parts.optionalFlags, true);
  view.setUint32(20, sectionCount, true);
  view.setBigUint64(24, BigInt(total), true);
  view.setUint32(32, leavesStart, true);
  view.setUint32(36, crc32c(out.subarray(FIXED_HEADER_SIZE, tableEnd)), true);
  view.setBigInt64(40, BigInt(parts.createdMs), true);
  view.setUint32(60, crc32c(out.subarray(0, 60)), true);
  return out;
}

/**
 * Encode the DIRECTORY and find where the leaves start (the end of the open region). Leaf offsets are
 * absolute and their varints change the directory's size, so this iterates to a fixed point.
 */
export function placeDirectory(parts: IndexParts): { directory: Uint8Array; leavesStart: number } {
  const metaEnd = FIXED_HEADER_SIZE + (2 + (parts.extraSections?.length ?? 0)) * SECTION_ENTRY_SIZE +
    parts.meta.length;
  const crcs = parts.leaves.map((leaf) => crc32c(leaf.bytes));
  let leavesStart = metaEnd;
  let directory = encodeDirectory(parts, crcs, leavesStart);
  for (let i = 0; metaEnd + directory.length !== leavesStart; i++) {
    if (i > 16) throw new Error("Cannot place the index directory: offsets do not converge");
    leavesStart = metaEnd + directory.length;
    directory = encodeDirectory(parts, crcs, leavesStart);
  }
  return { directory, leavesStart };
}

function encodeDirectory(parts: IndexParts, crcs: readonly number[], leavesStart: number): Uint8Array {
  const writer = new ByteWriter();
  writer.varint(parts.fileCount);
  writer.varint(parts.leaves.length);
  let previous = new Uint8Array(0);
  let offset = leavesStart;
  for (const [i, leaf] of parts.leaves.entries()) {
    const path = UTF8.encode(leaf.firstPath);
    const shared = sharedPrefix(previous, path);
    writer.varint(shared);
    writer.varint(path.length - shared);
    writer.bytes(path.subarray(shared));
    writer.varint(leaf.fileCount);
    writer.varint(offset);
    writer.varint(leaf.bytes.length);
    writer.u32(crcs[i]);
    offset += leaf.bytes.length;
    previous = path;
  }
  return writer.finish();
}

/** Length of the common prefix of two byte strings. */
export function sharedPrefix(a: Uint8Array, b: Uint8Array): number {
  const limit = Math.min(a.length, b.length);
  let i = 0;
  while (i < limit && a[i] === b[i]) i++;
  return i;
}

/** Order byte strings (paths are sorted by their UTF-8 bytes). */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const limit = Math.min(a.length, b.length);
  for (let i = 0; i < limit; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}
