/**
 * Decode one column of one tile of a tile-compressed table back into the bytes the table had, and the
 * variable-length arrays its rows point to (the layout is in `compressed_table.ts`). Its own module, so
 * that the codecs load only when a compressed table is read.
 *
 * @module
 */
import { CloudFitsError } from "../errors.ts";
import { cellBytes, readVlaDescriptor, vlaCellLength, type VlaDescriptor } from "./table_decode.ts";
import type { Column, TableCompression } from "./table_layout.ts";
import { gunzipExactly, unshuffleBytes } from "./tiles/gzip.ts";
import { decodeRice } from "./tiles/rice.ts";
import { gzipMaxInflated, riceMaxPixels } from "./tiles/limits.ts";
import { RICE_BYTES } from "./compressed_table.ts";

/** Element sizes of the fixed-width types whose bytes GZIP_2 shuffles (cfitsio leaves C and M alone). */
const SHUFFLED_FIXED: Readonly<Record<string, number>> = { I: 2, J: 4, E: 4, K: 8, D: 8 };
/** Element sizes by which GZIP_2 shuffles a variable-length array (cfitsio shuffles C by 8 bytes here). */
const SHUFFLED_VLA: Readonly<Record<string, number>> = { I: 2, J: 4, E: 4, K: 8, D: 8, C: 8 };
/** Bytes of the pointer to a row's compressed array: a 64-bit length and a 64-bit heap offset. */
const POINTER_BYTES = 16;

async function inflate(bytes: Uint8Array, length: number, what: string): Promise<Uint8Array> {
  if (length > gzipMaxInflated(bytes.length) + 64) {
    throw new CloudFitsError(
      "BAD_HEADER",
      `Cannot decode ${what}: ${bytes.length} compressed bytes cannot hold the ${length} bytes it claims`,
    );
  }
  return await gunzipExactly(bytes, length);
}

function unrice(bytes: Uint8Array, count: number, bytePix: number, what: string): Uint8Array {
  if (count > riceMaxPixels(bytes.length, bytePix, 32)) {
    throw new CloudFitsError(
      "BAD_HEADER",
      `Cannot decode ${what}: ${bytes.length} Rice bytes cannot hold the ${count} values it claims`,
    );
  }
  const values = decodeRice(bytes, count, bytePix, 32);
  const out = new Uint8Array(count * bytePix);
  const view = new DataView(out.buffer);
  for (let i = 0; i < count; i++) {
    if (bytePix === 1) out[i] = values[i];
    else if (bytePix === 2) view.setInt16(2 * i, values[i]);
    else view.setInt32(4 * i, values[i]);
  }
  return out;
}

/**
 * Decode one column of one tile: the big-endian bytes of its `rows` cells, one after the other, as the
 * table held them (for a variable-length column: its descriptors, then one 16-byte pointer per row).
 *
 * @param column The column of the table (not of the stored BINTABLE).
 * @param algorithm Its ZCTYPn.
 * @param bytes The stored, compressed bytes of the tile's column.
 * @param rows Rows in the tile.
 * @returns `rows × width` bytes (`rows × (width + 16)` for a variable-length column).
 * @throws {CloudFitsError} `BAD_HEADER` when the bytes do not decode to exactly that length.
 *
 * @example A GZIP_1 column of two 16-bit values
 * ```ts ignore
 * const cells = await decodeTileColumn(column, "GZIP_1", gzipped, 2); // 4 bytes
 * ```
 */
export async function decodeTileColumn(
  column: Column,
  algorithm: TableCompression,
  bytes: Uint8Array,
  rows: number,
): Promise<Uint8Array> {
  const what = `column ${column.index} of a ${rows}-row tile`;
  if (column.elementType !== null) return await inflate(bytes, rows * (column.width + POINTER_BYTES), what);
  const length = rows * column.width;
  if (algorithm === "RICE_1") {
    const bytePix = RICE_BYTES[column.typeCode];
    return unrice(bytes, length / bytePix, bytePix, what);
  }
  const plain = await inflate(bytes, length, what);
  const size = SHUFFLED_FIXED[column.typeCode];
  return algorithm === "GZIP_2" && size !== undefined ? unshuffleBytes(plain, size) : plain;
}

/** Where one row's variable-length array lies: as the table described it, and as the tile stores it. */
export interface TileVlaPointer {
  /** The row's descriptor in the original table (the element count is what matters). */
  original: VlaDescriptor;
  /** The compressed array: its length in bytes and its offset in the stored heap. */
  stored: VlaDescriptor;
}

/**
 * Read the pointer of row `row` of a tile's decoded variable-length column.
 *
 * @param column The variable-length column.
 * @param decoded The tile's column, from {@linkcode decodeTileColumn}.
 * @param rows Rows in the tile.
 * @param row The row within the tile, 0-based.
 * @returns The row's original descriptor and the stored array's length and heap offset.
 *
 * @example
 * ```ts ignore
 * const { original, stored } = tileVlaPointer(column, decoded, 64, 3);
 * ```
 */
export function tileVlaPointer(
  column: Column,
  decoded: Uint8Array,
  rows: number,
  row: number,
): TileVlaPointer {
  const original = readVlaDescriptor(cellBytes(decoded, row * column.width), column.typeCode === "Q");
  const stored = readVlaDescriptor(cellBytes(decoded, rows * column.width + row * POINTER_BYTES), true);
  return { original, stored };
}

/**
 * Decode one row's variable-length array from its stored bytes.
 *
 * @param column The variable-length column.
 * @param algorithm Its ZCTYPn.
 * @param bytes The stored bytes (`stored.count` of them).
 * @param count The row's element count.
 * @returns The array's big-endian bytes, as the table's heap held them.
 *
 * @example
 * ```ts ignore
 * const heapBytes = await decodeTileVla(column, "GZIP_2", stored, 5);
 * ```
 */
export async function decodeTileVla(
  column: Column,
  algorithm: TableCompression,
  bytes: Uint8Array,
  count: number,
): Promise<Uint8Array> {
  const code = column.elementType!;
  const length = vlaCellLength(code, count);
  // Arrays that did not shrink are stored as they were.
  if (bytes.length === length) return bytes;
  const what = `a ${count}-element array of column ${column.index}`;
  if (algorithm === "RICE_1") return unrice(bytes, count, RICE_BYTES[code], what);
  const plain = await inflate(bytes, length, what);
  const size = SHUFFLED_VLA[code];
  return algorithm === "GZIP_2" && size !== undefined ? unshuffleBytes(plain, size) : plain;
}
