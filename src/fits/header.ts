/**
 * FITS headers: finding the END card and parsing the cards before it into a {@linkcode Header}
 * (`header_lookup.ts`: typed keyword lookup).
 *
 * @module
 */

import { CloudFitsError } from "../errors.ts";
import { type Card, CARD_LENGTH, mergeContinuedCards, parseCard } from "./card.ts";
import { Header, type HeaderOptions } from "./header_lookup.ts";

export type { Card, HeaderValue } from "./card.ts";
export {
  Header,
  type HeaderJson,
  type HeaderOptions,
  headerValueToJson,
  type JsonCard,
  type JsonHeaderValue,
} from "./header_lookup.ts";

const BLOCK_SIZE = 2880;
// TextDecoder("latin1") is windows-1252 by the Encoding Standard; it equals Latin-1 on ASCII only.
const ASCII_DECODER = new TextDecoder("latin1");
const NOT_PRINTABLE_RE = /[^ -~]/;

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
