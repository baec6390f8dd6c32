/**
 * Image pixels: BITPIX, BSCALE/BZERO scaling, BLANK, the unsigned conventions, and fast big-endian
 * decoding into typed arrays, following astropy's semantics.
 *
 * @module
 */
import { CloudFitsError } from "../errors.ts";
import { toHostOrder } from "./byte_order.ts";
import {
  BITPIX_DTYPE,
  conventionDtype,
  conventionZero,
  type Dtype,
  elementSize,
  LITTLE_ENDIAN_HOST,
  type TypedArray,
  viewArray,
} from "./dtype.ts";
import type { HeaderValue } from "./header.ts";
import type { Hdu } from "./layout.ts";

/** An N-dimensional array in numpy (C) order: the last axis varies fastest. */
export interface ImageArray {
  /** Axis lengths, slowest first (numpy order: the reverse of NAXISn). */
  shape: number[];
  /** Element type of `data`. */
  dtype: Dtype;
  /**
   * The elements, `shape` product of them. A typed array: `JSON.stringify` writes it as an object keyed
   * by index (a `BigInt64Array` or `BigUint64Array` throws), so convert it first, e.g. `Array.from(data)`
   * (bigints: `Array.from(data, String)`); NaN and infinities become `null` in JSON.
   */
  data: TypedArray;
}

/** How to turn an image HDU's stored values into physical values. */
export interface ImageInfo {
  /** Axis lengths in numpy order (NAXISn reversed; `[GCOUNT, NAXISn, …, NAXIS2]` for random groups). */
  shape: number[];
  /** Element type of physical values, as astropy would return them. */
  dtype: Dtype;
  /** Element type of the stored values (BITPIX). */
  storedDtype: Dtype;
  /** BSCALE (1 when absent). */
  bscale: number;
  /** BZERO (0 when absent). */
  bzero: number;
  /** BLANK of an integer image, or null; only applied when the physical type is float. */
  blank: number | bigint | null;
}

/** Decoding settings. */
export interface DecodeOptions {
  /** Return stored values (BITPIX type, no scaling or BLANK). */
  raw?: boolean;
}

/**
 * Work out an image HDU's shape and the type of its physical values, as astropy does.
 *
 * BITPIX 8 is unsigned, 16/32/64 signed, -32/-64 float. With BSCALE 1, BZERO 2^15, 2^31 or 2^63 mark
 * uint16, uint32 and uint64, and BITPIX 8 with BZERO -128 marks int8. Any other scaling gives float32
 * (BITPIX 8, 16, -32) or float64 (32, 64, -64). BLANK without scaling also gives a float type, so that
 * blank pixels can become NaN.
 *
 * @param hdu A PRIMARY or IMAGE HDU (any HDU with BITPIX and NAXISn).
 * @returns Shape, types and scaling.
 * @throws {CloudFitsError} `BAD_HEADER` when BSCALE, BZERO or BLANK are not numbers.
 *
 * @example Unsigned 16-bit data
 * ```ts ignore
 * import { imageInfo } from "./image.ts";
 *
 * console.log(imageInfo(hdu)); // { shape: [1, 6], dtype: "uint16", storedDtype: "int16", bscale: 1, bzero: 32768, blank: null }
 * ```
 */
export function imageInfo(hdu: Hdu): ImageInfo {
  const storedDtype = BITPIX_DTYPE[hdu.bitpix];
  const bscale = scalingKeyword(hdu, "BSCALE", 1);
  const bzero = scalingKeyword(hdu, "BZERO", 0);
  const blankValue = hdu.bitpix > 0 ? hdu.header.get("BLANK") : undefined;
  const blank =
    typeof blankValue === "number" && Number.isInteger(blankValue) || typeof blankValue === "bigint"
      ? blankValue
      : null;
  return {
    // Random groups: the arrays of GCOUNT groups (NAXIS1 = 0 is only a marker).
    shape: hdu.type === "GROUPS" ? [hdu.gcount, ...hdu.axes.slice(1).toReversed()] : hdu.axes.toReversed(),
    dtype: physicalDtype(hdu.bitpix, bscale, bzero, blank),
    storedDtype,
    bscale,
    bzero,
    blank,
  };
}

function physicalDtype(bitpix: number, bscale: number, bzero: number, blank: number | bigint | null): Dtype {
  const convention = conventionDtype(BITPIX_DTYPE[bitpix], bscale, bzero);
  if (convention !== null) return convention;
  if (bscale === 1 && bzero === 0 && blank === null) return BITPIX_DTYPE[bitpix];
  if (bitpix === -64 || bitpix === 32 || bitpix === 64) return "float64";
  return "float32";
}

function scalingKeyword(hdu: Hdu, keyword: string, fallback: number): number {
  const value: HeaderValue | undefined = hdu.header.get(keyword);
  if (value === undefined || value === null) return fallback;
  // BZERO = 9223372036854775808 parses exactly as a bigint; as a double it is exactly 2^63.
  if (typeof value === "bigint") return Number(value);
  if (typeof value === "number") return value;
  throw new CloudFitsError(
    "BAD_HEADER",
    `Cannot use ${keyword} ${
      JSON.stringify(value)
    } of HDU ${hdu.index} at offset ${hdu.headerOffset}: not a number`,
    { offset: hdu.headerOffset },
  );
}

/**
 * Decode big-endian stored pixels into physical values (or stored values with `raw`).
 *
 * @param bytes Stored bytes, a whole number of elements; not modified.
 * @param info The image's types and scaling, from {@linkcode imageInfo}.
 * @param options `raw` to skip scaling and BLANK.
 * @returns A new typed array of `info.dtype` (or `info.storedDtype` when raw).
 *
 * @example Decoding two big-endian int16 values
 * ```ts
 * import { decodeImageData, type ImageInfo } from "./image.ts";
 *
 * const info: ImageInfo = { shape: [2], dtype: "int16", storedDtype: "int16", bscale: 1, bzero: 0, blank: null };
 * console.log(decodeImageData(new Uint8Array([0x00, 0x01, 0xff, 0xfe]), info)); // Int16Array(2) [ 1, -2 ]
 * ```
 */
export function decodeImageData(bytes: Uint8Array, info: ImageInfo, options: DecodeOptions = {}): TypedArray {
  return decodeImageParts([bytes], info, options);
}

/**
 * Decode stored pixels that arrive in pieces (the runs of a section, in order) into one new typed array,
 * copying each piece once: the copy and the byte swap are one pass.
 *
 * @param parts Stored bytes, each a whole number of elements; not modified (they may be views into a
 *   cache or a larger buffer).
 * @param info The image's types and scaling, from {@linkcode imageInfo}.
 * @param options `raw` to skip scaling and BLANK.
 * @returns A new typed array of `info.dtype` (or `info.storedDtype` when raw) holding all the pieces.
 * @throws {RangeError} when a piece is not a whole number of elements.
 *
 * @example Two runs of big-endian int16 values
 * ```ts ignore
 * import { decodeImageParts, type ImageInfo } from "./image.ts";
 *
 * const info: ImageInfo = { shape: [2], dtype: "int16", storedDtype: "int16", bscale: 1, bzero: 0, blank: null };
 * console.log(decodeImageParts([new Uint8Array([0, 1]), new Uint8Array([0xff, 0xfe])], info)); // Int16Array(2) [ 1, -2 ]
 * ```
 */
export function decodeImageParts(
  parts: readonly Uint8Array[],
  info: ImageInfo,
  options: DecodeOptions = {},
): TypedArray {
  const size = elementSize(info.storedDtype);
  let total = 0;
  for (const part of parts) total += wholeElements(part, size, info.storedDtype);
  const dtype = options.raw ? info.storedDtype : info.dtype;
  const flipSign = flipsSign(dtype);
  const bytes = new Uint8Array(total);
  if (size >= 4) {
    // Pieces start at multiples of the element size in a fresh buffer: aligned for the word writes.
    let at = 0;
    for (const part of parts) {
      toHostOrder(part, bytes.subarray(at, at + part.length), size, flipSign);
      at += part.length;
    }
  } else {
    // 16-bit swaps run two elements per 32-bit word, over the whole (aligned) result at once.
    let at = 0;
    for (const part of parts) {
      bytes.set(part, at);
      at += part.length;
    }
    toHostOrder(bytes, bytes, size, flipSign);
  }
  return finishDecode(bytes, info, dtype, flipSign);
}

/**
 * Decode like {@linkcode decodeImageData}, swapping bytes in place: `bytes` must be a fresh array that
 * the caller gives up (it starts at offset 0 of its own buffer).
 *
 * @param bytes Stored bytes in an owned, aligned buffer; overwritten.
 * @param info The image's types and scaling.
 * @param options `raw` to skip scaling and BLANK.
 * @returns A typed array of the physical (or stored) values, possibly over the same buffer.
 *
 * @example Decoding without a copy
 * ```ts
 * import { decodeOwnedImageData, type ImageInfo } from "./image.ts";
 *
 * const info: ImageInfo = { shape: [1], dtype: "float32", storedDtype: "float32", bscale: 1, bzero: 0, blank: null };
 * console.log(decodeOwnedImageData(new Uint8Array([0x3f, 0x80, 0, 0]), info)); // Float32Array(1) [ 1 ]
 * ```
 */
export function decodeOwnedImageData(
  bytes: Uint8Array,
  info: ImageInfo,
  options: DecodeOptions = {},
): TypedArray {
  const size = elementSize(info.storedDtype);
  wholeElements(bytes, size, info.storedDtype);
  if (bytes.byteOffset % 8 !== 0) {
    throw new RangeError("Cannot decode image data in place: the bytes must start on an 8-byte boundary");
  }
  const dtype = options.raw ? info.storedDtype : info.dtype;
  const flipSign = flipsSign(dtype);
  toHostOrder(bytes, bytes, size, flipSign);
  return finishDecode(bytes, info, dtype, flipSign);
}

function wholeElements(bytes: Uint8Array, size: number, storedDtype: Dtype): number {
  if (bytes.length % size !== 0) {
    throw new RangeError(
      `Cannot decode ${bytes.length} bytes as ${storedDtype}: not a whole number of elements`,
    );
  }
  return bytes.length;
}

/** The unsigned conventions (and int8) store value − 2^(bits−1): flipping the top bit adds it back. */
function flipsSign(dtype: Dtype): boolean {
  return conventionZero(dtype) !== null;
}

/** Host-order stored bytes (or, with the sign flipped, the unsigned values) as the physical array. */
function finishDecode(bytes: Uint8Array, info: ImageInfo, dtype: Dtype, flipSign: boolean): TypedArray {
  const stored = viewArray(bytes, flipSign ? dtype : info.storedDtype);
  if (flipSign || dtype === info.storedDtype) return stored;
  return scale(stored, info, dtype);
}

/**
 * physical = BZERO + BSCALE × stored, computed the way numpy does for astropy: in float32 for a float32
 * result (each step rounded), in float64 otherwise; stored == BLANK becomes NaN.
 */
function scale(stored: TypedArray, info: ImageInfo, dtype: Dtype): Float32Array | Float64Array {
  const n = stored.length;
  if (dtype === "float32") {
    const out = new Float32Array(n);
    out.set(stored as Exclude<TypedArray, BigInt64Array | BigUint64Array>);
    scaleFloat32(out, info.bscale, info.bzero);
    if (info.blank !== null) markBlanks(stored, info.blank, out);
    return out;
  }
  const out = new Float64Array(n);
  if (stored instanceof BigInt64Array) int64ToFloat64(stored, out);
  else out.set(stored as Exclude<TypedArray, BigInt64Array | BigUint64Array>);
  scaleFloat64(out, info.bscale, info.bzero);
  if (info.blank !== null) markBlanks(stored, info.blank, out);
  return out;
}

// One loop per output type keeps each loop monomorphic, which is what makes it fast.
function scaleFloat32(out: Float32Array, bscale: number, bzero: number): void {
  const s = Math.fround(bscale);
  const z = Math.fround(bzero);
  const n = out.length;
  if (bscale !== 1 && bzero !== 0) { for (let i = 0; i < n; i++) out[i] = Math.fround(out[i] * s) + z; }
  else if (bscale !== 1) { for (let i = 0; i < n; i++) out[i] *= s; }
  else if (bzero !== 0) { for (let i = 0; i < n; i++) out[i] += z; }
}

function scaleFloat64(out: Float64Array, bscale: number, bzero: number): void {
  const n = out.length;
  if (bscale !== 1 && bzero !== 0) { for (let i = 0; i < n; i++) out[i] = out[i] * bscale + bzero; }
  else if (bscale !== 1) { for (let i = 0; i < n; i++) out[i] *= bscale; }
  else if (bzero !== 0) { for (let i = 0; i < n; i++) out[i] += bzero; }
}

/** hi × 2^32 + lo is one rounding of the exact value, as numpy's int64 → float64 cast. */
function int64ToFloat64(stored: BigInt64Array, out: Float64Array): void {
  const n = stored.length;
  const signed = new Int32Array(stored.buffer, stored.byteOffset, n * 2);
  const unsigned = new Uint32Array(stored.buffer, stored.byteOffset, n * 2);
  const lo = LITTLE_ENDIAN_HOST ? 0 : 1;
  const hi = 1 - lo;
  for (let i = 0; i < n; i++) out[i] = signed[2 * i + hi] * 4294967296 + unsigned[2 * i + lo];
}

function markBlanks(stored: TypedArray, blank: number | bigint, out: Float32Array | Float64Array): void {
  if (stored instanceof BigInt64Array) {
    const target = BigInt(blank);
    for (let i = 0; i < stored.length; i++) if (stored[i] === target) out[i] = NaN;
    return;
  }
  const target = Number(blank);
  const values = stored as Exclude<TypedArray, BigInt64Array | BigUint64Array>;
  for (let i = 0; i < values.length; i++) if (values[i] === target) out[i] = NaN;
}
