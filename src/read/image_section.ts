/**
 * Read image sections: plan the runs, check the cost, fetch them into the output in bounded waves,
 * and decode in place.
 *
 * @module
 */
import { encodeBigEndian } from "../fits/byte_order.ts";
import type { Dtype } from "../fits/dtype.ts";
import { decodeOwnedImageData, type ImageArray, imageInfo } from "../fits/image.ts";
import type { Hdu } from "../fits/layout.ts";
import { planImageSection, type SectionSpec } from "../plan/image_section.ts";
import type { ByteSource } from "../source/types.ts";
import { readCompressedSection } from "./compressed_section.ts";
import { fetchRanges, type ReadRangesOptions } from "./read_ranges.ts";

/** Settings for {@linkcode readImageSection}: how to fetch, and whether to skip scaling. */
export interface ReadImageSectionOptions extends ReadRangesOptions {
  /** Return stored values instead of physical ones (no BSCALE/BZERO/BLANK). */
  raw?: boolean;
}

/**
 * Read an image section: plan it, check the plan against the cost limits, fetch the runs (coalesced,
 * in parallel, in bounded waves) straight into the output, and decode them there. Peak memory is the
 * output plus the fetch window, whatever the shape of the selection.
 *
 * @param source Where the file lives.
 * @param hdu A PRIMARY, IMAGE or random-groups HDU of that file, or a tile-compressed image.
 * @param spec The selection in numpy order (see {@linkcode SectionSpec}).
 * @param options Raw mode, abort signal, concurrency, coalescing, window and cost limits.
 * @returns The section as a typed array with its shape and dtype.
 * @throws {CloudFitsError} as `planImageSection`; `COST_LIMIT` before fetching when the plan exceeds
 *   the limits; `TRUNCATED` when the data is cut short.
 *
 * @example A light curve from a TESS cube
 * ```ts
 * import { walkHdus } from "@cloudfits/core";
 * import assert from "node:assert/strict";
 * import { readImageSection } from "./image_section.ts";
 * import { openFileSource } from "@cloudfits/core/file";
 *
 * await using source = await openFileSource("testdata/tess_cube.fits");
 * const { hdus } = await walkHdus(source);
 * const flux = await readImageSection(source, hdus[1], [2, 3, null, 0]);
 * assert.deepEqual([flux.shape, flux.dtype], [[8], "float32"]);
 * ```
 */
export async function readImageSection(
  source: ByteSource,
  hdu: Hdu,
  spec: SectionSpec,
  options: ReadImageSectionOptions = {},
): Promise<ImageArray> {
  if (hdu.type === "COMPRESSED_IMAGE") return readCompressedSection(source, hdu, spec, options);
  const info = imageInfo(hdu);
  const plan = planImageSection(hdu, spec);
  const { bytes } = await fetchRanges(source, plan.ranges, {
    what: `HDU ${hdu.index} of ${source.name}`,
    ...options,
  });
  const data = decodeOwnedImageData(bytes, info, { raw: options.raw });
  return { shape: plan.shape, dtype: options.raw ? info.storedDtype : info.dtype, data };
}

/** An image section's stored values as FITS holds them: big-endian, before BSCALE/BZERO/BLANK. */
export interface StoredSection {
  /** Axis lengths in numpy order (slowest first). */
  shape: number[];
  /** The stored element type (BITPIX's; ZBITPIX's for a tile-compressed image). */
  dtype: Dtype;
  /** The elements, big-endian, in C order. */
  bytes: Uint8Array;
}

/**
 * Read an image section's stored bytes without decoding them: for an uncompressed image the runs are
 * fetched straight into the result and left big-endian, ready to be written to a FITS file untouched;
 * a tile-compressed image is decompressed and its stored values written big-endian.
 *
 * @param source Where the file lives.
 * @param hdu A PRIMARY, IMAGE or random-groups HDU of that file, or a tile-compressed image.
 * @param spec The selection in numpy order (see {@linkcode SectionSpec}).
 * @param options Abort signal, concurrency, coalescing, window and cost limits (`raw` is implied).
 * @returns The shape, the stored type and the big-endian bytes.
 * @throws {CloudFitsError} as {@linkcode readImageSection}.
 *
 * @example Two big-endian float32 values of a TESS cube's light curve
 * ```ts
 * import { walkHdus } from "@cloudfits/core";
 * import assert from "node:assert/strict";
 * import { readStoredSection } from "./image_section.ts";
 * import { openFileSource } from "@cloudfits/core/file";
 *
 * await using source = await openFileSource("testdata/tess_cube.fits");
 * const { hdus } = await walkHdus(source);
 * const stored = await readStoredSection(source, hdus[1], [2, 3, [0, 2], 0]);
 * assert.deepEqual([stored.shape, stored.dtype, stored.bytes.length], [[2], "float32", 8]);
 * assert.equal(new DataView(stored.bytes.buffer, stored.bytes.byteOffset).getFloat32(0), 2030.5);
 * ```
 */
export async function readStoredSection(
  source: ByteSource,
  hdu: Hdu,
  spec: SectionSpec,
  options: ReadRangesOptions = {},
): Promise<StoredSection> {
  if (hdu.type === "COMPRESSED_IMAGE") {
    const raw = await readCompressedSection(source, hdu, spec, { ...options, raw: true });
    return { shape: raw.shape, dtype: raw.dtype, bytes: encodeBigEndian(raw.data) };
  }
  const plan = planImageSection(hdu, spec);
  const { bytes } = await fetchRanges(source, plan.ranges, {
    what: `HDU ${hdu.index} of ${source.name}`,
    ...options,
  });
  return { shape: plan.shape, dtype: imageInfo(hdu).storedDtype, bytes };
}
