/**
 * Read sections of tile-compressed images: the table rows of the tiles a section touches (one
 * coalesced read), then the tiles' bytes in batches no larger than the fetch window, each batch
 * decoded into the output before the next is fetched.
 *
 * @module
 */
import { CloudFitsError } from "../errors.ts";
import { allocateArray, LITTLE_ENDIAN_HOST, type TypedArray } from "../fits/dtype.ts";
import { decodeOwnedImageData, type ImageArray, imageInfo } from "../fits/image.ts";
import type { Hdu } from "../fits/layout.ts";
import { addFigures, checkPlanCost, measurePlan } from "../plan/cost.ts";
import type { ByteRange } from "../plan/types.ts";
import type { SectionSpec } from "../plan/image_section.ts";
import { copyTile, locateTile, planTileSection } from "../plan/tile_section.ts";
import type { ByteSource } from "../source/types.ts";
import { DEFAULT_WINDOW, readRanges, type ReadRangesOptions } from "./read_ranges.ts";

/** Tiles decoded at once: enough to keep both cores busy, few enough to bound the decoded copies. */
const DECODE_CONCURRENCY = 8;

/**
 * Read a section of a tile-compressed image with two planned reads: the table rows of the tiles it
 * touches, then those tiles' heap bytes (in batches of at most the fetch window). Values follow the
 * rules of uncompressed images, with ZBITPIX as BITPIX and the BSCALE/BZERO/BLANK of the table header;
 * quantized floats are dequantized (with dithering) and undefined pixels are NaN.
 *
 * Every descriptor is checked against the heap, and every tile's length against what its pixels can
 * need, before anything is read or allocated; each read is checked against the cost limits.
 *
 * @param source Where the file lives.
 * @param hdu A `COMPRESSED_IMAGE` HDU of that file.
 * @param spec The selection in numpy order.
 * @param options Raw mode, abort signal, concurrency, coalescing, window and cost limits.
 * @returns The section as a typed array with its shape and dtype.
 * @throws {CloudFitsError} `OUT_OF_RANGE` for indices outside the image; `BAD_HEADER` for a descriptor
 *   outside the heap or a damaged tile; `TRUNCATED` when the data is cut short; `COST_LIMIT` when a
 *   read exceeds the limits; `UNSUPPORTED` for tiles cfitsio does not write.
 *
 * @example A cutout of an fpack file
 * ```ts
 * import { walkHdus } from "@cloudfits/core";
 * import assert from "node:assert/strict";
 * import { readCompressedSection } from "./compressed_section.ts";
 * import { openFileSource } from "@cloudfits/core/file";
 *
 * await using source = await openFileSource("testdata/compressed_rice_i16.fits");
 * const { hdus } = await walkHdus(source);
 * const cutout = await readCompressedSection(source, hdus[1], [[5, 37], [10, 50]]);
 * assert.deepEqual([cutout.shape, cutout.dtype], [[32, 40], "int16"]);
 * ```
 */
export async function readCompressedSection(
  source: ByteSource,
  hdu: Hdu,
  spec: SectionSpec,
  options: ReadRangesOptions & { raw?: boolean } = {},
): Promise<ImageArray> {
  const plan = planTileSection(hdu, spec);
  const { storage, shape, rows } = plan;
  const physical = imageInfo({ ...hdu, type: "IMAGE", bitpix: storage.info.zbitpix, axes: [] });
  const dtype = options.raw ? storage.dtype : physical.dtype;
  if (rows.length === 0) return { shape, dtype, data: allocateArray(dtype, 0) };

  const what = `the tiles of HDU ${hdu.index} of ${source.name}`;
  // The codecs load once per read, while the tile descriptors are on their way.
  const codecs = import("../fits/tiles/decode_tile.ts");
  // Awaited after the reads: a read that fails first must not leave a failed import unhandled.
  codecs.catch(() => {});
  const rowBytes = await readRanges(source, plan.rowRanges, { what, ...options });
  const located = rows.map((row, i) => locateTile(hdu, storage, row, rowBytes[i]));
  const heapStart = hdu.dataOffset + storage.table.heapOffset;
  const tileRanges = located.map((tile) => ({ offset: heapStart + tile.heapOffset, length: tile.length }));
  // The whole read — descriptors and tiles — is held to the limits before the first tile is fetched.
  const sorted = (ranges: readonly ByteRange[]) => ranges.toSorted((a, b) => a.offset - b.offset);
  checkPlanCost(
    addFigures(measurePlan(sorted(plan.rowRanges), options), measurePlan(sorted(tileRanges), options)),
    options.limits,
    what,
  );

  const { decodeTile } = await codecs;
  const out = allocateArray(storage.dtype, shape.reduce((p, n) => p * n, 1));
  const window = options.window ?? DEFAULT_WINDOW;
  for (let first = 0; first < located.length;) {
    let last = first;
    let batchBytes = 0;
    while (last < located.length && (last === first || batchBytes + located[last].length <= window)) {
      batchBytes += located[last++].length;
    }
    const batch = located.slice(first, last);
    const bytes = await readRanges(source, tileRanges.slice(first, last), {
      ...options,
      limits: { maxRead: 0 },
    });
    for (let i = 0; i < batch.length; i += DECODE_CONCURRENCY) {
      await Promise.all(
        batch.slice(i, i + DECODE_CONCURRENCY).map(async (tile, j) => {
          const values = await decodeTile(storage, { ...tile.stored, bytes: bytes[i + j] }).catch(
            (e: unknown) => {
              throw withOffset(e, heapStart + tile.heapOffset);
            },
          );
          copyTile(plan, tile.stored.row, values, out);
        }),
      );
    }
    first = last;
  }
  if (options.raw || physical.dtype === storage.dtype) return { shape, dtype, data: out };
  return { shape, dtype, data: decodeOwnedImageData(toBigEndian(out), physical) };
}
function withOffset(error: unknown, offset: number): unknown {
  if (!(error instanceof CloudFitsError) || error.offset !== undefined) return error;
  return new CloudFitsError(error.code, `${error.message} (tile data at offset ${offset})`, {
    offset,
    cause: error,
  });
}

/** The stored values as the big-endian bytes `decodeOwnedImageData` expects (it applies the scaling rules). */
function toBigEndian(values: TypedArray): Uint8Array {
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const size = values.BYTES_PER_ELEMENT;
  if (LITTLE_ENDIAN_HOST && size > 1) {
    for (let i = 0; i < bytes.length; i += size) {
      for (let lo = i, hi = i + size - 1; lo < hi; lo++, hi--) {
        const byte = bytes[lo];
        bytes[lo] = bytes[hi];
        bytes[hi] = byte;
      }
    }
  }
  return bytes;
}
