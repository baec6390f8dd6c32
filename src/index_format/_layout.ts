/**
 * Constants of the FCI v1 layout (the assembly of an index is `_assemble.ts`).
 *
 * @module
 */

/** `\x89 F C I \r \n \x1A \n`. */
export const MAGIC: Uint8Array = new Uint8Array([0x89, 0x46, 0x43, 0x49, 0x0d, 0x0a, 0x1a, 0x0a]);
/** Major version written and understood. */
export const MAJOR_VERSION = 1;
/** Minor version written: 0, or 1 for a catalog (two directory levels). */
export const MINOR_VERSION = 0;
/** Minor version of a catalog. */
export const CATALOG_MINOR_VERSION = 1;
/** Size of the fixed header. */
export const FIXED_HEADER_SIZE = 64;
/** Size of one section-table entry. */
export const SECTION_ENTRY_SIZE = 32;
/**
 * The budget the encoder keeps the open region (fixed header, section table, META, the directory or its
 * root) within, and the least a reader must fetch first. `findPosition` fetches exactly this first: it
 * needs the section table, then the sky root, a node and a page, which lie after the leaves. A 64 KiB
 * first read would save it about one request on an index of up to about a thousand files (52-440 KB
 * measured) and cost 48 KiB more on every lookup of a large catalog, where it saves none (10,000 files,
 * 3.2 MB: 4 reads either way; bench/find_scale.ts at 3,000 and 30,000 footprints: 2.8 and 2.9 reads
 * either way, 18 and 26 KB per lookup against 67 and 75 KB). Incremental indexing takes the section
 * table from this much of the opening read it keeps (no request).
 */
export const FIRST_READ = 16384;
/**
 * Bytes cloudfits fetches first when it opens an index (`decodeIndex`; `mergeShards` makes it for each
 * shard, for its SHARD check and then the opening): 64 KiB, so that a small index (one TESS cube with its
 * frame summary and sky directory, 23-33 KB) arrives whole in one read, and a catalog still opens in at
 * most three reads of at most 64 KiB (`CATALOG_READ`). A merge that read 16 KiB first fetched the rest of
 * these 64 KiB in a second request and some of it again (4 shards of 24-30 KB: 12 requests for 148 KB,
 * against 4 for their 107 KB). A merge holds each shard's opening read to the end: 64 MB for 1,000 shards.
 */
export const OPEN_READ = 65536;
/** Upper bound on the section count a reader accepts. */
export const MAX_SECTIONS = 256;

/**
 * Section types: META and DIRECTORY (v1.0, required); SHARD (optional: `shard.ts`); FRAMES (optional:
 * `frames.ts`); ROOT and PAGES (required, instead of DIRECTORY, in a catalog: required feature CATALOG).
 * SKY and SKY_CELLS (optional: `sky_cells.ts`).
 */
export const SectionType = {
  META: 1,
  DIRECTORY: 2,
  SHARD: 4,
  FRAMES: 5,
  SKY: 6,
  SKY_CELLS: 7,
  ROOT: 8,
  PAGES: 9,
} as const;
/** Upper bound of a leaf and of a directory page in a catalog: each is one read of at most this. */
export const CATALOG_READ = 65536;
/** Section-entry flag: a reader that does not know the section's type must refuse the index. */
export const SECTION_REQUIRED = 1;
/** Section codecs. */
export const Codec = { NONE: 0, DEFLATE_RAW: 1 } as const;

/**
 * Required feature flags of the fixed header. GZIP: some file records carry a whole-file gzip part
 * (file flag GZIP), so a reader that cannot inflate must refuse the index rather than read compressed
 * bytes at inflated offsets. CATALOG: the directory has two levels (ROOT, then PAGES of leaf entries),
 * so a reader that knows only DIRECTORY must refuse the index.
 */
export const RequiredFeature = { GZIP: 1, CATALOG: 2 } as const;
/** Required feature flags this reader knows. */
export const KNOWN_REQUIRED_FEATURES = RequiredFeature.GZIP | RequiredFeature.CATALOG;
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

/**
 * A section too large to hold in memory (a sky directory's cells, the frame summaries of many cubes):
 * its length and CRC-32C are known, its bytes come from temporary storage when the index is written.
 */
export interface StreamedSection {
  type: number;
  flags: number;
  length: number;
  crc: number;
  /** The bytes, in order (may be asked for more than once: at every checkpoint, then at the end). */
  chunks(): AsyncIterable<Uint8Array>;
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
