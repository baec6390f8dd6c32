/**
 * Tile-compressed images (a BINTABLE with `ZIMAGE = T`): the image they hold, how it is tiled and where
 * each tile's bytes live. Decoding one tile is `tiles/decode_tile.ts`.
 *
 * @module
 */
import { CloudFitsError } from "../errors.ts";
import type { HeaderValue } from "./header.ts";
import { BITPIX_DTYPE, type Dtype } from "./dtype.ts";
import type { Hdu } from "./layout.ts";
import type { Column, TableLayout } from "./table_layout.ts";
import { describeTable } from "./tform.ts";
import type { QuantizeMethod } from "./tiles/dither.ts";

/** Compression algorithms of the tiled-image convention. */
export type CompressionType = "RICE_1" | "GZIP_1" | "GZIP_2" | "HCOMPRESS_1" | "PLIO_1" | "NOCOMPRESS";

/** What a tile-compressed HDU holds, read from its Z keywords. */
export interface CompressedImageInfo {
  /** BITPIX of the uncompressed image (ZBITPIX). */
  zbitpix: number;
  /** Image shape in numpy order (ZNAXISn reversed). */
  shape: number[];
  /** Tile shape in numpy order (ZTILEn reversed; default one image row per tile). */
  tileShape: number[];
  /** Number of tiles: Π ceil(ZNAXISi / ZTILEi), which equals the table's row count. */
  tileCount: number;
  /** ZCMPTYPE (`RICE_ONE` is reported as `RICE_1`). */
  compression: CompressionType;
  /** ZQUANTIZ, or null when absent (floats then use NO_DITHER). */
  quantize: string | null;
  /** ZDITHER0, or null when absent. */
  dither0: number | null;
  /** Algorithm parameters from ZNAMEi/ZVALi (e.g. BLOCKSIZE, BYTEPIX, SCALE, SMOOTH). */
  parameters: Record<string, HeaderValue>;
}

const ALGORITHMS = new Set<string>(["RICE_1", "GZIP_1", "GZIP_2", "HCOMPRESS_1", "PLIO_1", "NOCOMPRESS"]);
const VALID_ZBITPIX = new Set([8, 16, 32, 64, -32, -64]);

/**
 * Describe a tile-compressed image HDU: image shape, ZBITPIX, tiling and algorithm. No decoding.
 *
 * @param hdu An HDU of type `COMPRESSED_IMAGE`.
 * @returns The compressed image's description.
 * @throws {CloudFitsError} `BAD_HEADER` for missing or invalid Z keywords, or a tile count that does not
 * match NAXIS2; `UNSUPPORTED` for an unknown ZCMPTYPE; `USAGE` when the HDU is not a compressed image.
 *
 * @example Describing an fpack file's image
 * ```ts ignore
 * import { walkHdus } from "@cloudfits/core";
 * import { describeCompressedImage } from "./compressed.ts";
 * import { openFileSource } from "@cloudfits/core/file";
 *
 * const { hdus } = await walkHdus(await openFileSource("testdata/compressed_rice.fits"));
 * const info = describeCompressedImage(hdus[1]);
 * console.log(info.compression, info.zbitpix, info.shape, info.tileCount);
 * ```
 */
export function describeCompressedImage(hdu: Hdu): CompressedImageInfo {
  const where = `HDU ${hdu.index} at offset ${hdu.headerOffset}`;
  const bad = (message: string): CloudFitsError =>
    new CloudFitsError("BAD_HEADER", `Cannot describe the compressed image of ${where}: ${message}`, {
      offset: hdu.headerOffset,
    });
  if (hdu.type !== "COMPRESSED_IMAGE") {
    throw new CloudFitsError("USAGE", `Cannot describe ${where} as a compressed image: it is a ${hdu.type}`, {
      offset: hdu.headerOffset,
    });
  }
  const header = hdu.header;
  const integer = (keyword: string): number | undefined => {
    const value = header.get(keyword);
    if (value === undefined) return undefined;
    if (typeof value !== "number" || !Number.isSafeInteger(value)) {
      throw bad(`${keyword} ${JSON.stringify(String(value))} is not an integer`);
    }
    return value;
  };

  const zbitpix = integer("ZBITPIX");
  if (zbitpix === undefined || !VALID_ZBITPIX.has(zbitpix)) {
    throw bad(`invalid ZBITPIX ${zbitpix ?? "(missing)"}`);
  }
  const znaxis = integer("ZNAXIS");
  if (znaxis === undefined || znaxis < 0 || znaxis > 999) {
    throw bad(`invalid ZNAXIS ${znaxis ?? "(missing)"}`);
  }
  const axes: number[] = [];
  const tiles: number[] = [];
  for (let i = 1; i <= znaxis; i++) {
    const n = integer(`ZNAXIS${i}`);
    if (n === undefined || n < 0) throw bad(`invalid ZNAXIS${i} ${n ?? "(missing)"}`);
    axes.push(n);
    // Default tiling: one image row per tile.
    const tile = integer(`ZTILE${i}`) ?? (i === 1 ? n : 1);
    if (tile < 1 && n > 0) throw bad(`invalid ZTILE${i} ${tile}`);
    tiles.push(tile);
  }
  const tileCount = axes.reduce((count, n, i) => count * (n === 0 ? 0 : Math.ceil(n / tiles[i])), 1);
  const rows = hdu.axes[1] ?? 0;
  if (tileCount !== rows) throw bad(`${tileCount} tiles from ZNAXISn and ZTILEn, but NAXIS2 is ${rows}`);

  const typeValue = header.get("ZCMPTYPE");
  const name = typeof typeValue === "string" ? typeValue.trim().toUpperCase() : "";
  const compression = name === "RICE_ONE" ? "RICE_1" : name;
  if (!ALGORITHMS.has(compression)) {
    throw new CloudFitsError(
      "UNSUPPORTED",
      `Cannot describe the compressed image of ${where}: unknown ZCMPTYPE ${
        JSON.stringify(typeValue ?? null)
      }`,
      { offset: hdu.headerOffset },
    );
  }

  const parameters: Record<string, HeaderValue> = {};
  for (let i = 1;; i++) {
    const key = header.get(`ZNAME${i}`);
    if (typeof key !== "string") break;
    parameters[key.trim().toUpperCase()] = header.get(`ZVAL${i}`) ?? null;
  }
  const quantize = header.get("ZQUANTIZ");
  return {
    zbitpix,
    shape: axes.toReversed(),
    tileShape: tiles.toReversed(),
    tileCount,
    compression: compression as CompressionType,
    quantize: typeof quantize === "string" ? quantize.trim() : null,
    dither0: integer("ZDITHER0") ?? null,
    parameters,
  };
}

// ---------------------------------------------------------------------------------------------------
// Tile storage and decoding

/** The columns of a compressed image's table that hold tiles and per-tile values (null when absent). */
export interface TileColumns {
  /** COMPRESSED_DATA: the tile compressed with ZCMPTYPE (a `P` or `Q` VLA). */
  compressed: Column | null;
  /** GZIP_COMPRESSED_DATA: a tile that could not be quantized, gzip-compressed losslessly. */
  gzipCompressed: Column | null;
  /** UNCOMPRESSED_DATA: a tile stored as plain big-endian values. */
  uncompressed: Column | null;
  /** ZSCALE per tile. */
  zscale: Column | null;
  /** ZZERO per tile. */
  zzero: Column | null;
  /** ZBLANK per tile. */
  zblank: Column | null;
}

/** Everything needed to locate and decode the tiles of a compressed image. */
export interface TileStorage {
  /** The image, its tiling and algorithm. */
  info: CompressedImageInfo;
  /** The table layout (row size, heap offset and size). */
  table: TableLayout;
  /** The tile and per-tile value columns. */
  columns: TileColumns;
  /** How floats were quantized, or null for integer images and lossless floats (ZQUANTIZ = 'NONE'). */
  quantize: QuantizeMethod | null;
  /** ZDITHER0 (1 when absent, as cfitsio assumes). */
  dither0: number;
  /** ZSCALE keyword, used when there is no ZSCALE column. */
  zscale: number | null;
  /** ZZERO keyword, used when there is no ZZERO column. */
  zzero: number | null;
  /** ZBLANK keyword (or BLANK, as cfitsio falls back to), used when there is no ZBLANK column. */
  zblank: number | null;
  /** Element type of the decoded tile: ZBITPIX's (quantized tiles are dequantized to it). */
  dtype: Dtype;
}

/** One tile as read from its table row and the heap. */
export interface StoredTile {
  /** The tile's table row, 0-based (the tile number minus one). */
  row: number;
  /** Pixels in the tile (edge tiles are smaller than ZTILEn). */
  pixelCount: number;
  /** Tile shape in FITS order (NAXIS1 first), clipped at the image edge. */
  axes: number[];
  /** Which column the bytes come from. */
  column: "COMPRESSED_DATA" | "GZIP_COMPRESSED_DATA" | "UNCOMPRESSED_DATA";
  /** The stored bytes. */
  bytes: Uint8Array;
  /** ZSCALE of this tile, or null. */
  zscale: number | null;
  /** ZZERO of this tile, or null. */
  zzero: number | null;
  /** ZBLANK of this tile, or null. */
  zblank: number | null;
}

const QUANTIZE_METHODS = new Set(["NO_DITHER", "SUBTRACTIVE_DITHER_1", "SUBTRACTIVE_DITHER_2"]);

/**
 * Describe where a compressed image keeps its tiles: the tile columns, per-tile or header ZSCALE,
 * ZZERO and ZBLANK, and the quantization.
 *
 * @param hdu An HDU of type `COMPRESSED_IMAGE`.
 * @param table The table layout, when already computed.
 * @returns The tile storage.
 * @throws {CloudFitsError} as {@linkcode describeCompressedImage}; `BAD_HEADER` when no tile column
 *   exists or a column has the wrong type; `UNSUPPORTED` for an unknown ZQUANTIZ.
 *
 * @example Which columns hold the tiles
 * ```ts ignore
 * import { describeTileStorage } from "./compressed.ts";
 *
 * const storage = describeTileStorage(hdu);
 * console.log(storage.info.compression, storage.columns.compressed?.tform, storage.quantize);
 * ```
 */
export function describeTileStorage(hdu: Hdu, table?: TableLayout): TileStorage {
  const info = describeCompressedImage(hdu);
  const layout = table ?? describeTable(hdu);
  const where = `HDU ${hdu.index} at offset ${hdu.headerOffset}`;
  const bad = (message: string): CloudFitsError =>
    new CloudFitsError("BAD_HEADER", `Cannot read the tiles of ${where}: ${message}`, {
      offset: hdu.headerOffset,
    });
  const find = (name: string, kinds: string): Column | null => {
    const column = layout.columns.find((c) => c.name.toUpperCase() === name) ?? null;
    if (column === null) return null;
    const code = column.elementType ?? column.typeCode;
    const isArray = column.elementType !== null;
    if (
      (kinds === "vla") !== isArray || (kinds !== "vla" && !kinds.includes(code)) ||
      (!isArray && column.repeat !== 1)
    ) {
      throw bad(`column ${name} has TFORM${column.index} '${column.tform}'`);
    }
    if (isArray && !"BIJKED".includes(code)) {
      throw bad(`column ${name} has TFORM${column.index} '${column.tform}'`);
    }
    return column;
  };
  const columns: TileColumns = {
    compressed: find("COMPRESSED_DATA", "vla"),
    gzipCompressed: find("GZIP_COMPRESSED_DATA", "vla"),
    uncompressed: find("UNCOMPRESSED_DATA", "vla"),
    zscale: find("ZSCALE", "EDJI"),
    zzero: find("ZZERO", "EDJI"),
    zblank: find("ZBLANK", "BIJ"),
  };
  if (!columns.compressed && !columns.gzipCompressed && !columns.uncompressed) {
    throw bad("it has no COMPRESSED_DATA, GZIP_COMPRESSED_DATA or UNCOMPRESSED_DATA column");
  }
  const header = hdu.header;
  const number = (keyword: string): number | null => {
    const value = header.get(keyword);
    if (value === undefined || value === null) return null;
    if (typeof value !== "number") throw bad(`${keyword} ${JSON.stringify(String(value))} is not a number`);
    return value;
  };
  const zscale = number("ZSCALE");
  const hasScale = columns.zscale !== null || zscale !== null;
  let quantize: QuantizeMethod | null = null;
  const method = info.quantize?.toUpperCase() ?? "NO_DITHER";
  if (info.zbitpix < 0 && hasScale && method !== "NONE") {
    if (!QUANTIZE_METHODS.has(method)) {
      throw new CloudFitsError(
        "UNSUPPORTED",
        `Cannot read the tiles of ${where}: unknown ZQUANTIZ '${info.quantize}'`,
        {
          offset: hdu.headerOffset,
        },
      );
    }
    quantize = method as QuantizeMethod;
  } else if (info.zbitpix > 0 && hasScale) {
    throw new CloudFitsError(
      "UNSUPPORTED",
      `Cannot read the tiles of ${where}: rescaled integer tiles (ZSCALE with ZBITPIX ${info.zbitpix}) are not supported`,
      { offset: hdu.headerOffset },
    );
  }
  const blank = number("ZBLANK") ?? (info.zbitpix > 0 ? null : number("BLANK"));
  return {
    info,
    table: layout,
    columns,
    quantize,
    dither0: info.dither0 ?? 1,
    zscale,
    zzero: number("ZZERO"),
    zblank: blank,
    dtype: BITPIX_DTYPE[info.zbitpix],
  };
}
