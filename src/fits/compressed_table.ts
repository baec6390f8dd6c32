/**
 * Tile-compressed tables (`ZTABLE = T`, as cfitsio's `fpack -table` writes them): how the rows are tiled
 * and compressed, and how to decode one column of one tile back into the bytes the table had.
 *
 * Each stored row is one tile of `ZTILELEN` rows; each stored column is a byte array (`1QB`) holding the
 * tile's values of that column, column-major, compressed with ZCTYPn: GZIP_1, GZIP_2 (the bytes of every
 * 2-, 4- and 8-byte I, J, K, E, D value gathered by significance before gzip) or RICE_1 (B, I, J). A
 * variable-length column stores, gzipped, the tile's original descriptors followed by one 16-byte
 * (length, heap offset) pointer per row to that row's array, compressed on its own in the heap (stored
 * as is when compressing did not shrink it).
 *
 * @module
 */
import { CloudFitsError } from "../errors.ts";
import { badKeyword } from "./bad_keyword.ts";
import type { Hdu } from "./layout.ts";
import { cellBytes, readVlaDescriptor, vlaCellLength, type VlaDescriptor } from "./table_decode.ts";
import type { Column, TableCompression, TableLayout, TableTiling } from "./table_layout.ts";
import { gunzipExactly, gzipMaxInflated, unshuffleBytes } from "./tiles/gzip.ts";
import { decodeRice, riceMaxPixels } from "./tiles/rice.ts";

const ALGORITHMS = new Set(["GZIP_1", "GZIP_2", "RICE_1"]);
/** Element sizes of the fixed-width types whose bytes GZIP_2 shuffles (cfitsio leaves C and M alone). */
const SHUFFLED_FIXED: Readonly<Record<string, number>> = { I: 2, J: 4, E: 4, K: 8, D: 8 };
/** Element sizes by which GZIP_2 shuffles a variable-length array (cfitsio shuffles C by 8 bytes here). */
const SHUFFLED_VLA: Readonly<Record<string, number>> = { I: 2, J: 4, E: 4, K: 8, D: 8, C: 8 };
/** Bytes per pixel of the types RICE_1 compresses. */
const RICE_BYTES: Readonly<Record<string, number>> = { B: 1, I: 2, J: 4 };
/** Bytes of the pointer to a row's compressed array: a 64-bit length and a 64-bit heap offset. */
const POINTER_BYTES = 16;

/**
 * Describe how a compressed table is tiled, from its stored layout and Z keywords.
 *
 * @param hdu The compressed table's HDU.
 * @param stored The stored BINTABLE's layout.
 * @param table The table it stands for.
 * @returns The tiling.
 * @throws {CloudFitsError} `BAD_HEADER` for a ZTILELEN that does not match the stored rows or columns that
 *   are not byte arrays; `UNSUPPORTED` for an unknown ZCTYPn.
 *
 * @example
 * ```ts ignore
 * const tiling = describeTableTiling(hdu, storedLayout, tableLayout);
 * console.log(tiling.tileRows, tiling.algorithms);
 * ```
 */
export function describeTableTiling(hdu: Hdu, stored: TableLayout, table: TableLayout): TableTiling {
  const header = hdu.header;
  const tileRows = header.getInteger("ZTILELEN");
  if (tileRows === undefined || tileRows < 1) {
    throw badKeyword(hdu, "ZTILELEN", tileRows, "expected a positive number of rows per tile");
  }
  const tiles = Math.ceil(table.rowCount / tileRows);
  if (tiles !== stored.rowCount) {
    throw badKeyword(
      hdu,
      "ZTILELEN",
      tileRows,
      `${tiles} tiles of ${table.rowCount} rows, but NAXIS2 is ${stored.rowCount}`,
    );
  }
  if (stored.columns.length !== table.columns.length) {
    throw badKeyword(
      hdu,
      "TFIELDS",
      stored.columns.length,
      "a compressed table stores one column per column",
    );
  }
  const algorithms = table.columns.map((column, i): TableCompression => {
    const keyword = `ZCTYP${column.index}`;
    const value = header.getString(keyword)?.trim().toUpperCase() ?? "GZIP_2";
    if (!ALGORITHMS.has(value)) {
      throw new CloudFitsError(
        "UNSUPPORTED",
        `Cannot read column ${column.index} of the compressed table in HDU ${hdu.index}: unknown ${keyword} '${value}'`,
        { offset: hdu.headerOffset },
      );
    }
    const storedColumn = stored.columns[i];
    if (storedColumn.elementType !== "B" && column.width > 0) {
      throw badKeyword(
        hdu,
        `TFORM${column.index}`,
        storedColumn.tform,
        "a compressed column is a byte array (1QB)",
      );
    }
    if (value === "RICE_1" && RICE_BYTES[column.elementType ?? column.typeCode] === undefined) {
      throw badKeyword(hdu, keyword, value, `RICE_1 compresses only B, I and J columns, not ${column.tform}`);
    }
    return value as TableCompression;
  });
  return { stored, tileRows, algorithms };
}

/**
 * The rows held by tile `tile`: `[first, stop)`.
 *
 * @param tiling The tiling.
 * @param rowCount The table's rows.
 * @param tile A tile number, 0-based.
 * @returns The first row and the row after the last.
 *
 * @example The last tile of 300 rows in tiles of 64
 * ```ts ignore
 * console.log(tileRowRange(tiling, 300, 4)); // [256, 300]
 * ```
 */
export function tileRowRange(tiling: TableTiling, rowCount: number, tile: number): [number, number] {
  const first = tile * tiling.tileRows;
  return [first, Math.min(rowCount, first + tiling.tileRows)];
}

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
