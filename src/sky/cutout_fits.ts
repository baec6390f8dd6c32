/**
 * A sky cutout as a FITS image: the original header with the WCS reference pixel moved to the
 * cutout, astrocut's `PHYSICAL` alternate WCS and IRAF's `LTV1`/`LTV2` recording where the cutout lies
 * in the original image, and `BLANK` plus `NPADPIX` when part of the box lies off the image.
 *
 * @module
 */
import type { Dtype, TypedArray } from "../fits/dtype.ts";
import type { Header } from "../fits/header.ts";
import { buildHeader, formatCard } from "../fits/write.ts";

/** The keyword that records how many pixels of each celestial plane of a cutout are padding. */
export const PADDING_KEYWORD = "NPADPIX";

/** What the header of a sky cutout needs to know. */
export interface CutoutHeaderInput {
  /** The original HDU's header (a compressed image's header: its Z keywords are dropped). */
  header: Header;
  /** Whether the original is a tile-compressed image. */
  compressed: boolean;
  /** BITPIX of the data written. */
  bitpix: number;
  /** The cutout's axis lengths, FITS order. */
  axes: readonly number[];
  /** The cutout's first pixel in the original, 0-based, FITS order (one entry per axis). */
  origin: readonly number[];
  /** The celestial axes, 0-based FITS order: longitude (x) and latitude (y). */
  celestial: readonly [number, number];
  /** Pixels of each celestial plane that are padding. */
  padding: number;
  /** The BLANK value to add for an integer image with padding and no BLANK of its own. */
  blank?: number | bigint;
  /** Whether the data are physical values (BSCALE, BZERO and BLANK then no longer apply). */
  physical?: boolean;
}

const STRUCTURE = /^(CHECKSUM|DATASUM|XTENSION|SIMPLE|BITPIX|PCOUNT|GCOUNT|EXTEND|NAXIS\d*|LTV[12])$/;
const COMPRESSION =
  /^(TFIELDS|T(TYPE|FORM|DIM|UNIT|SCAL|ZERO|NULL|DISP)\d+|THEAP|Z[A-Z]*\d*|ZQUANTIZ|ZDITHER0)$/;
const SCALING = /^(BSCALE|BZERO|BLANK)$/;

/**
 * The header of a sky cutout as cards: structure for the new shape, every original card (CRPIXn on the
 * celestial axes, in every alternate description, shifted by the origin), then the cutout's origin.
 *
 * @param input The original header, the cutout's geometry and its padding.
 * @returns The header bytes, END included and padded.
 *
 * @example A 4×3 cutout starting at column 10, row 20
 * ```ts
 * import assert from "node:assert/strict";
 * import { cutoutHeader } from "./cutout_fits.ts";
 * import { parseHeader } from "../fits/header.ts";
 * import { buildHeader, formatCard } from "../fits/write.ts";
 *
 * const header = parseHeader(buildHeader([
 *   formatCard("SIMPLE", true), formatCard("BITPIX", 16), formatCard("NAXIS", 2),
 *   formatCard("NAXIS1", 100), formatCard("NAXIS2", 100), formatCard("CRPIX1", 50.5),
 *   formatCard("CRPIX2", 40),
 * ]));
 * const out = parseHeader(cutoutHeader({
 *   header, compressed: false, bitpix: 16, axes: [4, 3], origin: [10, 20], celestial: [0, 1],
 *   padding: 0,
 * }));
 * assert.deepEqual([out.get("NAXIS1"), out.get("CRPIX1"), out.get("CRPIX2")], [4, 40.5, 20]);
 * assert.deepEqual([out.get("LTV1"), out.get("LTV2"), out.get("CRVAL1P"), out.get("CRVAL2P")], [-10, -20, 11, 21]);
 * assert.deepEqual([out.get("NPADPIX"), out.get("BLANK")], [0, undefined]);
 * ```
 */
export function cutoutHeader(input: CutoutHeaderInput): Uint8Array {
  const { header, axes, origin, celestial } = input;
  const cards = [
    formatCard("SIMPLE", true, "conforms to FITS standard"),
    formatCard("BITPIX", input.bitpix, "array data type"),
    formatCard("NAXIS", axes.length, "number of array dimensions"),
    ...axes.map((n, i) => formatCard(`NAXIS${i + 1}`, n)),
  ];
  const [lon, lat] = celestial;
  for (const card of header.cards) {
    const keyword = card.keyword;
    if (STRUCTURE.test(keyword) || (input.compressed && COMPRESSION.test(keyword))) continue;
    if (input.physical && SCALING.test(keyword)) continue;
    const crpix = /^CRPIX(\d+)([A-Z]?)$/.exec(keyword);
    if (crpix && typeof card.value === "number") {
      const axis = Number(crpix[1]) - 1;
      cards.push(formatCard(keyword, card.value - (axis < origin.length ? origin[axis] : 0), card.comment));
      continue;
    }
    for (let i = 0; i < card.raw.length; i += 80) cards.push(card.raw.slice(i, i + 80));
  }
  const hasPhysical = header.get("WCSNAMEP") !== undefined || header.get("CTYPE1P") !== undefined;
  if (!hasPhysical) {
    // astrocut's record of the cutout's origin: pixel 1 of the cutout is pixel lo + 1 of the original.
    cards.push(formatCard("WCSNAMEP", "PHYSICAL", "name of world coordinate system alternate P"));
    cards.push(formatCard("WCSAXESP", 2, "number of WCS physical axes"));
    for (const [i, axis] of [lon, lat].entries()) {
      const n = i + 1;
      cards.push(formatCard(`CTYPE${n}P`, i === 0 ? "RAWX" : "RAWY", "physical WCS axis type"));
      cards.push(formatCard(`CUNIT${n}P`, "PIXEL", "physical WCS axis unit"));
      cards.push(formatCard(`CRPIX${n}P`, 1, "reference pixel of the cutout"));
      cards.push(formatCard(`CRVAL${n}P`, origin[axis] + 1, "its pixel in the original image"));
      cards.push(formatCard(`CDELT${n}P`, 1.0, "physical WCS axis step"));
    }
  }
  for (const [i, axis] of [lon, lat].entries()) {
    const previous = header.getNumber(`LTV${i + 1}`) ?? 0;
    cards.push(
      formatCard(`LTV${i + 1}`, previous - origin[axis], "original image pixel = cutout pixel - LTV"),
    );
  }
  cards.push(formatCard(PADDING_KEYWORD, input.padding, "cutout pixels (per plane) off the original image"));
  if (input.blank !== undefined && header.get("BLANK") === undefined) {
    cards.push(formatCard("BLANK", input.blank, "padding off the original image"));
  }
  return buildHeader(cards);
}

const SETTERS: Record<Dtype, (view: DataView, offset: number, value: number | bigint) => void> = {
  uint8: (v, o, x) => v.setUint8(o, Number(x)),
  int8: (v, o, x) => v.setInt8(o, Number(x)),
  int16: (v, o, x) => v.setInt16(o, Number(x)),
  uint16: (v, o, x) => v.setUint16(o, Number(x)),
  int32: (v, o, x) => v.setInt32(o, Number(x)),
  uint32: (v, o, x) => v.setUint32(o, Number(x)),
  int64: (v, o, x) => v.setBigInt64(o, BigInt(x)),
  uint64: (v, o, x) => v.setBigUint64(o, BigInt(x)),
  float32: (v, o, x) => v.setFloat32(o, Number(x)),
  float64: (v, o, x) => v.setFloat64(o, Number(x)),
};

/**
 * Values as a FITS data unit: big-endian, padded with zeros to a multiple of 2880 bytes.
 *
 * @param data The values.
 * @param dtype Their element type.
 * @returns The data unit.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { encodeDataUnit } from "./cutout_fits.ts";
 *
 * const bytes = encodeDataUnit(new Int16Array([1, -2]), "int16");
 * assert.deepEqual([bytes.length, ...bytes.subarray(0, 4)], [2880, 0, 1, 0xff, 0xfe]);
 * ```
 */
export function encodeDataUnit(data: TypedArray, dtype: Dtype): Uint8Array {
  const width = data.BYTES_PER_ELEMENT;
  const out = new Uint8Array(Math.ceil((data.length * width) / 2880) * 2880);
  const view = new DataView(out.buffer);
  const set = SETTERS[dtype];
  for (let i = 0; i < data.length; i++) set(view, i * width, data[i]);
  return out;
}

/** A binary-table column as the sky files (TPFs, light curves) write it. */
export interface TableField {
  /** TTYPE. */
  type: string;
  /** TFORM. */
  form: string;
  /** TUNIT, if any. */
  unit?: string;
  /** Bytes per row. */
  bytes: number;
}

/**
 * The structural cards of a binary table (XTENSION … TFIELDS), then each column's TTYPE, TFORM, TUNIT
 * and any cards `more` adds for it.
 *
 * @param rows NAXIS2.
 * @param fields The columns, in order.
 * @param more Extra cards for a column, given it and its 1-based number.
 * @returns The cards.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { binaryTableCards } from "./cutout_fits.ts";
 *
 * const cards = binaryTableCards(3, [{ type: "TIME", form: "D", unit: "d", bytes: 8 }]);
 * assert.equal(cards.length, 8 + 3);
 * assert.match(cards[3], /^NAXIS1  = +8 /);
 * ```
 */
export function binaryTableCards<F extends TableField>(
  rows: number,
  fields: readonly F[],
  more: (field: F, n: number) => string[] = () => [],
): string[] {
  return [
    formatCard("XTENSION", "BINTABLE", "binary table extension"),
    formatCard("BITPIX", 8, "array data type"),
    formatCard("NAXIS", 2, "number of array dimensions"),
    formatCard("NAXIS1", fields.reduce((sum, field) => sum + field.bytes, 0), "length of dimension 1"),
    formatCard("NAXIS2", rows, "length of dimension 2"),
    formatCard("PCOUNT", 0, "number of group parameters"),
    formatCard("GCOUNT", 1, "number of groups"),
    formatCard("TFIELDS", fields.length, "number of table fields"),
    ...fields.flatMap((field, i) => [
      formatCard(`TTYPE${i + 1}`, field.type),
      formatCard(`TFORM${i + 1}`, field.form),
      ...(field.unit ? [formatCard(`TUNIT${i + 1}`, field.unit)] : []),
      ...more(field, i + 1),
    ]),
  ];
}
