/**
 * The JSON shapes of the `cloudfits` command line, usable from the library too: header cards, HDU
 * summaries (`ls`) and image arrays (`cutout`). JSON cannot hold 64-bit integers, NaN or infinities, so
 * integers beyond ±2^53 become decimal strings and non-finite floats become `"NaN"`, `"Infinity"` and
 * `"-Infinity"`.
 *
 * @module
 */
import { isCompressedTable } from "./fits/compressed_header.ts";
import type { Header, JsonCard } from "./fits/header.ts";
export { headerValueToJson, type JsonCard, type JsonHeaderValue } from "./fits/header.ts";
import type { Hdu } from "./fits/layout.ts";
import type { TypedArray } from "./fits/dtype.ts";

/** One HDU as `cloudfits ls --format json` prints it (there with `shape` in FITS order). */
export interface JsonHduSummary {
  /** 0-based HDU number. */
  index: number;
  /** PRIMARY, IMAGE, BINTABLE, TABLE, COMPRESSED_IMAGE, GROUPS or OTHER. */
  type: string;
  /** EXTNAME, or null. */
  extname: string | null;
  /** Integer EXTVER, or null. */
  extver: number | null;
  /** BITPIX as on disk (ZBITPIX for a compressed image). */
  bitpix: number;
  /**
   * Numpy-order shape (slowest axis first, as the library returns arrays): the image; `[rows]` for
   * tables; `[GCOUNT, …]` for random groups. `cloudfits ls` prints it reversed, in FITS order, with
   * this order as `numpyShape`.
   */
  shape: number[];
  /** Byte offset of the header. */
  headerOffset: number;
  /** Byte offset of the data. */
  dataOffset: number;
  /** Data size in bytes, without padding. */
  dataSize: number;
}

/**
 * Convert a header's cards to JSON, in order.
 *
 * @param header A parsed header.
 * @returns One object per card (END excluded).
 *
 * @example
 * ```ts ignore
 * import { cardsToJson } from "./json.ts";
 *
 * console.log(JSON.stringify(cardsToJson(hdu.header)));
 * ```
 */
export function cardsToJson(header: Header): JsonCard[] {
  return header.toJSON().cards;
}

/**
 * Summarise an HDU the way `cloudfits ls --format json` prints it.
 *
 * @param hdu An HDU record from a walk or an index.
 * @returns The JSON summary.
 *
 * @example
 * ```ts ignore
 * import { hduSummary } from "./json.ts";
 *
 * console.log(fits.hdus.map(hduSummary));
 * ```
 */
export function hduSummary(hdu: Hdu): JsonHduSummary {
  return {
    index: hdu.index,
    type: hdu.type,
    extname: hdu.extname,
    extver: hdu.extver,
    bitpix: hdu.type === "COMPRESSED_IMAGE" ? hdu.header.getInteger("ZBITPIX") ?? hdu.bitpix : hdu.bitpix,
    shape: hduShape(hdu),
    headerOffset: hdu.headerOffset,
    dataOffset: hdu.dataOffset,
    dataSize: hdu.dataSize,
  };
}

/**
 * The numpy-order shape of an HDU's data: the image for images (compressed ones too), `[rows]` for
 * tables (compressed ones too), `[GCOUNT, …]` for random groups, `[]` when there is no data.
 *
 * @param hdu An HDU record.
 * @returns Axis lengths, slowest first.
 *
 * @example
 * ```ts ignore
 * import { hduShape } from "./json.ts";
 *
 * console.log(hduShape(cube.hdus[1])); // [2078, 2136, 1282, 2]
 * ```
 */
export function hduShape(hdu: Hdu): number[] {
  switch (hdu.type) {
    case "BINTABLE":
      // A tile-compressed table holds ZNAXIS2 rows, whatever the rows of tiles that store them.
      return [(isCompressedTable(hdu) ? hdu.header.getInteger("ZNAXIS2") : undefined) ?? hdu.axes[1] ?? 0];
    case "TABLE":
      return [hdu.axes[1] ?? 0];
    case "GROUPS":
      return [hdu.gcount, ...hdu.axes.slice(1).reverse()];
    case "COMPRESSED_IMAGE": {
      const naxis = hdu.header.getInteger("ZNAXIS") ?? 0;
      const axes: number[] = [];
      for (let i = naxis; i >= 1; i--) axes.push(hdu.header.getInteger(`ZNAXIS${i}`) ?? 0);
      return axes;
    }
    default:
      return [...hdu.axes].reverse();
  }
}

/**
 * Convert one number to JSON: non-finite floats become strings, integers beyond ±2^53 decimal strings.
 *
 * @param value A number or bigint.
 * @returns A JSON-safe number or string.
 *
 * @example
 * ```ts
 * import { numberToJson } from "./json.ts";
 *
 * console.log(numberToJson(NaN), numberToJson(2n ** 63n), numberToJson(-0)); // "NaN" "9223372036854775808" -0
 * ```
 */
export function numberToJson(value: number | bigint): number | string {
  if (typeof value === "bigint") {
    return value >= -9007199254740991n && value <= 9007199254740991n ? Number(value) : value.toString();
  }
  if (Number.isFinite(value)) return value;
  return Number.isNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity";
}

/**
 * Convert a typed array to a JSON array with {@linkcode numberToJson}.
 *
 * @param data Decoded values.
 * @returns A plain array safe for `JSON.stringify`.
 *
 * @example
 * ```ts
 * import { arrayToJson } from "./json.ts";
 *
 * console.log(arrayToJson(new Float32Array([1, NaN]))); // [1, "NaN"]
 * ```
 */
export function arrayToJson(data: TypedArray): (number | string)[] {
  const out: (number | string)[] = new Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = numberToJson(data[i]);
  return out;
}
