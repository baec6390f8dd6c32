/**
 * The error for a header keyword whose value cannot be used, naming the keyword, its value and the
 * file offset of its card.
 *
 * @module
 */

import { CloudFitsError } from "../errors.ts";
import type { Hdu } from "./layout.ts";

/**
 * A `BAD_HEADER` error naming the keyword, its value and the offset of its card.
 *
 * @param hdu The HDU whose header holds the keyword.
 * @param keyword The keyword.
 * @param value Its value, or undefined when missing.
 * @param reason What is wrong.
 * @returns The error to throw.
 *
 * @example A keyword with an unusable value
 * ```ts
 * import { badKeyword } from "./bad_keyword.ts";
 * import { buildHeader, formatCard, parseHeader } from "@cloudfits/core";
 * import { describeHdu } from "./layout.ts";
 *
 * const header = parseHeader(buildHeader([formatCard("SIMPLE", true), formatCard("BITPIX", 8), formatCard("NAXIS", 0)]));
 * const error = badKeyword(describeHdu(header, 0, 0), "NAXIS", 0, "expected 2");
 * console.log(error.message, error.offset); // Cannot parse NAXIS '0' at offset 160: expected 2 160
 * ```
 */
export function badKeyword(hdu: Hdu, keyword: string, value: unknown, reason: string): CloudFitsError {
  const offset = cardOffset(hdu, keyword);
  const shown = value === undefined ? "" : ` '${String(value)}'`;
  return new CloudFitsError("BAD_HEADER", `Cannot parse ${keyword}${shown} at offset ${offset}: ${reason}`, {
    offset,
  });
}

function cardOffset(hdu: Hdu, keyword: string): number {
  let offset = hdu.headerOffset;
  for (const card of hdu.header.cards) {
    if (card.keyword.toUpperCase() === keyword) return offset;
    offset += Math.max(80, card.raw.length);
  }
  return hdu.headerOffset;
}
