/**
 * What a header walk checks: the signatures that start a FITS file and an extension, where the object
 * ends against the last HDU's size, and whole-file compression.
 *
 * @module
 */
import { CloudFitsError } from "../errors.ts";
import { type Hdu, paddedSize } from "../fits/layout.ts";
import { type Compression, compressionOf } from "../gzip/magic.ts";

/** The first card's start in a FITS file. */
export const ASCII_SIMPLE: readonly number[] = [0x53, 0x49, 0x4d, 0x50, 0x4c, 0x45, 0x20, 0x20, 0x3d]; // "SIMPLE  ="
/** The first card's start in an extension header. */
export const ASCII_XTENSION: readonly number[] = [0x58, 0x54, 0x45, 0x4e, 0x53, 0x49, 0x4f, 0x4e, 0x3d]; // "XTENSION="

/**
 * Check the end of an HDU against the object's size: data cut short is `TRUNCATED`; missing final padding
 * is a warning. True when the object ends inside the HDU's padding.
 */
export function checkEnd(
  hdu: Hdu,
  size: number,
  name: string,
  warnings: string[],
  truncatedData: "error" | "warn" | undefined,
): boolean {
  const dataEnd = hdu.dataOffset + hdu.dataSize;
  const next = hdu.dataOffset + paddedSize(hdu.dataSize);
  if (dataEnd > size && truncatedData === "warn") {
    warnings.push(
      `HDU ${hdu.index} is truncated: its data needs ${hdu.dataSize} bytes from offset ${hdu.dataOffset} but the object ends at offset ${size}; reading past the end fails`,
    );
    return true;
  }
  if (dataEnd > size) {
    throw new CloudFitsError(
      "TRUNCATED",
      `Cannot read HDU ${hdu.index} data at offset ${hdu.dataOffset} of ${name}: it needs ${hdu.dataSize} bytes but the object ends at offset ${size}`,
      { url: name, offset: size },
    );
  }
  if (next <= size) return false;
  warnings.push(
    `HDU ${hdu.index} lacks ${
      next - size
    } bytes of final padding: the object ends at offset ${size}, not ${next}`,
  );
  return true;
}

/** Whole-file compression is opened by openFits (gzip) or refused with a clear message (the others). */
export function refuseCompressed(start: Uint8Array, name: string): void {
  const compression = compressionOf(start);
  if (compression === "gzip") {
    throw new CloudFitsError(
      "NOT_FITS",
      `Cannot read ${name} as FITS: it is gzip-compressed; open it with openFits, which inflates it`,
      { url: name, offset: 0 },
    );
  }
  if (compression !== undefined) throw unsupportedCompression(name, compression);
}

/**
 * The error for a file compressed whole with a format other than gzip.
 *
 * @param name The file.
 * @param compression Its format.
 * @returns A `CloudFitsError` with code `UNSUPPORTED`.
 */
export function unsupportedCompression(name: string, compression: Compression): CloudFitsError {
  const what = {
    gzip: "gzip",
    bzip2: "bzip2 (.bz2)",
    compress: "Unix compress (.Z)",
    xz: "xz",
    zstd: "zstd",
  };
  return new CloudFitsError(
    "UNSUPPORTED",
    `Cannot read ${name}: it is ${
      what[compression]
    }-compressed, which cloudfits does not support (plain FITS and whole-file gzip only); decompress it first`,
    { url: name, offset: 0 },
  );
}

/** Whether `bytes` holds `prefix` at `at`. */
export function startsWith(bytes: Uint8Array, at: number, prefix: readonly number[]): boolean {
  if (bytes.length < at + prefix.length) return false;
  return prefix.every((b, i) => bytes[at + i] === b);
}
