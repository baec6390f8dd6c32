/**
 * Rebuild a file's HDUs, headers included, from its record in a cloudfits binary index and its leaf's
 * inflated header text, checking each against what the record says.
 *
 * @module
 */

import { CloudFitsError } from "../errors.ts";
import { parseHeader } from "../fits/header.ts";
import { describeHdu, type Hdu } from "../fits/layout.ts";
import { crc32c } from "./_crc32c.ts";
import { headerSizeForCards, rebuildHeader } from "./_header_text.ts";
import type { FileRecord } from "./decode_leaf.ts";
import { inflateGzip } from "./gzip_points.ts";
import type { HduSummary, IndexedFile } from "./types.ts";

/**
 * Rebuild one file's HDUs, headers included, from its record and its leaf's inflated header text.
 *
 * @param record The file record.
 * @param leafText The leaf's inflated header text.
 * @param indexName The index's name, for messages.
 * @returns The file with its HDUs.
 *
 * @example
 * ```ts ignore
 * import { inflateLeafText } from "./decode_leaf.ts";
 * import { materialize } from "./materialize.ts";
 *
 * const file = materialize(record, await inflateLeafText(leaf, name, offset), name);
 * ```
 */
export function materialize(record: FileRecord, leafText: Uint8Array, indexName: string): IndexedFile {
  const fail = (message: string, cause?: unknown): CloudFitsError =>
    new CloudFitsError(
      "BAD_INDEX",
      `Cannot decode header text of ${record.where} in index ${indexName}: ${message}`,
      {
        url: indexName,
        cause,
      },
    );
  const text = leafText.subarray(record.textOffset, record.textOffset + record.textLength);
  const complete = record.summary.headerComplete;
  const hdus: Hdu[] = [];
  let at = 0;
  for (const { summary, cardCount, textLength, raw } of record.hdus) {
    const segment = text.subarray(at, at + textLength);
    at += textLength;
    let bytes: Uint8Array | string;
    if (raw) {
      bytes = segment.length === summary.headerSize
        ? segment.slice()
        : `raw header of HDU ${summary.index} has ${segment.length} bytes, not ${summary.headerSize}`;
    } else {
      const cards = complete ? cardCount : countLines(segment);
      bytes = rebuildHeader(segment, cards, complete ? summary.headerSize : headerSizeForCards(cards));
    }
    if (typeof bytes === "string") throw fail(bytes);
    if (complete && crc32c(bytes) !== summary.headerCrc) {
      throw fail(`header of HDU ${summary.index} fails its CRC-32C`);
    }
    let hdu: Hdu;
    try {
      hdu = describeHdu(
        parseHeader(bytes, { offset: summary.headerOffset, name: record.summary.path }),
        summary.index,
        summary.headerOffset,
      );
    } catch (cause) {
      throw fail(`header of HDU ${summary.index} does not parse`, cause);
    }
    if (!complete) hdu = { ...hdu, headerSize: summary.headerSize, dataOffset: summary.dataOffset };
    const mismatch = compareHdu(hdu, summary);
    if (mismatch) throw fail(`HDU ${summary.index} disagrees with its header: ${mismatch}`);
    hdus.push(hdu);
  }
  const { path, size, etag, lastModified, indexer, headerComplete } = record.summary;
  const file: IndexedFile = { path, size, indexer, headerComplete, hdus };
  if (etag !== undefined) file.etag = etag;
  if (lastModified !== undefined) file.lastModified = lastModified;
  if (record.gzip !== undefined) {
    const gzip = inflateGzip(record.gzip);
    if (typeof gzip === "string") throw fail(gzip);
    file.gzip = gzip;
  }
  return file;
}

function compareHdu(hdu: Hdu, summary: HduSummary): string | undefined {
  const pairs: [string, unknown, unknown][] = [
    ["type", hdu.type, summary.type],
    ["headerSize", hdu.headerSize, summary.headerSize],
    ["dataOffset", hdu.dataOffset, summary.dataOffset],
    ["dataSize", hdu.dataSize, summary.dataSize],
    ["bitpix", hdu.bitpix, summary.bitpix],
    ["axes", hdu.axes.join(","), summary.axes.join(",")],
    ["pcount", hdu.pcount, summary.pcount],
    ["gcount", hdu.gcount, summary.gcount],
    ["extname", hdu.extname, summary.extname],
    ["extver", hdu.extver, summary.extver],
  ];
  const wrong = pairs.find(([, a, b]) => a !== b);
  return wrong && `${wrong[0]} ${String(wrong[1])} in the header, ${String(wrong[2])} in the record`;
}

function countLines(text: Uint8Array): number {
  let lines = 0;
  for (const byte of text) if (byte === 0x0a) lines++;
  return lines;
}
