/**
 * Placing an index: fixed header, section table, META and the directory before the leaves, and what
 * follows them. A small index has one DIRECTORY of leaves in its open region (v1.0); when that would
 * outgrow the first read, the index becomes a catalog: a ROOT directory of pages in the open region,
 * and PAGES of leaf entries (each ≤ 64 KiB) after the leaves, so any file is three reads away.
 *
 * @module
 */

import { crc32c } from "./_crc32c.ts";
import {
  CATALOG_MINOR_VERSION,
  CATALOG_READ,
  Codec,
  FIRST_READ,
  FIXED_HEADER_SIZE,
  MAGIC,
  MAJOR_VERSION,
  MINOR_VERSION,
  RequiredFeature,
  SECTION_ENTRY_SIZE,
  SECTION_REQUIRED,
  type SectionPayload,
  SectionType,
  sharedPrefix,
  type StreamedSection,
} from "./_layout.ts";
import { ByteWriter } from "./_varint.ts";
import { writePathKey } from "./_path_keys.ts";
import { concatBytes } from "../_bytes.ts";

/** What the directory says about a leaf: its first path, file count, length and CRC-32C. */
export interface LeafDescriptor {
  firstKey: Uint8Array;
  fileCount: number;
  length: number;
  crc: number;
}

/** Everything an index holds but its leaves' bytes, before placement. */
export interface IndexParts {
  createdMs: number;
  requiredFlags: number;
  optionalFlags: number;
  meta: Uint8Array;
  leaves: readonly LeafDescriptor[];
  /**
   * Optional sections placed after the leaves (a shard's SHARD section; tests model later versions);
   * streamed ones after every held one.
   */
  extraSections?: readonly (SectionPayload | StreamedSection)[];
  fileCount: number;
  majorVersion?: number;
}

/** A placed index: the bytes before its leaves, and after them. */
export interface IndexLayout {
  /** Fixed header, section table, META and DIRECTORY (or ROOT): the open region. */
  head: Uint8Array;
  /** Directory pages (a catalog) and the extra sections held in memory. */
  tail: Uint8Array;
  /** The streamed extra sections, whose bytes follow the tail in this order. */
  streamed: readonly StreamedSection[];
  /** Total length: head, leaves, tail, streamed sections. */
  total: number;
}

interface DirectoryEntry {
  key: Uint8Array;
  fileCount: number;
  offset: number;
  length: number;
  crc: number;
}

interface PlacedSection {
  type: number;
  flags: number;
  offset: number;
  /** The bytes of a held section; a streamed one's are written after the tail. */
  bytes?: Uint8Array;
  length: number;
  crc: number;
}

function held(type: number, flags: number, offset: number, bytes: Uint8Array): PlacedSection {
  return { type, flags, offset, bytes, length: bytes.length, crc: crc32c(bytes) };
}

/**
 * Place an index whose leaves go, back to back, right after the returned head.
 *
 * @param parts Metadata, leaf descriptors and extra sections.
 * @returns The head and the tail around the leaves.
 */
export function layoutIndex(parts: IndexParts): IndexLayout {
  const extra = parts.extraSections ?? [];
  const leavesLength = parts.leaves.reduce((sum, leaf) => sum + leaf.length, 0);
  const flat = placeFlat(parts, extra.length);
  if (flat.leavesStart <= FIRST_READ || parts.leaves.length <= 1) {
    const sections = [
      held(SectionType.META, SECTION_REQUIRED, flat.metaOffset, parts.meta),
      held(SectionType.DIRECTORY, SECTION_REQUIRED, flat.metaEnd, flat.directory),
    ];
    return finish(parts, sections, flat.leavesStart, leavesLength, extra, MINOR_VERSION);
  }
  const catalog = placeCatalog(parts, extra.length, leavesLength);
  const sections = [
    held(SectionType.META, SECTION_REQUIRED, catalog.metaOffset, parts.meta),
    held(SectionType.ROOT, SECTION_REQUIRED, catalog.metaEnd, catalog.root),
    held(SectionType.PAGES, SECTION_REQUIRED, catalog.leavesStart + leavesLength, catalog.pages),
  ];
  return finish(
    { ...parts, requiredFlags: parts.requiredFlags | RequiredFeature.CATALOG },
    sections,
    catalog.leavesStart,
    leavesLength,
    extra,
    CATALOG_MINOR_VERSION,
  );
}

/** The DIRECTORY of every leaf; leaf offsets are absolute, so it is encoded until its length settles. */
function placeFlat(parts: IndexParts, extraCount: number) {
  const metaOffset = FIXED_HEADER_SIZE + (2 + extraCount) * SECTION_ENTRY_SIZE;
  const metaEnd = metaOffset + parts.meta.length;
  return converge(metaEnd, (leavesStart) => {
    const directory = encodeDirectory(parts.fileCount, leafEntries(parts.leaves, leavesStart));
    return { metaOffset, metaEnd, leavesStart, directory, length: directory.length };
  });
}

/** ROOT (one entry per page) before the leaves, PAGES (one entry per leaf) after them. */
function placeCatalog(parts: IndexParts, extraCount: number, leavesLength: number) {
  const metaOffset = FIXED_HEADER_SIZE + (3 + extraCount) * SECTION_ENTRY_SIZE;
  const metaEnd = metaOffset + parts.meta.length;
  const groups = groupPages(parts.leaves, leavesLength);
  const pageFileCounts = groups.map(([start, end]) =>
    parts.leaves.slice(start, end).reduce((sum, leaf) => sum + leaf.fileCount, 0)
  );
  return converge(metaEnd, (leavesStart) => {
    const entries = leafEntries(parts.leaves, leavesStart);
    const pages = groups.map(([start, end], i) =>
      encodeDirectory(pageFileCounts[i], entries.slice(start, end))
    );
    let offset = leavesStart + leavesLength;
    const rootEntries = groups.map(([start], i) => {
      const entry = {
        key: entries[start].key,
        fileCount: pageFileCounts[i],
        offset,
        length: pages[i].length,
        crc: crc32c(pages[i]),
      };
      offset += pages[i].length;
      return entry;
    });
    const root = encodeDirectory(parts.fileCount, rootEntries);
    return { metaOffset, metaEnd, leavesStart, root, pages: concatBytes(pages), length: root.length };
  });
}

/** Encode with growing guesses of where the leaves start until the guess is where they start. */
function converge<T extends { length: number; leavesStart: number }>(
  metaEnd: number,
  encode: (leavesStart: number) => T,
): T {
  let placed = encode(metaEnd);
  for (let i = 0; metaEnd + placed.length !== placed.leavesStart; i++) {
    if (i > 16) throw new Error("Cannot place the index directory: offsets do not converge");
    placed = encode(metaEnd + placed.length);
  }
  return placed;
}

function leafEntries(leaves: readonly LeafDescriptor[], leavesStart: number): DirectoryEntry[] {
  let offset = leavesStart;
  return leaves.map((leaf) => {
    const entry = {
      key: leaf.firstKey,
      fileCount: leaf.fileCount,
      offset,
      length: leaf.length,
      crc: leaf.crc,
    };
    offset += leaf.length;
    return entry;
  });
}

/** Split the leaves into runs whose directory pages stay within one catalog read. */
function groupPages(leaves: readonly LeafDescriptor[], leavesLength: number): [number, number][] {
  // Offsets are not known yet: count each at the width of the largest one it can have.
  const offsetWidth = varintLength(leavesLength + 16 * FIRST_READ);
  const groups: [number, number][] = [];
  let start = 0;
  let bytes = 2 * 8;
  for (let i = 0; i < leaves.length; i++) {
    const key = leaves[i].firstKey;
    const shared = i === start ? 0 : sharedPrefix(leaves[i - 1].firstKey, key);
    let entry = varintLength(shared) + varintLength(key.length - shared) + key.length - shared +
      varintLength(leaves[i].fileCount) + offsetWidth + varintLength(leaves[i].length) + 4;
    if (i > start && bytes + entry > CATALOG_READ) {
      groups.push([start, i]);
      start = i;
      bytes = 2 * 8;
      entry += sharedPrefix(leaves[i - 1].firstKey, key); // The page's first path is whole.
    }
    bytes += entry;
  }
  if (leaves.length > start) groups.push([start, leaves.length]);
  return groups;
}

function varintLength(value: number): number {
  let length = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 0x80);
    length++;
  }
  return length;
}

/** A DIRECTORY, ROOT or page: file count, entry count, then front-coded first paths and placements. */
function encodeDirectory(fileCount: number, entries: readonly DirectoryEntry[]): Uint8Array {
  const writer = new ByteWriter();
  writer.varint(fileCount);
  writer.varint(entries.length);
  let previous: Uint8Array = new Uint8Array(0);
  for (const entry of entries) {
    writePathKey(writer, previous, entry.key);
    writer.varint(entry.fileCount);
    writer.varint(entry.offset);
    writer.varint(entry.length);
    writer.u32(entry.crc);
    previous = entry.key;
  }
  return writer.finish();
}

/** Write the fixed header and the section table; the leaves go between head and tail. */
function finish(
  parts: IndexParts,
  sections: PlacedSection[],
  leavesStart: number,
  leavesLength: number,
  extra: readonly (SectionPayload | StreamedSection)[],
  minorVersion: number,
): IndexLayout {
  const afterLeaves = leavesStart + leavesLength;
  let at = sections.reduce(
    (end, section) => section.offset >= leavesStart ? section.offset + section.length : end,
    afterLeaves,
  );
  const streamed: StreamedSection[] = [];
  let tailEnd = at;
  for (const section of extra) {
    if ("bytes" in section) {
      if (streamed.length > 0) throw new Error("Cannot place a held section after a streamed one");
      sections.push(held(section.type, section.flags, at, section.bytes));
      tailEnd = at += section.bytes.length;
    } else {
      streamed.push(section);
      sections.push({
        type: section.type,
        flags: section.flags,
        offset: at,
        length: section.length,
        crc: section.crc,
      });
      at += section.length;
    }
  }
  const total = at;
  const head = new Uint8Array(leavesStart);
  const tail = new Uint8Array(tailEnd - afterLeaves);
  const view = new DataView(head.buffer);
  sections.forEach((section, i) => {
    const base = FIXED_HEADER_SIZE + i * SECTION_ENTRY_SIZE;
    view.setUint16(base, section.type, true);
    view.setUint8(base + 2, Codec.NONE);
    view.setUint8(base + 3, section.flags);
    view.setUint32(base + 4, section.length, true);
    view.setBigUint64(base + 8, BigInt(section.offset), true);
    view.setBigUint64(base + 16, BigInt(section.length), true);
    view.setUint32(base + 24, section.crc, true);
    if (!section.bytes) return;
    if (section.offset < leavesStart) head.set(section.bytes, section.offset);
    else tail.set(section.bytes, section.offset - afterLeaves);
  });
  const tableEnd = FIXED_HEADER_SIZE + sections.length * SECTION_ENTRY_SIZE;
  head.set(MAGIC, 0);
  view.setUint16(8, parts.majorVersion ?? MAJOR_VERSION, true);
  view.setUint16(10, minorVersion, true);
  view.setUint32(12, parts.requiredFlags, true);
  view.setUint32(16, parts.optionalFlags, true);
  view.setUint32(20, sections.length, true);
  view.setBigUint64(24, BigInt(total), true);
  view.setUint32(32, leavesStart, true);
  view.setUint32(36, crc32c(head.subarray(FIXED_HEADER_SIZE, tableEnd)), true);
  view.setBigInt64(40, BigInt(parts.createdMs), true);
  view.setUint32(60, crc32c(head.subarray(0, 60)), true);
  return { head, tail, streamed, total };
}
