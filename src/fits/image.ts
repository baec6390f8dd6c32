/**
 * Image pixels: BITPIX, BSCALE/BZERO scaling, BLANK, the unsigned conventions, and fast big-endian
 * decoding into typed arrays, following astropy's semantics.
 *
 * @module
 */
import { CloudFitsError } from "../errors.ts";
import type { HeaderValue } from "./header.ts";
import type { Hdu } from "./layout.ts";

/** The numpy-style name of an element type. */
export type Dtype =
  | "uint8"
  | "int8"
  | "int16"
  | "uint16"
  | "int32"
  | "uint32"
  | "int64"
  | "uint64"
  | "float32"
  | "float64";

/** The typed arrays that hold image data, one per {@linkcode Dtype}. */
export type TypedArray =
  | Uint8Array
  | Int8Array
  | Int16Array
  | Uint16Array
  | Int32Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array
  | Float32Array
  | Float64Array;

/** An N-dimensional array in numpy (C) order: the last axis varies fastest. */
export interface ImageArray {
  /** Axis lengths, slowest first (numpy order: the reverse of NAXISn). */
  shape: number[];
  /** Element type of `data`. */
  dtype: Dtype;
  /** The elements, `shape` product of them. */
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

const STORED_DTYPE: Record<number, Dtype> = {
  8: "uint8",
  16: "int16",
  32: "int32",
  64: "int64",
  [-32]: "float32",
  [-64]: "float64",
};
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

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
 * import { imageInfo } from "@cloudfits/core";
 *
 * console.log(imageInfo(hdu)); // { shape: [1, 6], dtype: "uint16", storedDtype: "int16", bscale: 1, bzero: 32768, blank: null }
 * ```
 */
export function imageInfo(hdu: Hdu): ImageInfo {
  const storedDtype = STORED_DTYPE[hdu.bitpix];
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
  if (bscale === 1) {
    if (bitpix === 8 && bzero === -128) return "int8";
    if (bitpix === 16 && bzero === 2 ** 15) return "uint16";
    if (bitpix === 32 && bzero === 2 ** 31) return "uint32";
    if (bitpix === 64 && bzero === 2 ** 63) return "uint64";
    if (bzero === 0 && blank === null) return STORED_DTYPE[bitpix];
  }
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
 * import { decodeImageData, type ImageInfo } from "@cloudfits/core";
 *
 * const info: ImageInfo = { shape: [2], dtype: "int16", storedDtype: "int16", bscale: 1, bzero: 0, blank: null };
 * console.log(decodeImageData(new Uint8Array([0x00, 0x01, 0xff, 0xfe]), info)); // Int16Array(2) [ 1, -2 ]
 * ```
 */
export function decodeImageData(bytes: Uint8Array, info: ImageInfo, options: DecodeOptions = {}): TypedArray {
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  return decodeOwnedImageData(copy, info, options);
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
 * import { decodeOwnedImageData, type ImageInfo } from "@cloudfits/core";
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
  if (bytes.length % size !== 0) {
    throw new RangeError(
      `Cannot decode ${bytes.length} bytes as ${info.storedDtype}: not a whole number of elements`,
    );
  }
  if (bytes.byteOffset % 8 !== 0) {
    throw new RangeError("Cannot decode image data in place: the bytes must start on an 8-byte boundary");
  }
  const dtype = options.raw ? info.storedDtype : info.dtype;
  // The unsigned conventions (and int8) store value − 2^(bits−1): flipping the top bit adds it back.
  const flipSign = dtype === "uint16" || dtype === "uint32" || dtype === "uint64" || dtype === "int8";
  if (LITTLE_ENDIAN_HOST && size > 1) swapInPlace(bytes, size, flipSign);
  else if (flipSign) { for (let i = 0; i < bytes.length; i += size) bytes[i] ^= 0x80; }
  const stored = view(bytes, flipSign ? dtype : info.storedDtype);
  if (flipSign || dtype === info.storedDtype) return stored;
  return scale(stored, info, dtype);
}

/** Reverse the bytes of each element (big-endian file to little-endian host), optionally flipping sign bits. */
function swapInPlace(bytes: Uint8Array, size: number, flipSign: boolean): void {
  const words = bytes.length >>> 2;
  const u32 = new Uint32Array(bytes.buffer, bytes.byteOffset, words);
  if (size === 2) {
    // Two 16-bit swaps per 32-bit word: swap bytes within each half.
    const flip = flipSign ? 0x80008000 : 0;
    for (let i = 0; i < words; i++) {
      const x = u32[i];
      u32[i] = (((x & 0x00ff00ff) << 8) | ((x >>> 8) & 0x00ff00ff)) ^ flip;
    }
    if (bytes.length & 2) {
      const last = bytes.length - 2;
      const high = bytes[last];
      bytes[last] = bytes[last + 1];
      bytes[last + 1] = flipSign ? high ^ 0x80 : high;
    }
  } else if (size === 4) {
    const flip = flipSign ? 0x80000000 : 0;
    for (let i = 0; i < words; i++) {
      const x = u32[i];
      u32[i] = ((x << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24)) ^ flip;
    }
  } else {
    const flip = flipSign ? 0x80000000 : 0;
    for (let i = 0; i < words; i += 2) {
      const a = u32[i];
      const b = u32[i + 1];
      u32[i] = (b << 24) | ((b & 0xff00) << 8) | ((b >>> 8) & 0xff00) | (b >>> 24);
      u32[i + 1] = ((a << 24) | ((a & 0xff00) << 8) | ((a >>> 8) & 0xff00) | (a >>> 24)) ^ flip;
    }
  }
}

function view(bytes: Uint8Array, dtype: Dtype): TypedArray {
  const { buffer, byteOffset } = bytes;
  const n = bytes.length / elementSize(dtype);
  switch (dtype) {
    case "uint8":
      return bytes;
    case "int8":
      return new Int8Array(buffer, byteOffset, n);
    case "int16":
      return new Int16Array(buffer, byteOffset, n);
    case "uint16":
      return new Uint16Array(buffer, byteOffset, n);
    case "int32":
      return new Int32Array(buffer, byteOffset, n);
    case "uint32":
      return new Uint32Array(buffer, byteOffset, n);
    case "int64":
      return new BigInt64Array(buffer, byteOffset, n);
    case "uint64":
      return new BigUint64Array(buffer, byteOffset, n);
    case "float32":
      return new Float32Array(buffer, byteOffset, n);
    case "float64":
      return new Float64Array(buffer, byteOffset, n);
  }
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

/**
 * Bytes per element of a dtype.
 *
 * @param dtype The element type.
 * @returns 1, 2, 4 or 8.
 *
 * @example
 * ```ts
 * import { elementSize } from "@cloudfits/core";
 *
 * console.log(elementSize("float32"), elementSize("uint64")); // 4 8
 * ```
 */
export function elementSize(dtype: Dtype): number {
  switch (dtype) {
    case "uint8":
    case "int8":
      return 1;
    case "int16":
    case "uint16":
      return 2;
    case "int32":
    case "uint32":
    case "float32":
      return 4;
    default:
      return 8;
  }
}
