/**
 * Element types, shared by images, compressed images and tables: the stored type of each BITPIX and
 * numeric TFORM code, the typed array of each type, and the integer conventions (BZERO/TZERO of
 * 2^15, 2^31, 2^63, or −128 with BITPIX 8 / TFORM B) that turn a signed stored type into an unsigned
 * one, or the reverse.
 *
 * | dtype | BITPIX | TFORM | typed array | convention |
 * |---|---|---|---|---|
 * | uint8 | 8 | B | Uint8Array | |
 * | int8 | | | Int8Array | uint8 with zero −128 |
 * | int16 | 16 | I | Int16Array | |
 * | uint16 | | | Uint16Array | int16 with zero 2^15 |
 * | int32 | 32 | J | Int32Array | |
 * | uint32 | | | Uint32Array | int32 with zero 2^31 |
 * | int64 | 64 | K | BigInt64Array | |
 * | uint64 | | | BigUint64Array | int64 with zero 2^63 |
 * | float32 | −32 | E | Float32Array | |
 * | float64 | −64 | D | Float64Array | |
 *
 * @module
 */

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

/** The typed arrays that hold decoded values, one per {@linkcode Dtype}. */
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

/** Whether this machine stores numbers little-endian (FITS is big-endian, so most hosts swap). */
export const LITTLE_ENDIAN_HOST: boolean = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The numeric BINTABLE TFORM codes (also the element codes of VLAs that hold numbers). */
export type NumericTypeCode = "B" | "I" | "J" | "K" | "E" | "D";

/**
 * The stored element type of each BITPIX value (also ZBITPIX of compressed images).
 *
 * @example The type of BITPIX −32
 * ```ts
 * import { BITPIX_DTYPE } from "./dtype.ts";
 *
 * console.log(BITPIX_DTYPE[-32]); // "float32"
 * ```
 */
export const BITPIX_DTYPE: Readonly<Record<number, Dtype>> = {
  8: "uint8",
  16: "int16",
  32: "int32",
  64: "int64",
  [-32]: "float32",
  [-64]: "float64",
};

/**
 * The stored element type of each numeric TFORM code.
 *
 * @example The type of a `J` column
 * ```ts
 * import { TFORM_DTYPE } from "./dtype.ts";
 *
 * console.log(TFORM_DTYPE.J); // "int32"
 * ```
 */
export const TFORM_DTYPE: Readonly<Record<NumericTypeCode, Dtype>> = {
  B: "uint8",
  I: "int16",
  J: "int32",
  K: "int64",
  E: "float32",
  D: "float64",
};

interface TypedArrayConstructor {
  readonly BYTES_PER_ELEMENT: number;
  new (length: number): TypedArray;
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): TypedArray;
}

const ARRAY_TYPES: Readonly<Record<Dtype, TypedArrayConstructor>> = {
  uint8: Uint8Array,
  int8: Int8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  int64: BigInt64Array,
  uint64: BigUint64Array,
  float32: Float32Array,
  float64: Float64Array,
};

/**
 * The integer conventions: a stored type whose values, offset by an exact zero (BZERO or TZERO, with
 * a scale of 1), are those of another integer type.
 */
const CONVENTIONS: readonly { stored: Dtype; zero: bigint; dtype: Dtype }[] = [
  { stored: "uint8", zero: -128n, dtype: "int8" },
  { stored: "int16", zero: 2n ** 15n, dtype: "uint16" },
  { stored: "int32", zero: 2n ** 31n, dtype: "uint32" },
  { stored: "int64", zero: 2n ** 63n, dtype: "uint64" },
];

/**
 * Bytes per element of a dtype.
 *
 * @param dtype The element type.
 * @returns 1, 2, 4 or 8.
 *
 * @example Sizes of two types
 * ```ts
 * import { elementSize } from "./dtype.ts";
 *
 * console.log(elementSize("float32"), elementSize("uint64")); // 4 8
 * ```
 */
export function elementSize(dtype: Dtype): number {
  return ARRAY_TYPES[dtype].BYTES_PER_ELEMENT;
}

/**
 * A new, zero-filled typed array of a dtype.
 *
 * @param dtype The element type.
 * @param length Elements.
 * @returns The array.
 *
 * @example Three uint16 zeros
 * ```ts
 * import assert from "node:assert/strict";
 * import { allocateArray } from "./dtype.ts";
 *
 * assert.deepEqual(allocateArray("uint16", 3), new Uint16Array(3));
 * ```
 */
export function allocateArray(dtype: Dtype, length: number): TypedArray {
  return new ARRAY_TYPES[dtype](length);
}

/**
 * A typed array of a dtype over the same memory as `bytes`, which must be aligned to the element size
 * and hold a whole number of elements (host byte order: no bytes are swapped).
 *
 * @param bytes The elements' bytes.
 * @param dtype The element type.
 * @returns A view sharing `bytes`' buffer (`bytes` itself for uint8).
 * @throws {RangeError} when `bytes` is misaligned or not a whole number of elements.
 *
 * @example Two int16 in host order
 * ```ts
 * import assert from "node:assert/strict";
 * import { viewArray } from "./dtype.ts";
 *
 * const values = new Int16Array([1, -2]);
 * assert.deepEqual(viewArray(new Uint8Array(values.buffer), "int16"), values);
 * ```
 */
export function viewArray(bytes: Uint8Array, dtype: Dtype): TypedArray {
  if (dtype === "uint8") return bytes;
  return new ARRAY_TYPES[dtype](bytes.buffer, bytes.byteOffset, bytes.length / elementSize(dtype));
}

/**
 * Whether a typed array is the array type of a dtype.
 *
 * @param values A typed array.
 * @param dtype The element type.
 * @returns True when `values` is, say, a `Uint16Array` and `dtype` is `uint16`.
 *
 * @example A Float64Array is not uint16
 * ```ts
 * import { isArrayOf } from "./dtype.ts";
 *
 * console.log(isArrayOf(new Float64Array(1), "uint16"), isArrayOf(new Uint16Array(1), "uint16")); // false true
 * ```
 */
export function isArrayOf(values: TypedArray, dtype: Dtype): boolean {
  return values.constructor === ARRAY_TYPES[dtype];
}

/**
 * The type that a stored integer type with BSCALE/TSCAL `scale` and BZERO/TZERO `zero` decodes to under
 * the integer conventions, or null when they do not apply. `zero` must equal the offset exactly.
 *
 * @param stored The stored type (from BITPIX or TFORM).
 * @param scale BSCALE or TSCAL.
 * @param zero BZERO or TZERO, exact (a bigint when beyond 2^53).
 * @returns `int8`, `uint16`, `uint32`, `uint64`, or null.
 *
 * @example TZERO = 2^15 on an `I` column
 * ```ts
 * import { conventionDtype } from "./dtype.ts";
 *
 * console.log(conventionDtype("int16", 1, 32768), conventionDtype("int16", 1, 1)); // "uint16" null
 * ```
 */
export function conventionDtype(stored: Dtype, scale: number, zero: number | bigint): Dtype | null {
  if (scale !== 1) return null;
  const convention = CONVENTIONS.find((c) => c.stored === stored);
  if (convention === undefined) return null;
  const exact = typeof zero === "bigint" ? zero === convention.zero : zero === Number(convention.zero);
  return exact ? convention.dtype : null;
}

/**
 * The offset that a convention type adds to its stored values (the BZERO/TZERO that marks it), or
 * null for types that are not a convention.
 *
 * @param dtype A decoded type.
 * @returns −128n for int8, 2n ** 15n for uint16, 2n ** 31n for uint32, 2n ** 63n for uint64, else null.
 *
 * @example The offset of uint32
 * ```ts
 * import { conventionZero } from "./dtype.ts";
 *
 * console.log(conventionZero("uint32"), conventionZero("int32")); // 2147483648n null
 * ```
 */
export function conventionZero(dtype: Dtype): bigint | null {
  return CONVENTIONS.find((c) => c.dtype === dtype)?.zero ?? null;
}
