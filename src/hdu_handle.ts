/**
 * One HDU of an opened file: its header, and planned reads of its image sections, table rows and cells.
 *
 * @module
 */
import type { Header } from "./fits/header.ts";
import { uncompressedHeader } from "./fits/compressed_header.ts";
import type { Hdu, HduType } from "./fits/layout.ts";
import type { ImageArray } from "./fits/image.ts";
import { planImageSection, type SectionSpec } from "./plan/image_section.ts";
import { planTileSection } from "./plan/tile_section.ts";
import { measurePlan } from "./plan/cost.ts";
import { readImageSection, readStoredSection, type StoredSection } from "./read/image_section.ts";
import type { TableCell, TableRows } from "./fits/table_values.ts";
import { describeTable } from "./fits/tform.ts";
import { measureTableRead, selectColumns } from "./plan/table_rows.ts";
import { measureTileRead } from "./plan/table_tiles.ts";
import type { ByteSource } from "./source/types.ts";
import { type ReadPlanSummary, type ReadSettings, type RowReadSettings, summarize } from "./read_settings.ts";

/**
 * One HDU of an opened file: its header, and reads of its data.
 *
 * @example A light curve from a TESS cube
 * ```ts
 * import assert from "node:assert/strict";
 * import { openFits } from "@cloudfits/core";
 * import { openFileSource } from "@cloudfits/core/file";
 *
 * await using fits = await openFits("testdata/tess_cube.fits", { openFile: openFileSource });
 * const cube = fits.hdu(1);
 * assert.equal(cube.type, "IMAGE");
 * assert.deepEqual(cube.info.axes, [2, 8, 6, 5], "FITS order: (flux, error), frames, columns, rows");
 * // numpy order: row 2, column 3, every frame, flux
 * const lightCurve = await cube.section([2, 3, null, 0]);
 * assert.deepEqual([lightCurve.shape, lightCurve.dtype], [[8], "float32"]);
 * assert.deepEqual([...lightCurve.data.subarray(0, 4)], [2030.5, 2031.5, 2032.5, 2033.5]);
 * assert.ok(Number.isNaN(lightCurve.data[4]), "a NaN frame");
 * ```
 */
export class HduHandle {
  /** The HDU record: offsets, sizes, axes. */
  readonly info: Hdu;
  readonly #source: ByteSource;
  readonly #settings: ReadSettings;
  #header: Header | undefined;

  /**
   * Wrap an HDU record. Prefer {@linkcode FitsFile.hdu}.
   *
   * @param source The file's byte source.
   * @param info The HDU record.
   * @param settings Defaults for every read.
   */
  constructor(source: ByteSource, info: Hdu, settings: ReadSettings = {}) {
    this.#source = source;
    this.info = info;
    // Reads of a gzip file are planned, and held to the limits, in compressed requests and bytes.
    const transfer = source.transferOf?.bind(source);
    this.#settings = transfer === undefined ? settings : { transfer, ...settings };
  }

  /**
   * Plan a section without fetching anything: the requests it would send, the bytes they would fetch,
   * the bytes it needs and what that costs. {@linkcode HduHandle.section} refuses a read whose plan
   * exceeds the cost limits (`COST_LIMIT`), with these figures in the message. A read that the bytes of
   * the header walk hold (a small file's first read) is counted all the same: the figures are an upper bound.
   *
   * @param spec One entry per axis, slowest first, as for {@linkcode HduHandle.section}.
   * @param options Per-read settings (request cost, span cap, prices in `limits`).
   * @returns The plan's figures.
   *
   * @example What a frame of a cube costs, and a read refused by its limits
   * ```ts
   * import assert from "node:assert/strict";
   * import { openFits } from "@cloudfits/core";
   * import { openFileSource } from "@cloudfits/core/file";
   *
   * await using fits = await openFits("testdata/tess_cube.fits", { openFile: openFileSource });
   * const cube = fits.hdu(1);
   * // The flux of frame 0: 30 values of 4 bytes, 64 bytes apart, fetched across the gaps in one request.
   * const frame = cube.plan([null, null, 0, 0]);
   * assert.deepEqual([frame.requests, frame.bytesToRead, frame.bytesNeeded], [1, 1860, 120]);
   * assert.deepEqual(frame.shape, [5, 6]);
   * assert.equal(cube.plan([null, null, 0, 0], { maxGap: 0 }).requests, 30, "no reading across gaps");
   * // section() checks the same figures against its limits before fetching anything.
   * const refused = cube.section([null, null, 0, 0], { limits: { maxRead: 1000 } });
   * await assert.rejects(refused, { code: "COST_LIMIT" });
   * ```
   */
  plan(spec: SectionSpec, options: ReadSettings = {}): ReadPlanSummary {
    const settings = { ...this.#settings, ...options };
    if (this.info.type === "COMPRESSED_IMAGE") {
      const plan = planTileSection(this.info, spec);
      const figures = measurePlan(plan.rowRanges, settings);
      return summarize(figures, plan.shape, false, settings);
    }
    const plan = planImageSection(this.info, spec);
    const figures = measurePlan(plan.ranges, settings);
    return summarize(figures, plan.shape, true, settings);
  }

  /**
   * The header this HDU stands for: a tile-compressed image's image header as astropy shows it (ZBITPIX
   * as BITPIX, ZNAXISn as NAXISn, no table or compression keywords), a tile-compressed table's header as
   * funpack restores it, or else the header as stored. {@linkcode HduHandle.rawHeader} is always the
   * header as stored.
   *
   * @example The image header of a compressed image, and the BINTABLE that stores it
   * ```ts
   * import assert from "node:assert/strict";
   * import { openFits } from "@cloudfits/core";
   * import { openFileSource } from "@cloudfits/core/file";
   *
   * await using fits = await openFits("testdata/compressed_rice.fits", { openFile: openFileSource });
   * const image = fits.hdu("RICE");
   * assert.deepEqual([image.header.get("XTENSION"), image.header.get("BITPIX"), image.header.get("NAXIS1")], ["IMAGE", 16, 24]);
   * assert.equal(image.header.has("ZCMPTYPE"), false);
   * assert.deepEqual([image.rawHeader.get("XTENSION"), image.rawHeader.get("ZCMPTYPE")], ["BINTABLE", "RICE_1"]);
   * ```
   */
  get header(): Header {
    return this.#header ??= uncompressedHeader(this.info);
  }

  /** The header as stored in the file (for a tile-compressed HDU, its BINTABLE header). */
  get rawHeader(): Header {
    return this.info.header;
  }

  /** The HDU's kind. */
  get type(): HduType {
    return this.info.type;
  }

  /**
   * Read an N-D section of an image in numpy order, as astropy's `ImageHDU.section`: one entry per
   * axis, slowest first — an index (drops the axis), `[start, stop]` or `[start, stop, step]` (0-based,
   * stop exclusive) or `null` (whole axis). BSCALE, BZERO and BLANK are applied unless `raw` is set.
   *
   * @param spec One entry per axis, slowest first; missing trailing entries mean whole axes.
   * @param options `raw` for stored values; per-read settings.
   * @returns Shape, dtype and decoded values in C order.
   *
   * @example Steps, dropped axes, and scaled or raw values
   * ```ts
   * import assert from "node:assert/strict";
   * import { openFits } from "@cloudfits/core";
   * import { openFileSource } from "@cloudfits/core/file";
   *
   * await using fits = await openFits("testdata/mef_images.fits", { openFile: openFileSource });
   * // A 3 × 4 × 5 int16 cube: planes 0 and 2, every row, column 0.
   * const cut = await fits.hdu("CUBE3D").section([[0, 3, 2], null, 0]);
   * assert.deepEqual(cut.shape, [2, 4]);
   * assert.deepEqual([...cut.data], [-50, -35, -20, -5, 70, 85, 100, 115]);
   *
   * // BSCALE 0.25 and BZERO 100.5 are applied unless raw is set.
   * const scaled = fits.hdu("SCALED16");
   * const physical = await scaled.section([3, [0, 2]]);
   * const raw = await scaled.section([3, [0, 2]], { raw: true });
   * assert.deepEqual([physical.dtype, [...physical.data]], ["float32", [1600.5, 1850.5]]);
   * assert.deepEqual([raw.dtype, [...raw.data]], ["int16", [6000, 7000]]);
   * ```
   */
  section(spec: SectionSpec, options: ReadSettings & { raw?: boolean } = {}): Promise<ImageArray> {
    return readImageSection(this.#source, this.info, spec, { ...this.#settings, ...options });
  }

  /**
   * Read an image section's stored values as FITS holds them — big-endian, before BSCALE, BZERO and
   * BLANK — for writing them to a FITS file untouched (no decode, no re-encode). Same selection as
   * {@linkcode HduHandle.section}.
   *
   * @param spec One entry per axis, slowest first; missing trailing entries mean whole axes.
   * @param options Per-read settings.
   * @returns Shape, the stored dtype and the big-endian bytes.
   *
   * @example The stored int16 bytes of two pixels
   * ```ts
   * import assert from "node:assert/strict";
   * import { openFits } from "@cloudfits/core";
   * import { openFileSource } from "@cloudfits/core/file";
   *
   * await using fits = await openFits("testdata/mef_images.fits", { openFile: openFileSource });
   * const stored = await fits.hdu("SCALED16").sectionBytes([3, [0, 2]]);
   * assert.deepEqual([stored.shape, stored.dtype], [[2], "int16"]);
   * assert.deepEqual([...stored.bytes], [0x17, 0x70, 0x1b, 0x58]); // 6000 and 7000, big-endian
   * ```
   */
  sectionBytes(spec: SectionSpec, options: ReadSettings = {}): Promise<StoredSection> {
    return readStoredSection(this.#source, this.info, spec, { ...this.#settings, ...options });
  }

  /**
   * Plan a read of table rows `[start, stop)` without fetching anything: the requests and bytes that
   * {@linkcode HduHandle.rows} (or {@linkcode HduHandle.rowBatches}) would fetch, and what they cost.
   *
   * @param start First row, 0-based.
   * @param stop Row after the last.
   * @param options Column names or 1-based numbers; per-read settings.
   * @returns The plan's figures; `complete` is false when variable-length arrays add a heap read.
   *
   * @example Two columns of every row of a TESS cube's table
   * ```ts
   * import assert from "node:assert/strict";
   * import { openFits } from "@cloudfits/core";
   * import { openFileSource } from "@cloudfits/core/file";
   *
   * await using fits = await openFits("testdata/tess_cube.fits", { openFile: openFileSource });
   * const table = fits.hdu(2);
   * // 8 rows of 778 bytes; TSTART (8 bytes) and DQUALITY (4 bytes) lie 562 bytes apart in each.
   * const plan = table.planRows(0, 8, { columns: ["TSTART", "DQUALITY"] });
   * assert.deepEqual([plan.requests, plan.bytesToRead, plan.bytesNeeded, plan.complete], [1, 6012, 96, true]);
   * assert.deepEqual(plan.shape, [8, 2]);
   * ```
   */
  planRows(
    start: number,
    stop: number,
    options: RowReadSettings = {},
  ): ReadPlanSummary {
    const settings = { ...this.#settings, ...options };
    const table = describeTable(this.info);
    const columns = selectColumns(table, options.columns);
    const measure = table.tiling ? measureTileRead : measureTableRead;
    const { complete, ...figures } = measure(table, this.info, start, stop, columns, settings);
    return summarize(figures, [stop - start, columns.length], complete, settings);
  }

  /**
   * Stream table rows `[start, stop)` in batches of at most 10,000 rows (or 16 MiB of row data), one
   * planned read each, checked against the cost limits as a whole before the first batch.
   *
   * @param start First row, 0-based.
   * @param stop Row after the last.
   * @param options Column names or 1-based numbers; per-read settings.
   * @returns The batches, in order.
   *
   * @example Streaming a column
   * ```ts
   * import assert from "node:assert/strict";
   * import { openFits } from "@cloudfits/core";
   * import { openFileSource } from "@cloudfits/core/file";
   *
   * await using fits = await openFits("testdata/tess_cube.fits", { openFile: openFileSource });
   * const quality: number[] = [];
   * for await (const batch of fits.hdu(2).rowBatches(0, 8, { columns: ["DQUALITY"] })) {
   *   assert.equal(batch.stop - batch.start, batch.rowCount);
   *   quality.push(...batch.columns.DQUALITY.values as Int32Array);
   * }
   * assert.deepEqual(quality, [32, 0, 0, 0, 0, 128, 0, 0]);
   * ```
   */
  async *rowBatches(
    start: number,
    stop: number,
    options: RowReadSettings = {},
  ): AsyncIterable<TableRows> {
    const { streamTableRows } = await tableReader();
    yield* streamTableRows(this.#source, this.info, { ...this.#settings, ...options, start, stop });
  }

  /**
   * Read table rows `[start, stop)` (0-based, stop exclusive), columnar; variable-length arrays are
   * resolved from the heap.
   *
   * @param start First row.
   * @param stop Row after the last.
   * @param options Column names or 1-based numbers; per-read settings.
   * @returns The rows, one entry per column.
   *
   * @example Strings, a variable-length array and a TNULL column, as JSON
   * ```ts
   * import assert from "node:assert/strict";
   * import { openFits, rowsToJson } from "@cloudfits/core";
   * import { openFileSource } from "@cloudfits/core/file";
   *
   * await using fits = await openFits("testdata/table_all.fits", { openFile: openFileSource });
   * const rows = await fits.hdu("ALLTYPES").rows(0, 2, { columns: ["NAME", "VLA_J", "WITHNULL"] });
   * assert.equal(rows.rowCount, 2);
   * // Columnar: WITHNULL holds the stored values and a mask of the rows equal to TNULL (-999).
   * assert.deepEqual([...rows.columns.WITHNULL.values as Int32Array], [1, -999]);
   * assert.deepEqual(rowsToJson(rows), {
   *   NAME: ["alpha", "be ta"],
   *   VLA_J: [[1, 2, 3], []],
   *   WITHNULL: [1, null],
   * });
   * ```
   */
  async rows(
    start: number,
    stop: number,
    options: RowReadSettings = {},
  ): Promise<TableRows> {
    const { readTableRows } = await tableReader();
    return await readTableRows(this.#source, this.info, { ...this.#settings, ...options, start, stop });
  }

  /**
   * Read one table cell: a number, string, boolean, array or `[re, im]`, with scaling applied and
   * variable-length arrays resolved.
   *
   * @param row The row, 0-based.
   * @param column The column's name (case-insensitive) or 1-based number.
   * @param options Per-read settings.
   * @returns The cell.
   *
   * @example Three cells of a table
   * ```ts
   * import assert from "node:assert/strict";
   * import { openFits } from "@cloudfits/core";
   * import { openFileSource } from "@cloudfits/core/file";
   *
   * await using fits = await openFits("testdata/table_all.fits", { openFile: openFileSource });
   * const table = fits.hdu(1);
   * assert.equal(await table.cell(1, "NAME"), "be ta");
   * assert.deepEqual(await table.cell(0, "vla_j"), new Int32Array([1, 2, 3]), "names in any case");
   * assert.equal(await table.cell(1, "WITHNULL"), null, "the TNULL value");
   * ```
   */
  async cell(row: number, column: string | number, options: ReadSettings = {}): Promise<TableCell> {
    const { readTableCell } = await tableReader();
    return await readTableCell(this.#source, this.info, row, column, { ...this.#settings, ...options });
  }
}

let loadingTableReader: Promise<typeof import("./read/table_rows.ts")> | undefined;

/** The table reader (decoders of every column type, heaps, tile-compressed tables): loaded on a first table read. */
function tableReader(): Promise<typeof import("./read/table_rows.ts")> {
  return loadingTableReader ??= import("./read/table_rows.ts");
}
