/**
 * cloudfits reads any FITS file on object storage, or on disk, with the fewest and smallest range
 * requests: headers, N-D image sections and table rows, without downloading the file. An optional
 * binary index (a few KB per file) removes even the header reads.
 *
 * This entry point is browser-safe. Local files come from `@cloudfits/core/file`.
 *
 * @example Read a section of an image held in memory
 * ```ts
 * import { buildHeader, formatCard, memorySource, openFits } from "@cloudfits/core";
 *
 * const header = buildHeader([
 *   formatCard("SIMPLE", true),
 *   formatCard("BITPIX", 8),
 *   formatCard("NAXIS", 2),
 *   formatCard("NAXIS1", 4),
 *   formatCard("NAXIS2", 3),
 * ]);
 * const file = new Uint8Array(header.length + 2880);
 * file.set(header);
 * file.set([0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23], header.length);
 *
 * const fits = await openFits(memorySource(file));
 * const section = await fits.hdu(0).section([[1, 3], [2, 4]]); // numpy order: rows 1-2, columns 2-3
 * console.log(section.shape, [...section.data]); // [2, 2] [12, 13, 22, 23]
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
export { EXIT, exitCodeFor } from "./src/exit_codes.ts";
export { VERSION } from "./src/version.ts";

// Opening files and reading them.
export { FitsFile, HduHandle, openFits, type OpenFitsOptions, type ReadSettings } from "./src/open.ts";
export { openSource, type SourceOptions } from "./src/open_source.ts";
export { type OpenedTarget, openTarget, type OpenTargetOptions } from "./src/open_target.ts";
export {
  type AzureLocation,
  encodeObjectKey,
  type FileLocation,
  type GcsLocation,
  type HduName,
  type HttpLocation,
  type Location,
  type LocationEnv,
  parseLocation,
  parseTarget,
  redactUrl,
  type S3Location,
  type Target,
} from "./src/url.ts";

// The FITS engine.
export { findEnd, Header, type HeaderOptions, parseHeader } from "./src/fits/header.ts";
export type { Card, HeaderValue } from "./src/fits/header.ts";
export { type CardKind, mergeContinuedCards, parseCard, type ParsedCard } from "./src/fits/card.ts";
export { buildHeader, formatCard } from "./src/fits/write.ts";
export { BLOCK_SIZE, describeHdu, findHdu, type Hdu, type HduType, paddedSize } from "./src/fits/layout.ts";
export { DEFAULT_READ_AHEAD, walkHdus, type WalkOptions, type WalkResult } from "./src/read/walk.ts";
export { type Dtype, elementSize, type TypedArray } from "./src/fits/dtype.ts";
export {
  decodeImageData,
  decodeImageParts,
  type DecodeOptions,
  decodeOwnedImageData,
  type ImageArray,
  type ImageInfo,
  imageInfo,
} from "./src/fits/image.ts";
export {
  type AxisSelection,
  planImageSection,
  type RangeList,
  type SectionEntry,
  type SectionPlan,
  type SectionSpec,
  selectAxis,
} from "./src/plan/image_section.ts";
export { readImageSection, type ReadImageSectionOptions } from "./src/read/image_section.ts";
export type {
  AsciiTypeCode,
  BinaryTypeCode,
  Column,
  ElementTypeCode,
  TableDtype,
  TableLayout,
} from "./src/fits/table_layout.ts";
export { describeTable } from "./src/fits/tform.ts";
export { describeAsciiTable } from "./src/fits/ascii_table.ts";
export { type TableCell, tableCell, type TableColumnData, type TableRows } from "./src/fits/table_values.ts";
export { readTableCell, readTableRows, type ReadTableRowsOptions } from "./src/read/table_rows.ts";
export { rowsToJson, tableColumnToJson, type TableJsonValue } from "./src/table_json.ts";
export {
  type CellLocation,
  checkRowRange,
  type ColumnSelector,
  planTableRowAccess,
  planTableRows,
  selectColumns,
  type TableRowAccess,
  type TableRowPlanOptions,
} from "./src/plan/table_rows.ts";
export { dataSum, encodeChecksum } from "./src/fits/checksum.ts";
export {
  type ChecksumResult,
  type ChecksumStatus,
  type VerifyChecksumOptions,
  verifyHduChecksum,
} from "./src/read/checksum.ts";
export {
  type CompressedImageInfo,
  type CompressionType,
  decodeTile,
  describeCompressedImage,
  describeTileStorage,
  type StoredTile,
  type TileColumns,
  type TileStorage,
} from "./src/fits/compressed.ts";
export { decodeRice, riceMaxPixels, type RicePixels } from "./src/fits/tiles/rice.ts";
export { gunzipExactly, gzipMaxInflated, unshuffleBytes } from "./src/fits/tiles/gzip.ts";
export { decodePlio, plioMaxPixels } from "./src/fits/tiles/plio.ts";
export { decodeHcompress, type HcompressOptions } from "./src/fits/tiles/hcompress.ts";
export {
  type DequantizeOptions,
  dequantizeTile,
  DITHER_TABLE_SIZE,
  DITHER_ZERO_VALUE,
  ditherTable,
  ditherTableLastSeed,
  type QuantizeMethod,
} from "./src/fits/tiles/dither.ts";
export { planTileSection, type TileSectionPlan } from "./src/plan/tile_section.ts";
export { readCompressedSection } from "./src/read/compressed_section.ts";
export { fitsSectionToNumpy, type SectionAxis } from "./src/plan/fits_section.ts";
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
} from "./src/json.ts";
export { encodePng, type Stretch, zscaleLimits } from "./src/png.ts";

// The index.
export { encodeIndex } from "./src/index_format/encode.ts";
export { type CloudFitsIndex, decodeIndex, type DecodeIndexOptions } from "./src/read/index.ts";
export type {
  ColumnSummary,
  EncodeIndexOptions,
  FileSummary,
  HduSummary,
  IndexedFile,
  IndexSource,
} from "./src/index_format/types.ts";

// Byte sources, planning and wrappers.
export type { ByteSource, ReadOptions } from "./src/source/types.ts";
export type { ByteRange } from "./src/plan/types.ts";
export { memorySource } from "./src/source/memory.ts";
export {
  type CoalesceOptions,
  coalesceRanges,
  DEFAULT_MAX_GAP,
  DEFAULT_MAX_SPAN,
  type PlannedRequest,
  planRequests,
  type RangePiece,
} from "./src/plan/coalesce.ts";
export {
  checkPlanCost,
  type CostEstimate,
  type CostLimits,
  describePlan,
  estimateCost,
  exceededLimits,
  type LimitExcess,
  measurePlan,
  parseByteCount,
  type PlanFigures,
  type Prices,
} from "./src/plan/cost.ts";
export { fetchRanges, type FetchResult, readRanges, type ReadRangesOptions } from "./src/read/read_ranges.ts";
export {
  type FetchLike,
  type HttpSource,
  httpSource,
  type HttpSourceOptions,
  type RequestEvent,
} from "./src/source/http.ts";
export type { ErrorExplainer } from "./src/source/status.ts";
export { type RetryEvent, type RetryOptions, type RetryReadOptions, withRetry } from "./src/source/retry.ts";
export { type CacheOptions, withCache } from "./src/source/cache.ts";
export { type CountingSource, countingSource, type TrafficStats } from "./src/source/counting.ts";
export {
  type AwsCredentials,
  type AwsCredentialSource,
  parseS3Error,
  type S3Address,
  s3BucketUrl,
  type S3ErrorBody,
  s3ErrorHint,
  s3Fetch,
  type S3FetchOptions,
  type S3HintContext,
  s3ObjectUrl,
  s3PutObject,
  type S3PutOptions,
  type S3PutResult,
  type S3RequestOptions,
  s3ResponseError,
  type S3ResponseErrorContext,
  s3Source,
  type S3SourceOptions,
} from "./src/source/s3.ts";
export {
  parseListPage,
  type S3ListedObject,
  s3ListObjects,
  type S3ListOptions,
  type S3ListPage,
} from "./src/source/s3_list.ts";
export {
  GCS_ENDPOINT,
  type GcsAccessOptions,
  gcsListObjects,
  type GcsListOptions,
  gcsObjectUrl,
  gcsSource,
  type GcsSourceOptions,
} from "./src/source/gcs.ts";
export {
  AZURE_API_VERSION,
  type AzureAccountOptions,
  type AzureBlobAddress,
  type AzureBlobItem,
  azureBlobUrl,
  azureFetch,
  azureListBlobs,
  type AzureListOptions,
  azurePutBlob,
  type AzurePutOptions,
  azureSource,
  type AzureSourceOptions,
  explainAzureError,
} from "./src/source/azure.ts";
export {
  type AwsConfigOptions,
  type AwsCredentialOptions,
  type AwsCredentialProvider,
  type EnvironmentVariables,
  resolveAwsCredentials,
  resolveAwsRegion,
  type ResolvedAwsCredentials,
  resolveS3Endpoint,
} from "./src/credentials/aws.ts";
export {
  type AzureCredentialOptions,
  type AzureCredentials,
  resolveAzureCredentials,
} from "./src/credentials/azure.ts";
export { IndexHandle, openIndex, type OpenIndexOptions } from "./src/open_index.ts";
export {
  buildIndex,
  type BuildIndexOptions,
  type BuildIndexResult,
  type IndexEvent,
} from "./src/indexer/build_index.ts";
export type { IndexFailure, IndexStorage, LocalFileInfo } from "./src/indexer/types.ts";
export {
  type FileVerdict,
  verifyIndex,
  type VerifyIndexOptions,
  type VerifyStatus,
} from "./src/verify_index.ts";
export { type ListedObject, listObjects, putObject } from "./src/remote_objects.ts";
