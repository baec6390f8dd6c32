/**
 * The parsed header: its cards in order, case-insensitive keyword lookup, typed getters whose errors
 * name the card's offset, and its JSON form. Parsing bytes into one is `header.ts`.
 *
 * @module
 */

import { CloudFitsError } from "../errors.ts";
import { type Card, CARD_LENGTH, type HeaderValue } from "./card.ts";

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
 * import { headerValueToJson } from "./header_lookup.ts";
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

function normalizeKeyword(keyword: string): string {
  const key = keyword.trim().toUpperCase();
  return key.startsWith("HIERARCH ") ? key.slice(9).trim() : key;
}

function describeValue(value: HeaderValue): string {
  if (typeof value === "string") return `'${value}'`;
  if (Array.isArray(value)) return `(${value[0]}, ${value[1]})`;
  return String(value);
}
