/**
 * Tile-compressed images (a BINTABLE with `ZIMAGE = T`): the image they hold, how it is tiled, where
 * each tile's bytes live, and how to decode one tile (RICE_1, GZIP_1, GZIP_2, PLIO_1, HCOMPRESS_1,
 * NOCOMPRESS and quantized floats with or without dithering).
 *
 * @module
 */
import { CloudFitsError } from "../errors.ts";
import type { HeaderValue } from "./header.ts";
import {
  allocateArray,
  BITPIX_DTYPE,
  type Dtype,
  elementSize,
  isArrayOf,
  LITTLE_ENDIAN_HOST,
  type NumericTypeCode,
  TFORM_DTYPE,
  type TypedArray,
  viewArray,
} from "./dtype.ts";
import type { Hdu } from "./layout.ts";
import type { Column, TableLayout } from "./table_layout.ts";
import { describeTable } from "./tform.ts";
import { dequantizeTile, type QuantizeMethod } from "./tiles/dither.ts";
import { gunzipExactly, unshuffleBytes } from "./tiles/gzip.ts";
import { decodeHcompress } from "./tiles/hcompress.ts";
import { decodePlio } from "./tiles/plio.ts";
import { decodeRice } from "./tiles/rice.ts";

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

/**
 * Decode one tile into values of ZBITPIX's type (dequantized floats for quantized images), in FITS
 * order within the tile (NAXIS1 fastest).
 *
 * @param storage The image's tile storage, from {@linkcode describeTileStorage}.
 * @param tile The tile's bytes and per-tile values.
 * @returns `tile.pixelCount` values: Uint8Array, Int16Array, Int32Array, BigInt64Array, Float32Array or
 *   Float64Array for ZBITPIX 8, 16, 32, 64, −32, −64.
 * @throws {CloudFitsError} `UNSUPPORTED` for algorithm/type combinations cfitsio does not write; `BAD_HEADER` or `TRUNCATED` for a damaged tile; `BAD_HEADER` for a quantized tile without
 *   ZSCALE or ZZERO.
 *
 * @example Decoding a NOCOMPRESS tile held in UNCOMPRESSED_DATA
 * ```ts ignore
 * import { decodeTile, describeTileStorage } from "./compressed.ts";
 *
 * const storage = describeTileStorage(hdu);
 * const values = await decodeTile(storage, { row: 0, pixelCount: 30, axes: [30, 1], column: "UNCOMPRESSED_DATA", bytes, zscale: null, zzero: null, zblank: null });
 * ```
 */
export async function decodeTile(storage: TileStorage, tile: StoredTile): Promise<TypedArray> {
  const { info, quantize, columns } = storage;
  const count = tile.pixelCount;
  const fail = (code: "UNSUPPORTED" | "BAD_HEADER", reason: string): CloudFitsError =>
    new CloudFitsError(code, `Cannot decode ${info.compression} tile ${tile.row + 1}: ${reason}`);

  if (tile.column === "UNCOMPRESSED_DATA") {
    const code = (columns.uncompressed?.elementType ?? "B") as NumericTypeCode;
    return convert(readBigEndian(tile.bytes, TFORM_DTYPE[code], count), storage.dtype);
  }
  if (tile.column === "GZIP_COMPRESSED_DATA") {
    // Tiles that could not be quantized: the original pixels, gzip-compressed.
    const size = Math.abs(info.zbitpix) / 8;
    return readBigEndian(await gunzipExactly(tile.bytes, count * size), storage.dtype, count);
  }

  // COMPRESSED_DATA: integers (quantized for floats), or raw floats for lossless GZIP.
  const integerDtype: Dtype = quantize ? "int32" : storage.dtype;
  let integers: TypedArray;
  switch (info.compression) {
    case "RICE_1": {
      if (!quantize && info.zbitpix < 0) {
        throw fail("UNSUPPORTED", "RICE_1 needs integer or quantized pixels");
      }
      const bytePix = parameter(info, "BYTEPIX", 4);
      const blockSize = parameter(info, "BLOCKSIZE", 32);
      integers = decodeRice(tile.bytes, count, bytePix, blockSize);
      break;
    }
    case "GZIP_1":
    case "GZIP_2": {
      const size = integerDtype === "int32" ? 4 : Math.abs(info.zbitpix) / 8;
      let raw = await gunzipExactly(tile.bytes, count * size);
      if (info.compression === "GZIP_2") raw = unshuffleBytes(raw, size);
      integers = readBigEndian(raw, integerDtype, count);
      break;
    }
    case "PLIO_1":
      if (!quantize && info.zbitpix < 0) {
        throw fail("UNSUPPORTED", "PLIO_1 needs integer or quantized pixels");
      }
      integers = decodePlio(readBigEndian(tile.bytes, "int16", tile.bytes.length >> 1) as Int16Array, count);
      break;
    case "NOCOMPRESS": {
      const size = integerDtype === "int32" ? 4 : Math.abs(info.zbitpix) / 8;
      if (tile.bytes.length !== count * size) {
        throw fail("BAD_HEADER", `${tile.bytes.length} bytes do not hold ${count} pixels of ${size} bytes`);
      }
      integers = readBigEndian(tile.bytes, integerDtype, count);
      break;
    }
    case "HCOMPRESS_1": {
      if (!quantize && info.zbitpix < 0) {
        throw fail("UNSUPPORTED", "HCOMPRESS_1 needs integer or quantized pixels");
      }
      if (tile.axes.slice(2).some((n) => n !== 1)) {
        throw fail("UNSUPPORTED", `HCOMPRESS_1 needs 2-D tiles, not ${tile.axes.join(" × ")}`);
      }
      const smooth = parameter(info, "SMOOTH", 0) === 1;
      integers = decodeHcompress(tile.bytes, tile.axes[0] ?? 1, tile.axes[1] ?? 1, { smooth });
      break;
    }
  }
  if (!quantize) return convert(integers, storage.dtype);

  const scale = tile.zscale ?? storage.zscale;
  const zero = tile.zzero ?? storage.zzero;
  if (scale === null || zero === null) throw fail("BAD_HEADER", "a quantized tile needs ZSCALE and ZZERO");
  const out = storage.dtype === "float64" ? new Float64Array(count) : new Float32Array(count);
  const values = integers instanceof Int32Array ? integers : Int32Array.from(integers as Int16Array);
  dequantizeTile(values, {
    method: quantize,
    scale,
    zero,
    blank: tile.zblank ?? storage.zblank,
    tile: tile.row + 1,
    dither0: storage.dither0,
  }, out);
  return out;
}

function parameter(info: CompressedImageInfo, name: string, fallback: number): number {
  const value = info.parameters[name];
  return typeof value === "number" && Number.isSafeInteger(value) ? value : fallback;
}

/** Copy `count` big-endian elements into a native typed array. */
function readBigEndian(bytes: Uint8Array, dtype: Dtype, count: number): TypedArray {
  const size = elementSize(dtype);
  if (bytes.length < count * size) {
    throw new CloudFitsError(
      "TRUNCATED",
      `Cannot read ${count} ${dtype} values from a ${bytes.length}-byte tile`,
    );
  }
  const copy = new Uint8Array(count * size);
  copy.set(bytes.subarray(0, count * size));
  if (LITTLE_ENDIAN_HOST && size > 1) {
    const half = size >> 1;
    for (let i = 0; i < copy.length; i += size) {
      for (let lo = i, hi = i + size - 1; lo < i + half; lo++, hi--) {
        const byte = copy[lo];
        copy[lo] = copy[hi];
        copy[hi] = byte;
      }
    }
  }
  return viewArray(copy, dtype);
}

/** Values in ZBITPIX's array type (a tile's integers may come narrower or wider than the image). */
function convert(values: TypedArray, dtype: Dtype): TypedArray {
  if (isArrayOf(values, dtype)) return values;
  const target = allocateArray(dtype, values.length);
  if (target instanceof BigInt64Array || target instanceof BigUint64Array) {
    for (let i = 0; i < values.length; i++) target[i] = BigInt(Math.trunc(Number(values[i])));
  } else if (values instanceof BigInt64Array || values instanceof BigUint64Array) {
    for (let i = 0; i < values.length; i++) target[i] = Number(values[i]);
  } else {
    (target as Float64Array).set(values as Float64Array);
  }
  return target;
}
