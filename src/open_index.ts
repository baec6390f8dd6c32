/**
 * Open a cloudfits index and read the files it describes without touching their headers: every read
 * is planned from the index and checked against the size and ETag it recorded.
 *
 * @module
 */
import { CloudFitsError } from "./errors.ts";
import { type CloudFitsIndex, decodeIndex } from "./read/index.ts";
import type { FileSummary, IndexedFile } from "./index_format/types.ts";
import type { FrameSummary } from "./index_format/frames.ts";
import { type FitsFile, openFits, type OpenFitsOptions } from "./open.ts";
import { openSource } from "./open_source.ts";
import { gzipSource } from "./source/gzip.ts";
import { encodeObjectKey } from "./url.ts";
import type { ByteSource } from "./source/types.ts";

/** Options for {@linkcode openIndex}. */
export interface OpenIndexOptions extends OpenFitsOptions {
  /**
   * Where the data files live, overriding the index's own data URL; needed when the index was
   * opened from bytes and records a relative data root.
   */
  dataRoot?: string;
  /**
   * Let an index read from a remote location (or from bytes) send reads to the local file system when
   * its recorded data URL is local (`file://…` or an absolute path). Off by default: an index fetched
   * over the network must not make cloudfits read local files. A `dataRoot` passed here is always used.
   */
  allowLocalData?: boolean;
}

/**
 * An opened index: its files, and FITS handles whose reads go to the recorded data location.
 *
 * `close()`, or `await using`, closes the index's own source when `openIndex` opened it (a local
 * file's handle). Files opened with `open()` belong to the caller, who may close the index first and
 * keep reading them; close each with `fits.source.close?.()`. Sources dropped without closing still
 * let the process exit cleanly.
 *
 * @example Opening a file through an index of local data, closed by await using
 * ```ts
 * import assert from "node:assert/strict";
 * import { countingSource, encodeIndex, openIndex, walkHdus } from "@cloudfits/core";
 * import { openFileSource } from "@cloudfits/core/file";
 *
 * await using file = await openFileSource("testdata/mef_images.fits");
 * const { hdus } = await walkHdus(file);
 * const bytes = await encodeIndex([{ path: "mef_images.fits", size: file.size, lastModified: 0, hdus }]);
 *
 * await using index = await openIndex(bytes, { dataRoot: "testdata", openFile: openFileSource });
 * assert.equal(index.fileCount, 1);
 * assert.equal(index.locationOf("mef_images.fits"), "testdata/mef_images.fits");
 * assert.equal((await index.file("mef_images.fits")).hdus[15].extname, "CUBE3D");
 * await assert.rejects(index.file("other.fits"), { code: "NOT_FOUND" });
 *
 * const source = countingSource(file);
 * const fits = await index.open("mef_images.fits", source);
 * assert.deepEqual([...(await fits.hdu("INT16").section([1, [0, 2]])).data], [255, 256]);
 * assert.equal(source.stats.requests, 1, "the data only: the headers came from the index");
 * ```
 */
export class IndexHandle {
  /** The decoded index. */
  readonly index: CloudFitsIndex;
  /** The data root that paths are resolved against, when one is known. */
  readonly dataRoot: string | undefined;
  readonly #options: OpenIndexOptions;
  readonly #source: ByteSource | undefined;
  readonly #untrustedLocalRoot: boolean;

  /**
   * Wrap a decoded index. Prefer {@linkcode openIndex}.
   *
   * @param index The decoded index.
   * @param dataRoot The resolved data root.
   * @param options Options for the sources of data files.
   * @param source The index's own source when this handle opened it (closed by `close()`).
   * @param untrustedRoot True when `dataRoot` was recorded by an index that was not read from the local
   *   file system: then a local data root is refused.
   */
  constructor(
    index: CloudFitsIndex,
    dataRoot: string | undefined,
    options: OpenIndexOptions,
    source?: ByteSource,
    untrustedRoot = false,
  ) {
    this.index = index;
    this.dataRoot = dataRoot;
    this.#options = options;
    this.#source = source;
    this.#untrustedLocalRoot = untrustedRoot && dataRoot !== undefined && isLocal(dataRoot);
  }

  /**
   * Close the index's own source, when `openIndex` opened it from a location (a local file's handle);
   * a source passed to `openIndex` stays open, and so do the files of `open()`. Closing again does
   * nothing.
   *
   * @returns When the source is closed.
   */
  async close(): Promise<void> {
    await this.#source?.close?.();
  }

  /**
   * Close the handle at the end of an `await using` block; the same as {@linkcode IndexHandle.close}.
   *
   * @returns When the source is closed.
   */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** Number of files in the index. */
  get fileCount(): number {
    return this.index.fileCount;
  }

  /**
   * Every path in the index, in byte order.
   *
   * @returns The paths.
   */
  paths(): AsyncIterable<string> {
    return this.index.paths();
  }

  /**
   * One file's record (HDUs with their headers), from the index alone.
   *
   * @param path The path as listed, or its full data URL.
   * @returns The record.
   */
  async file(path: string): Promise<IndexedFile> {
    const relative = this.#relativePath(path);
    const file = await this.index.findFile(relative);
    if (!file) throw new CloudFitsError("NOT_FOUND", `No file '${relative}' in the index`);
    return file;
  }

  /**
   * One file's planning summary without inflating its header text.
   *
   * @param path The path as listed, or its full data URL.
   * @returns The summary.
   */
  async summary(path: string): Promise<FileSummary> {
    const relative = this.#relativePath(path);
    const summary = await this.index.findSummary(relative);
    if (!summary) throw new CloudFitsError("NOT_FOUND", `No file '${relative}' in the index`);
    return summary;
  }

  /**
   * The data location of a path: the data root joined with the path (keys percent-encoded for
   * HTTP URLs).
   *
   * @param path A path in the index.
   * @returns The location string.
   */
  locationOf(path: string): string {
    if (this.dataRoot === undefined) {
      throw new CloudFitsError(
        "USAGE",
        `Cannot locate '${path}': the index records no absolute data root; pass dataRoot`,
      );
    }
    if (this.#untrustedLocalRoot) {
      throw new CloudFitsError(
        "USAGE",
        `Cannot read '${path}': the index was read over the network (or from bytes) and records a local data location (${this.dataRoot}); local files are read for it only when you say so: pass dataRoot or allowLocalData (--data-root on the command line)`,
      );
    }
    return joinLocation(this.dataRoot, path);
  }

  /**
   * Open one file for reading: HDUs come from the index, bytes from the data location, and the
   * source checks the recorded size (and ETag, when recorded) on every response.
   *
   * @param path The path as listed, or its full data URL.
   * @param source A source for the data file, instead of the recorded location.
   * @returns The opened file.
   */
  async open(path: string, source?: ByteSource): Promise<FitsFile> {
    const file = await this.file(path);
    const data = source ?? await openSource(this.locationOf(file.path), {
      ...this.#options,
      expected: { size: file.size, etag: file.etag },
    });
    if (data.size !== undefined && data.size !== file.size) {
      if (source === undefined) await data.close?.();
      throw new CloudFitsError(
        "STALE",
        `Index is stale for ${data.name}: indexed size ${file.size} bytes, object has ${data.size}`,
        { url: data.name },
      );
    }
    // A gzip file is read through its access points: a read inflates from the nearest one.
    const readable = file.gzip ? gzipSource(data, { size: file.gzip.size, points: file.gzip.points }) : data;
    return openFits(readable, { ...this.#options, hdus: file.hdus, frames: () => this.#frames(file) });
  }

  /** A TESS cube's frame summary, checked to describe the file as its record does. */
  async #frames(file: IndexedFile): Promise<FrameSummary | undefined> {
    const frames = await this.index.findFrames(file.path);
    if (frames && frames.fileSize !== file.size) {
      throw new CloudFitsError(
        "BAD_INDEX",
        `The frame summary of '${file.path}' describes a ${frames.fileSize}-byte file, its record ${file.size} bytes`,
      );
    }
    return frames;
  }

  /** Map a full data URL back to its path in the index; other strings are taken as paths. */
  #relativePath(path: string): string {
    const root = this.dataRoot?.replace(/\/+$/, "");
    return root !== undefined && path.startsWith(`${root}/`) ? path.slice(root.length + 1) : path;
  }
}

/**
 * Open a cloudfits index from a location, bytes or a source: one read of its first 64 KiB.
 *
 * The data root is, in order: `options.dataRoot`; the index's recorded data URL when absolute
 * (`s3://…`, `https://…`); or that URL resolved against the index's own location when relative.
 *
 * @param target Index location, bytes or source.
 * @param options Credentials, endpoints and read settings for the index and its data files.
 * @returns The opened index; close it (or use `await using`) to release local files it opened.
 *
 * @example A remote index whose data lie beside it
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildHeader, encodeIndex, formatCard, memorySource, openIndex, walkHdus } from "@cloudfits/core";
 *
 * const fits = buildHeader([formatCard("SIMPLE", true), formatCard("BITPIX", 8), formatCard("NAXIS", 0)]);
 * const { hdus } = await walkHdus(memorySource(fits));
 * const index = await encodeIndex([{ path: "s1/a.fits", size: fits.length, hdus }], { dataUrl: "data" });
 * const objects = new Map([
 *   ["https://example.org/tess/tess.cfidx", index],
 *   ["https://example.org/tess/data/s1/a.fits", fits],
 * ]);
 * // A stand-in for the server: answers ranged GETs from `objects`.
 * const fetch = (url: string | URL | Request, init?: RequestInit) => {
 *   const object = objects.get(String(url))!;
 *   const [, a, b] = /bytes=(\d+)-(\d+)/.exec(new Headers(init?.headers).get("range")!)!;
 *   const end = Math.min(Number(b), object.length - 1);
 *   return Promise.resolve(new Response(object.slice(Number(a), end + 1), {
 *     status: 206,
 *     headers: { "content-range": `bytes ${a}-${end}/${object.length}` },
 *   }));
 * };
 *
 * await using opened = await openIndex("https://example.org/tess/tess.cfidx", { fetch });
 * assert.equal(opened.dataRoot, "https://example.org/tess/data", "the recorded 'data', resolved");
 * assert.deepEqual(await Array.fromAsync(opened.paths()), ["s1/a.fits"]);
 * const file = await opened.open("s1/a.fits");
 * assert.equal(file.source.name, "https://example.org/tess/data/s1/a.fits");
 * assert.equal(file.hdus[0].type, "PRIMARY");
 * ```
 */
export async function openIndex(
  target: string | Uint8Array | ByteSource,
  options: OpenIndexOptions = {},
): Promise<IndexHandle> {
  const opened = typeof target === "string" ? await openSource(target, options) : undefined;
  const source = opened ?? (target as Uint8Array | ByteSource);
  let index: CloudFitsIndex;
  try {
    index = await decodeIndex(source, { signal: options.signal });
  } catch (error) {
    await opened?.close?.();
    throw error;
  }
  const recorded = index.dataUrl;
  let dataRoot = options.dataRoot;
  if (dataRoot === undefined && recorded !== undefined) {
    if (isAbsolute(recorded)) dataRoot = recorded;
    else if (typeof target === "string") dataRoot = joinLocation(parentOf(target), recorded);
  }
  // What an index records is trusted to name local files only when the index itself is a local file.
  const untrusted = options.dataRoot === undefined && options.allowLocalData !== true &&
    !(typeof target === "string" && isLocal(target));
  return new IndexHandle(index, dataRoot, options, opened, untrusted);
}

function isAbsolute(location: string): boolean {
  return /^[a-zA-Z][a-zA-Z0-9+.-]+:\/\//.test(location) || location.startsWith("/");
}

/** A local path or `file://` URL (anything without another scheme). */
function isLocal(location: string): boolean {
  return /^file:/i.test(location) || !/^[a-zA-Z][a-zA-Z0-9+.-]+:\/\//.test(location);
}

function parentOf(location: string): string {
  const cut = location.replace(/[?#].*$/, "").lastIndexOf("/");
  return cut < 0 ? "." : location.slice(0, cut) || "/";
}

function joinLocation(root: string, path: string): string {
  const base = root.replace(/\/+$/, "");
  if (path === "." || path === "") return base;
  const tail = /^https?:\/\//i.test(base) ? encodeObjectKey(path) : path;
  if (base === ".") return tail;
  // A relative root such as "../data" joined below a parent directory stays relative.
  return `${base}/${tail}`;
}
