/**
 * Tile-compressed images (a BINTABLE with `ZIMAGE = T`): the image they hold and how it is tiled.
 * Description only; decoding tiles is not supported yet.
 *
 * @module
 */
import { CloudFitsError } from "../errors.ts";
import type { HeaderValue } from "./header.ts";
import type { Hdu } from "./layout.ts";

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
 * import { describeCompressedImage, walkHdus } from "@cloudfits/core";
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
