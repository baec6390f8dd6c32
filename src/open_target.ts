/**
 * Open a cfitsio-style target — `s3://b/k.fits[SCI,2][1:10,1:10]`, `events.fits[1][col TIME;PHA]` —
 * in one call: parse it, open its source (or its record in an index), walk its headers only as far as
 * the selection needs, and resolve the selection against the HDU it names.
 *
 * @module
 */
import type { ByteSource } from "./source/types.ts";
import { CloudFitsError } from "./errors.ts";
import { findHdu, type Hdu } from "./fits/layout.ts";
import { hduShape } from "./json.ts";
import type { FitsFile } from "./open.ts";
import type { HduHandle } from "./hdu_handle.ts";
import { openFits } from "./open.ts";
import type { IndexHandle, OpenIndexOptions } from "./open_index.ts";
import { openSource } from "./open_source.ts";
import { DEFAULT_HEADER_READ } from "./read/walk.ts";
import { fitsSectionToNumpy, type SectionAxis } from "./plan/fits_section.ts";
import { type HduName, parseTarget, type Target } from "./url.ts";

/** Options for {@linkcode openTarget}: the selection's overrides, an index, and how to reach the bytes. */
export interface OpenTargetOptions extends OpenIndexOptions {
  /**
   * Read the structure from this index (a location, or an index already open, which stays open);
   * the target is then a path in the index, and only the data is read from the file.
   */
  index?: string | IndexHandle;
  /** The HDU, replacing the target's `[HDU]`: a number, `"EXTNAME"` or `"EXTNAME,EXTVER"`. */
  hdu?: number | string | HduName;
  /** An image section in FITS order, 1-based, inclusive (`"1:10,*"`), replacing the target's. */
  section?: string;
  /** Column names, replacing the target's `[col …]`: a list, or one string split at `;` and `,`. */
  columns?: string | readonly string[];
  /** Table rows `FIRST:LAST`, 1-based and inclusive (also `N`, `FIRST:` and `:LAST`). */
  rows?: string;
  /**
   * Which HDU to pick when the target names none: the first image with data, or the first table with
   * data (the first table when all are empty). A section implies `"image"`, columns and rows
   * `"table"`; otherwise no HDU is selected.
   */
  select?: "image" | "table";
  /**
   * Walk every header even when the target names an HDU or `select` picks one (default: stop at that
   * HDU, at its name's first match, or at the first image or table that `select` takes).
   */
  allHdus?: boolean;
}

/**
 * An opened target: the file, what its brackets selected, and `close()` (or `await using`).
 *
 * @example Rows of two columns of a table, selected as the CLI selects them
 * ```ts
 * import assert from "node:assert/strict";
 * import { openTarget, rowsToJson } from "@cloudfits/core";
 * import { localFileAccess } from "@cloudfits/core/file";
 *
 * const target = "testdata/tess_cube.fits[2][col TSTART;DQUALITY]";
 * await using opened = await openTarget(target, { ...localFileAccess(), rows: "5:6" });
 * assert.equal(opened.name, "testdata/tess_cube.fits");
 * assert.equal(opened.hdu?.type, "BINTABLE");
 * assert.deepEqual(opened.columns, ["TSTART", "DQUALITY"]);
 * assert.deepEqual(opened.rows, [4, 6], "0-based, stop exclusive");
 * const rows = await opened.hdu!.rows(...opened.rows!, { columns: opened.columns });
 * assert.deepEqual(rowsToJson(rows).DQUALITY, [0, 128]);
 *
 * await assert.rejects(openTarget(target, { ...localFileAccess(), rows: "8:9" }), { code: "OUT_OF_RANGE" });
 * ```
 */
export interface OpenedTarget extends AsyncDisposable {
  /** The parsed target, with the options' overrides applied. */
  readonly target: Target;
  /** A name for messages: the path in the index, or the source's (redacted) name. */
  readonly name: string;
  /**
   * The opened file; without an index, only the HDUs up to the selected one (`fits.complete` says so;
   * `fits.open` and `fits.allHdus` walk on).
   */
  readonly fits: FitsFile;
  /** The selected HDU, when the target or `select` picks one. */
  readonly hdu: HduHandle | undefined;
  /** The section in numpy order (0-based, stop exclusive), when one was given. */
  readonly section: SectionAxis[] | undefined;
  /** The column names, when some were given. */
  readonly columns: readonly string[] | undefined;
  /** Rows `[start, stop)`, 0-based, when `rows` was given. */
  readonly rows: [number, number] | undefined;
  /** Release the file's source (a local file handle). */
  close(): Promise<void>;
}

/**
 * Open a target for reading. Without an index, the headers are walked only as far as the selection
 * needs: to the HDU a number or name names (one read for `[0]` or `[1]` of a large cube), or to the first
 * image or table with data that a section, columns or `select` pick, otherwise to the end; with an
 * index, no header is read and the data source is checked against the recorded size and ETag. When a
 * section, columns, rows or `select` say that data will be read, the header of an HDU named by number is
 * read with the start of its data (`targetRead`, 64 KiB): rows 1–10 of a TESS cube's frame table, after
 * its 44 GB of pixels, take two round trips cold — the first read, then the table's header and rows.
 *
 * Local paths need `openFile` (`openFileSource` from `@cloudfits/core/file`, or pass
 * `localFileAccess()` from there).
 *
 * @param text The target: a location with up to two cfitsio-style brackets (see `parseTarget`).
 * @param options Overrides of the selection, an index, credentials and read settings.
 * @returns The opened target; close it when done.
 * @throws {CloudFitsError} `USAGE` for a bad target or rows; `NOT_FOUND` for a missing file, HDU or
 * image/table to select; `OUT_OF_RANGE` for a section or rows outside the HDU.
 *
 * @example Open an HDU and a section of a file served over HTTP
 * ```ts
 * import { buildHeader, formatCard, openTarget } from "@cloudfits/core";
 * import assert from "node:assert/strict";
 *
 * const header = buildHeader([
 *   formatCard("SIMPLE", true),
 *   formatCard("BITPIX", 8),
 *   formatCard("NAXIS", 2),
 *   formatCard("NAXIS1", 4),
 *   formatCard("NAXIS2", 3),
 * ]);
 * const file = new Uint8Array(header.length + 2880);
 * file.set(header);
 * file.set([0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23], header.length);
 * // Any fetch works; this one serves the bytes above, honouring Range.
 * const fetch = (_url: string | URL | Request, init?: RequestInit) => {
 *   const [, a, b] = /bytes=(\d+)-(\d+)/.exec(new Headers(init?.headers).get("range")!)!;
 *   const end = Math.min(Number(b), file.length - 1);
 *   return Promise.resolve(new Response(file.slice(Number(a), end + 1), {
 *     status: 206,
 *     headers: { "content-range": `bytes ${a}-${end}/${file.length}` },
 *   }));
 * };
 *
 * // FITS order, 1-based, inclusive: columns 2-3 of rows 2-3.
 * await using opened = await openTarget("https://example.org/image.fits[0][2:3,2:3]", { fetch });
 * assert.deepEqual(opened.section, [[1, 3], [1, 3]]);
 * const cutout = await opened.hdu!.section(opened.section!);
 * assert.deepEqual([...cutout.data], [11, 12, 21, 22]);
 * ```
 */
export async function openTarget(text: string, options: OpenTargetOptions = {}): Promise<OpenedTarget> {
  const target = parseTarget(text, options.env ?? {});
  applyOverrides(target, options);
  let fits: FitsFile;
  let name: string;
  let ownIndex: IndexHandle | undefined;
  if (options.index !== undefined) {
    // Structure from the index; bytes from the data location it records, checked against its size and ETag.
    name = withoutSelection(text);
    // The index reader loads only when an index is named.
    const index = typeof options.index === "string"
      ? await (await import("./open_index.ts")).openIndex(options.index, options)
      : options.index;
    // An index opened here stays open with the target: a TESS cube's frame summary is read from it later.
    if (index !== options.index) ownIndex = index;
    try {
      fits = await index.open(name);
    } catch (error) {
      await ownIndex?.close();
      throw error;
    }
  } else {
    const source = await openSource(target.location, options);
    name = source.name;
    try {
      // A target that reads no data (a header) reads the header it names as any other; else with the
      // start of its data.
      const selection = selectionOf(target, options);
      const reads = selection === undefined ? { targetRead: DEFAULT_HEADER_READ } : {};
      fits = await openFits(source, { ...reads, ...options, lazy: !options.allHdus });
      if (!options.allHdus) await walkToSelection(fits, target.hdu, selection);
    } catch (error) {
      await closeSource(source);
      throw error;
    }
  }
  const close = async () => {
    await closeSource(fits.source);
    await ownIndex?.close();
  };
  try {
    return resolveSelection(target, name, fits, options, close);
  } catch (error) {
    await close();
    throw error;
  }
}

function applyOverrides(target: Target, options: OpenTargetOptions): void {
  const { hdu, section, columns } = options;
  if (typeof hdu === "string") {
    const [extname, version] = hdu.split(",").map((part) => part.trim());
    target.hdu = /^\d+$/.test(extname)
      ? Number(extname)
      : { extname, ...(version !== undefined ? { extver: Number(version) } : {}) };
  } else if (hdu !== undefined) {
    target.hdu = hdu;
  }
  if (section !== undefined) target.section = section;
  if (columns !== undefined) {
    const list = typeof columns === "string" ? columns.split(/[;,]/) : columns;
    target.columns = list.map((c) => c.trim()).filter(Boolean);
  }
}

function resolveSelection(
  target: Target,
  name: string,
  fits: FitsFile,
  options: OpenTargetOptions,
  close: () => Promise<void>,
): OpenedTarget {
  const select = selectionOf(target, options);
  const info = target.hdu !== undefined
    ? typeof target.hdu === "number"
      ? findHdu(fits.hdus, target.hdu)
      : findHdu(fits.hdus, target.hdu.extname, target.hdu.extver)
    : select === "image"
    ? firstImage(fits.hdus, name)
    : select === "table"
    ? firstTable(fits.hdus, name)
    : undefined;
  const section = info !== undefined && target.section !== undefined
    ? fitsSectionToNumpy(target.section, hduShape(info))
    : undefined;
  const rows = info !== undefined && options.rows !== undefined ? parseRows(options.rows, info) : undefined;
  return {
    target,
    name,
    fits,
    hdu: info === undefined ? undefined : fits.hdu(info.index),
    section,
    columns: target.columns,
    rows,
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** What kind of HDU to pick when the target names none: `select`, or what the section, columns or rows imply. */
function selectionOf(target: Target, options: OpenTargetOptions): OpenTargetOptions["select"] {
  return options.select ??
    (target.section !== undefined
      ? "image"
      : target.columns !== undefined || options.rows !== undefined
      ? "table"
      : undefined);
}

/**
 * Walk a lazily opened file only as far as the selection needs: to the HDU named, or to the first image
 * or table with data that `select` takes; every header when nothing is selected.
 */
async function walkToSelection(
  fits: FitsFile,
  hdu: Target["hdu"],
  select: OpenTargetOptions["select"],
): Promise<void> {
  if (typeof hdu === "number") return void await fits.open(hdu);
  if (hdu !== undefined) return void await fits.open(hdu.extname, hdu.extver);
  const found = select === "image" ? isImageWithData : select === "table" ? isTableWithData : undefined;
  if (found === undefined) return void await fits.allHdus();
  while (!fits.complete && !fits.hdus.some(found)) {
    // The next HDU, if any: a walk that ends without one (trailing bytes) is complete, not an error.
    await fits.open(fits.hdus.length).catch((error) => {
      if (!fits.complete) throw error;
    });
  }
}

function isImageWithData(hdu: Hdu): boolean {
  return hdu.dataSize > 0 &&
    (hdu.type === "PRIMARY" || hdu.type === "IMAGE" || hdu.type === "COMPRESSED_IMAGE");
}

function isTableWithData(hdu: Hdu): boolean {
  return hdu.dataSize > 0 && (hdu.type === "BINTABLE" || hdu.type === "TABLE");
}

function firstImage(hdus: readonly Hdu[], name: string): Hdu {
  const image = hdus.find(isImageWithData);
  if (image === undefined) throw new CloudFitsError("NOT_FOUND", `No image HDU with data in ${name}`);
  return image;
}

/** The first table with data, or the first table when all are empty. */
function firstTable(hdus: readonly Hdu[], name: string): Hdu {
  const tables = hdus.filter((hdu) => hdu.type === "BINTABLE" || hdu.type === "TABLE");
  const table = tables.find(isTableWithData) ?? tables[0];
  if (table === undefined) {
    throw new CloudFitsError("NOT_FOUND", `Cannot find a table in ${name}: it has no BINTABLE or TABLE HDU`, {
      url: name,
    });
  }
  return table;
}

/** Turn `FIRST:LAST` (1-based, inclusive; `N`, `FIRST:` and `:LAST` too) into 0-based `[start, stop)`. */
function parseRows(text: string, hdu: Hdu): [number, number] {
  if (hdu.type !== "BINTABLE" && hdu.type !== "TABLE" && hdu.type !== "GROUPS") {
    throw new CloudFitsError("USAGE", `Cannot read HDU ${hdu.index} as a table: it is ${hdu.type}`);
  }
  // The rows a table holds (for a tile-compressed one, not the rows of tiles that store them).
  const [rowCount] = hduShape(hdu);
  const match = /^\s*(\d*)\s*(?:(:)\s*(\d*)\s*)?$/.exec(text);
  if (match === null || (match[1] === "" && (match[2] === undefined || match[3] === ""))) {
    throw new CloudFitsError(
      "USAGE",
      `Invalid rows '${text}': expected FIRST:LAST, 1-based, inclusive (e.g. 1:10)`,
    );
  }
  const first = match[1] === "" ? 1 : Number(match[1]);
  const last = match[2] === undefined ? first : match[3] === "" ? rowCount : Number(match[3]);
  if (first < 1) {
    throw new CloudFitsError(
      "USAGE",
      `Invalid rows '${text}': rows are 1-based, inclusive; the first row is 1`,
    );
  }
  if (last < first) {
    throw new CloudFitsError(
      "USAGE",
      `Invalid rows '${text}': row ${last} comes before row ${first} (rows are 1-based, inclusive)`,
    );
  }
  if (last > rowCount) {
    const valid = rowCount === 0 ? "it has none" : `1:${rowCount}`;
    throw new CloudFitsError(
      "OUT_OF_RANGE",
      `Invalid rows '${text}': HDU ${hdu.index} has ${rowCount} rows (1-based, inclusive: ${valid})`,
    );
  }
  return [first - 1, last];
}

/** The target without its trailing `[…]` brackets: a path in an index. */
function withoutSelection(text: string): string {
  return text.replace(/(\[[^\]]*\])+$/, "");
}

async function closeSource(source: ByteSource): Promise<void> {
  await source.close?.();
}
