/**
 * Open a FITS file — from a byte source, a URL or an index — and read headers, image sections and
 * table rows from it with planned, coalesced, parallel range requests.
 *
 * @module
 */
import { CloudFitsError } from "./errors.ts";
import { findHdu, type Hdu } from "./fits/layout.ts";
import type { ByteSource } from "./source/types.ts";
import type { FrameSummary } from "./index_format/frames.ts";
import { openSource, type SourceOptions } from "./open_source.ts";
import { type PendingWalk, startWalk } from "./walk_file.ts";
import type { WalkOptions } from "./read/walk.ts";
import { withHeldBytes } from "./source/held_bytes.ts";
import { HduHandle } from "./hdu_handle.ts";
import type { ReadSettings } from "./read_settings.ts";

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
