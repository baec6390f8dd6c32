/**
 * Open a FITS file — from a byte source, a URL or an index — and read headers, image sections and
 * table rows from it with planned, coalesced, parallel range requests.
 *
 * @module
 */
import { CloudFitsError } from "./errors.ts";
import type { Header } from "./fits/header.ts";
import { findHdu, type Hdu, type HduType } from "./fits/layout.ts";
import { walkHdus } from "./read/walk.ts";
import type { ImageArray } from "./fits/image.ts";
import { planImageSection, type SectionSpec } from "./plan/image_section.ts";
import { planTileSection } from "./plan/tile_section.ts";
import { type CostEstimate, estimateCost, measurePlan, type PlanFigures } from "./plan/cost.ts";
import { readImageSection } from "./read/image_section.ts";
import type { ReadRangesOptions } from "./read/read_ranges.ts";
import type { TableCell, TableRows } from "./fits/table_values.ts";
import { readTableCell, readTableRows, streamTableRows } from "./read/table_rows.ts";
import { describeTable } from "./fits/tform.ts";
import { measureTableRead, selectColumns } from "./plan/table_rows.ts";
import type { ByteSource } from "./source/types.ts";
import { openSource, type SourceOptions } from "./open_source.ts";

/**
 * Settings shared by every read of an opened file: abort signal, concurrency, the request cost
 * (`maxGap`), the span cap, the window of bytes held in flight, and the cost limits every read is
 * checked against before it fetches.
 */
export type ReadSettings = Omit<ReadRangesOptions, "what">;

/** What a read would cost, computed without fetching anything. */
export interface ReadPlanSummary extends PlanFigures {
  /** Shape of the result in numpy order (for table rows: rows, columns). */
  shape: number[];
  /** Estimated cost at the prices of the settings' limits (default: S3 list prices). */
  cost: CostEstimate;
  /**
   * False when part of the read can only be planned after a first read: the tiles of a compressed
   * image, whose byte ranges are in their table rows, or the heap of variable-length arrays. The
   * figures then cover the first read only.
   */
  complete: boolean;
}

/** Options for {@linkcode openFits}: read settings, and how to reach a location given as a string. */
export interface OpenFitsOptions extends ReadSettings, SourceOptions {
  /** Known HDUs (from an index): skips the header walk entirely. */
  hdus?: readonly Hdu[];
  /**
   * Walk no further than this many HDUs: a caller that needs only HDU 1 of a 44 GB cube saves the
   * request for the header at its far end. `hdus` then lists only the HDUs walked.
   */
  maxHdus?: number;
}

/**
 * An opened FITS file: its HDUs, and handles to read them.
 *
 * @example
 * ```ts ignore
 * import { openFits } from "@cloudfits/core";
 *
 * const fits = await openFits(source);
 * console.log(fits.hdus.length, fits.hdu("SCI", 2).header.get("EXPTIME"));
 * ```
 */
export class FitsFile {
  /** Where the bytes come from. */
  readonly source: ByteSource;
  /** Every HDU, in file order. */
  readonly hdus: readonly Hdu[];
  /** Irregularities tolerated while reading the structure. */
  readonly warnings: readonly string[];
  readonly #settings: ReadSettings;

  /**
   * Wrap a source whose HDUs are known. Prefer {@linkcode openFits}.
   *
   * @param source The byte source.
   * @param hdus The HDU records.
   * @param warnings Tolerated irregularities.
   * @param settings Defaults for every read.
   */
  constructor(
    source: ByteSource,
    hdus: readonly Hdu[],
    warnings: readonly string[],
    settings: ReadSettings = {},
  ) {
    this.source = source;
    this.hdus = hdus;
    this.warnings = warnings;
    this.#settings = settings;
  }

  /** Close the source (file handles, connections); the file cannot be read afterwards. */
  async close(): Promise<void> {
    await this.source.close?.();
  }

  /** Close the source when an `await using` block ends. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /**
   * Get a handle on one HDU by number (0 = primary) or by EXTNAME (case-insensitive) and EXTVER
   * (default 1), as astropy addresses them.
   *
   * @param key HDU number or EXTNAME.
   * @param extver EXTVER when `key` is a name.
   * @returns The HDU handle.
   */
  hdu(key: number | string, extver?: number): HduHandle {
    return new HduHandle(this.source, findHdu([...this.hdus], key, extver), this.#settings);
  }
}

/**
 * One HDU of an opened file: its header, and reads of its data.
 *
 * @example
 * ```ts ignore
 * const cube = fits.hdu(1);
 * const lightCurve = await cube.section([100, 200, null, 0]); // numpy order: row, column, all frames, flux
 * ```
 */
export class HduHandle {
  /** The HDU record: offsets, sizes, axes. */
  readonly info: Hdu;
  readonly #source: ByteSource;
  readonly #settings: ReadSettings;

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
    this.#settings = settings;
  }

  /**
   * Plan a section without fetching anything: the requests it would send, the bytes they would fetch,
   * the bytes it needs and what that costs. {@linkcode HduHandle.section} refuses a read whose plan
   * exceeds the cost limits (`COST_LIMIT`), with these figures in the message.
   *
   * @param spec One entry per axis, slowest first, as for {@linkcode HduHandle.section}.
   * @param options Per-read settings (request cost, span cap, prices in `limits`).
   * @returns The plan's figures.
   */
  plan(spec: SectionSpec, options: ReadSettings = {}): ReadPlanSummary {
    const settings = { ...this.#settings, ...options };
    if (this.info.type === "COMPRESSED_IMAGE") {
      const plan = planTileSection(this.info, spec);
      const figures = measurePlan(plan.rowRanges, settings);
      return {
        ...figures,
        shape: plan.shape,
        cost: estimateCost(figures, settings.limits?.prices),
        complete: false,
      };
    }
    const plan = planImageSection(this.info, spec);
    const figures = measurePlan(plan.ranges, settings);
    return {
      ...figures,
      shape: plan.shape,
      cost: estimateCost(figures, settings.limits?.prices),
      complete: true,
    };
  }

  /** The parsed header. */
  get header(): Header {
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
   */
  section(spec: SectionSpec, options: ReadSettings & { raw?: boolean } = {}): Promise<ImageArray> {
    return readImageSection(this.#source, this.info, spec, { ...this.#settings, ...options });
  }

  /**
   * Plan a read of table rows `[start, stop)` without fetching anything: the requests and bytes that
   * {@linkcode HduHandle.rows} (or {@linkcode HduHandle.rowBatches}) would fetch, and what they cost.
   *
   * @param start First row, 0-based.
   * @param stop Row after the last.
   * @param options Column names or 1-based numbers; per-read settings.
   * @returns The plan's figures; `complete` is false when variable-length arrays add a heap read.
   */
  planRows(
    start: number,
    stop: number,
    options: ReadSettings & { columns?: readonly (string | number)[] } = {},
  ): ReadPlanSummary {
    const settings = { ...this.#settings, ...options };
    const table = describeTable(this.info);
    const columns = selectColumns(table, options.columns);
    const figures = measureTableRead(table, this.info, start, stop, columns, settings);
    return {
      ...figures,
      shape: [stop - start, columns.length],
      cost: estimateCost(figures, settings.limits?.prices),
    };
  }

  /**
   * Stream table rows `[start, stop)` in batches of at most 10,000 rows (or 16 MiB of row data), one
   * planned read each, checked against the cost limits as a whole before the first batch.
   *
   * @param start First row, 0-based.
   * @param stop Row after the last.
   * @param options Column names or 1-based numbers; per-read settings.
   * @returns The batches, in order.
   */
  rowBatches(
    start: number,
    stop: number,
    options: ReadSettings & { columns?: readonly (string | number)[] } = {},
  ): AsyncIterable<TableRows> {
    return streamTableRows(this.#source, this.info, { ...this.#settings, ...options, start, stop });
  }

  /**
   * Read table rows `[start, stop)` (0-based, stop exclusive), columnar; variable-length arrays are
   * resolved from the heap.
   *
   * @param start First row.
   * @param stop Row after the last.
   * @param options Column names or 1-based numbers; per-read settings.
   * @returns The rows, one entry per column.
   */
  rows(
    start: number,
    stop: number,
    options: ReadSettings & { columns?: readonly (string | number)[] } = {},
  ): Promise<TableRows> {
    return readTableRows(this.#source, this.info, { ...this.#settings, ...options, start, stop });
  }

  /**
   * Read one table cell: a number, string, boolean, array or `[re, im]`, with scaling applied and
   * variable-length arrays resolved.
   *
   * @param row The row, 0-based.
   * @param column The column's name (case-insensitive) or 1-based number.
   * @param options Per-read settings.
   * @returns The cell.
   */
  cell(row: number, column: string | number, options: ReadSettings = {}): Promise<TableCell> {
    return readTableCell(this.#source, this.info, row, column, { ...this.#settings, ...options });
  }
}

/**
 * Open a FITS file: walk its headers with a few range reads (or take the HDUs from an index), then
 * read any HDU through the returned handle.
 *
 * @param target A location (`https://…`, `s3://…`, `gs://…`, `az://…`; local paths with `openFile`) or
 *   a byte source (`httpSource`, `s3Source`, `memorySource`, a file source…).
 * @param options Known HDUs, read settings, and credentials for a location.
 * @returns The opened file.
 *
 * @example
 * ```ts ignore
 * import { httpSource, openFits } from "@cloudfits/core";
 *
 * const fits = await openFits(httpSource("https://example.org/data/image.fits"));
 * const cutout = await fits.hdu(1).section([[100, 110], [200, 210]]);
 * ```
 */
export async function openFits(
  target: string | ByteSource,
  options: OpenFitsOptions = {},
): Promise<FitsFile> {
  const { hdus, maxHdus, signal, concurrency, maxGap, maxSpan, window, limits } = options;
  const settings: ReadSettings = { signal, concurrency, maxGap, maxSpan, window, limits };
  const source = typeof target === "string" ? await openSource(target, options) : target;
  if (hdus) return new FitsFile(source, hdus, [], settings);
  const walked = await walkHdus(source, { signal: settings.signal, maxHdus });
  if (walked.hdus.length === 0) throw new CloudFitsError("NOT_FITS", `Cannot open ${source.name}: no HDUs`);
  return new FitsFile(source, walked.hdus, walked.warnings, settings);
}
