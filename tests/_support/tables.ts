/**
 * Small BINTABLE files built in memory for the table tests, and the table fixtures opened with their
 * astropy-made expected rows.
 *
 * @module
 */
import { parseHeader } from "../../src/fits/header.ts";
import { describeHdu, type Hdu } from "../../src/fits/layout.ts";
import { walkHdus } from "../../src/read/walk.ts";
import { buildHeader, formatCard } from "../../src/fits/write.ts";
import { memorySource } from "../../src/source/memory.ts";
import type { ByteSource } from "../../src/source/types.ts";
import { binTableCards, expected, type ExpectedRows, fixture } from "./fixtures.ts";

/** An empty primary header, one block. */
export const PRIMARY: Uint8Array = buildHeader([
  formatCard("SIMPLE", true),
  formatCard("BITPIX", 8),
  formatCard("NAXIS", 0),
  formatCard("EXTEND", true),
]);

/**
 * A BINTABLE HDU at offset 2880, after an empty primary.
 *
 * @param rowBytes NAXIS1.
 * @param rows NAXIS2.
 * @param columns [TTYPE, TFORM] pairs.
 * @param extra More cards.
 * @param pcount PCOUNT.
 * @returns The header's bytes and the HDU.
 */
export function binTable(
  rowBytes: number,
  rows: number,
  columns: [string, string][],
  extra: string[] = [],
  pcount = 0,
): { header: Uint8Array; hdu: Hdu } {
  const header = buildHeader([...binTableCards(rowBytes, rows, columns, pcount), ...extra]);
  return { header, hdu: describeHdu(parseHeader(header, { offset: 2880 }), 1, 2880) };
}

/**
 * A file of the empty primary, then `header` and `data` padded to whole blocks.
 *
 * @param header A header from {@linkcode binTable}.
 * @param data The table's data.
 * @returns The file's bytes.
 */
export function fileOf(header: Uint8Array, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(2880 + header.length + Math.ceil(data.length / 2880) * 2880);
  out.set(PRIMARY);
  out.set(header, 2880);
  out.set(data, 2880 + header.length);
  return out;
}

/**
 * Open a fixture in memory and walk its HDUs.
 *
 * @param name The fixture's name.
 * @returns The source, the HDUs, and the expected rows of each HDU.
 */
export async function openFixture(
  name: string,
): Promise<{ source: ByteSource; hdus: Hdu[]; expected: ExpectedRows[][] }> {
  const source = memorySource(fixture(name), name);
  const { hdus } = await walkHdus(source);
  return { source, hdus, expected: expected(name).hdus.map((hdu) => hdu.rows ?? []) };
}
