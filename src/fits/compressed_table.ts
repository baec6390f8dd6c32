/**
 * Tile-compressed tables (`ZTABLE = T`, as cfitsio's `fpack -table` writes them): how the rows are tiled
 * and compressed (`compressed_table_decode.ts` decodes the tiles, loaded when such a table is read).
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
import type { TableCompression, TableLayout, TableTiling } from "./table_layout.ts";

const ALGORITHMS = new Set(["GZIP_1", "GZIP_2", "RICE_1"]);
/** Bytes per pixel of the types RICE_1 compresses. */
export const RICE_BYTES: Readonly<Record<string, number>> = { B: 1, I: 2, J: 4 };

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
