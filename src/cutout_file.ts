/**
 * A FITS file holding an image section: the original header where it still applies (WCS of every kept
 * axis shifted and scaled, units, BSCALE/BZERO/BLANK), and provenance cards saying where it came from.
 *
 * @module
 */
import type { Hdu } from "./fits/layout.ts";
import { buildHeader, formatCard } from "./fits/write.ts";
import type { SectionAxis } from "./plan/fits_section.ts";

/**
 * Where a cutout came from, recorded in its header:
 *
 * | card | value |
 * |---|---|
 * | `CFSOURCE` | the source location, without credentials or query string |
 * | `CFHDU` | the 0-based HDU number in the source |
 * | `CFSECT` | the section, FITS order, 1-based, inclusive (`1:10,5:5,*`) |
 * | `CFVERS` | the cloudfits version that wrote it |
 * | `DATE` | when it was written (UTC, standard FITS keyword) |
 */
export interface CutoutProvenance {
  /** The source location, already redacted. */
  source: string;
  /** The written time; the `DATE` card. */
  date: Date;
  /** The writer's version. */
  version: string;
}

/**
 * The first pixel (1-based) and step of every FITS axis (NAXIS1 first) that a numpy-order section
 * selects.
 *
 * @param spec The numpy-order section, one entry per axis.
 * @returns `start` and `step` per FITS axis.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sectionOrigin } from "./cutout_file.ts";
 *
 * assert.deepEqual(sectionOrigin([[4, 10, 2], null]), { start: [1, 5], step: [1, 2] });
 * ```
 */
export function sectionOrigin(spec: readonly SectionAxis[]): { start: number[]; step: number[] } {
  const start: number[] = [];
  const step: number[] = [];
  for (let i = spec.length - 1; i >= 0; i--) {
    const axis = spec[i];
    start.push(typeof axis === "number" ? axis + 1 : Array.isArray(axis) ? axis[0] + 1 : 1);
    step.push(Array.isArray(axis) && axis.length === 3 ? axis[2] : 1);
  }
  return { start, step };
}

/**
 * The section as cfitsio writes it: FITS order, 1-based, inclusive, `*` for a whole axis.
 *
 * @param spec The numpy-order section.
 * @param shape The image's numpy-order shape.
 * @returns E.g. `"1:10,5:5,*"`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sectionText } from "./cutout_file.ts";
 *
 * assert.equal(sectionText([[4, 10, 2], null, 3], [20, 30, 40]), "4:4,*,5:9:2");
 * ```
 */
export function sectionText(spec: readonly SectionAxis[], shape: readonly number[]): string {
  return spec.map((axis, i) => {
    if (axis === null) return "*";
    if (typeof axis === "number") return `${axis + 1}:${axis + 1}`;
    const last = axis[0] + 1 + Math.floor((Math.min(axis[1], shape[i]) - axis[0] - 1) / (axis[2] ?? 1)) *
        (axis[2] ?? 1);
    return axis.length === 3 ? `${axis[0] + 1}:${last}:${axis[2]}` : `${axis[0] + 1}:${last}`;
  }).reverse().join(",");
}

/**
 * Write an image section's stored bytes (from `sectionBytes`: big-endian, before BSCALE/BZERO) as a FITS
 * file, passing the bytes through untouched.
 * The header is the source's with NAXISn set, CRPIX shifted, the PC or CD matrix (or CDELT) scaled by a
 * step, checksums
 * dropped (the data changed), a tile-compressed image's table cards replaced by the image's own, and
 * the provenance cards added.
 *
 * @param hdu The source HDU.
 * @param spec The numpy-order section that was read.
 * @param stored The section's big-endian stored bytes, numpy order (every axis kept), and its shape.
 * @param provenance Where it came from.
 * @returns The FITS file in pieces, to write one after the other: the header, the data (the very
 *   bytes of `stored`, not a copy) and the zero padding to the 2880-byte block.
 *
 * @example A 2×1 section of a 4×3 image, with its provenance
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildHeader, formatCard, openFits } from "../mod.ts";
 * import { memorySource } from "./source/memory.ts";
 * import { cutoutFits } from "./cutout_file.ts";
 * import { concatBytes } from "./_bytes.ts";
 *
 * const header = ["SIMPLE", "BITPIX", "NAXIS", "NAXIS1", "NAXIS2", "CRPIX1"].map((k, i) =>
 *   formatCard(k, [true, 8, 2, 4, 3, 10][i])
 * );
 * const source = new Uint8Array(2880 * 2);
 * source.set(buildHeader(header));
 * const fits = await openFits(memorySource(source));
 * const provenance = { source: "s3://b/k.fits", date: new Date(0), version: "0.1.0" };
 * const stored = { shape: [1, 2], bytes: new Uint8Array([7, 8]) };
 * const file = cutoutFits(fits.hdus[0], [[1, 2], [2, 4]], stored, provenance);
 * const cut = await openFits(memorySource(concatBytes(file)));
 * assert.deepEqual(cut.hdus[0].axes, [2, 1]);
 * assert.equal(cut.hdus[0].header.get("CRPIX1"), 8);
 * assert.equal(cut.hdus[0].header.get("CFSECT"), "3:4,2:2");
 * ```
 */
export function cutoutFits(
  hdu: Hdu,
  spec: readonly SectionAxis[],
  stored: { shape: readonly number[]; bytes: Uint8Array },
  provenance: CutoutProvenance,
): Uint8Array[] {
  const { shape, bytes } = stored;
  // A tile-compressed HDU is written out uncompressed, with the image's own BITPIX.
  const bitpix = hdu.type === "COMPRESSED_IMAGE"
    ? hdu.header.getInteger("ZBITPIX") ?? hdu.bitpix
    : hdu.bitpix;
  const imageShape = hdu.type === "COMPRESSED_IMAGE"
    ? Array.from({ length: spec.length }, (_, i) => hdu.header.getInteger(`ZNAXIS${spec.length - i}`) ?? 0)
    : [...hdu.axes].reverse();
  const header = cutoutHeader(hdu, bitpix, spec, shape, [
    ...longStringCards("CFSOURCE", provenance.source, "cutout source (no credentials or query)", hdu),
    formatCard("CFHDU", hdu.index, "HDU number in the source (0 = primary)"),
    formatCard("CFSECT", sectionText(spec, imageShape), "section: FITS order, 1-based, inclusive"),
    formatCard("CFVERS", provenance.version, "cloudfits version that wrote this file"),
    formatCard("DATE", provenance.date.toISOString().slice(0, 19), "UTC date this file was written"),
  ]);
  return [header, bytes, new Uint8Array((2880 - bytes.length % 2880) % 2880)];
}

function cutoutHeader(
  hdu: Hdu,
  bitpix: number,
  spec: readonly SectionAxis[],
  shape: readonly number[],
  provenance: string[],
): Uint8Array {
  const naxis = shape.length;
  const { start, step } = sectionOrigin(spec);
  const cards: string[] = [];
  const dropped = hdu.type === "COMPRESSED_IMAGE"
    ? /^(CHECKSUM|DATASUM|XTENSION|SIMPLE|BITPIX|PCOUNT|GCOUNT|EXTEND|NAXIS\d*|TFIELDS|T(TYPE|FORM|DIM|UNIT|SCAL|ZERO|NULL|DISP)\d+|THEAP|Z[A-Z]*\d*|DATE|CF(SOURCE|HDU|SECT|VERS))$/
    : /^(CHECKSUM|DATASUM|XTENSION|SIMPLE|BITPIX|PCOUNT|GCOUNT|EXTEND|NAXIS\d*|DATE|CF(SOURCE|HDU|SECT|VERS))$/;
  cards.push(formatCard("SIMPLE", true, "conforms to FITS standard"));
  cards.push(formatCard("BITPIX", bitpix, "array data type"));
  cards.push(formatCard("NAXIS", naxis, "number of array dimensions"));
  for (let i = 0; i < naxis; i++) cards.push(formatCard(`NAXIS${i + 1}`, shape[naxis - 1 - i]));
  // A step scales the pixel axis: the PC or CD matrix's column when there is one, else CDELT (the
  // diagonal). Alternate descriptions (the letter after the keyword) are handled alike.
  const matrix = new Set<string>();
  const pcAlternates = new Set<string>();
  const diagonal = new Set<string>();
  for (const card of hdu.header.cards) {
    const match = /^(PC|CD)(\d)_(\d)([A-Z]?)$/.exec(card.keyword);
    if (match) matrix.add(match[4]);
    if (match?.[1] === "PC") pcAlternates.add(match[4]);
    if (match?.[1] === "PC" && match[2] === match[3]) diagonal.add(`${match[2]}${match[4]}`);
  }
  for (const card of hdu.header.cards) {
    if (dropped.test(card.keyword)) continue;
    const wcs = /^(CRPIX|CDELT)(\d)()([A-Z]?)$/.exec(card.keyword) ??
      /^(CD|PC)(\d)_(\d)([A-Z]?)$/.exec(card.keyword);
    if (wcs && typeof card.value === "number") {
      const [, kind, row, column, alt] = wcs;
      const axis = Number(row) - 1;
      let value = card.value;
      // Pixel p of the cutout is pixel start + (p - 1) × step of the source.
      if (kind === "CRPIX" && axis < naxis) value = (value - start[axis]) / step[axis] + 1;
      if (kind === "CDELT" && axis < naxis && !matrix.has(alt)) value *= step[axis];
      if ((kind === "CD" || kind === "PC") && Number(column) <= naxis) value *= step[Number(column) - 1];
      cards.push(formatCard(card.keyword, value, card.comment));
      continue;
    }
    for (let i = 0; i < card.raw.length; i += 80) cards.push(card.raw.slice(i, i + 80));
  }
  // A PC matrix without its diagonal element means 1 there: a step needs it written.
  for (const alt of pcAlternates) {
    for (let axis = 0; axis < naxis; axis++) {
      if (step[axis] !== 1 && !diagonal.has(`${axis + 1}${alt}`)) {
        cards.push(formatCard(`PC${axis + 1}_${axis + 1}${alt}`, step[axis], "the cutout's step"));
      }
    }
  }
  cards.push(...provenance);
  return buildHeader(cards);
}

/**
 * A string card, continued with the long-string convention (CONTINUE cards, announced by LONGSTRN unless
 * the source header already does) when it needs more than one.
 */
function longStringCards(keyword: string, value: string, comment: string, hdu: Hdu): string[] {
  const first = formatCard(keyword, value, comment);
  if (value.replaceAll("'", "''").length <= 68) return [first];
  const escaped = value.replaceAll("'", "''");
  const parts: string[] = [];
  for (let at = 0; at < escaped.length;) {
    let end = Math.min(at + 67, escaped.length);
    // Never split a doubled quote.
    if (end < escaped.length && /^(?:'')*'$/.test(escaped.slice(at, end).match(/'+$/)?.[0] ?? "x")) end--;
    parts.push(escaped.slice(at, end));
    at = end;
  }
  const announce = hdu.header.get("LONGSTRN") === undefined
    ? [formatCard("LONGSTRN", "OGIP 1.0", "The HEASARC Long String Convention may be used")]
    : [];
  return [
    ...announce,
    ...parts.map((part, i) => {
      const text = `'${part}${i < parts.length - 1 ? "&" : ""}'`;
      return (i === 0 ? `${keyword.padEnd(8)}= ${text}` : `CONTINUE  ${text}`).padEnd(80);
    }),
  ];
}
