/**
 * The headers that tile-compressed HDUs stand for: the image header of a compressed image as astropy
 * shows it (`hdul[1].header`), and the table header of a compressed table as funpack restores it. Both
 * are views built from the stored BINTABLE header, which stays available as the HDU's raw header.
 *
 * @module
 */
import { type Card, Header } from "./header.ts";
import type { Hdu } from "./layout.ts";
import { buildHeader, formatCard } from "./write.ts";

/** Image keywords stored under another name in a compressed image (astropy's `_keyword_remaps`). */
const IMAGE_KEYWORDS: Readonly<Record<string, string>> = {
  SIMPLE: "ZSIMPLE",
  XTENSION: "ZTENSION",
  BITPIX: "ZBITPIX",
  NAXIS: "ZNAXIS",
  EXTEND: "ZEXTEND",
  BLOCKED: "ZBLOCKED",
  PCOUNT: "ZPCOUNT",
  GCOUNT: "ZGCOUNT",
  CHECKSUM: "ZHECKSUM",
  DATASUM: "ZDATASUM",
};
const COMPRESSION_KEYWORDS = new Set([
  ...Object.values(IMAGE_KEYWORDS),
  "ZIMAGE",
  "ZCMPTYPE",
  "ZMASKCMP",
  "ZQUANTIZ",
  "ZDITHER0",
]);
const INDEXED_COMPRESSION_KEYWORDS = new Set(["ZNAXIS", "ZTILE", "ZNAME", "ZVAL"]);
const TABLE_KEYWORDS = new Set([
  "TTYPE",
  "TFORM",
  "TUNIT",
  "TNULL",
  "TSCAL",
  "TZERO",
  "TDISP",
  "TBCOL",
  "TDIM",
  "TCTYP",
  "TCUNI",
  "TCRPX",
  "TCRVL",
  "TCDLT",
  "TRPOS",
]);
/** EXTNAME that cfitsio gives a compressed image by default; astropy hides it. */
const DEFAULT_EXTNAME = "COMPRESSED_IMAGE";

/**
 * Whether an HDU is a tile-compressed table (`ZTABLE = T`, as `fpack -table` writes it).
 *
 * @param hdu An HDU record.
 * @returns True for a BINTABLE with `ZTABLE = T`.
 *
 * @example A plain table is not compressed
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildHeader, formatCard, parseHeader } from "@cloudfits/core";
 * import { describeHdu } from "./layout.ts";
 * import { isCompressedTable } from "./compressed_header.ts";
 *
 * const cards = [formatCard("XTENSION", "BINTABLE"), formatCard("BITPIX", 8), formatCard("NAXIS", 2),
 *   formatCard("NAXIS1", 0), formatCard("NAXIS2", 0), formatCard("PCOUNT", 0), formatCard("GCOUNT", 1)];
 * assert.equal(isCompressedTable(describeHdu(parseHeader(buildHeader(cards)), 1, 0)), false);
 * const packed = [...cards, formatCard("ZTABLE", true)];
 * assert.equal(isCompressedTable(describeHdu(parseHeader(buildHeader(packed)), 1, 0)), true);
 * ```
 */
export function isCompressedTable(hdu: Hdu): boolean {
  return hdu.type === "BINTABLE" && hdu.header.get("ZTABLE") === true;
}

/**
 * The header an HDU stands for: for a compressed image the image header astropy shows, for a compressed
 * table the table header funpack restores; for any other HDU its own header.
 *
 * Compressed image (astropy 5.2's `CompImageHDU.header`): table and compression keywords dropped (TFIELDS,
 * TTYPEn…, ZIMAGE, ZCMPTYPE, ZQUANTIZ, ZTILEn, ZNAMEn, ZVALn…; ZBLANK, ZDITHER0 and other Z keywords
 * stay), ZSIMPLE or ZTENSION → SIMPLE or XTENSION, ZBITPIX → BITPIX, ZNAXISn → NAXISn, ZPCOUNT/ZGCOUNT →
 * PCOUNT/GCOUNT (dropped for a primary image), ZEXTEND, ZBLOCKED, ZHECKSUM, ZDATASUM restored, and the
 * default EXTNAME `COMPRESSED_IMAGE` removed. Compressed table (cfitsio's `fits_uncompress_table`):
 * ZNAXIS1, ZNAXIS2, ZPCOUNT → NAXIS1, NAXIS2, PCOUNT; ZFORMn → TFORMn; ZTABLE, ZTILELEN, ZCTYPn and the
 * stored CHECKSUM/DATASUM dropped; ZHECKSUM/ZDATASUM → CHECKSUM/DATASUM.
 *
 * @param hdu An HDU record.
 * @returns The header it stands for (the HDU's own header when it is not compressed).
 *
 * @example The image header of an fpack file
 * ```ts
 * import assert from "node:assert/strict";
 * import { openFits } from "@cloudfits/core";
 * import { openFileSource } from "@cloudfits/core/file";
 * import { uncompressedHeader } from "./compressed_header.ts";
 *
 * await using fits = await openFits("testdata/compressed_rice.fits", { openFile: openFileSource });
 * const image = uncompressedHeader(fits.hdus[1]);
 * assert.deepEqual(image.cards.map((c) => c.keyword), ["XTENSION", "BITPIX", "NAXIS", "NAXIS1", "NAXIS2", "PCOUNT", "GCOUNT", "EXTNAME"]);
 * assert.equal(image.get("BITPIX"), 16);
 * ```
 */
export function uncompressedHeader(hdu: Hdu): Header {
  if (hdu.type === "COMPRESSED_IMAGE") return imageHeader(hdu.header);
  if (isCompressedTable(hdu)) return tableHeader(hdu.header);
  return hdu.header;
}

function card(keyword: string, value: Card["value"], comment: string): Card {
  return { keyword, value, comment, raw: formatCard(keyword, value, comment) };
}

function viewOf(stored: Header, cards: Card[]): Header {
  return new Header(cards, buildHeader(cards.map((c) => c.raw)), [], { offset: stored.offset });
}

function isReservedForImages(keyword: string): boolean {
  if (keyword === "TFIELDS") return true;
  const table = /^(T[A-Z]*)([1-9][0-9 ]*)$/.exec(keyword);
  if (table && TABLE_KEYWORDS.has(table[1])) return true;
  // As astropy's pattern: a trailing number counts only for the indexed keywords (so ZDITHER0 stays).
  const z = /^(Z[A-Z]*)([1-9][0-9 ]*$)?/.exec(keyword);
  if (!z) return false;
  return z[2] !== undefined ? INDEXED_COMPRESSION_KEYWORDS.has(z[1]) : COMPRESSION_KEYWORDS.has(z[1]);
}

function imageHeader(stored: Header): Header {
  const zcard = (keyword: string): Card | undefined => stored.getCard(keyword);
  const named = stored.cards.filter((c) => c.keyword === "EXTNAME");
  // Duplicate EXTNAMEs: astropy drops the default ones (keeping one when all are default).
  const defaults = named.filter((c) => String(c.value).trim() === DEFAULT_EXTNAME);
  const dropped = new Set(defaults.length === named.length ? defaults.slice(1) : defaults);
  let cards = stored.cards.filter((c) => !dropped.has(c) && !isReservedForImages(c.keyword));
  // A keyword moved to the head takes its value and comment from the Z card, or keeps its stored comment.
  const take = (keyword: string, from: Card | undefined, value = from?.value ?? null): Card => {
    const comment = from?.comment ?? stored.getCard(keyword)?.comment ?? "";
    cards = cards.filter((c) => c.keyword !== keyword);
    return card(keyword, value, comment);
  };
  const head: Card[] = [];
  const primary = zcard("ZSIMPLE");
  if (primary) {
    head.push(take("SIMPLE", primary));
    cards = cards.filter((c) => c.keyword !== "XTENSION");
  } else {
    head.push(take("XTENSION", zcard("ZTENSION"), "IMAGE"));
  }
  head.push(take("BITPIX", zcard("ZBITPIX")));
  head.push(take("NAXIS", zcard("ZNAXIS")));
  const naxis = Number(zcard("ZNAXIS")?.value ?? 0);
  for (let i = 1; i <= naxis; i++) head.push(take(`NAXIS${i}`, zcard(`ZNAXIS${i}`)));
  cards = cards.filter((c) => !/^NAXIS\d+$/.test(c.keyword) || Number(c.keyword.slice(5)) <= naxis);
  const counts = [take("PCOUNT", zcard("ZPCOUNT"), zcard("ZPCOUNT")?.value ?? 0)];
  counts.push(take("GCOUNT", zcard("ZGCOUNT"), zcard("ZGCOUNT")?.value ?? 1));
  if (!primary) head.push(...counts);
  // Restored in place when the keyword is already there, else appended (astropy's Header.set).
  const restored: [string, string][] = [
    ["EXTEND", "ZEXTEND"],
    ["BLOCKED", "ZBLOCKED"],
    ["CHECKSUM", "ZHECKSUM"],
    ["DATASUM", "ZDATASUM"],
  ];
  for (const [image, compressed] of restored) {
    const from = zcard(compressed);
    if (!from) continue;
    const at = cards.findIndex((c) => c.keyword === image);
    const replacement = card(image, from.value, from.comment);
    if (at >= 0) cards[at] = replacement;
    else cards.push(replacement);
  }
  cards = cards.filter((c) => !(c.keyword === "EXTNAME" && String(c.value).trim() === DEFAULT_EXTNAME));
  return viewOf(stored, [...head, ...cards]);
}

function tableHeader(stored: Header): Header {
  const restored: Record<string, string> = { NAXIS1: "ZNAXIS1", NAXIS2: "ZNAXIS2", PCOUNT: "ZPCOUNT" };
  const renamed: Record<string, string> = { ZHECKSUM: "CHECKSUM", ZDATASUM: "DATASUM" };
  const cards: Card[] = [];
  for (const c of stored.cards) {
    const keyword = c.keyword;
    if (/^(ZTABLE|ZTILELEN|ZNAXIS1|ZNAXIS2|ZPCOUNT|CHECKSUM|DATASUM)$|^(ZFORM|ZCTYP)\d+$/.test(keyword)) {
      continue;
    }
    const zform = /^TFORM(\d+)$/.exec(keyword);
    const source = zform
      ? stored.getCard(`ZFORM${zform[1]}`)
      : restored[keyword] && stored.getCard(restored[keyword]);
    if (source) cards.push(card(keyword, source.value, source.comment));
    else if (renamed[keyword]) cards.push(card(renamed[keyword], c.value, c.comment));
    else cards.push(c);
  }
  return viewOf(stored, cards);
}
