/**
 * Verify an HDU's CHECKSUM and DATASUM against its bytes: the one checksum check that reads.
 *
 * @module
 */
import { dataSum } from "../fits/checksum.ts";
import { type Hdu, paddedSize } from "../fits/layout.ts";
import { checkPlanCost, type CostLimits } from "../plan/cost.ts";
import type { ByteSource } from "../source/types.ts";
import { readRanges } from "./read_ranges.ts";

/** Outcome of one check: it matched, it did not, or the keyword is absent. */
export type ChecksumStatus = "ok" | "bad" | "absent";

/** Result of {@linkcode verifyHduChecksum}. */
export interface ChecksumResult {
  /** CHECKSUM: the whole HDU (header and data) sums to −0. */
  checksum: ChecksumStatus;
  /** DATASUM: the data sums to the recorded value. */
  datasum: ChecksumStatus;
}

/** Settings for {@linkcode verifyHduChecksum}. */
export interface VerifyChecksumOptions {
  /** Abort the reads. */
  signal?: AbortSignal;
  /** Requests in flight at once (default 4). */
  concurrency?: number;
  /** Bytes per read (default 8 MiB, a multiple of 4). */
  chunkSize?: number;
  /** Refuse to read more than these limits allow (see `CostLimits`; defaults apply). */
  limits?: CostLimits;
}

const DEFAULT_CHUNK = 8 * 1024 * 1024;

/**
 * Verify an HDU's CHECKSUM and DATASUM keywords, reading its data (padded span) in chunks.
 *
 * DATASUM must equal the sum of the data; CHECKSUM must make header plus data sum to −0
 * (0xFFFFFFFF). Missing final padding counts as zeros.
 *
 * Traffic: the data span in reads of `chunkSize` bytes, `concurrency` at a time; nothing when
 * neither keyword is present.
 *
 * @param source Where the file lives.
 * @param hdu The HDU to check.
 * @param options Abort signal, concurrency and chunk size.
 * @returns The status of each keyword.
 *
 * @example Verifying every HDU of a file
 * ```ts
 * import assert from "node:assert/strict";
 * import { verifyHduChecksum, walkHdus } from "@cloudfits/core";
 * import { openFileSource } from "@cloudfits/core/file";
 *
 * // HDU 1 of this file has one flipped bit in its data.
 * await using source = await openFileSource("testdata/checksum_bad.fits");
 * const { hdus } = await walkHdus(source);
 * const results = [];
 * for (const hdu of hdus) results.push(await verifyHduChecksum(source, hdu));
 * assert.deepEqual(results, [
 *   { checksum: "ok", datasum: "ok" },
 *   { checksum: "bad", datasum: "bad" },
 *   { checksum: "ok", datasum: "ok" },
 * ]);
 * ```
 */
export async function verifyHduChecksum(
  source: ByteSource,
  hdu: Hdu,
  options: VerifyChecksumOptions = {},
): Promise<ChecksumResult> {
  // astrocut cubes copy keyword comments into the values ("HDU checksum updated …"): such cards are
  // not checksums at all, so they count as absent rather than as failures.
  const checksumCard = hdu.header.get("CHECKSUM");
  const datasumCard = hdu.header.get("DATASUM");
  const recordedChecksum = typeof checksumCard === "string" && /^[\x21-\x7e]{16}$/.test(checksumCard)
    ? checksumCard
    : undefined;
  const recordedDatasum = typeof datasumCard === "string" && /^\s*\d+\s*$/.test(datasumCard)
    ? datasumCard
    : undefined;
  if (recordedChecksum === undefined && recordedDatasum === undefined) {
    return { checksum: "absent", datasum: "absent" };
  }
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK;
  if (!Number.isSafeInteger(chunkSize) || chunkSize <= 0 || chunkSize % 4 !== 0) {
    throw new RangeError(
      `Cannot verify checksums: chunkSize must be a positive multiple of 4, got ${chunkSize}`,
    );
  }
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const end = hdu.dataOffset + paddedSize(hdu.dataSize);
  const dataEnd = hdu.dataOffset + hdu.dataSize;
  // Missing final padding is tolerated; missing data is not (readRanges reports it as TRUNCATED).
  const available = Math.max(dataEnd, Math.min(end, source.size ?? end));
  const span = available - hdu.dataOffset;
  const figures = { requests: Math.ceil(span / chunkSize), bytesToRead: span, bytesNeeded: span };
  checkPlanCost(
    figures,
    options.limits,
    `the data of HDU ${hdu.index} of ${source.name} to verify its checksums`,
  );
  let sum = 0;
  // A batch of `concurrency` chunks at a time keeps memory bounded for huge HDUs.
  for (let batchStart = hdu.dataOffset; batchStart < available; batchStart += chunkSize * concurrency) {
    const ranges = [];
    for (let k = 0; k < concurrency; k++) {
      const offset = batchStart + k * chunkSize;
      if (offset >= available) break;
      ranges.push({ offset, length: Math.min(chunkSize, available - offset) });
    }
    // Coalescing is off: each chunk is its own request, so that the batch runs in parallel.
    const parts = await readRanges(source, ranges, {
      signal: options.signal,
      concurrency,
      maxGap: 0,
      maxSpan: chunkSize,
      limits: { maxRead: 0 },
    });
    for (const part of parts) sum = dataSum(padToWord(part), sum);
  }

  const datasum = recordedDatasum === undefined
    ? "absent"
    : datasumMatches(recordedDatasum, sum)
    ? "ok"
    : "bad";
  const checksum = recordedChecksum === undefined
    ? "absent"
    : dataSum(padToWord(hdu.header.bytes), sum) === 0xffffffff
    ? "ok"
    : "bad";
  return { checksum, datasum };
}

function datasumMatches(recorded: string, sum: number): boolean {
  return Number(recorded.trim()) === sum;
}

function padToWord(bytes: Uint8Array): Uint8Array {
  if (bytes.length % 4 === 0) return bytes;
  const padded = new Uint8Array(Math.ceil(bytes.length / 4) * 4);
  padded.set(bytes);
  return padded;
}
