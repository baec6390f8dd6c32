/**
 * The SHARD section (type 4, optional, after the leaves): which part of a sharded listing an index
 * holds, and the source specification it was made from, so `merge` can check that shards belong
 * together. Old readers skip it; `decodeIndex` does not need it.
 *
 * @module
 */

import { CloudFitsError } from "../errors.ts";
import { crc32c } from "./_crc32c.ts";
import { FIXED_HEADER_SIZE, SECTION_ENTRY_SIZE, type SectionPayload, SectionType } from "./_layout.ts";
import { ByteReader, ByteWriter } from "./_varint.ts";

/** What a shard index records about its part of the work. */
export interface ShardInfo {
  /** This shard's number, 0 ≤ index < count. */
  index: number;
  /** How many shards the listing is split into. */
  count: number;
  /** The sources exactly as given on the command line (not resolved against this node's mounts). */
  sources: string[];
  /** `--data-url` as given, when given. */
  dataUrl?: string;
}

/** Version of the SHARD payload; a reader refuses a newer one rather than misread it. */
const SHARD_VERSION = 1;

/**
 * Encode a SHARD section: version, index, count, source count, sources, then a flag and the data URL.
 *
 * @param shard The shard's part and source specification.
 * @returns The section, optional, for `encodeIndex` to place after the leaves.
 */
export function shardSection(shard: ShardInfo): SectionPayload {
  const writer = new ByteWriter();
  writer.varint(SHARD_VERSION);
  writer.varint(shard.index);
  writer.varint(shard.count);
  writer.varint(shard.sources.length);
  for (const source of shard.sources) writer.string(source);
  writer.varint(shard.dataUrl === undefined ? 0 : 1);
  if (shard.dataUrl !== undefined) writer.string(shard.dataUrl);
  return { type: SectionType.SHARD, flags: 0, bytes: writer.finish() };
}

/**
 * Find and decode the SHARD section of a whole index (the section table is checked by `decodeIndex`;
 * this checks the section's own CRC-32C and bounds).
 *
 * @param bytes The whole index.
 * @param name The index's name, for messages.
 * @returns The shard's part and sources, or undefined for an index made by one process.
 * @throws {CloudFitsError} `BAD_INDEX` for a damaged or unknown-version SHARD section.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeIndex } from "./encode.ts";
 * import { readShardInfo } from "./shard.ts";
 *
 * const shard = { index: 1, count: 4, sources: ["data/"] };
 * assert.deepEqual(readShardInfo(await encodeIndex([], { shard }), "a.cfidx"), shard);
 * assert.equal(readShardInfo(await encodeIndex([]), "b.cfidx"), undefined);
 * ```
 */
export function readShardInfo(bytes: Uint8Array, name: string): ShardInfo | undefined {
  const entry = findShardSection(bytes);
  return entry && decodeShardSection(bytes.subarray(entry.offset, entry.offset + entry.length), entry, name);
}

/** Where a SHARD section lies, as the section table says. */
export interface ShardSectionEntry {
  /** Offset from the start of the index. */
  offset: number;
  /** Stored length. */
  length: number;
  /** CRC-32C of the stored bytes. */
  crc: number;
}

/**
 * Find the SHARD section in the section table (the first read of an index holds the whole table).
 *
 * @param head The first bytes of the index, through its section table.
 * @returns Where the section lies, or undefined when there is none.
 */
export function findShardSection(head: Uint8Array): ShardSectionEntry | undefined {
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const sections = view.getUint32(20, true);
  for (let i = 0; i < sections && FIXED_HEADER_SIZE + (i + 1) * SECTION_ENTRY_SIZE <= head.length; i++) {
    const base = FIXED_HEADER_SIZE + i * SECTION_ENTRY_SIZE;
    if (view.getUint16(base, true) !== SectionType.SHARD) continue;
    return {
      offset: Number(view.getBigUint64(base + 8, true)),
      length: Number(view.getBigUint64(base + 16, true)),
      crc: view.getUint32(base + 24, true),
    };
  }
  return undefined;
}

/**
 * Decode a SHARD section's payload, checking its CRC-32C and version.
 *
 * @param payload The section's bytes.
 * @param entry Where it lies and its CRC.
 * @param name The index's name, for messages.
 * @returns The shard's part and sources.
 * @throws {CloudFitsError} `BAD_INDEX` for a damaged or unknown-version section.
 */
export function decodeShardSection(payload: Uint8Array, entry: ShardSectionEntry, name: string): ShardInfo {
  if (payload.length !== entry.length || crc32c(payload) !== entry.crc) {
    throw new CloudFitsError("BAD_INDEX", `Cannot read ${name}: its SHARD section fails its CRC-32C`);
  }
  const reader = new ByteReader(payload, `the SHARD section of ${name}`, entry.offset);
  const version = reader.varint();
  if (version !== SHARD_VERSION) throw reader.fail(`unknown SHARD version ${version}`);
  const index = reader.varint();
  const count = reader.varint();
  const sources = Array.from({ length: reader.count("sources", payload.length) }, () => reader.string());
  const dataUrl = reader.varint() === 1 ? reader.string() : undefined;
  return { index, count, sources, ...(dataUrl !== undefined ? { dataUrl } : {}) };
}
