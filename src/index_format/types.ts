/**
 * Types of the cloudfits binary index (FCI v1, see docs/index-format.md).
 *
 * @module
 */

import type { Hdu } from "../fits/layout.ts";
import type { AccessPoint } from "../gzip/inflate.ts";

/** A whole-file gzip object's inflated size and the access points reads start at. */
export interface GzipIndex {
  /** Size of the inflated file in bytes. */
  size: number;
  /** Access points, ascending: where inflating can resume, each with the 32 KiB window before it. */
  points: AccessPoint[];
}
import type { ShardInfo } from "./shard.ts";
import type { FootprintRecord } from "./sky_cells.ts";

/** One indexed FITS file: where it is, the validators it was indexed against, and its HDUs. */
export interface IndexedFile {
  /** Path or object key relative to the index's data root, `/`-separated. */
  path: string;
  /** Object size in bytes. */
  size: number;
  /** Strong ETag when the file came from object storage, without its quotes (never a weak `W/` tag). */
  etag?: string;
  /** Last-Modified or mtime, in Unix milliseconds. */
  lastModified?: number;
  /** Indexer that produced this record (defaults to the index's `indexer` when encoding). */
  indexer?: string;
  /**
   * False when the index keeps only the structural cards of each header (encoded with
   * `headerText: false`): the rebuilt `Header` then lacks the other cards. True (or absent) when the
   * headers are byte-exact.
   */
  headerComplete?: boolean;
  /** Every HDU, as `walkHdus` describes it (for a gzip file: offsets in the inflated bytes). */
  hdus: Hdu[];
  /** Present when the object is whole-file gzip (`.fits.gz`): its inflated size and access points. */
  gzip?: GzipIndex;
  /**
   * For a TESS FFI cube: its frame summary as stored in the FRAMES section (`encodeFrameBlock`),
   * carried as is when an index is rewritten.
   */
  frames?: Uint8Array;
}

/** Where an index's files live and who made it. */
export interface IndexSource {
  /** Data root the file paths are relative to, e.g. `s3://stpubdata/tess/public/mast` (no credentials). */
  dataUrl?: string;
  /** Creation time in Unix milliseconds (default: now). */
  createdMs?: number;
  /** Name and version of the indexer (default `cloudfits`). */
  indexer?: string;
}

/** Options of `encodeIndex`. */
export interface EncodeIndexOptions extends IndexSource {
  /** Keep every header byte-exact (default true); false keeps only the structural cards. */
  headerText?: boolean;
  /** For one shard of a sharded run: its part and source specification (an optional SHARD section). */
  shard?: ShardInfo;
  /**
   * Sky footprints of the HDUs with a celestial WCS (see `footprintOf`): when given, even empty, the
   * index gets a sky directory (sections SKY and SKY_CELLS) that `findPosition` searches.
   */
  footprints?: Iterable<FootprintRecord>;
}

/** One BINTABLE or TABLE column, described without inflating header text. */
export interface ColumnSummary {
  /** TTYPEn, or null when absent. */
  name: string | null;
  /** TFORM type code: `L X B I J K A E D C M P Q` for binary tables, `A I F E D` for ASCII tables. */
  type: string;
  /** Repeat count (binary tables; 1 for ASCII tables). */
  repeat: number;
  /** Byte offset of the field within a row (prefix sum, or TBCOLn − 1 for ASCII tables). */
  offset: number;
  /** Bytes the field takes in a row. */
  width: number;
  /** Digits after the point of an ASCII `Fw.d`, `Ew.d` or `Dw.d` field. */
  decimals?: number;
  /** Element type of a variable-length array (`P` or `Q` columns). */
  vlaType?: string;
  /** Maximum element count of a variable-length array, when TFORM states it. */
  vlaMax?: number;
  /** TSCALn. */
  scale?: number;
  /** TZEROn. */
  zero?: number;
  /** TNULLn: an integer for binary tables, a string for ASCII tables. */
  null?: bigint | string;
  /** TDIMn as written, e.g. `(2,3)`. */
  dim?: string;
  /** TUNITn. */
  unit?: string;
}

/** The planning summary of one HDU, decoded without inflating header text. */
export interface HduSummary extends Omit<Hdu, "header"> {
  /** BSCALE, when present. */
  bscale?: number;
  /** BZERO, when present. */
  bzero?: number;
  /** BLANK, when present. */
  blank?: bigint;
  /** EXTNAME, or null. */
  extname: string | null;
  /** EXTVER, or null. */
  extver: number | null;
  /** THEAP, when the header sets it. */
  theap?: number;
  /** CRC-32C of the original header bytes. */
  headerCrc: number;
  /** Table columns (empty for images, or when the TFORMs could not be parsed). */
  columns: ColumnSummary[];
}

/** The planning summary of one file. */
export interface FileSummary {
  /** Path relative to the data root. */
  path: string;
  /** Object size in bytes. */
  size: number;
  /** ETag, when recorded. */
  etag?: string;
  /** Last-Modified or mtime in Unix milliseconds, when recorded. */
  lastModified?: number;
  /** Indexer that produced the record. */
  indexer: string;
  /** Whether full header text is stored. */
  headerComplete: boolean;
  /** HDU summaries. */
  hdus: HduSummary[];
  /** Present when the object is whole-file gzip: its inflated size and how many access points it has. */
  gzip?: { size: number; points: number };
}
