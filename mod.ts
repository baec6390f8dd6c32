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
export { findEnd, Header, type HeaderOptions, parseHeader } from "./src/fits/header.ts";
export type { Card, HeaderValue } from "./src/fits/header.ts";
export { type CardKind, mergeContinuedCards, parseCard, type ParsedCard } from "./src/fits/card.ts";
export { buildHeader, formatCard } from "./src/fits/write.ts";
export {
  arrayToJson,
  cardsToJson,
  hduShape,
  hduSummary,
  headerValueToJson,
  type JsonCard,
  type JsonHduSummary,
  type JsonHeaderValue,
  numberToJson,
  type NumericArray,
} from "./src/json.ts";
export { fitsSectionToNumpy, type SectionAxis } from "./src/plan/fits_section.ts";
export { encodePng, type Stretch, zscaleLimits } from "./src/png.ts";
export { VERSION } from "./src/version.ts";
export { EXIT, exitCodeFor } from "./src/exit_codes.ts";
