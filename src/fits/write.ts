import type { HeaderValue } from "./header.ts";

/**
 * Format one 80-character header card in the FITS fixed format: strings quoted with `''` escapes,
 * logicals in column 30, numbers right-aligned in columns 11–30. Commentary keywords (`COMMENT`,
 * `HISTORY`, blank) take their value as text.
 *
 * @param keyword Keyword of at most 8 characters (longer keywords get a `HIERARCH` card).
 * @param value The value.
 * @param comment Optional comment.
 * @returns Exactly 80 characters.
 *
 * @example Numbers right-aligned, strings quoted, logicals in column 30
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatCard } from "@cloudfits/core";
 *
 * const card = formatCard("NAXIS1", 100, "length of axis 1");
 * assert.equal(card.length, 80);
 * assert.equal(card.trimEnd(), "NAXIS1  =                  100 / length of axis 1");
 * assert.equal(formatCard("OBJECT", "M31").trimEnd(), "OBJECT  = 'M31     '");
 * assert.equal(formatCard("OBSERVER", "O'Brien").trimEnd(), "OBSERVER= 'O''Brien'");
 * assert.equal(formatCard("SIMPLE", true).indexOf("T"), 29);
 * ```
 */
export function formatCard(keyword: string, value: HeaderValue, comment = ""): string {
  if (keyword === "COMMENT" || keyword === "HISTORY" || keyword === "") {
    return `${keyword.padEnd(8)}${String(value ?? "")}`.slice(0, 80).padEnd(80);
  }
  let text: string;
  if (typeof value === "string") text = `'${value.replaceAll("'", "''").padEnd(8)}'`.padEnd(20);
  else if (typeof value === "boolean") text = (value ? "T" : "F").padStart(20);
  else if (value === null) text = "".padStart(20);
  else if (Array.isArray(value)) text = `(${formatNumber(value[0])}, ${formatNumber(value[1])})`.padStart(20);
  else text = formatNumber(value).padStart(20);
  const head = keyword.length > 8 ? `HIERARCH ${keyword} = ` : `${keyword.padEnd(8)}= `;
  const card = comment ? `${head}${text} / ${comment}` : `${head}${text}`;
  return card.slice(0, 80).padEnd(80);
}

function formatNumber(value: number | bigint): string {
  if (typeof value === "bigint" || Number.isInteger(value)) {
    return Object.is(value, -0) ? "-0.0" : String(value);
  }
  const text = String(value).toUpperCase();
  return text.includes(".") || text.includes("E") ? text : `${text}.0`;
}

/**
 * Assemble a header from 80-character cards: appends END and pads with spaces to a multiple of 2880.
 *
 * @param cards Card images, each exactly 80 characters of ASCII.
 * @returns The header bytes.
 *
 * @example A primary header without data, read back
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildHeader, formatCard, parseHeader } from "@cloudfits/core";
 *
 * const bytes = buildHeader([formatCard("SIMPLE", true), formatCard("BITPIX", 8), formatCard("NAXIS", 0)]);
 * assert.equal(bytes.length, 2880);
 * const header = parseHeader(bytes);
 * assert.deepEqual(header.cards.map((card) => card.keyword), ["SIMPLE", "BITPIX", "NAXIS"]);
 * assert.equal(header.getNumber("BITPIX"), 8);
 * ```
 */
export function buildHeader(cards: readonly string[]): Uint8Array {
  const text = [...cards, "END"].map((card) => card.padEnd(80)).join("");
  const size = Math.ceil(text.length / 2880) * 2880;
  const bytes = new Uint8Array(size).fill(0x20);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i) & 0xff;
  return bytes;
}
