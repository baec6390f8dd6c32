/**
 * cloudfits reads any FITS file on object storage, or on disk, with the fewest and smallest range
 * requests: headers, N-D image sections and table rows, without downloading the file.
 *
 * @example Read the header of a FITS file held in memory
 * ```ts
 * import { memorySource } from "@cloudfits/core";
 *
 * const source = memorySource(new Uint8Array(2880));
 * console.log(source.size); // 2880
 * ```
 *
 * @module
 */
export {
  CloudFitsError,
  type CloudFitsErrorCode,
  type CloudFitsErrorDetails,
  isCloudFitsError,
} from "./src/errors.ts";
export type { ByteRange, ByteSource, ReadOptions } from "./src/source/types.ts";
export { memorySource } from "./src/source/memory.ts";
export {
  type CoalesceOptions,
  coalesceRanges,
  DEFAULT_MAX_GAP,
  DEFAULT_MAX_SPAN,
} from "./src/plan/coalesce.ts";
export { readRanges, type ReadRangesOptions } from "./src/source/read_ranges.ts";
