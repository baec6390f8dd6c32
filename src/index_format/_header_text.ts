/**
 * Header text as the index stores it: each card before END with trailing spaces trimmed and a line
 * feed appended ("card text"), or the raw header bytes when card text cannot reproduce them exactly.
 *
 * @module
 */

const CARD = 80;
const BLOCK = 2880;
const SPACE = 0x20;
const LINE_FEED = 0x0a;
const END_CARD = new TextEncoder().encode("END".padEnd(CARD));
const LATIN1 = new TextDecoder("latin1");

/**
 * Keywords kept when full header text is omitted: everything `describeHdu`, the image and table
 * describers and tile decompression read.
 */
const STRUCTURAL_KEYWORD =
  /^(SIMPLE|XTENSION|BITPIX|NAXIS\d{0,3}|PCOUNT|GCOUNT|EXTEND|GROUPS|TFIELDS|BSCALE|BZERO|BLANK|EXTNAME|EXTVER|EXTLEVEL|INHERIT|THEAP|DATASUM|T(FORM|TYPE|SCAL|ZERO|NULL|DIM|UNIT|BCOL)\d{1,3}|P(TYPE|SCAL|ZERO)\d{1,3}|Z[A-Z0-9_-]*)$/;

/** Number of cards before the END card, or -1 when no card is exactly END. */
export function countCardsBeforeEnd(header: Uint8Array): number {
  for (let at = 0; at + CARD <= header.length; at += CARD) {
    if (sameBytes(header.subarray(at, at + CARD), END_CARD)) return at / CARD;
  }
  return -1;
}

/** Header bytes (through END, padded) for a number of cards before END. */
export function headerSizeForCards(cardCount: number): number {
  return Math.ceil(((cardCount + 1) * CARD) / BLOCK) * BLOCK;
}

/** The stored form of one header. */
export interface HeaderSegment {
  /** Card text or raw bytes. */
  bytes: Uint8Array;
  /** True when `bytes` are the raw header. */
  raw: boolean;
}

/**
 * Encode a header as card text, falling back to raw bytes when a card holds a line feed or the bytes
 * after END are not all spaces (card text could not rebuild them).
 */
export function encodeFullHeader(header: Uint8Array, cardCount: number): HeaderSegment {
  const parts: Uint8Array[] = [];
  for (let i = 0; i < cardCount; i++) {
    const card = header.subarray(i * CARD, (i + 1) * CARD);
    if (card.includes(LINE_FEED)) return { bytes: header, raw: true };
    parts.push(trimCard(card));
  }
  for (let at = (cardCount + 1) * CARD; at < header.length; at++) {
    if (header[at] !== SPACE) return { bytes: header, raw: true };
  }
  return { bytes: joinLines(parts), raw: false };
}

/**
 * Keep only the structural cards, plus the CONTINUE cards that follow a kept card, as card text.
 * Returns the text and the number of cards kept.
 */
export function encodeStructuralHeader(
  header: Uint8Array,
  cardCount: number,
): { bytes: Uint8Array; kept: number } {
  const parts: Uint8Array[] = [];
  let keepingContinuation = false;
  for (let i = 0; i < cardCount; i++) {
    const card = header.subarray(i * CARD, (i + 1) * CARD);
    const keyword = LATIN1.decode(card.subarray(0, 8)).trimEnd();
    const keep: boolean = keyword === "CONTINUE" ? keepingContinuation : STRUCTURAL_KEYWORD.test(keyword);
    keepingContinuation = keep;
    if (keep && !card.includes(LINE_FEED)) parts.push(trimCard(card));
  }
  return { bytes: joinLines(parts), kept: parts.length };
}

/**
 * Rebuild header bytes from card text: pad each line to 80 bytes, add END, pad to `size` with spaces.
 * Returns an error message instead of bytes when the text does not hold exactly `cardCount` lines of at
 * most 80 bytes or they do not fit in `size`.
 */
export function rebuildHeader(text: Uint8Array, cardCount: number, size: number): Uint8Array | string {
  if ((cardCount + 1) * CARD > size) return `${cardCount} cards do not fit in ${size} header bytes`;
  const header = new Uint8Array(size).fill(SPACE);
  let start = 0;
  for (let card = 0; card < cardCount; card++) {
    const end = text.indexOf(LINE_FEED, start);
    if (end < 0) return `card text ends after ${card} of ${cardCount} cards`;
    if (end - start > CARD) return `card ${card + 1} is ${end - start} bytes long`;
    header.set(text.subarray(start, end), card * CARD);
    start = end + 1;
  }
  if (start !== text.length) return `card text has ${text.length - start} bytes after ${cardCount} cards`;
  header.set(END_CARD, cardCount * CARD);
  return header;
}

function trimCard(card: Uint8Array): Uint8Array {
  let end = card.length;
  while (end > 0 && card[end - 1] === SPACE) end--;
  return card.subarray(0, end);
}

function joinLines(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length + 1, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
    out[at++] = LINE_FEED;
  }
  return out;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
