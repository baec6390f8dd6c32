/**
 * Check the files an index describes against their sources: size and ETag, the primary header's
 * bytes, and optionally CHECKSUM and DATASUM.
 *
 * @module
 */
import { CloudFitsError, isCloudFitsError } from "./errors.ts";
import type { ChecksumStatus } from "./read/checksum.ts";
import { verifyHduChecksum } from "./read/checksum.ts";
import type { CostLimits } from "./plan/cost.ts";
import { findEnd, parseHeader } from "./fits/header.ts";
import { describeHdu, type Hdu } from "./fits/layout.ts";
import type { IndexedFile } from "./index_format/types.ts";
import { type IndexHandle, openIndex, type OpenIndexOptions } from "./open_index.ts";
import { openSource } from "./open_source.ts";
import { gzipSource, isGzipSource } from "./source/gzip.ts";
import type { ByteSource } from "./source/types.ts";

/**
 * How a file compares with its record: `ok`; `stale` (size, ETag or primary header differ);
 * `missing`; `damaged` (CHECKSUM or DATASUM fail, or the file is truncated); or `error` when it could
 * not be checked (permission, network).
 */
export type VerifyStatus = "ok" | "stale" | "missing" | "damaged" | "error";

/** One file's result. */
export interface FileVerdict {
  /** The path in the index. */
  path: string;
  /** The outcome. */
  status: VerifyStatus;
  /** Why, when it is not `ok`. */
  detail?: string;
  /** Each HDU's CHECKSUM and DATASUM status, with `datasum: true`. */
  checksums?: { index: number; checksum: ChecksumStatus; datasum: ChecksumStatus }[];
  /** The error behind a status other than `ok` (for `error`, what kept the file from being checked). */
  error?: unknown;
}

/** Options for {@linkcode verifyIndex}. */
export interface VerifyIndexOptions extends OpenIndexOptions {
  /** Also read every HDU's data to check CHECKSUM and DATASUM (default false: one header read per file). */
  datasum?: boolean;
  /** Check only these paths (default: every file in the index). */
  paths?: readonly string[];
  /** Limits each HDU's data read is checked against with `datasum` (see `CostLimits`; defaults apply). */
  limits?: CostLimits;
}

/**
 * Check every file of an index against its source. Each file costs one read of its primary header:
 * the source compares the size and ETag the index recorded with the server's answer, and the header's
 * bytes must equal the indexed ones (or, for an index without header text, describe the same layout),
 * which catches a same-size rewrite of a local file. With `datasum`, every HDU's data is read too.
 *
 * @param index The index: a location, its bytes, or an opened handle (left open).
 * @param options Which paths, whether to check data sums, credentials and `openFile` for local data.
 * @returns One verdict per file, in index order (or the order of `paths`).
 * @throws {CloudFitsError} `NOT_FOUND` for a path that is not in the index; the index's own read errors.
 *
 * @example A file rewritten in place since it was indexed is stale
 * ```ts
 * import { buildHeader, encodeIndex, formatCard, memorySource, verifyIndex, walkHdus } from "@cloudfits/core";
 * import assert from "node:assert/strict";
 *
 * const fits = buildHeader([formatCard("SIMPLE", true), formatCard("BITPIX", 8), formatCard("NAXIS", 0)]);
 * const { hdus } = await walkHdus(memorySource(fits));
 * const index = await encodeIndex([{ path: "a.fits", size: fits.length, hdus }], { dataUrl: "/data" });
 * const files = new Map([["/data/a.fits", fits]]);
 * const openFile = (path: string) => Promise.resolve(memorySource(files.get(path)!, path));
 *
 * // Bytes could come from anywhere: their local data URL is used only when the caller says so.
 * assert.deepEqual(await verifyIndex(index, { openFile, allowLocalData: true }), [{ path: "a.fits", status: "ok" }]);
 * const edited = fits.slice();
 * edited.set(new TextEncoder().encode("COMMENT edited"), 240);
 * files.set("/data/a.fits", edited);
 * const [verdict] = await verifyIndex(index, { openFile, allowLocalData: true });
 * assert.equal(verdict.status, "stale");
 * assert.equal(verdict.detail, "the primary header differs from the indexed one");
 * ```
 */
export async function verifyIndex(
  index: string | Uint8Array | ByteSource | IndexHandle,
  options: VerifyIndexOptions = {},
): Promise<FileVerdict[]> {
  const handle = isHandle(index) ? index : await openIndex(index, options);
  const verdicts: FileVerdict[] = [];
  try {
    // Every file in leaf order (one read per batch of leaves), or the paths asked for.
    const files = options.paths ? named(handle, options.paths) : handle.index.files();
    for await (const file of files) verdicts.push(await verifyFile(handle, file, options));
  } finally {
    if (handle !== index) await handle.close();
  }
  return verdicts;
}

function isHandle(index: unknown): index is IndexHandle {
  return typeof (index as IndexHandle).locationOf === "function";
}

async function verifyFile(
  index: IndexHandle,
  file: IndexedFile,
  options: VerifyIndexOptions,
): Promise<FileVerdict> {
  const verdict: FileVerdict = { path: file.path, status: "ok" };
  try {
    const stored = await openSource(index.locationOf(file.path), {
      ...options,
      expected: { size: file.size, etag: file.etag },
    });
    const source = file.gzip
      ? gzipSource(stored, { size: file.gzip.size, points: file.gzip.points })
      : stored;
    try {
      const primary = await checkPrimaryHeader(source, file);
      if (options.datasum) {
        verdict.checksums = [];
        for (const hdu of file.hdus) {
          // Without header text the index cannot rebuild the header's bytes: use the file's own.
          const checked = hdu.index === 0 && file.headerComplete === false ? primary : hdu;
          const result = await verifyHduChecksum(source, checked, {
            signal: options.signal,
            limits: options.limits,
          });
          verdict.checksums.push({ index: hdu.index, ...result });
          if ((result.checksum === "bad" || result.datasum === "bad") && verdict.status === "ok") {
            verdict.status = "damaged";
            verdict.detail = `HDU ${hdu.index} fails ${result.datasum === "bad" ? "DATASUM" : "CHECKSUM"}`;
          }
        }
      }
    } finally {
      await source.close?.();
    }
  } catch (error) {
    verdict.status = isCloudFitsError(error, "STALE")
      ? "stale"
      : isCloudFitsError(error, "NOT_FOUND")
      ? "missing"
      : isCloudFitsError(error, "CHECKSUM") || isCloudFitsError(error, "TRUNCATED")
      ? "damaged"
      : "error";
    verdict.detail = (error as Error).message;
    verdict.error = error;
  }
  return verdict;
}

/**
 * One read of the primary header (the source checks size and ETag against the index on the way): its
 * bytes must equal the indexed header, or for an index without header text, describe the same layout.
 *
 * @returns The primary HDU as the file describes it.
 */
async function checkPrimaryHeader(source: ByteSource, file: IndexedFile): Promise<Hdu> {
  const indexed = file.hdus[0];
  const bytes = await source.read(0, indexed.headerSize);
  const stored = isGzipSource(source) ? source.compressed : source;
  if (stored.size !== undefined && stored.size !== file.size) {
    throw new CloudFitsError("STALE", `size is ${stored.size} bytes, indexed ${file.size}`);
  }
  const differs = () => new CloudFitsError("STALE", "the primary header differs from the indexed one");
  const end = findEnd(bytes);
  if (end !== indexed.headerSize) throw differs();
  const actual = describeHdu(parseHeader(bytes.subarray(0, end)), 0, 0);
  if (file.headerComplete === false) {
    const shape = (hdu: Hdu) => [hdu.type, hdu.bitpix, hdu.dataSize, hdu.pcount, hdu.gcount, ...hdu.axes];
    if (shape(actual).join() !== shape(indexed).join()) throw differs();
  } else {
    const header = indexed.header.bytes;
    if (header.length !== end || header.some((b, i) => b !== bytes[i])) throw differs();
  }
  return actual;
}

async function* named(handle: IndexHandle, paths: readonly string[]): AsyncGenerator<IndexedFile> {
  for (const path of paths) yield await handle.file(path);
}
