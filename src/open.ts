/**
 * Open a FITS file — from a byte source, a URL or an index — and read headers, image sections and
 * table rows from it with planned, coalesced, parallel range requests.
 *
 * @module
 */
import { CloudFitsError } from "./errors.ts";
import type { Header } from "./fits/header.ts";
import { uncompressedHeader } from "./fits/compressed_header.ts";
import { findHdu, type Hdu, type HduType } from "./fits/layout.ts";
import type { ImageArray } from "./fits/image.ts";
import { planImageSection, type SectionSpec } from "./plan/image_section.ts";
import { planTileSection } from "./plan/tile_section.ts";
import {
  type CostEstimate,
  estimateCost,
  exceededLimits,
  type LimitExcess,
  measurePlan,
  type PlanFigures,
} from "./plan/cost.ts";
import { readImageSection, readStoredSection, type StoredSection } from "./read/image_section.ts";
import type { ReadRangesOptions } from "./read/read_ranges.ts";
import type { TableCell, TableRows } from "./fits/table_values.ts";
import { describeTable } from "./fits/tform.ts";
import { measureTableRead, selectColumns } from "./plan/table_rows.ts";
import { measureTileRead } from "./plan/table_tiles.ts";
import type { ByteSource } from "./source/types.ts";
import type { FrameSummary } from "./index_format/frames.ts";
import { openSource, type SourceOptions } from "./open_source.ts";
import { type PendingWalk, startWalk } from "./walk_file.ts";
import type { WalkOptions } from "./read/walk.ts";
import { withHeldBytes } from "./source/held_bytes.ts";

/**
 * Settings shared by every read of an opened file: abort signal, concurrency, the request cost
 * (`maxGap`), the span cap, the window of bytes held in flight, and the cost limits every read is
 * checked against before it fetches.
 */
export type ReadSettings = Omit<ReadRangesOptions, "what">;

/** Settings of a table read: which columns (names, case-insensitive, or 1-based numbers), and how to fetch. */
export type RowReadSettings = ReadSettings & { columns?: readonly (string | number)[] };

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
  /** Whether the settings' cost limits allow the read (what `section` or `rows` would do). */
  allowed: boolean;
  /** When not allowed: each limit exceeded, and the settings that would allow it. */
  excess?: LimitExcess;
}

/** Options for {@linkcode openFits}: read settings, and how to reach a location given as a string. */
export interface OpenFitsOptions
  extends ReadSettings, SourceOptions, Pick<WalkOptions, "readAhead" | "targetRead" | "tailRead"> {
  /**
   * Also read the object's last `suffixRead` bytes, in the same round trip as the first read (an HTTP
   * suffix range, `Range: bytes=-N`), for a caller that will read the last HDU: a TESS cube's frame
   * table ends the file, so a light curve then takes two round trips cold — headers and frame table, then
   * the pixels — instead of three. 2 MiB (what `cloudfits lightcurve` sends) holds the frame table of a
   * 30-minute-cadence sector; a larger table costs the usual read of its header, which then fetches only
   * the bytes in front of the suffix. The suffix is checked against the first read's size and ETag
   * (`STALE` when the object changed between them). Skipped for sources without `readSuffix` (local
   * files, Azure Blob, which has no suffix ranges), for gzip files, and where the server does not answer
   * it (200, 416, an error: the walk reads as usual).
   */
  suffixRead?: number;
  /** Known HDUs (from an index): skips the header walk entirely. */
  hdus?: readonly Hdu[];
  /**
   * Walk no further than this many HDUs before returning: a caller that needs only HDU 1 of a 44 GB
   * cube saves the request for the header at its far end. The last HDU's header, when it must be read,
   * is read with the start of its data (`targetRead`, 64 KiB), which then serves the reads it holds. `hdus` then lists only the HDUs walked, and
   * {@linkcode FitsFile.open} or {@linkcode FitsFile.allHdus} walk on when asked.
   */
  maxHdus?: number;
  /**
   * Return as soon as the primary header is parsed (one round trip): `hdus` lists HDU 0 (`complete`
   * says whether that is all), and later headers are parsed — and read, when the first read does not
   * hold them — only when {@linkcode FitsFile.open} or {@linkcode FitsFile.allHdus} asks for them, so a
   * damaged header further on fails only the reads that reach it. A light curve from HDU 1
   * of a TESS cube then takes two sequential round trips instead of three: the header of HDU 2, at the
   * far end of the cube, is never read. With `maxHdus`, walks at least that many HDUs.
   */
  lazy?: boolean;
  /** With `hdus` from an index: loads a TESS cube's frame summary from it (see `FitsFile.frames`). */
  frames?: () => Promise<FrameSummary | undefined>;
}

/**
 * An opened FITS file: its HDUs, and handles to read them.
 *
 * @example HDUs by number, or by EXTNAME and EXTVER
 * ```ts
 * import assert from "node:assert/strict";
 * import { openFits } from "@cloudfits/core";
 * import { openFileSource } from "@cloudfits/core/file";
 *
 * // SCI, ERR and DQ twice, then a lowercase 'sci' with EXTVER 3.
 * await using fits = await openFits("testdata/dup_extnames.fits", { openFile: openFileSource });
 * assert.equal(fits.hdus.length, 8);
 * const names = fits.hdus.map((hdu) => hdu.extname ?? "");
 * assert.deepEqual(names, ["", "SCI", "ERR", "DQ", "SCI", "ERR", "DQ", "sci"]);
 * assert.equal(fits.hdu("SCI", 2).info.index, 4);
 * assert.equal(fits.hdu("SCI", 3).info.index, 7, "names match in any case");
 * assert.equal(fits.hdu(0).type, "PRIMARY");
 * ```
 */
export class FitsFile {
  /** Where the bytes come from. */
  readonly source: ByteSource;
  /**
   * Every HDU, in file order — or, for a file opened with `lazy` or `maxHdus` while `complete` is
   * false, the HDUs walked so far (the list grows as {@linkcode FitsFile.open} walks on).
   */
  readonly hdus: readonly Hdu[];
  /** Irregularities tolerated while reading the structure (so far, while `complete` is false). */
  readonly warnings: readonly string[];
  /**
   * Opened through an index: loads the frame summary the index holds for a TESS cube (undefined when
   * it holds none), so that light curves and target pixel files need not read the frame table.
   */
  readonly frames: (() => Promise<FrameSummary | undefined>) | undefined;
  readonly #settings: ReadSettings;
  readonly #walk: PendingWalk | undefined;
  /** What the HDUs are read through: the source, or the first read's bytes in front of it. */
  readonly #reader: ByteSource;

  /**
   * Wrap a source whose HDUs are known. Prefer {@linkcode openFits}.
   *
   * @param source The byte source.
   * @param hdus The HDU records (for a walk under way: the array the walk appends to).
   * @param warnings Tolerated irregularities (for a walk under way: the array the walk appends to).
   * @param settings Defaults for every read.
   * @param more The walk that found `hdus` (they are complete once it is done; the bytes it read — its first
   *   read, its latest read of a later header and what came with it — serve the reads they cover), and, opened
   *   through an index, what loads a TESS cube's frame summary from it.
   */
  constructor(
    source: ByteSource,
    hdus: readonly Hdu[],
    warnings: readonly string[],
    settings: ReadSettings = {},
    more: { walk?: PendingWalk; frames?: () => Promise<FrameSummary | undefined> } = {},
  ) {
    this.source = source;
    this.hdus = hdus;
    this.warnings = warnings;
    this.frames = more.frames;
    this.#settings = settings;
    const walk = more.walk;
    this.#walk = walk;
    this.#reader = walk === undefined
      ? source
      : withHeldBytes(source, () => [{ offset: 0, bytes: walk.head }, walk.window, walk.suffix]);
  }

  /** True when `hdus` lists every HDU of the file; false while a lazy walk has headers left to read. */
  get complete(): boolean {
    return this.#walk?.done ?? true;
  }

  /**
   * Get a handle on one HDU as {@linkcode FitsFile.hdu} does, reading later headers first when the
   * file was opened with `lazy` (or `maxHdus`) and the HDU is not walked yet: by number, only the
   * headers up to that HDU; by name, up to the first match. The header of the HDU asked for (by name, of
   * every HDU on the way) is read with the start of its data (`targetRead`, 64 KiB), which then serves the
   * reads it holds. A damaged header on the way fails here, when it is needed, not at open.
   *
   * @param key HDU number or EXTNAME.
   * @param extver EXTVER when `key` is a name.
   * @returns The HDU handle.
   * @throws {CloudFitsError} `NOT_FOUND` when the file has no such HDU; what the walk throws for a
   * header on the way (`BAD_HEADER`, `TRUNCATED`).
   *
   * @example A lazily opened cube: a light curve in two round trips, the table's header on demand
   * ```ts
   * import assert from "node:assert/strict";
   * import { countingSource, openFits } from "@cloudfits/core";
   * import { openFileSource } from "@cloudfits/core/file";
   *
   * await using file = await openFileSource("testdata/tess_cube.fits");
   * const source = countingSource(file);
   * // A first read of two blocks holds the headers of HDU 0 and 1, not the table's after the cube.
   * const fits = await openFits(source, { lazy: true, readAhead: 2 * 2880 });
   * assert.deepEqual([fits.hdus.length, fits.complete, source.stats.requests], [1, false, 1]);
   * const cube = await fits.open(1);
   * assert.equal(source.stats.requests, 1, "its header was in the first read");
   * const lightCurve = await cube.section([2, 3, null, 0]);
   * assert.deepEqual([...lightCurve.data.subarray(0, 2)], [2030.5, 2031.5]);
   * assert.equal(source.stats.requests, 2);
   * const table = await fits.open(2);
   * assert.equal(table.type, "BINTABLE", "walks on to the table");
   * // Its header of 9 blocks is read with the start of its data (64 KiB; here the rest of the file)...
   * assert.deepEqual([fits.hdus.length, fits.complete, source.stats.requests], [3, true, 3]);
   * // ...which holds its rows.
   * const quality = await table.rows(0, 8, { columns: ["DQUALITY"] });
   * assert.deepEqual([...quality.columns.DQUALITY.values as Int32Array], [32, 0, 0, 0, 0, 128, 0, 0]);
   * assert.equal(source.stats.requests, 3);
   * ```
   */
  async open(key: number | string, extver?: number): Promise<HduHandle> {
    const walk = this.#walk;
    while (walk !== undefined && !walk.done && !this.#walked(key, extver)) {
      // The step that reaches the HDU reads the start of its data along: by number, that step; by name,
      // any step may be the one.
      await walk.next({ target: typeof key === "string" || walk.hdus.length === key });
    }
    return this.hdu(key, extver);
  }

  /**
   * Walk the rest of the headers (nothing to read unless the file was opened with `lazy` or
   * `maxHdus`). Started together with a first section read, the walk costs no extra round trip.
   *
   * @returns Every HDU, in file order.
   *
   * @example Every HDU of a lazily opened file
   * ```ts
   * import assert from "node:assert/strict";
   * import { openFits } from "@cloudfits/core";
   * import { openFileSource } from "@cloudfits/core/file";
   *
   * await using fits = await openFits("testdata/mef_images.fits", {
   *   openFile: openFileSource,
   *   lazy: true,
   *   readAhead: 2880,
   * });
   * assert.equal(fits.hdus.length, 1);
   * assert.equal((await fits.allHdus()).length, 16);
   * assert.ok(fits.complete);
   * ```
   */
  async allHdus(): Promise<readonly Hdu[]> {
    const walk = this.#walk;
    while (walk !== undefined && !walk.done) await walk.next();
    return this.hdus;
  }

  /** Whether the HDUs walked so far answer `key` (a key no HDU can match counts as answered). */
  #walked(key: number | string, extver: number | undefined): boolean {
    if (typeof key === "number") return !Number.isSafeInteger(key) || key < 0 || key < this.hdus.length;
    try {
      findHdu([...this.hdus], key, extver);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Close the source (file handles, connections); the file cannot be read afterwards.
   *
   * @returns When the source is closed.
   *
   * @example Reads after closing fail
   * ```ts
   * import assert from "node:assert/strict";
   * import { openFits } from "@cloudfits/core";
   * import { openFileSource } from "@cloudfits/core/file";
   *
   * const fits = await openFits("testdata/primary_only.fits", { openFile: openFileSource });
   * const image = fits.hdu(0);
   * assert.deepEqual([...(await image.section([0, [0, 3]])).data], [-1000, -999, -998]);
   * await fits.close();
   * await assert.rejects(image.section([0, [0, 3]]), { code: "USAGE" });
   * ```
   */
  async close(): Promise<void> {
    await this.#reader.close?.();
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
   * @throws {CloudFitsError} `NOT_FOUND` when no HDU has that number, or that name and version — among
   * the HDUs walked so far when `complete` is false ({@linkcode FitsFile.open} walks on).
   *
   * @example An extension by name, and one that is not there
   * ```ts
   * import assert from "node:assert/strict";
   * import { openFits } from "@cloudfits/core";
   * import { openFileSource } from "@cloudfits/core/file";
   *
   * await using fits = await openFits("testdata/mef_images.fits", { openFile: openFileSource });
   * const cube = fits.hdu("CUBE3D");
   * assert.deepEqual([cube.info.index, cube.type, cube.header.getInteger("NAXIS")], [15, "IMAGE", 3]);
   * assert.throws(() => fits.hdu("CUBE3D", 2), { code: "NOT_FOUND" });
   * assert.throws(() => fits.hdu(16), { code: "NOT_FOUND" });
   * ```
   */
  hdu(key: number | string, extver?: number): HduHandle {
    try {
      return new HduHandle(this.#reader, findHdu([...this.hdus], key, extver), this.#settings);
    } catch (error) {
      if (this.complete || !(error instanceof CloudFitsError)) throw error;
      throw new CloudFitsError(
        "NOT_FOUND",
        `${error.message} walked so far (opened lazily: await fits.open(${JSON.stringify(key)}) walks on)`,
      );
    }
  }
}

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

/** The table reader (decoders of every column type, heaps, tile-compressed tables): loaded on a first table read. */
function tableReader(): Promise<typeof import("./read/table_rows.ts")> {
  return import("./read/table_rows.ts");
}

/**
 * Open a FITS file: walk its headers with a few range reads (or take the HDUs from an index), then
 * read any HDU through the returned handle. A file that ends inside its last data unit still opens, with
 * a warning in {@linkcode FitsFile.warnings}; reading the missing bytes throws `TRUNCATED`.
 *
 * @param target A location (`https://…`, `s3://…`, `gs://…`, `az://…`; local paths with `openFile`) or
 *   a byte source (`httpSource`, `s3Source`, `memorySource`, a file source…).
 * @param options Known HDUs, read settings, and credentials for a location.
 * @returns The opened file.
 *
 * @example Walking only the headers a caller needs
 * ```ts
 * import assert from "node:assert/strict";
 * import { countingSource, openFits } from "@cloudfits/core";
 * import { openFileSource } from "@cloudfits/core/file";
 *
 * await using file = await openFileSource("testdata/mef_images.fits");
 * const source = countingSource(file);
 * const fits = await openFits(source, { maxHdus: 2 });
 * assert.deepEqual(fits.hdus.map((hdu) => hdu.extname ?? "PRIMARY"), ["PRIMARY", "UINT8"]);
 * assert.equal(source.stats.requests, 1, "all 16 HDUs would take 3");
 * const lastRow = await fits.hdu("UINT8").section([3]);
 * assert.deepEqual([...lastRow.data], [195, 208, 221, 234, 247]);
 * ```
 */
export async function openFits(
  target: string | ByteSource,
  options: OpenFitsOptions = {},
): Promise<FitsFile> {
  const {
    hdus,
    maxHdus,
    lazy,
    readAhead,
    targetRead,
    tailRead,
    suffixRead,
    signal,
    concurrency,
    maxGap,
    maxSpan,
    window,
    limits,
  } = options;
  const settings: ReadSettings = { signal, concurrency, maxGap, maxSpan, window, limits };
  const source = typeof target === "string" ? await openSource(target, options) : target;
  if (hdus) return new FitsFile(source, hdus, [], settings, { frames: options.frames });
  try {
    // A file cut short in its last data unit still opens: its headers are whole, and reading the missing
    // bytes fails on its own.
    const { walk, ...started } = await startWalk(source, {
      signal,
      readAhead,
      targetRead,
      tailRead,
      suffixRead,
      maxRead: limits?.maxRead,
      truncatedData: "warn",
    });
    const wanted = maxHdus ?? (lazy ? 1 : Infinity);
    // The last of `maxHdus` is the HDU the caller will read: the start of its data comes with its header.
    while (!walk.done && walk.hdus.length < wanted) {
      await walk.next({ target: walk.hdus.length === wanted - 1 });
    }
    if (walk.hdus.length === 0) throw new CloudFitsError("NOT_FITS", `Cannot open ${source.name}: no HDUs`);
    return new FitsFile(started.source, walk.hdus, walk.warnings, settings, { walk });
  } catch (error) {
    // A source opened here from a location is ours to close; a caller's source stays the caller's.
    if (typeof target === "string") await source.close?.();
    throw error;
  }
}

function summarize(
  figures: PlanFigures,
  shape: number[],
  complete: boolean,
  settings: ReadSettings,
): ReadPlanSummary {
  const excess = exceededLimits(figures, settings.limits);
  return {
    ...figures,
    shape,
    cost: estimateCost(figures, settings.limits?.prices),
    complete,
    allowed: excess === undefined,
    ...(excess === undefined ? {} : { excess }),
  };
}
