/**
 * FITS CHECKSUM and DATASUM: the 32-bit ones'-complement sum of an HDU and its ASCII encoding
 * (FITS standard 4.0, appendix J).
 *
 * @module
 */
import { readRanges } from "../read/read_ranges.ts";
import type { ByteSource } from "../source/types.ts";
import { type Hdu, paddedSize } from "./layout.ts";

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
}

const DEFAULT_CHUNK = 8 * 1024 * 1024;

/**
 * The 32-bit ones'-complement sum of big-endian 32-bit words, as FITS DATASUM defines it.
 *
 * @param bytes The bytes to sum; their length must be a multiple of 4.
 * @param initial A sum to continue from (to sum a stream in pieces whose lengths are multiples of 4).
 * @returns The sum, an unsigned 32-bit integer.
 *
 * @example Summing two words with end-around carry
 * ```ts
 * import { dataSum } from "@cloudfits/core";
 *
 * console.log(dataSum(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 2]))); // 2
 * ```
 */
export function dataSum(bytes: Uint8Array, initial = 0): number {
  if (bytes.length % 4 !== 0) {
    throw new RangeError(`Cannot sum ${bytes.length} bytes: the length must be a multiple of 4`);
  }
  // Sum 16-bit halves separately; doubles hold 2^37 of them exactly, far beyond any single call.
  let hi = Math.floor(initial / 0x10000);
  let lo = initial & 0xffff;
  for (let i = 0; i < bytes.length; i += 4) {
    hi += (bytes[i] << 8) | bytes[i + 1];
    lo += (bytes[i + 2] << 8) | bytes[i + 3];
  }
  // Fold the carries of each half into the other, end around, until none remain.
  for (;;) {
    const hiCarry = Math.floor(hi / 0x10000);
    const loCarry = Math.floor(lo / 0x10000);
    if (hiCarry === 0 && loCarry === 0) break;
    hi = (hi % 0x10000) + loCarry;
    lo = (lo % 0x10000) + hiCarry;
  }
  return hi * 0x10000 + lo;
}

/**
 * Encode a 32-bit sum as the 16-character CHECKSUM string of the FITS standard (appendix J).
 *
 * To produce a CHECKSUM value, encode the complement of the HDU's sum computed with
 * `CHECKSUM = '0000000000000000'`; the result makes the HDU sum to −0.
 *
 * @param value An unsigned 32-bit integer.
 * @param complement Encode `~value` instead (default true, as CHECKSUM needs).
 * @returns 16 ASCII characters from `0`–`9`, `A`–`Z`, `a`–`z`, never punctuation.
 *
 * @example
 * ```ts
 * import { encodeChecksum } from "@cloudfits/core";
 *
 * console.log(encodeChecksum(0xffffffff, false).length); // 16
 * ```
 */
export function encodeChecksum(value: number, complement = true): string {
  const word = complement ? ~value >>> 0 : value >>> 0;
  const exclude = new Set([0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f, 0x40, 0x5b, 0x5c, 0x5d, 0x5e, 0x5f, 0x60]);
  const chars = new Array<number>(16);
  for (let byte = 0; byte < 4; byte++) {
    const b = (word >>> (24 - 8 * byte)) & 0xff;
    const quotient = Math.floor(b / 4) + 0x30;
    const remainder = b % 4;
    const ch = [quotient, quotient, quotient, quotient];
    ch[0] += remainder;
    // Nudge pairs apart until none is punctuation; each pair keeps its sum.
    let changed = true;
    while (changed) {
      changed = false;
      for (let k = 0; k < 4; k += 2) {
        if (exclude.has(ch[k]) || exclude.has(ch[k + 1])) {
          ch[k]++;
          ch[k + 1]--;
          changed = true;
        }
      }
    }
    for (let k = 0; k < 4; k++) chars[4 * k + byte] = ch[k];
  }
  // Rotate right by one character so the string lines up with 32-bit words in the header.
  const rotated = [chars[15], ...chars.slice(0, 15)];
  return String.fromCharCode(...rotated);
}

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
 * ```ts ignore
 * import { verifyHduChecksum, walkHdus } from "@cloudfits/core";
 * import { openFileSource } from "@cloudfits/core/file";
 *
 * const source = await openFileSource("testdata/checksum_good.fits");
 * for (const hdu of (await walkHdus(source)).hdus) console.log(hdu.index, await verifyHduChecksum(source, hdu));
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
