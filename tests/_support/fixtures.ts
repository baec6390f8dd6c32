/**
 * Helpers shared by the tests: the `testdata/` fixtures with their astropy-made expected values, and
 * objects stored under fresh keys in the loopback S3.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { formatCard } from "../../src/fits/write.ts";
import type { SectionSpec } from "../../src/plan/image_section.ts";
import type { S3LogEntry, S3TestServer } from "./s3_server.ts";

/** The `testdata/` folder. */
/** Every fixture in testdata/ (tests/fixtures_test.ts checks that the directory holds exactly these). */
export const FIXTURE_NAMES: readonly string[] = [
  "tess_cube",
  "mef_images",
  "dup_extnames",
  "table_all",
  "ascii_table",
  "random_groups",
  "exotic_header",
  "checksum_good",
  "checksum_bad",
  "compressed_rice",
  "compressed_gzip",
  "compressed_rice_i16",
  "compressed_rice_i32",
  "compressed_rice_u8",
  "compressed_gzip1_u16",
  "compressed_gzip2_f32",
  "compressed_dither1",
  "compressed_dither2",
  "compressed_plio",
  "compressed_nocompress",
  "compressed_hcompress",
  "no_final_pad",
  "unknown_xtension",
  "primary_only",
  "ztable_fixed",
  "ztable_complex",
  "ztable_vla",
  "ztable_vla_text",
  "wcs_cube",
];

export const TESTDATA: URL = new URL("../../testdata/", import.meta.url);

/**
 * The file-system path of a file in `testdata/`.
 *
 * @param file File name with its extension (empty for the folder, with a trailing slash).
 * @returns An absolute path.
 */
export function testdataPath(file = ""): string {
  return fileURLToPath(new URL(file, TESTDATA));
}

/**
 * Read a file in `testdata/`.
 *
 * @param file File name with its extension.
 * @returns The file's bytes.
 */
export function testdataFile(file: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(file, TESTDATA)));
}

/**
 * Read a FITS fixture.
 *
 * @param name Fixture name without `.fits`.
 * @returns The file's bytes.
 */
export function fixture(name: string): Uint8Array {
  return testdataFile(`${name}.fits`);
}

/**
 * Load a fixture's astropy-made expected values.
 *
 * @param name Fixture name without extension.
 * @returns The parsed `testdata/<name>.expected.json`.
 */
export function expected(name: string): ExpectedFile {
  return JSON.parse(readFileSync(new URL(`${name}.expected.json`, TESTDATA), "utf8"));
}

/** One image section that astropy read, in `testdata/*.expected.json`. */
export interface ExpectedSection {
  spec: SectionSpec;
  shape: number[];
  dtype: string;
  /** NaN, infinities and big integers are strings. */
  data: (number | string)[];
}

/** Table rows `[start, stop)` that astropy read, column by column. */
export interface ExpectedRows {
  start: number;
  stop: number;
  columns: Record<string, unknown[]>;
}

/** One HDU of `testdata/*.expected.json`. */
export interface ExpectedHdu {
  index: number;
  type: string;
  hdrLoc: number;
  datLoc: number;
  datSpan: number;
  extname: string | null;
  extver: number | null;
  bitpix: number;
  shape: number[];
  cards: { keyword: string; value: unknown; comment: string }[];
  sections?: ExpectedSection[];
  /** Which tool read `sections` when astropy could not (`funpack`). */
  sectionsFrom?: string;
  rows?: ExpectedRows[];
  /** For compressed images: the image header astropy shows (`hdul[i].header`). */
  imageCards?: { keyword: string; value: unknown; comment: string }[];
}

/** The shape of `testdata/*.expected.json`. */
export interface ExpectedFile {
  file: string;
  size: number;
  made_by: string;
  hdus: ExpectedHdu[];
  /** For the tile-compressed table fixtures: what read the expected rows (funpack, or the original table). */
  rows_from?: string;
}

/**
 * The cards of a BINTABLE extension header (without END).
 *
 * @param rowBytes NAXIS1.
 * @param rows NAXIS2.
 * @param columns `[TTYPE, TFORM]` of each column.
 * @param pcount PCOUNT: the heap's size.
 * @returns 80-character cards.
 */
export function binTableCards(
  rowBytes: number,
  rows: number,
  columns: [string, string][],
  pcount = 0,
): string[] {
  return [
    formatCard("XTENSION", "BINTABLE"),
    formatCard("BITPIX", 8),
    formatCard("NAXIS", 2),
    formatCard("NAXIS1", rowBytes),
    formatCard("NAXIS2", rows),
    formatCard("PCOUNT", pcount),
    formatCard("GCOUNT", 1),
    formatCard("TFIELDS", columns.length),
    ...columns.flatMap((
      [name, form],
      i,
    ) => [formatCard(`TTYPE${i + 1}`, name), formatCard(`TFORM${i + 1}`, form)]),
  ];
}

/** An object that `objectMaker` stored, and the proxy traffic for it. */
export interface StoredObject {
  key: string;
  /** The logged requests whose path names this object. */
  requests(): S3LogEntry[];
}

/**
 * A function that stores objects under fresh keys (`<folder>/<name>-<n>.fits`) in the loopback S3, so
 * that each test counts only its own requests.
 *
 * @param server The loopback S3.
 * @param folder Key prefix, without a trailing slash.
 * @param defaultBytes What an object holds unless told otherwise.
 * @returns `object(bucket, bytes?, name?)`.
 */
export function objectMaker(
  server: S3TestServer,
  folder: string,
  defaultBytes: Uint8Array,
): (bucket: string, bytes?: Uint8Array, name?: string) => Promise<StoredObject> {
  let objects = 0;
  return async (bucket, bytes = defaultBytes, name = "object") => {
    const key = `${folder}/${name}-${++objects}.fits`;
    await server.putObject(bucket, key, bytes);
    return {
      key,
      requests: () => server.log.filter((entry) => entry.path.includes(`/${bucket}/${key}`)),
    };
  };
}
