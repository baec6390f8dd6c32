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
 * @param source Its bytes, read only for a TESS cube's WCS row (one planned read of HDU 2).
 * @param warn Reports an HDU skipped because its WCS cannot be interpreted.
 * @param signal Abort the read.
 * @returns One record per HDU with a footprint.
 */
export async function fileFootprints(
  path: string,
  hdus: readonly Hdu[],
  source: ByteSource | undefined,
  warn: (message: string) => void | Promise<void>,
  signal?: AbortSignal,
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
  if (cube && source) {
    try {
      const tess = await readTessCube(await openFits(source, { hdus, signal }), { signal });
      file(1, tess.wcsKeywords, [tess.width, tess.height]);
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
