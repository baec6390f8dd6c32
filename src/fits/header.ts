/**
 * FITS headers: finding the END card, parsing the cards before it, and typed keyword lookup.
 *
 * @module
 */

import { CloudFitsError } from "../errors.ts";
import { type Card, type HeaderValue, mergeContinuedCards, parseCard } from "./card.ts";

export type { Card, HeaderValue } from "./card.ts";

const BLOCK_SIZE = 2880;
const CARD_LENGTH = 80;
// TextDecoder("latin1") is windows-1252 by the Encoding Standard; it equals Latin-1 on ASCII only.
const ASCII_DECODER = new TextDecoder("latin1");
const NOT_PRINTABLE_RE = /[^ -~]/;

/** A header value as JSON: bigints become decimal strings. */
export type JsonHeaderValue = string | number | boolean | null | [number, number];

/** One header card as JSON. */
export interface JsonCard {
  /** Keyword (HIERARCH prefix dropped; COMMENT, HISTORY or "" for commentary cards). */
  keyword: string;
  /** Value; commentary cards carry their text. */
  value: JsonHeaderValue;
  /** Comment after the `/`, or "". */
  comment: string;
}

/** A header as `JSON.stringify` writes it ({@linkcode Header.toJSON}). */
export interface HeaderJson {
  /** The cards before END, in order. */
  cards: JsonCard[];
  /** Tolerated irregularities. */
  warnings: string[];
}

/**
 * Convert a header value to JSON: bigints (integers beyond ±2^53) become decimal strings.
 *
 * @param value A parsed header value.
 * @returns The JSON value.
 *
 * @example
 * ```ts
 * import { headerValueToJson } from "./header.ts";
 *
 * console.log(headerValueToJson(9007199254740993n)); // "9007199254740993"
 * ```
 */
export function headerValueToJson(value: HeaderValue): JsonHeaderValue {
  return typeof value === "bigint" ? value.toString() : value;
}

/** Where a {@linkcode Header} came from, for error messages. */
export interface HeaderOptions {
  /** Byte offset of the header in its file (default 0), used in messages and error offsets. */
  offset?: number;
  /** The file's name or redacted URL, attached to errors as `url`. */
  name?: string;
}

/**
 * A parsed FITS header: its cards in order, its raw bytes and the irregularities tolerated while parsing.
 *
 * Keyword lookup is case-insensitive and accepts HIERARCH keywords with or without the `HIERARCH ` prefix;
 * it finds the first card with the keyword. A keyword present without a value (`KEY =` with nothing after)
 * reads as `null` from {@linkcode Header.get} and as `undefined` from the typed getters, which throw a
 * `BAD_HEADER` {@linkcode CloudFitsError} when the value has the wrong type.
 *
 * @example Reading keywords
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseHeader } from "@cloudfits/core";
 *
 * const text = ["SIMPLE  = T", "BITPIX  = -32", "NAXIS   = 0", "OBJECT  = 'M31'", "END"]
 *   .map((card) => card.padEnd(80)).join("").padEnd(2880);
 * const header = parseHeader(new TextEncoder().encode(text));
 * assert.equal(header.getInteger("bitpix"), -32);
 * assert.equal(header.getString("OBJECT"), "M31");
 * assert.equal(header.has("NAXIS1"), false);
 * assert.throws(() => header.getNumber("OBJECT"), { code: "BAD_HEADER" });
 * ```
 */
export class Header {
  /** The cards before END, in order; a string continued by CONTINUE cards is one card. */
  readonly cards: readonly Card[];
  /** The raw header: all blocks through END and its padding (fewer when the given bytes ended sooner). */
  readonly bytes: Uint8Array;
  /** Tolerated irregularities, e.g. "Card 12 (offset 880) has a lowercase keyword 'naxis'". */
  readonly warnings: readonly string[];
  /** Byte offset of the header in its file. */
  readonly offset: number;
  readonly #name: string | undefined;
  readonly #firstByKeyword = new Map<string, number>();
  readonly #cardOffsets: number[] = [];

  /**
   * Wrap already parsed cards; most callers want {@linkcode parseHeader} instead.
   *
   * @param cards The cards in order; each card's `raw` length (80 per card image) locates the next one.
   * @param bytes The raw header bytes.
   * @param warnings Irregularities found while parsing.
   * @param options The header's offset in its file and the file's name, for messages.
   */
  constructor(
    cards: readonly Card[],
    bytes: Uint8Array,
    warnings: readonly string[] = [],
    options: HeaderOptions = {},
  ) {
    this.cards = cards;
    this.bytes = bytes;
    this.warnings = warnings;
    this.offset = options.offset ?? 0;
    this.#name = options.name;
    let position = this.offset;
    for (const [index, card] of cards.entries()) {
      const key = card.keyword.toUpperCase();
      if (!this.#firstByKeyword.has(key)) this.#firstByKeyword.set(key, index);
      this.#cardOffsets.push(position);
      position += Math.max(CARD_LENGTH, card.raw.length);
    }
  }

  /**
   * Tell whether a card with this keyword exists.
   *
   * @param keyword Keyword in any case; HIERARCH keywords with or without the prefix.
   * @returns True when at least one card has the keyword.
   *
   * @example Keywords match in any case
   * ```ts
   * import assert from "node:assert/strict";
   * import { parseHeader } from "@cloudfits/core";
   *
   * const header = parseHeader(new TextEncoder().encode("EXTEND  = T".padEnd(80) + "END".padEnd(2800)));
   * assert.equal(header.has("extend"), true);
   * assert.equal(header.has("EXTNAME"), false);
   * ```
   */
  has(keyword: string): boolean {
    return this.#firstByKeyword.has(normalizeKeyword(keyword));
  }

  /**
   * The value of the first card with this keyword.
   *
   * @param keyword Keyword in any case; HIERARCH keywords with or without the prefix.
   * @returns The value (`null` for a keyword without a value), or `undefined` when no card has the keyword.
   *
   * @example A complex value, and a missing keyword
   * ```ts
   * import assert from "node:assert/strict";
   * import { parseHeader } from "@cloudfits/core";
   *
   * const header = parseHeader(new TextEncoder().encode("CRVAL1  = (1.5, -2)".padEnd(80) + "END".padEnd(2800)));
   * assert.deepEqual(header.get("CRVAL1"), [1.5, -2]);
   * assert.equal(header.get("CRVAL2"), undefined);
   * ```
   */
  get(keyword: string): HeaderValue | undefined {
    return this.getCard(keyword)?.value;
  }

  /**
   * The first card with this keyword (an addition to the architecture contract).
   *
   * @param keyword Keyword in any case; HIERARCH keywords with or without the prefix.
   * @returns The card, or `undefined` when no card has the keyword.
   *
   * @example Reading a card's comment
   * ```ts
   * import assert from "node:assert/strict";
   * import { parseHeader } from "@cloudfits/core";
   *
   * const header = parseHeader(new TextEncoder().encode("BUNIT   = 'Jy' / flux unit".padEnd(80) + "END".padEnd(2800)));
   * assert.equal(header.getCard("BUNIT")?.comment, "flux unit");
   * ```
   */
  getCard(keyword: string): Card | undefined {
    const index = this.#firstByKeyword.get(normalizeKeyword(keyword));
    return index === undefined ? undefined : this.cards[index];
  }

  /**
   * Every card with this keyword, in order (an addition to the architecture contract), e.g. all HISTORY.
   *
   * @param keyword Keyword in any case; HIERARCH keywords with or without the prefix.
   * @returns The matching cards; empty when there are none.
   *
   * @example Every HISTORY card
   * ```ts
   * import assert from "node:assert/strict";
   * import { parseHeader } from "@cloudfits/core";
   *
   * const text = ["HISTORY one", "HISTORY two", "END"].map((card) => card.padEnd(80)).join("").padEnd(2880);
   * const history = parseHeader(new TextEncoder().encode(text)).getAll("HISTORY");
   * assert.deepEqual(history.map((card) => card.value), ["one", "two"]);
   * ```
   */
  getAll(keyword: string): Card[] {
    const key = normalizeKeyword(keyword);
    if (!this.#firstByKeyword.has(key)) return [];
    return this.cards.filter((card) => card.keyword.toUpperCase() === key);
  }

  /**
   * The value as a string.
   *
   * @param keyword Keyword in any case.
   * @returns The string, or `undefined` when the keyword is absent or has no value.
   * @throws {CloudFitsError} `BAD_HEADER` when the value is not a string.
   *
   * @example The extension type
   * ```ts
   * import assert from "node:assert/strict";
   * import { parseHeader } from "@cloudfits/core";
   *
   * const header = parseHeader(new TextEncoder().encode("XTENSION= 'BINTABLE'".padEnd(80) + "END".padEnd(2800)));
   * assert.equal(header.getString("XTENSION"), "BINTABLE");
   * ```
   */
  getString(keyword: string): string | undefined {
    const value = this.get(keyword);
    if (value === undefined || value === null || typeof value === "string") return value ?? undefined;
    throw this.#typeError(keyword, value, "a string");
  }

  /**
   * The value as a number (integer or float).
   *
   * @param keyword Keyword in any case.
   * @returns The number, or `undefined` when the keyword is absent or has no value.
   * @throws {CloudFitsError} `BAD_HEADER` when the value is not a number or is an integer beyond 2^53.
   *
   * @example A D exponent
   * ```ts
   * import assert from "node:assert/strict";
   * import { parseHeader } from "@cloudfits/core";
   *
   * const header = parseHeader(new TextEncoder().encode("BSCALE  = 2.5D-1".padEnd(80) + "END".padEnd(2800)));
   * assert.equal(header.getNumber("BSCALE"), 0.25);
   * ```
   */
  getNumber(keyword: string): number | undefined {
    const value = this.get(keyword);
    if (value === undefined || value === null) return undefined;
    if (typeof value === "number") return value;
    throw this.#typeError(keyword, value, typeof value === "bigint" ? "a number within 2^53" : "a number");
  }

  /**
   * The value as a safe integer.
   *
   * @param keyword Keyword in any case.
   * @returns The integer, or `undefined` when the keyword is absent or has no value.
   * @throws {CloudFitsError} `BAD_HEADER` when the value is not an integer within ±(2^53 − 1).
   *
   * @example An axis length
   * ```ts
   * import assert from "node:assert/strict";
   * import { parseHeader } from "@cloudfits/core";
   *
   * const header = parseHeader(new TextEncoder().encode("NAXIS1  = 2136".padEnd(80) + "END".padEnd(2800)));
   * assert.equal(header.getInteger("NAXIS1"), 2136);
   * ```
   */
  getInteger(keyword: string): number | undefined {
    const value = this.get(keyword);
    if (value === undefined || value === null) return undefined;
    if (Number.isSafeInteger(value)) return value as number;
    throw this.#typeError(keyword, value, "an integer within 2^53");
  }

  /**
   * The value as an exact integer of any size.
   *
   * @param keyword Keyword in any case.
   * @returns The integer, or `undefined` when the keyword is absent or has no value.
   * @throws {CloudFitsError} `BAD_HEADER` when the value is not an integer.
   *
   * @example An integer beyond 2^53
   * ```ts
   * import assert from "node:assert/strict";
   * import { parseHeader } from "@cloudfits/core";
   *
   * const header = parseHeader(new TextEncoder().encode("TNULL1  = -9223372036854775808".padEnd(80) + "END".padEnd(2800)));
   * assert.equal(header.getBigInt("TNULL1"), -(2n ** 63n));
   * assert.throws(() => header.getInteger("TNULL1"), { code: "BAD_HEADER" });
   * ```
   */
  getBigInt(keyword: string): bigint | undefined {
    const value = this.get(keyword);
    if (value === undefined || value === null) return undefined;
    if (typeof value === "bigint") return value;
    if (Number.isSafeInteger(value)) return BigInt(value as number);
    throw this.#typeError(keyword, value, "an integer");
  }

  /**
   * The value as a logical.
   *
   * @param keyword Keyword in any case.
   * @returns The logical, or `undefined` when the keyword is absent or has no value.
   * @throws {CloudFitsError} `BAD_HEADER` when the value is not `T` or `F`.
   *
   * @example A logical
   * ```ts
   * import assert from "node:assert/strict";
   * import { parseHeader } from "@cloudfits/core";
   *
   * const header = parseHeader(new TextEncoder().encode("ZIMAGE  =                    T".padEnd(80) + "END".padEnd(2800)));
   * assert.equal(header.getBoolean("ZIMAGE"), true);
   * ```
   */
  getBoolean(keyword: string): boolean | undefined {
    const value = this.get(keyword);
    if (value === undefined || value === null || typeof value === "boolean") return value ?? undefined;
    throw this.#typeError(keyword, value, "a logical");
  }

  /**
   * The header as `JSON.stringify` writes it: its cards and warnings. JSON has no 64-bit integers, so
   * values beyond ±2^53 (bigints) become decimal strings; complex values stay `[re, im]`; the raw bytes
   * are left out. `JSON.stringify` of an {@linkcode Hdu}, or of a list of them, uses this.
   *
   * @returns The cards (keyword, value, comment) and the warnings.
   *
   * @example A 64-bit integer keyword in JSON
   * ```ts
   * import assert from "node:assert/strict";
   * import { parseHeader } from "@cloudfits/core";
   *
   * const header = parseHeader(new TextEncoder().encode("BIG     = 9007199254740993 / past 2^53".padEnd(80) + "END".padEnd(2800)));
   * assert.equal(header.get("BIG"), 9007199254740993n);
   * assert.equal(
   *   JSON.stringify(header),
   *   '{"cards":[{"keyword":"BIG","value":"9007199254740993","comment":"past 2^53"}],"warnings":[]}',
   * );
   * ```
   */
  toJSON(): HeaderJson {
    return {
      cards: this.cards.map((card) => ({
        keyword: card.keyword,
        value: headerValueToJson(card.value),
        comment: card.comment,
      })),
      warnings: [...this.warnings],
    };
  }

  #typeError(keyword: string, value: HeaderValue, expected: string): CloudFitsError {
    const index = this.#firstByKeyword.get(normalizeKeyword(keyword))!;
    const offset = this.#cardOffsets[index];
    return new CloudFitsError(
      "BAD_HEADER",
      `Cannot read ${this.cards[index].keyword} = ${describeValue(value)} at offset ${offset} as ${expected}`,
      { offset, ...(this.#name === undefined ? {} : { url: this.#name }) },
    );
  }
}

/**
 * Find the END card and return the length of the header through the 2880-byte block that holds it.
 *
 * The END card is the first card, on an 80-byte boundary, that starts with `END` followed by a byte that
 * cannot continue a keyword (a space normally), as astropy decides; `EXTEND` or `ENDTIME` never qualify.
 * Only the given bytes are scanned, card by card, so a walker can call this after each block it reads.
 *
 * @param bytes The header's bytes from its first card on; any length.
 * @returns The header length (a multiple of 2880, possibly more than `bytes.length`), or -1 when the given
 *   bytes hold no END card.
 *
 * @example Finding the end of a header
 * ```ts
 * import { findEnd } from "./header.ts";
 *
 * const cards = ["SIMPLE  = T", "EXTEND  = T", "END"].map((card) => card.padEnd(80)).join("");
 * console.log(findEnd(new TextEncoder().encode(cards)), findEnd(new Uint8Array(2880))); // 2880 -1
 * ```
 */
export function findEnd(bytes: Uint8Array): number {
  const start = findEndCard(bytes);
  return start < 0 ? -1 : Math.ceil((start + CARD_LENGTH) / BLOCK_SIZE) * BLOCK_SIZE;
}

/**
 * Parse a header: every card before the END card, with CONTINUE cards merged into their strings.
 *
 * Irregular cards are kept and described in `warnings`, as astropy tolerates them: lowercase keywords,
 * bytes outside printable ASCII (decoded as Latin-1), misplaced value indicators, unparsable values (kept
 * as text) and END cards with trailing bytes.
 *
 * @param bytes Bytes from the header's first card through at least its END card; more is ignored.
 * @param options The header's offset in its file and the file's name, for messages and errors.
 * @returns The header; its `bytes` are a copy of the blocks through END, padding included when given.
 * @throws {CloudFitsError} `TRUNCATED` when the bytes hold no END card.
 *
 * @example Parsing a header block
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseHeader } from "@cloudfits/core";
 *
 * const text = ["SIMPLE  = T", "NAXIS   = 0", "HIERARCH ESO DET CHIP1 ID = 'ccd42'", "END"]
 *   .map((card) => card.padEnd(80)).join("").padEnd(2880);
 * const header = parseHeader(new TextEncoder().encode(text), { offset: 0, name: "eso.fits" });
 * assert.equal(header.cards.length, 3);
 * assert.equal(header.getString("ESO DET CHIP1 ID"), "ccd42");
 * assert.throws(() => parseHeader(new TextEncoder().encode("SIMPLE  = T".padEnd(80))), { code: "TRUNCATED" });
 * ```
 */
export function parseHeader(bytes: Uint8Array, options: HeaderOptions = {}): Header {
  if (!(bytes instanceof Uint8Array)) throw new TypeError("Cannot parse header: bytes must be a Uint8Array");
  const offset = options.offset ?? 0;
  if (!Number.isSafeInteger(offset) || offset < 0) {
    throw new RangeError(`Cannot parse header: offset must be a non-negative integer, got ${offset}`);
  }
  const endCard = findEndCard(bytes);
  if (endCard < 0) {
    throw new CloudFitsError(
      "TRUNCATED",
      `Cannot parse header at offset ${offset}: no END card in ${bytes.length} bytes`,
      { offset, ...(options.name === undefined ? {} : { url: options.name }) },
    );
  }
  const warnings: string[] = [];
  const where = (card: number) => `Card ${card + 1} (offset ${offset + card * CARD_LENGTH})`;

  let text = ASCII_DECODER.decode(bytes.subarray(0, endCard));
  // One native scan of the text spares a byte loop in the usual, all-printable case.
  if (NOT_PRINTABLE_RE.test(text)) {
    const irregular = irregularCards(bytes, endCard);
    if (irregular.latin1) text = decodeLatin1(bytes.subarray(0, endCard));
    for (const card of irregular.cards) {
      warnings.push(`${where(card)} contains bytes outside printable ASCII; decoded as Latin-1`);
    }
  }
  const trailing = decodeLatin1(bytes.subarray(endCard + 3, endCard + CARD_LENGTH)).trim();
  if (trailing !== "") {
    warnings.push(
      `END card at offset ${offset + endCard} has trailing bytes ${JSON.stringify(trailing)}; ignored`,
    );
  }

  const count = endCard / CARD_LENGTH;
  const cards: Card[] = [];
  for (let index = 0; index < count;) {
    const first = parseCard(text.slice(index * CARD_LENGTH, (index + 1) * CARD_LENGTH));
    let next = index + 1;
    let card = first;
    if (first.kind === "value" && typeof first.value === "string") {
      // astropy merges every CONTINUE card that follows a string, whether or not it ends with "&".
      while (next < count && text.startsWith("CONTINUE", next * CARD_LENGTH)) next++;
      if (next > index + 1) {
        const continuations = [];
        for (let k = index + 1; k < next; k++) {
          continuations.push(parseCard(text.slice(k * CARD_LENGTH, (k + 1) * CARD_LENGTH)));
        }
        card = mergeContinuedCards(first, continuations);
      }
    } else if (first.kind === "continue") {
      warnings.push(
        `${where(index)} is a CONTINUE card that does not follow a string value; kept as its own card`,
      );
    }
    for (const issue of card.issues) warnings.push(`${where(index)} ${issue}`);
    cards.push({ keyword: card.keyword, value: card.value, comment: card.comment, raw: card.raw });
    index = next;
  }
  const length = Math.min(bytes.length, findEnd(bytes));
  return new Header(cards, bytes.slice(0, length), warnings, options);
}

/** Byte offset of the END card, or -1; see {@linkcode findEnd} for the rule. */
function findEndCard(bytes: Uint8Array): number {
  for (let start = 0; start + 4 <= bytes.length; start += CARD_LENGTH) {
    if (
      bytes[start] === 0x45 && bytes[start + 1] === 0x4e && bytes[start + 2] === 0x44 &&
      !isKeywordByte(bytes[start + 3])
    ) {
      return start;
    }
  }
  return -1;
}

/** Bytes allowed in a standard keyword: A-Z, 0-9, "_" and "-". */
function isKeywordByte(byte: number): boolean {
  return (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x30 && byte <= 0x39) || byte === 0x5f || byte === 0x2d;
}

/** Indexes of cards holding bytes outside printable ASCII, and whether any is above 0x7f. */
function irregularCards(bytes: Uint8Array, end: number): { cards: number[]; latin1: boolean } {
  const cards: number[] = [];
  let latin1 = false;
  for (let start = 0; start < end; start += CARD_LENGTH) {
    for (let i = start; i < start + CARD_LENGTH; i++) {
      const byte = bytes[i];
      if (byte < 0x20 || byte > 0x7e) {
        cards.push(start / CARD_LENGTH);
        for (let j = i; j < start + CARD_LENGTH && !latin1; j++) latin1 = bytes[j] > 0x7f;
        break;
      }
    }
  }
  return { cards, latin1 };
}

function decodeLatin1(bytes: Uint8Array): string {
  let text = "";
  // Chunked so that the argument list stays far below engine limits.
  for (let start = 0; start < bytes.length; start += 8192) {
    text += String.fromCharCode(...bytes.subarray(start, start + 8192));
  }
  return text;
}

function normalizeKeyword(keyword: string): string {
  const key = keyword.trim().toUpperCase();
  return key.startsWith("HIERARCH ") ? key.slice(9).trim() : key;
}

function describeValue(value: HeaderValue): string {
  if (typeof value === "string") return `'${value}'`;
  if (Array.isArray(value)) return `(${value[0]}, ${value[1]})`;
  return String(value);
}
