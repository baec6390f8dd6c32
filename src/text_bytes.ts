/**
 * Text output built as UTF-8 bytes in one growing buffer and handed out a chunk at a time: numbers are
 * written digit by digit (float32 in its shortest round-trip form), with no string per value, so
 * `cutout` and `table` print millions of values a second.
 *
 * @module
 */
import { writeInteger, writeShortFloat64 } from "./ascii_digits.ts";
import type { TypedArray } from "./fits/dtype.ts";
import { writeFloat32 } from "./float32_text.ts";

/** How numbers are spelled where JSON numbers cannot hold them. */
export interface NumberTextStyle {
  /** Text of a null cell (a BLANK or TNULL value): `null` in JSON, empty in CSV. */
  nullText: string;
  /** Whether NaN, ±Infinity and integers beyond 2^53 are quoted (JSON) or left bare (CSV). */
  quote: boolean;
}

/** The JSON spelling of values. */
export const JSON_NUMBER_STYLE: NumberTextStyle = { nullText: "null", quote: true };

/** The CSV spelling of values. */
export const CSV_NUMBER_STYLE: NumberTextStyle = { nullText: "", quote: false };

/** The most bytes one number takes (a float32: 22; an integer: 17; a float64 `String`: 25). */
const NUMBER_ROOM = 32;

/**
 * UTF-8 text being built: append pieces, then {@linkcode TextBytes.take} the bytes so far.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { TextBytes } from "./text_bytes.ts";
 *
 * const out = new TextBytes();
 * out.text("π=");
 * out.float32(Math.fround(3.14159));
 * assert.equal(new TextDecoder().decode(out.take()), "π=3.14159");
 * assert.equal(out.length, 0);
 * ```
 */
export class TextBytes {
  #bytes: Uint8Array;
  #end = 0;
  static #encoder = new TextEncoder();

  /** @param capacity The starting size of the buffer (it grows as needed). */
  constructor(capacity = 1 << 16) {
    this.#bytes = new Uint8Array(capacity);
  }

  /** Bytes written since the last {@linkcode TextBytes.take}. */
  get length(): number {
    return this.#end;
  }

  /** Append a string as UTF-8 (as `TextEncoder` encodes it). @param text Any string. */
  text(text: string): void {
    const n = text.length;
    this.#room(n);
    const bytes = this.#bytes;
    const start = this.#end;
    for (let i = 0; i < n; i++) {
      const code = text.charCodeAt(i);
      if (code >= 0x80) {
        this.#room(3 * n);
        this.#end = start + TextBytes.#encoder.encodeInto(text, this.#bytes.subarray(start)).written;
        return;
      }
      bytes[start + i] = code;
    }
    this.#end = start + n;
  }

  /**
   * Append bytes, typically text encoded once and written on every row (a key, a separator): faster
   * than {@linkcode TextBytes.text} for short pieces.
   *
   * @param piece UTF-8 bytes.
   */
  bytes(piece: Uint8Array): void {
    const n = piece.length;
    this.#room(n);
    const bytes = this.#bytes;
    const start = this.#end;
    for (let i = 0; i < n; i++) bytes[start + i] = piece[i];
    this.#end = start + n;
  }

  /** Append one ASCII byte. @param code Its code (`,` is 44, `\n` 10). */
  byte(code: number): void {
    this.#room(1);
    this.#bytes[this.#end++] = code;
  }

  /** Append a safe integer as `String` prints it. @param value An integer within ±2^53. */
  integer(value: number): void {
    this.#room(NUMBER_ROOM);
    this.#end = writeInteger(this.#bytes, this.#end, value);
  }

  /** Append a finite, nonzero float32 in its shortest round-trip form (see `float32Text`). @param value The value. */
  float32(value: number): void {
    this.#room(NUMBER_ROOM);
    this.#end = writeFloat32(this.#bytes, this.#end, value);
  }

  /** Append a finite, nonzero float64 as `String` prints it. @param value The value. */
  float64(value: number): void {
    this.#room(NUMBER_ROOM);
    const end = writeShortFloat64(this.#bytes, this.#end, value);
    if (end < 0) this.text(String(value));
    else this.#end = end;
  }

  /**
   * Hand out the bytes written so far (a copy, kept by the caller) and start again.
   *
   * @returns The UTF-8 bytes.
   */
  take(): Uint8Array {
    const chunk = this.#bytes.slice(0, this.#end);
    this.#end = 0;
    return chunk;
  }

  #room(count: number): void {
    if (this.#end + count <= this.#bytes.length) return;
    const grown = new Uint8Array(Math.max(2 * this.#bytes.length, this.#end + count));
    grown.set(this.#bytes.subarray(0, this.#end));
    this.#bytes = grown;
  }
}

/**
 * A writer of one array's values by index, chosen once for its type: what `numberToJson` gives, printed
 * as `JSON.stringify` prints it, except that float32 values print in their shortest round-trip form
 * (`0.1`, as numpy prints `np.float32(0.1)`) and −0 as `-0.0` (which JavaScript and Python both read
 * back as −0).
 *
 * @param out Where the text goes.
 * @param values Decoded values.
 * @param nulls Optional null flags (nonzero = null), one per value.
 * @param style JSON's spelling by default; CSV passes {@linkcode CSV_NUMBER_STYLE}.
 * @returns A function that appends the text of `values[index]`.
 *
 * @example float32 in its shortest form, NaN and null
 * ```ts
 * import assert from "node:assert/strict";
 * import { CSV_NUMBER_STYLE, numberWriter, TextBytes } from "./text_bytes.ts";
 *
 * const values = new Float32Array([0.1, NaN, -0, 7]);
 * const out = new TextBytes();
 * const write = numberWriter(out, values, new Uint8Array([0, 0, 0, 1]));
 * for (let i = 0; i < values.length; i++) write(i), out.byte(32);
 * const csv = numberWriter(out, values, null, CSV_NUMBER_STYLE);
 * for (let i = 0; i < values.length; i++) csv(i), out.byte(32);
 * assert.equal(new TextDecoder().decode(out.take()), '0.1 "NaN" -0.0 null 0.1 NaN -0.0 7 ');
 * ```
 */
export function numberWriter(
  out: TextBytes,
  values: TypedArray,
  nulls: Uint8Array | null = null,
  style: NumberTextStyle = JSON_NUMBER_STYLE,
): (index: number) => void {
  const write = valueWriter(out, values, style);
  if (nulls === null) return write;
  const nullText = style.nullText;
  return (index) => nulls[index] ? out.text(nullText) : write(index);
}

/** One loop body per array type: the type test is made once per array, not once per value. */
function valueWriter(out: TextBytes, values: TypedArray, style: NumberTextStyle): (index: number) => void {
  if (values instanceof Float32Array) {
    return (index) => {
      const value = values[index];
      if (value - value === 0 && value !== 0) out.float32(value);
      else out.text(specialText(value, style));
    };
  }
  if (values instanceof Float64Array) {
    return (index) => {
      const value = values[index];
      if (value - value === 0 && value !== 0) out.float64(value);
      else out.text(specialText(value, style));
    };
  }
  if (values instanceof BigInt64Array || values instanceof BigUint64Array) {
    return (index) => {
      const value = values[index];
      // JSON numbers hold integers up to 2^53 exactly; larger ones are decimal strings.
      if (value >= -9007199254740991n && value <= 9007199254740991n) out.integer(Number(value));
      else out.text(style.quote ? `"${value}"` : String(value));
    };
  }
  return (index) => out.integer(values[index] as number);
}

/** Zeros, NaN and the infinities. */
function specialText(value: number, style: NumberTextStyle): string {
  if (value === 0) return Object.is(value, -0) ? "-0.0" : "0";
  const text = Number.isNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity";
  return style.quote ? `"${text}"` : text;
}
