/**
 * cloudfits reads any FITS file on object storage, or on disk, with the fewest and smallest range
 * requests: headers, N-D image sections and table rows, without downloading the file. Every read is
 * planned before it is fetched, and a read whose plan costs more than its limits is refused with the
 * figures. An optional binary index (a few KB per file) removes even the header reads.
 *
 * This entry point is browser-safe. Local files come from `@cloudfits/core/file`.
 *
 * Axis order: the library speaks numpy order (slowest axis first, 0-based, stop exclusive), as
 * astropy's `ImageHDU.section` does; targets given as strings (`openTarget`) use cfitsio's FITS order,
 * 1-based and inclusive, and are converted. The `cloudfits` command line speaks FITS order everywhere
 * (NAXIS1 first), with `numpyShape` beside `shape` in its JSON.
 *
 * @example Read a section of an image held in memory, after asking what it costs
 * ```ts
 * import assert from "node:assert/strict";
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
 * await using fits = await openFits(memorySource(file));
 * const image = fits.hdu(0);
 * const plan = image.plan([[1, 3], [2, 4]]); // numpy order: rows 1-2, columns 2-3
 * assert.deepEqual([plan.requests, plan.bytesToRead, plan.bytesNeeded], [1, 6, 4]);
 * const section = await image.section([[1, 3], [2, 4]]);
 * assert.deepEqual(section.shape, [2, 2]);
 * assert.deepEqual([...section.data], [12, 13, 22, 23]);
 * ```
 *
 * @module
 */

// Errors.
export {
  CloudFitsError,
  type CloudFitsErrorCode,
  type CloudFitsErrorDetails,
  isCloudFitsError,
} from "./src/errors.ts";
export { VERSION } from "./src/version.ts";

// Opening files and reading them.
export { type FitsFile, openFits, type OpenFitsOptions } from "./src/open.ts";
export type { HduHandle } from "./src/hdu_handle.ts";
export type { ReadPlanSummary, ReadSettings, RowReadSettings } from "./src/read_settings.ts";
export { type OpenedTarget, openTarget, type OpenTargetOptions } from "./src/open_target.ts";
export { openSource, type SourceOptions } from "./src/open_source.ts";
export type { AwsCredentialProvider } from "./src/credentials/aws.ts";
export type { ResolvedAwsCredentials } from "./src/credentials/aws_types.ts";
export { walkHdus, type WalkOptions, type WalkResult } from "./src/read/walk.ts";
export {
  type ChecksumResult,
  type ChecksumStatus,
  type VerifyChecksumOptions,
  verifyHduChecksum,
} from "./src/read/checksum.ts";
export type {
  AzureLocation,
  FileLocation,
  GcsLocation,
  HduName,
  HttpLocation,
  Location,
  LocationEnv,
  S3Location,
  Target,
} from "./src/url.ts";
export { parseLocation, parseTarget, redactUrl } from "./src/url.ts";

// What reads return.
export type { Card, Header, HeaderJson, HeaderValue, JsonCard, JsonHeaderValue } from "./src/fits/header.ts";
export { type HeaderOptions, parseHeader } from "./src/fits/header.ts";
export { buildHeader, formatCard } from "./src/fits/write.ts";
export type { Hdu, HduType } from "./src/fits/layout.ts";
export type { ImageArray } from "./src/fits/image.ts";
export type { StoredSection } from "./src/read/image_section.ts";
export type { Dtype, TypedArray } from "./src/fits/dtype.ts";
export type { SectionEntry, SectionSpec } from "./src/plan/image_section.ts";
export type { SectionAxis } from "./src/plan/fits_section.ts";
export type { ReadRangesOptions } from "./src/read/read_ranges.ts";
export type { CoalesceOptions } from "./src/plan/coalesce.ts";
export type {
  AsciiTypeCode,
  BinaryTypeCode,
  Column,
  ElementTypeCode,
  TableCompression,
  TableDtype,
  TableLayout,
  TableTiling,
} from "./src/fits/table_layout.ts";
export type { TableCell, TableColumnData, TableRows } from "./src/fits/table_values.ts";
export { rowsToJson, type TableJsonValue } from "./src/table_json.ts";
export { type Colormap, encodePng, type PngOptions, type Stretch } from "./src/png.ts";

// Sky positions.
export { cutoutSky, type SkyCutout, type SkyCutoutOptions } from "./src/sky_cutout.ts";
export type { AngularSize, SideLength } from "./src/sky/size.ts";
export type { SkyBox } from "./src/sky/box.ts";
export type { LinearTan } from "./src/sky/linear_fit.ts";
export type { TessCube } from "./src/tess_cube.ts";
export { findPosition, type FindPositionOptions, type SkyMatch } from "./src/find.ts";
export { type CompactWcs, footprintOf, type SkyFootprint } from "./src/sky/footprint.ts";
export type { FootprintRecord } from "./src/index_format/sky_cells.ts";
export type { FrameSummary, StoredFrameSummary } from "./src/index_format/frames.ts";
export { type Aperture, type LightCurve, lightCurve, type LightCurveOptions } from "./src/light_curve.ts";
export type { LightCurveData } from "./src/sky/light_curve_files.ts";

// World coordinates.
export { type CelestialFrame, type KeywordSource, type Wcs, wcs, type WcsOptions } from "./src/wcs/mod.ts";

// What reads cost.
export type {
  CostEstimate,
  CostLimits,
  LimitExcess,
  MeasureOptions,
  PlanFigures,
  Prices,
  Transfer,
  TransferEstimate,
} from "./src/plan/cost.ts";
export { describePlan, estimateCost } from "./src/plan/cost.ts";

// The index.
export { type IndexHandle, openIndex, type OpenIndexOptions } from "./src/open_index.ts";
export {
  buildIndex,
  type BuildIndexOptions,
  type BuildIndexResult,
  type IndexEvent,
} from "./src/indexer/build_index.ts";
export type { IndexFailure, IndexStorage, LocalFileInfo, SpoolFile } from "./src/indexer/types.ts";
export type { ShardPart } from "./src/indexer/shard.ts";
export type { ShardInfo } from "./src/index_format/shard.ts";
export {
  type FileVerdict,
  verifyIndex,
  type VerifyIndexOptions,
  type VerifyStatus,
} from "./src/verify_index.ts";
export { encodeIndex } from "./src/index_format/encode.ts";
export { type CloudFitsIndex, decodeIndex, type DecodeIndexOptions } from "./src/read/index.ts";
export type {
  ColumnSummary,
  EncodeIndexOptions,
  FileSummary,
  GzipIndex,
  HduSummary,
  IndexedFile,
  IndexSource,
} from "./src/index_format/types.ts";
export type { AccessPoint } from "./src/gzip/inflate.ts";

// Byte sources and wrappers.
export type {
  ByteSource,
  ClosableSource,
  ReadOptions,
  SuffixBytes,
  WrappedSource,
} from "./src/source/types.ts";
export { memorySource } from "./src/source/memory.ts";
export {
  type FetchLike,
  type HttpSource,
  httpSource,
  type HttpSourceOptions,
  type RequestEvent,
} from "./src/source/http.ts";
export { s3Source, type S3SourceOptions } from "./src/source/s3.ts";
export type { AwsCredentials, AwsCredentialSource, S3RequestOptions } from "./src/source/s3_fetch.ts";
export type { S3Address } from "./src/source/s3_url.ts";
export { type GcsAccessOptions, gcsSource, type GcsSourceOptions } from "./src/source/gcs.ts";
export { type AzureAccountOptions, azureSource, type AzureSourceOptions } from "./src/source/azure.ts";
export { type RetryEvent, type RetryOptions, type RetryReadOptions, withRetry } from "./src/source/retry.ts";
export { type CacheOptions, withCache } from "./src/source/cache.ts";
export { type CountingSource, countingSource, type TrafficStats } from "./src/source/counting.ts";
export type { ErrorExplainer } from "./src/source/status.ts";
export { RequestPool, type RequestPoolOptions } from "./src/source/request_pool.ts";
export { type ListedObject, listObjects, putObject } from "./src/remote_objects.ts";
