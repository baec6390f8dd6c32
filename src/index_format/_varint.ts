/**
 * Byte-level primitives of the index format: LEB128 varints (zigzag for signed values), little-endian
 * fixed-width numbers and length-prefixed UTF-8 strings, with a bounds-checked reader.
 *
 * @module
 */

import { CloudFitsError } from "../errors.ts";

const UTF8_DECODER = new TextDecoder("utf-8", { fatal: true });
const UTF8_ENCODER = new TextEncoder();

/** A growable little-endian byte buffer. */
export class ByteWriter {
  #bytes = new Uint8Array(256);
  #view = new DataView(this.#bytes.buffer);
  #length = 0;

  /** Bytes written so far. */
  get length(): number {
    return this.#length;
  }

  #reserve(extra: number): void {
    if (this.#length + extra <= this.#bytes.length) return;
    let capacity = this.#bytes.length * 2;
    while (capacity < this.#length + extra) capacity *= 2;
    const grown = new Uint8Array(capacity);
    grown.set(this.#bytes.subarray(0, this.#length));
    this.#bytes = grown;
    this.#view = new DataView(grown.buffer);
  }

  /** Append one byte. */
  u8(value: number): void {
    this.#reserve(1);
    this.#bytes[this.#length++] = value;
  }

  /** Append an unsigned 32-bit little-endian number. */
  u32(value: number): void {
    this.#reserve(4);
    this.#view.setUint32(this.#length, value, true);
    this.#length += 4;
  }

  /** Append a float64, little-endian. */
  f64(value: number): void {
    this.#reserve(8);
    this.#view.setFloat64(this.#length, value, true);
    this.#length += 8;
  }

  /** Append an unsigned LEB128 varint of a non-negative safe integer. */
  varint(value: number): void {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new RangeError(`Cannot encode varint ${value}: not a non-negative safe integer`);
    }
    while (value >= 0x80) {
      this.u8((value % 0x80) | 0x80);
      value = Math.floor(value / 0x80);
    }
    this.u8(value);
  }

  /** Append a zigzag varint of a safe integer. */
  signed(value: number): void {
    if (!Number.isSafeInteger(value)) {
      throw new RangeError(`Cannot encode integer ${value}: not a safe integer`);
    }
    this.varint(value >= 0 ? value * 2 : -value * 2 - 1);
  }

  /** Append a zigzag varint of a 64-bit signed integer. */
  signedBig(value: bigint): void {
    if (value < -(1n << 63n) || value >= 1n << 63n) {
      throw new RangeError(`Cannot encode integer ${value}: outside the signed 64-bit range`);
    }
    let zigzag = value >= 0n ? value * 2n : -value * 2n - 1n;
    while (zigzag >= 0x80n) {
      this.u8(Number(zigzag & 0x7fn) | 0x80);
      zigzag >>= 7n;
    }
    this.u8(Number(zigzag));
  }

  /** Append raw bytes. */
  bytes(value: Uint8Array): void {
    this.#reserve(value.length);
    this.#bytes.set(value, this.#length);
    this.#length += value.length;
  }

  /** Append a varint byte length and the UTF-8 bytes of a string. */
  string(value: string): void {
    const encoded = UTF8_ENCODER.encode(value);
    this.varint(encoded.length);
    this.bytes(encoded);
  }

  /** A copy of the bytes written. */
  finish(): Uint8Array {
    return this.#bytes.slice(0, this.#length);
  }
}

/**
 * A bounds-checked reader. Every failure is a `BAD_INDEX` error naming what was being decoded and the
 * absolute offset in the index, so damaged or hostile input never reads past its bytes or allocates
 * what it merely claims.
 */
export class ByteReader {
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  readonly #context: string;
  readonly #base: number;
  #position = 0;

  /**
   * @param bytes The bytes to decode.
   * @param context What they are, for messages ("the directory", "leaf 3").
   * @param base Absolute offset of `bytes[0]` in the index.
   */
  constructor(bytes: Uint8Array, context: string, base: number) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#context = context;
    this.#base = base;
  }

  /** Current position relative to the start of the bytes. */
  get position(): number {
    return this.#position;
  }

  /** Bytes left. */
  get remaining(): number {
    return this.#bytes.length - this.#position;
  }

  /** A `BAD_INDEX` error at the current position. */
  fail(reason: string): CloudFitsError {
    const offset = this.#base + this.#position;
    return new CloudFitsError(
      "BAD_INDEX",
      `Cannot decode ${this.#context} at index offset ${offset}: ${reason}`,
      {
        offset,
      },
    );
  }

  #need(count: number, what: string): void {
    if (count > this.remaining) throw this.fail(`${what} needs ${count} bytes, ${this.remaining} left`);
  }

  /** Read one byte. */
  u8(): number {
    this.#need(1, "a byte");
    return this.#bytes[this.#position++];
  }

  /** Read an unsigned 32-bit little-endian number. */
  u32(): number {
    this.#need(4, "a 32-bit number");
    const value = this.#view.getUint32(this.#position, true);
    this.#position += 4;
    return value;
  }

  /** Read a float64, little-endian. */
  f64(): number {
    this.#need(8, "a float64");
    const value = this.#view.getFloat64(this.#position, true);
    this.#position += 8;
    return value;
  }

  /** Read an unsigned varint; values above 2^53 − 1 and overlong encodings are refused. */
  varint(): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 8; i++) {
      const byte = this.u8();
      value += (byte & 0x7f) * scale;
      if ((byte & 0x80) === 0) {
        if (byte === 0 && i > 0) throw this.fail("overlong varint");
        if (value > Number.MAX_SAFE_INTEGER) throw this.fail(`varint ${value} exceeds 2^53 - 1`);
        return value;
      }
      scale *= 0x80;
    }
    throw this.fail("varint longer than 8 bytes");
  }

  /** Read an unsigned varint and check it against an inclusive upper bound. */
  count(what: string, max: number): number {
    const start = this.#position;
    const value = this.varint();
    if (value > max) {
      this.#position = start;
      throw this.fail(`${what} ${value} exceeds ${max}`);
    }
    return value;
  }

  /** Read a zigzag varint of a safe integer. */
  signed(): number {
    const zigzag = this.varint();
    return zigzag % 2 === 0 ? zigzag / 2 : -(zigzag + 1) / 2;
  }

  /** Read a zigzag varint of a 64-bit signed integer. */
  signedBig(): bigint {
    let zigzag = 0n;
    for (let i = 0; i < 10; i++) {
      const byte = this.u8();
      zigzag |= BigInt(byte & 0x7f) << BigInt(7 * i);
      if ((byte & 0x80) === 0) {
        if (byte === 0 && i > 0) throw this.fail("overlong varint");
        if (zigzag >= 1n << 64n) throw this.fail("varint exceeds 64 bits");
        return zigzag & 1n ? -(zigzag + 1n) / 2n : zigzag / 2n;
      }
    }
    throw this.fail("varint longer than 10 bytes");
  }

  /** Read `length` raw bytes (a view, not a copy). */
  bytes(length: number): Uint8Array {
    this.#need(length, "a byte string");
    const value = this.#bytes.subarray(this.#position, this.#position + length);
    this.#position += length;
    return value;
  }

  /** Read a varint length and that many UTF-8 bytes. */
  string(): string {
    const length = this.varint();
    const bytes = this.bytes(length);
    try {
      return UTF8_DECODER.decode(bytes);
    } catch (cause) {
      throw this.fail(`invalid UTF-8 in a string of ${length} bytes (${String(cause)})`);
    }
  }
}
