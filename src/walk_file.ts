/**
 * Walk a FITS object as stored: plain, or whole-file gzip (`.fits.gz`, recognised by its magic bytes,
 * whatever its name), which is read through a {@linkcode gzipSource} by uncompressed offsets.
 *
 * @module
 */
import { compressionOf } from "./gzip/magic.ts";
import {
  DEFAULT_READ_AHEAD,
  unsupportedCompression,
  walkHdus,
  type WalkOptions,
  type WalkResult,
} from "./read/walk.ts";
import { type GzipSource, gzipSource } from "./source/gzip.ts";
import { DEFAULT_MAX_READ } from "./plan/cost.ts";
import type { ByteSource } from "./source/types.ts";

/** What {@linkcode walkFile} found, and the source to read the HDUs through. */
export interface WalkedFile extends WalkResult {
  /** The source that serves the HDUs' offsets: the object itself, or its gzip wrapper. */
  source: ByteSource;
  /** The gzip wrapper, when the object is whole-file gzip. */
  gzip?: GzipSource;
}

/**
 * Walk the HDUs of an object, inflating it when it is gzip-compressed. The first read (64 KiB) both
 * recognises the format and starts the walk, so a plain file costs what {@linkcode walkHdus} costs.
 *
 * @param source The stored object.
 * @param options Walk settings; the spacing of access points recorded while inflating; the most compressed
 *   bytes the walk of a gzip file may read (default 1 GiB, 0 for no limit: `COST_LIMIT` beyond it).
 * @returns The HDUs, warnings, and the source to read them through.
 * @throws {CloudFitsError} `UNSUPPORTED` for bzip2, Unix compress, xz and zstd files; what
 *   {@linkcode walkHdus} throws; `BAD_HEADER`, `CHECKSUM` or `TRUNCATED` for a damaged gzip stream.
 *
 * @example A gzip-compressed FITS file in memory
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildHeader, formatCard, memorySource } from "@cloudfits/core";
 * import { walkFile } from "./walk_file.ts";
 *
 * const fits = buildHeader([formatCard("SIMPLE", true), formatCard("BITPIX", 8), formatCard("NAXIS", 0)]);
 * const gz = new Uint8Array(await new Response(
 *   new Blob([fits as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new CompressionStream("gzip")),
 * ).arrayBuffer());
 * const walked = await walkFile(memorySource(gz));
 * assert.equal(walked.hdus.length, 1);
 * assert.equal(walked.gzip?.size, 2880);
 * assert.equal(walked.source, walked.gzip);
 * ```
 */
export async function walkFile(
  source: ByteSource,
  options: WalkOptions & { spacing?: number; maxRead?: number } = {},
): Promise<WalkedFile> {
  const readAhead = options.readAhead ?? DEFAULT_READ_AHEAD;
  const length = source.size === undefined ? readAhead : Math.min(readAhead, source.size);
  const head = options.head ?? await source.read(0, length, { signal: options.signal });
  const compression = compressionOf(head);
  if (compression === undefined) return { ...await walkHdus(source, { ...options, head }), source };
  if (compression !== "gzip") throw unsupportedCompression(source.name, compression);
  const gzip = gzipSource(source, { head, spacing: options.spacing });
  // The walk inflates up to the last header, the whole file for the last HDU's end: hold it to the limit.
  const maxRead = options.maxRead ?? DEFAULT_MAX_READ;
  gzip.limitReads(maxRead === 0 ? undefined : maxRead);
  const walked = await walkHdus(gzip, { ...options, head: undefined });
  gzip.limitReads(undefined);
  return { ...walked, source: gzip, gzip };
}
