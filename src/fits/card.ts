/**
 * One FITS header card: keyword, value and comment, parsed as astropy does.
 *
 * The rules follow astropy's `Card` (astropy/io/fits/card.py): the same value grammar (strings with `''`
 * escapes, logicals, integers, floats with `E` or `D` exponents, complex numbers, undefined values), the same
 * keyword rules (HIERARCH, commentary keywords, a value indicator in columns 9-10) and the same tolerance of
 * irregular cards, which are kept as text and reported as issues rather than thrown.
 *
 * @module
 */

/**
 * A keyword value: strings right-trimmed with `''` unescaped; integers as `number` when safe and `bigint`
 * otherwise; floats as `number`; complex `(re, im)` as `[re, im]`; logicals as `boolean`; a keyword without
 * a value as `null`.
 */
export type HeaderValue = string | number | bigint | boolean | null | [number, number];

/** A header card, or a string card merged with its CONTINUE cards. */
export interface Card {
  /** Upper-cased keyword; HIERARCH keywords without the `HIERARCH ` prefix and in their original case. */
  keyword: string;
  /** The value; the text of columns 9-80 for COMMENT, HISTORY, blank-keyword and invalid cards. */
  value: HeaderValue;
  /** The comment after `/`, right-trimmed ("" when there is none). */
  comment: string;
  /** The card image: 80 characters, or 80 per card when CONTINUE cards were merged. */
  raw: string;
}

/** How {@linkcode parseCard} understood a card image. */
export type CardKind =
  /** `KEYWORD = value / comment`, including HIERARCH cards. */
  | "value"
  /** COMMENT, HISTORY, blank keyword or END: the value is the text of columns 9-80. */
  | "commentary"
  /** A CONTINUE card, parsed as a free-standing `CONTINUE 'text' / comment`. */
  | "continue"
  /** A keyword and value indicator followed by a value that matches no FITS value type. */
  | "unparsable"
  /** No recognisable keyword or value indicator: kept as text. */
  | "invalid";

/** A card image parsed on its own, before CONTINUE cards are merged. */
export interface ParsedCard extends Card {
  /** How the image was understood. */
  kind: CardKind;
  /** The value-and-comment text after the value indicator, trimmed ("" for commentary and invalid cards). */
  field: string;
  /** Irregularities that were tolerated, as sentence fragments ("has a lowercase keyword 'naxis'"). */
  issues: string[];
}

/** Bytes in a card image. */
export const CARD_LENGTH = 80;
const KEYWORD_LENGTH = 8;
const COMMENTARY_KEYWORDS: ReadonlySet<string> = new Set(["", "COMMENT", "HISTORY", "END"]);
const STANDARD_KEYWORD = /^[A-Z0-9_-]{0,8}$/;

// The grammar of astropy's `_value_NFSC_RE`, the lenient one it parses with. Text characters also admit
// Latin-1 bytes: astropy replaces those with "?" when it reads a file, so such strings still parse there.
const TEXT_CHAR = String.raw`[ -~\x80-\xff]`;
const DIGITS = String.raw`(?:\.\d+|\d+(?:\.\d*)?) *(?:[deDE] *[+-]? *\d+)?`;
const NUMBER = String.raw`[+-]? *${DIGITS}`;
const STRING = String.raw`'(?<strg>(?:${TEXT_CHAR}+?|''|) *?)'(?=$|/| )`;
const COMMENT = String.raw`(?:/ *(?<comm>[\s\S]*))?`;
const VALUE_RE = new RegExp(
  String
    .raw`^ *(?:${STRING}|(?<bool>[FT])|(?<numr>${NUMBER})|(?<cplx>\( *(?<real>${NUMBER}) *, *(?<imag>${NUMBER}) *\)))? *${COMMENT}$`,
);
// astropy's `_strg_comment_RE` for the pieces of a CONTINUE string, anchored at the end as since astropy 5.3
// (PR #14598): unanchored, a piece such as `'keeps ''quotes'' and more'` lost everything after `quotes'`.
const STRING_COMMENT_RE = new RegExp(String.raw`^(?:${STRING})? *${COMMENT}$`);
const INTEGER_RE = /^[+-]?\d+$/;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * Parse one 80-column card image.
 *
 * Never throws: cards that break the standard are kept (as text when nothing better is possible) and their
 * problems listed in `issues`. Images shorter than 80 characters are padded with spaces.
 *
 * @param image The card image, one character per byte (decode bytes as Latin-1).
 * @returns The keyword, value, comment and kind of the card, and any tolerated issues.
 *
 * @example Parsing a card
 * ```ts
 * import { parseCard } from "./card.ts";
 *
 * const card = parseCard("EXPTIME =             1.0D+03 / exposure time in seconds");
 * console.log(card.keyword, card.value, card.comment); // EXPTIME 1000 exposure time in seconds
 * ```
 */
export function parseCard(image: string): ParsedCard {
  if (typeof image !== "string") {
    throw new TypeError(`Cannot parse card: expected a string, got ${typeof image}`);
  }
  const raw = image.length < CARD_LENGTH ? image.padEnd(CARD_LENGTH) : image.slice(0, CARD_LENGTH);
  const issues: string[] = [];
  const head = raw.slice(0, KEYWORD_LENGTH).trim();
  const headUpper = head.toUpperCase();
  const equals = headUpper === "HIERARCH" && raw[KEYWORD_LENGTH] === " " ? raw.indexOf("=") : -1;
  if (equals >= 0) {
    // The HIERARCH convention allows any case; astropy keeps it and does not complain.
    const keyword = raw.slice(KEYWORD_LENGTH + 1, equals).trim();
    return valueCard(keyword, raw.slice(equals + 1).trim(), raw, "value", issues);
  }
  if (COMMENTARY_KEYWORDS.has(headUpper) || headUpper === "CONTINUE") {
    if (head !== headUpper) issues.push(`has a lowercase keyword '${head}'`);
    if (headUpper === "CONTINUE") {
      return valueCard(headUpper, raw.slice(KEYWORD_LENGTH).trim(), raw, "continue", issues);
    }
    const value = raw.slice(KEYWORD_LENGTH).trimEnd();
    return { keyword: headUpper, value, comment: "", raw, kind: "commentary", field: "", issues };
  }
  const indicator = raw.indexOf("= ");
  if (indicator >= 0 && indicator <= KEYWORD_LENGTH) {
    const name = raw.slice(0, indicator).trim();
    const keyword = name.toUpperCase();
    if (name !== keyword) issues.push(`has a lowercase keyword '${name}'`);
    if (indicator !== KEYWORD_LENGTH) {
      issues.push(`has its value indicator in column ${indicator + 1}, not 9`);
    }
    if (!STANDARD_KEYWORD.test(keyword)) issues.push(`has an illegal keyword '${name}'`);
    return valueCard(keyword, raw.slice(indicator + 2).trim(), raw, "value", issues);
  }
  return {
    keyword: head,
    value: raw.slice(KEYWORD_LENGTH).trimEnd(),
    comment: "",
    raw,
    kind: "invalid",
    field: "",
    issues: ["has no value indicator '= ' in columns 9-10 and follows no known convention; kept as text"],
  };
}

/**
 * Merge a string card with the CONTINUE cards that follow it into one card, as astropy 5.3 and later do.
 *
 * Each piece is unescaped, right-trimmed and loses one trailing `&`; the pieces are concatenated and the
 * result right-trimmed. Comments of all pieces are joined with single spaces. The raw image is the
 * concatenation of all card images.
 *
 * @param first The card that starts the long string (a `"value"` card with a string value).
 * @param continuations The CONTINUE cards, in order.
 * @returns The merged card; `issues` lists pieces that break the convention.
 *
 * @example Merging a long string
 * ```ts
 * import { mergeContinuedCards, parseCard } from "./card.ts";
 *
 * const first = parseCard("LONGSTRN= 'The quick brown &' / part one");
 * const next = parseCard("CONTINUE  'fox' / part two");
 * const card = mergeContinuedCards(first, [next]);
 * console.log(card.value, "|", card.comment); // The quick brown fox | part one part two
 * ```
 */
export function mergeContinuedCards(first: ParsedCard, continuations: readonly ParsedCard[]): ParsedCard {
  const issues = [...first.issues];
  const pieces: string[] = [];
  const comments: string[] = [];
  let raw = first.raw;
  let previous = "";
  for (const [index, card] of [first, ...continuations].entries()) {
    const groups = STRING_COMMENT_RE.exec(card.field)?.groups ?? {};
    if (index > 0) {
      raw += card.raw;
      if (groups.strg === undefined) issues.push(`has CONTINUE card +${index} without a string value`);
      if (!previous.endsWith("&")) {
        issues.push(`has CONTINUE card +${index} after a piece that does not end with '&'`);
      }
    }
    previous = trimSpaces((groups.strg ?? "").replaceAll("''", "'"));
    pieces.push(previous.endsWith("&") ? previous.slice(0, -1) : previous);
    if (groups.comm) comments.push(groups.comm.trimEnd());
  }
  return {
    keyword: first.keyword,
    value: trimSpaces(pieces.join("")),
    comment: comments.join(" "),
    raw,
    kind: first.kind,
    field: first.field,
    issues,
  };
}

function valueCard(
  keyword: string,
  field: string,
  raw: string,
  kind: CardKind,
  issues: string[],
): ParsedCard {
  const common = parseCommonValue(field);
  if (common !== undefined) {
    return { keyword, value: common.value, comment: common.comment, raw, kind, field, issues };
  }
  const match = VALUE_RE.exec(field);
  if (match === null) {
    // astropy refuses to return such a value; we keep the text before the first "/" and report it.
    const slash = field.indexOf("/");
    const value = slash < 0 ? field : field.slice(0, slash).trim();
    const comment = slash < 0 ? "" : field.slice(slash + 1).trim();
    issues.push(`has an unparsable value '${value}'; kept as text`);
    return { keyword, value, comment, raw, kind: kind === "continue" ? kind : "unparsable", field, issues };
  }
  const groups = match.groups!;
  return {
    keyword,
    value: convertValue(groups),
    comment: groups.comm?.trimEnd() ?? "",
    raw,
    kind,
    field,
    issues,
  };
}

const SIMPLE_TOKEN_RE = /^(?:[TF]|[+-]?\d+|[+-]?(?:\d+\.?\d*|\.\d+)(?:[EeDd][+-]?\d+)?)?$/;

/**
 * A faster path for the value forms nearly every card uses: a string without quotes inside, a logical, a
 * plain number, or nothing, then an optional comment. It gives what `VALUE_RE` would give, or `undefined`
 * to defer to it.
 */
function parseCommonValue(field: string): { value: HeaderValue; comment: string } | undefined {
  let valueEnd: number;
  let value: HeaderValue;
  if (field.charCodeAt(0) === 0x27) {
    // With no quote inside, the first closing quote is where both the standard and astropy's lazy pattern end.
    const close = field.indexOf("'", 1);
    if (close < 0 || field.charCodeAt(close + 1) === 0x27) return undefined;
    for (let i = 1; i < close; i++) {
      const code = field.charCodeAt(i);
      if (code < 0x20 || (code > 0x7e && code < 0x80) || code > 0xff) return undefined;
    }
    value = trimSpaces(field.slice(1, close));
    valueEnd = close + 1;
  } else {
    const slash = field.indexOf("/");
    valueEnd = slash < 0 ? field.length : slash;
    const token = trimSpaces(field.slice(0, valueEnd));
    if (!SIMPLE_TOKEN_RE.test(token)) return undefined;
    value = token === "" ? null : token === "T" ? true : token === "F" ? false : convertNumber(token);
  }
  let at = valueEnd;
  while (field.charCodeAt(at) === 0x20) at++;
  if (at === field.length) return { value, comment: "" };
  if (field.charCodeAt(at) !== 0x2f) return undefined;
  at++;
  while (field.charCodeAt(at) === 0x20) at++;
  return { value, comment: field.slice(at).trimEnd() };
}

function convertValue(groups: Record<string, string | undefined>): HeaderValue {
  if (groups.strg !== undefined) return trimSpaces(groups.strg.replaceAll("''", "'"));
  if (groups.bool !== undefined) return groups.bool === "T";
  if (groups.numr !== undefined) return convertNumber(groups.numr);
  if (groups.cplx !== undefined) {
    return [Number(convertNumber(groups.real!)), Number(convertNumber(groups.imag!))];
  }
  return null;
}

/** Exact integers (bigint beyond 2^53) or floats, from the lenient number syntax (spaces, `D` exponents). */
function convertNumber(text: string): number | bigint {
  const normalized = text.replaceAll(" ", "").replace(/[dD]/, "e");
  if (!INTEGER_RE.test(normalized)) return Number(normalized);
  // Up to 15 digits always fit a double exactly; longer ones go through BigInt to stay exact.
  if (normalized.length <= 15) return Number(normalized) + 0;
  const big = BigInt(normalized);
  return big >= -MAX_SAFE && big <= MAX_SAFE ? Number(big) : big;
}

function trimSpaces(text: string): string {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 32) end--;
  return end === text.length ? text : text.slice(0, end);
}
