/**
 * The sky footprints the indexer files for one FITS file: every image HDU (plain or tile-compressed)
 * whose header has a celestial WCS, and a TESS cube's HDU 1 through the WCS row of its HDU 2 (the row
 * astrocut takes). An HDU whose WCS cannot be interpreted is skipped with a warning, never a failure.
 *
 * @module
 */
import { isCloudFitsError } from "../errors.ts";
import { uncompressedHeader } from "../fits/compressed_header.ts";
import type { Hdu } from "../fits/layout.ts";
import { decodeFrameBlock } from "../index_format/frames.ts";
import type { FootprintRecord } from "../index_format/sky_cells.ts";
import { openFits } from "../open.ts";
import { footprintOf } from "../sky/footprint.ts";
import type { ByteSource } from "../source/types.ts";
import { isTessCube, readTessCube } from "../tess_cube.ts";
import type { KeywordSource } from "../wcs/mod.ts";

const IMAGE_TYPES = new Set(["PRIMARY", "IMAGE", "COMPRESSED_IMAGE"]);

/**
 * The footprints of one file's HDUs.
 *
 * @param path The file's path in the index.
 * @param hdus Its HDUs (headers included).
 * @param source Its bytes, read only for a TESS cube's WCS row without `frames` (one planned read of HDU 2).
 * @param warn Reports an HDU skipped because its WCS cannot be interpreted.
 * @param signal Abort the read.
 * @param frames A TESS cube's stored frame summary: its WCS row, so that nothing is read.
 * @returns One record per HDU with a footprint.
 */
export async function fileFootprints(
  path: string,
  hdus: readonly Hdu[],
  source: ByteSource | undefined,
  warn: (message: string) => void | Promise<void>,
  signal?: AbortSignal,
  frames?: Uint8Array,
): Promise<FootprintRecord[]> {
  const records: FootprintRecord[] = [];
  const file = (hdu: number, keywords: KeywordSource, axes: readonly number[]) => {
    records.push({ path, hdu, ...footprintOf(keywords, axes) });
  };
  const skip = async (hdu: number, error: unknown) => {
    if (!isCloudFitsError(error)) throw error;
    await warn(`${path}: HDU ${hdu} has no footprint: ${error.message}`);
  };
  const cube = isTessCube(hdus);
  if (cube && (frames || source)) {
    try {
      // A stored frame summary holds the WCS row astrocut takes: nothing is read. Without one, HDU 2's row is.
      const stored = frames && (await decodeFrameBlock(frames, path)).wcsKeywords;
      const keywords: KeywordSource = stored
        ? { get: (keyword) => stored[keyword.toUpperCase()] }
        : (await readTessCube(await openFits(source!, { hdus, signal }), { signal })).wcsKeywords;
      const header = hdus[1].header;
      file(1, keywords, [header.getInteger("NAXIS3") ?? 0, header.getInteger("NAXIS4") ?? 0]);
    } catch (error) {
      await skip(1, error);
    }
  }
  for (const hdu of hdus) {
    if (cube && hdu.index === 1 || !IMAGE_TYPES.has(hdu.type)) continue;
    const header = hdu.type === "COMPRESSED_IMAGE" ? uncompressedHeader(hdu) : hdu.header;
    const axes = Array.from(
      { length: header.getInteger("NAXIS") ?? 0 },
      (_, i) => header.getInteger(`NAXIS${i + 1}`) ?? 0,
    );
    if (axes.length < 2 || !header.cards.some((card) => /^CTYPE\d+$/.test(card.keyword))) continue;
    try {
      file(hdu.index, header, axes);
    } catch (error) {
      await skip(hdu.index, error);
    }
  }
  return records;
}
