/**
 * HDU size and offset arithmetic: BITPIX, NAXISn, PCOUNT, GCOUNT, padding and random groups.
 *
 * @module
 */
import { CloudFitsError } from "../errors.ts";
import type { Header, HeaderValue } from "./header.ts";

/** The FITS block size: headers and data segments are padded to multiples of it. */
export const BLOCK_SIZE = 2880;

/**
 * What kind of HDU a header describes.
 *
 * `COMPRESSED_IMAGE` is a BINTABLE with `ZIMAGE = T`; `GROUPS` is a random-groups primary array;
 * `OTHER` is any extension this library does not interpret (`IUEIMAGE`, `A3DTABLE`, `FOREIGN`, …).
 */
export type HduType = "PRIMARY" | "IMAGE" | "BINTABLE" | "TABLE" | "COMPRESSED_IMAGE" | "GROUPS" | "OTHER";

/**
 * One header-data unit: its header and where its data lives. A plain object: `JSON.stringify` of an HDU
 * or a list of them works, the header written by {@linkcode Header.toJSON} (cards and warnings, 64-bit
 * integers as decimal strings, no raw bytes).
 */
export interface Hdu {
  /** Position in the file, 0 for the primary HDU. */
  index: number;
  /** What the header describes. */
  type: HduType;
  /** The parsed header. */
  header: Header;
  /** Byte offset of the first header block. */
  headerOffset: number;
  /** Bytes through END, padded to 2880. */
  headerSize: number;
  /** Byte offset of the data: `headerOffset + headerSize`. */
  dataOffset: number;
  /** Unpadded data size in bytes; the padded span is `paddedSize(dataSize)`. */
  dataSize: number;
  /** BITPIX: 8, 16, 32, 64, -32 or -64. */
  bitpix: number;
  /** NAXISn in FITS order (NAXIS1 first). */
  axes: number[];
  /** PCOUNT (0 when absent). */
  pcount: number;
  /** GCOUNT (1 when absent). */
  gcount: number;
  /** EXTNAME, trimmed, or null when absent. */
  extname: string | null;
  /** EXTVER when it is an integer, else null (the raw value stays in the header). */
  extver: number | null;
}

const VALID_BITPIX = new Set([8, 16, 32, 64, -32, -64]);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * Round a byte count up to whole 2880-byte FITS blocks.
 *
 * @param n Bytes (a non-negative safe integer).
 * @returns The smallest multiple of 2880 that is at least `n`.
 *
 * @example Padding a data segment
 * ```ts
 * import { paddedSize } from "./layout.ts";
 *
 * console.log(paddedSize(0), paddedSize(1), paddedSize(2880), paddedSize(2881)); // 0 2880 2880 5760
 * ```
 */
export function paddedSize(n: number): number {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new RangeError(`Cannot pad ${n} bytes: need a non-negative safe integer`);
  }
  return Math.ceil(n / BLOCK_SIZE) * BLOCK_SIZE;
}

/**
 * Describe an HDU from its header: type, axes, data offset and data size. Pure arithmetic, no I/O.
 *
 * Data size = |BITPIX|/8 × GCOUNT × (PCOUNT + NAXIS1 × … × NAXISn), with NAXIS1 dropped for random
 * groups and 0 when NAXIS = 0. Sizes beyond 2^53 − 1 bytes are rejected rather than rounded.
 *
 * @param header The parsed header (its `bytes` give the header size).
 * @param index The HDU's position in the file.
 * @param headerOffset Byte offset of the header's first block.
 * @returns The HDU record.
 * @throws {CloudFitsError} `BAD_HEADER` for an invalid BITPIX, NAXIS, NAXISn, PCOUNT or GCOUNT, or sizes
 * that overflow, naming the header offset.
 *
 * @example Describing a small image extension
 * ```ts
 * import { buildHeader, formatCard, parseHeader } from "@cloudfits/core";
 * import { describeHdu } from "./layout.ts";
 *
 * const header = parseHeader(buildHeader([
 *   formatCard("XTENSION", "IMAGE"), formatCard("BITPIX", 16), formatCard("NAXIS", 2),
 *   formatCard("NAXIS1", 100), formatCard("NAXIS2", 50), formatCard("PCOUNT", 0), formatCard("GCOUNT", 1),
 *   formatCard("EXTNAME", "SCI"),
 * ]));
 * const hdu = describeHdu(header, 1, 5760);
 * console.log(hdu.type, hdu.dataOffset, hdu.dataSize); // IMAGE 8640 10000
 * ```
 */
export function describeHdu(header: Header, index: number, headerOffset: number): Hdu {
  const where = `header at offset ${headerOffset}`;
  const bad = (message: string): CloudFitsError =>
    new CloudFitsError("BAD_HEADER", `${message} in ${where}`, { offset: headerOffset });

  const bitpix = header.get("BITPIX");
  if (typeof bitpix !== "number" || !VALID_BITPIX.has(bitpix)) {
    throw bad(`Invalid BITPIX ${show(bitpix)}: expected 8, 16, 32, 64, -32 or -64`);
  }
  const naxisValue = header.get("NAXIS");
  const naxis = toCount(naxisValue);
  if (naxis === undefined || naxis > 999n) throw bad(`Invalid NAXIS ${show(naxisValue)}: expected 0 to 999`);

  const axes: number[] = [];
  let product = 1n;
  for (let i = 1; i <= Number(naxis); i++) {
    const value = header.get(`NAXIS${i}`);
    const n = toCount(value);
    if (n === undefined) throw bad(`Invalid NAXIS${i} ${show(value)}: expected a non-negative integer`);
    if (n > MAX_SAFE) throw bad(`NAXIS${i} ${n} is too large`);
    axes.push(Number(n));
    product *= n;
  }

  const type = hduType(header, axes, bad);
  const pcount = countKeyword(header, "PCOUNT", 0n, bad);
  const gcount = countKeyword(header, "GCOUNT", 1n, bad);
  let elements = 0n;
  if (axes.length > 0) {
    // Random groups: NAXIS1 = 0 is a marker, not a dimension.
    const dims = type === "GROUPS" ? axes.slice(1).reduce((p, n) => p * BigInt(n), 1n) : product;
    elements = gcount * (pcount + dims);
  }
  const dataSize = (BigInt(Math.abs(bitpix)) / 8n) * elements;
  const headerSize = header.bytes.length;
  if (dataSize + BigInt(headerOffset) + BigInt(headerSize) + BigInt(BLOCK_SIZE) > MAX_SAFE) {
    throw bad(`Data size ${dataSize} bytes is too large`);
  }

  const extnameValue = header.get("EXTNAME");
  const extverValue = header.get("EXTVER");
  return {
    index,
    type,
    header,
    headerOffset,
    headerSize,
    dataOffset: headerOffset + headerSize,
    dataSize: Number(dataSize),
    bitpix,
    axes,
    pcount: Number(pcount),
    gcount: Number(gcount),
    extname: typeof extnameValue === "string" ? extnameValue.trim() : null,
    extver: typeof extverValue === "number" && Number.isSafeInteger(extverValue) ? extverValue : null,
  };
}

/**
 * Find an HDU by position or by EXTNAME (and EXTVER), the way astropy's `hdul[key]` does.
 *
 * Names match case-insensitively and `"PRIMARY"` always names HDU 0. With `extver` given, an HDU
 * without EXTVER counts as version 1. Without `extver`, the HDU with version 1 is preferred, then the
 * first with that name.
 *
 * @param hdus The HDUs of a file.
 * @param key A 0-based index, or an EXTNAME.
 * @param extver The EXTVER to match.
 * @returns The matching HDU.
 * @throws {CloudFitsError} `NOT_FOUND`, listing the HDUs that exist.
 *
 * @example Addressing HDUs by name and version
 * ```ts ignore
 * import { walkHdus } from "@cloudfits/core";
 * import { findHdu } from "./layout.ts";
 * import { openFileSource } from "@cloudfits/core/file";
 *
 * const { hdus } = await walkHdus(await openFileSource("testdata/dup_extnames.fits"));
 * console.log(findHdu(hdus, "sci", 2).index, findHdu(hdus, 0).type);
 * ```
 */
export function findHdu(hdus: readonly Hdu[], key: number | string, extver?: number): Hdu {
  if (typeof key === "number") {
    const hdu = Number.isInteger(key) && key >= 0 ? hdus[key] : undefined;
    if (hdu) return hdu;
    throw new CloudFitsError(
      "NOT_FOUND",
      `Cannot find HDU ${key}: the file has ${hdus.length} HDUs (0 to ${hdus.length - 1}): ${listHdus(hdus)}`,
    );
  }
  const wanted = key.trim().toUpperCase();
  const named = hdus.filter((hdu) =>
    hdu.extname?.toUpperCase() === wanted || (wanted === "PRIMARY" && hdu.index === 0)
  );
  const found = extver === undefined
    ? named.find((hdu) => (hdu.extver ?? 1) === 1) ?? named[0]
    : named.find((hdu) => (hdu.extver ?? 1) === extver);
  if (found) return found;
  const label = extver === undefined ? `'${key}'` : `('${key}', ${extver})`;
  throw new CloudFitsError("NOT_FOUND", `Cannot find HDU ${label}: the file has ${listHdus(hdus)}`);
}

function listHdus(hdus: readonly Hdu[]): string {
  if (hdus.length === 0) return "no HDUs";
  return hdus.map((hdu) => {
    const name = hdu.extname === null ? "" : ` ${hdu.extname}${hdu.extver === null ? "" : `,${hdu.extver}`}`;
    return `${hdu.index} ${hdu.type}${name}`;
  }).join("; ");
}

function hduType(header: Header, axes: number[], bad: (m: string) => CloudFitsError): HduType {
  const xtension = header.get("XTENSION");
  if (xtension === undefined) {
    if (!header.has("SIMPLE")) throw bad("Missing SIMPLE or XTENSION keyword");
    return axes.length > 0 && axes[0] === 0 && header.get("GROUPS") === true ? "GROUPS" : "PRIMARY";
  }
  if (typeof xtension !== "string") return "OTHER";
  switch (xtension.trim().toUpperCase()) {
    case "IMAGE":
      return "IMAGE";
    case "BINTABLE":
      return header.get("ZIMAGE") === true ? "COMPRESSED_IMAGE" : "BINTABLE";
    case "TABLE":
      return "TABLE";
    default:
      return "OTHER";
  }
}

function countKeyword(
  header: Header,
  keyword: string,
  fallback: bigint,
  bad: (m: string) => CloudFitsError,
): bigint {
  const value = header.get(keyword);
  if (value === undefined) return fallback;
  const n = toCount(value);
  if (n === undefined) throw bad(`Invalid ${keyword} ${show(value)}: expected a non-negative integer`);
  if (n > MAX_SAFE) throw bad(`${keyword} ${n} is too large`);
  return n;
}

/** A non-negative integer keyword value as a bigint, or undefined when it is anything else. */
function toCount(value: HeaderValue | undefined): bigint | undefined {
  if (typeof value === "bigint") return value >= 0n ? value : undefined;
  if (typeof value === "number" && Number.isInteger(value) && value >= 0) return BigInt(value);
  return undefined;
}

function show(value: HeaderValue | undefined): string {
  if (value === undefined) return "(missing)";
  if (typeof value === "string") return `'${value}'`;
  return Array.isArray(value) ? `(${value.join(", ")})` : String(value);
}
