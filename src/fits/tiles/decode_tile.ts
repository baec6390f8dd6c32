/**
 * Decode one tile of a tile-compressed image with its codec. Its own module, apart from the description
 * of the tiles in `../compressed.ts`, so that the codecs load only when a compressed image is read.
 *
 * @module
 */
import { CloudFitsError } from "../../errors.ts";
import {
  allocateArray,
  type Dtype,
  elementSize,
  isArrayOf,
  LITTLE_ENDIAN_HOST,
  type NumericTypeCode,
  TFORM_DTYPE,
  type TypedArray,
  viewArray,
} from "../dtype.ts";
import type { CompressedImageInfo, StoredTile, TileStorage } from "../compressed.ts";
import { dequantizeTile } from "./dither.ts";
import { gunzipExactly, unshuffleBytes } from "./gzip.ts";
import { decodeHcompress } from "./hcompress.ts";
import { decodePlio } from "./plio.ts";
import { decodeRice } from "./rice.ts";

/**
 * Decode one tile into values of ZBITPIX's type (dequantized floats for quantized images), in FITS
 * order within the tile (NAXIS1 fastest).
 *
 * @param storage The image's tile storage, from `describeTileStorage`.
 * @param tile The tile's bytes and per-tile values.
 * @returns `tile.pixelCount` values: Uint8Array, Int16Array, Int32Array, BigInt64Array, Float32Array or
 *   Float64Array for ZBITPIX 8, 16, 32, 64, −32, −64.
 * @throws {CloudFitsError} `UNSUPPORTED` for algorithm/type combinations cfitsio does not write; `BAD_HEADER` or `TRUNCATED` for a damaged tile; `BAD_HEADER` for a quantized tile without
 *   ZSCALE or ZZERO.
 *
 * @example Decoding a NOCOMPRESS tile held in UNCOMPRESSED_DATA
 * ```ts ignore
 * import { describeTileStorage } from "../compressed.ts";
 * import { decodeTile } from "./decode_tile.ts";
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
