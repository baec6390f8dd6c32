/**
 * Walk the HDUs of a FITS object by arithmetic, in as few reads as possible.
 *
 * @module
 */
import { CloudFitsError } from "../errors.ts";
import type { ByteSource } from "../source/types.ts";
import { parseHeader } from "../fits/header.ts";
import { BLOCK_SIZE, describeHdu, type Hdu, paddedSize } from "../fits/layout.ts";
import { DEFAULT_READ_AHEAD } from "./read_ahead.ts";
import { ASCII_SIMPLE, ASCII_XTENSION, checkEnd, refuseCompressed, startsWith } from "./walk_checks.ts";
import { clamp, type HeaderReadSettings, locateHeader, peek, read, type Window } from "./walk_reads.ts";

/** Settings for {@linkcode walkHdus}. */
export interface WalkOptions {
  /** Abort the walk. */
  signal?: AbortSignal;
  /**
   * Bytes of the first read (default 64 KiB): enough for the primary header and usually the next
   * header too. Clamped to the object size when that is known.
   */
  readAhead?: number;
  /** Stop after this many HDUs (default: all). */
  maxHdus?: number;
  /** First read for each later header, in bytes (default 8 blocks, 23,040 B); doubled while END is missing. */
  headerRead?: number;
  /**
   * First read of the header of the HDU a caller walks to — a step taken with `next({ target: true })`,
   * as `openFits` takes one for the last of `maxHdus` HDUs and `FitsFile.open` for an HDU by number (by
   * name, for each HDU on the way, any of which may match) — when the bytes read so far do not hold it
   * (default 64 KiB, as the first read; never less than `headerRead`): the start of that HDU's data
   * arrives with its header, so that a small read of it (the first rows of a table, a section of an
   * image's first rows) is served from the walk's `window` instead of a round trip of its own. A caller
   * that reads no data passes `headerRead` (`openTarget` does when its target selects no data).
   * `walkHdus` takes no step as a target: there it has no effect.
   */
  targetRead?: number;
  /**
   * Read a later header together with the rest of the object when that rest is at most this many bytes
   * (default: `headerRead`): for a caller that will read the last HDU's data whole, such as the light
   * curve of a TESS cube, whose frame table follows the cube. The bytes are kept as the walk's `window`.
   */
  tailRead?: number;
  /** Give up on a header without END after this many bytes (default 16 MiB): `BAD_HEADER`. */
  maxHeaderBytes?: number;
  /**
   * What to do when the object ends inside an HDU's data (its header complete): `"error"` (default)
   * throws `TRUNCATED`; `"warn"` keeps that HDU as the last one, with a warning, so that the file can
   * still be listed and its headers read (reading the missing bytes then fails with `TRUNCATED`).
   */
  truncatedData?: "error" | "warn";
  /** The object's first bytes, already read (the first read is then not sent). */
  head?: Uint8Array;
}

/** How one step of a {@linkcode HeaderWalk} reads. */
export interface WalkStep {
  /**
   * The HDU this step walks to is the one the caller will read data from: its header, when it must be
   * read, is read with `targetRead` bytes (see {@linkcode WalkOptions.targetRead}).
   */
  target?: boolean;
}

/** What {@linkcode walkHdus} found. */
export interface WalkResult {
  /** The HDUs in file order. */
  hdus: Hdu[];
  /** Tolerated irregularities: missing final padding, trailing bytes after the last HDU, header warnings. */
  warnings: string[];
}

/** Default first read of a later header: 8 blocks (23,040 B), for a caller that reads no data behind it. */
export const DEFAULT_HEADER_READ: number = 8 * BLOCK_SIZE;
const DEFAULT_MAX_HEADER_BYTES = 16 * 1024 * 1024;

/**
 * List the HDUs of a FITS object: read each header at the offset computed from the previous HDU's
 * sizes, never scanning data.
 *
 * Traffic: one read of `readAhead` bytes at offset 0 (it usually holds the first two headers), then
 * one read of `headerRead` bytes per later header that the bytes already read do not cover, extended
 * with reads of doubling size while END is missing. A TESS cube costs two reads. (A step of a
 * {@linkcode HeaderWalk} taken as a `target` reads `targetRead` bytes instead.)
 *
 * Missing padding after the last HDU is tolerated with a warning, as are trailing bytes that are not
 * an extension header.
 *
 * @param source Where the object lives.
 * @param options Abort signal, read sizes and limits.
 * @returns The HDUs and any warnings.
 * @throws {CloudFitsError} `NOT_FITS` when the object does not start with SIMPLE (or is gzip-compressed);
 * `TRUNCATED` when a header or data segment runs past the end of the object; `BAD_HEADER` for invalid
 * headers.
 *
 * @example Listing the HDUs of a local file
 * ```ts
 * import assert from "node:assert/strict";
 * import { walkHdus } from "@cloudfits/core";
 * import { openFileSource } from "@cloudfits/core/file";
 *
 * await using source = await openFileSource("testdata/mef_images.fits");
 * const { hdus, warnings } = await walkHdus(source);
 * assert.equal(hdus.length, 16);
 * assert.deepEqual(warnings, []);
 * const cube = hdus[15];
 * assert.deepEqual([cube.type, cube.extname, cube.axes], ["IMAGE", "CUBE3D", [5, 4, 3]]);
 * assert.deepEqual([cube.dataOffset, cube.dataSize], [89280, 120], "5 × 4 × 3 int16 values");
 *
 * // A file whose last HDU lost its padding is read, with a warning.
 * await using cut = await openFileSource("testdata/no_final_pad.fits");
 * assert.match((await walkHdus(cut)).warnings[0], /lacks 2803 bytes of final padding/);
 * ```
 */
export async function walkHdus(source: ByteSource, options: WalkOptions = {}): Promise<WalkResult> {
  const maxHdus = options.maxHdus ?? Infinity;
  const walk = await HeaderWalk.start(source, options);
  while (!walk.done && walk.hdus.length < maxHdus) await walk.next();
  return { hdus: walk.hdus, warnings: walk.warnings };
}

/**
 * A walk through the headers of a FITS object that goes one HDU at a time, so that a caller can stop
 * where it has what it needs and go on later (a damaged header further on then fails only when it is
 * reached): {@linkcode walkHdus} walks to the end (or `maxHdus`),
 * `openFits` with `lazy` walks only the primary header, then on demand.
 *
 * Traffic: {@linkcode HeaderWalk.start} makes the first read (`readAhead` bytes at offset 0, unless
 * `head` is given); each {@linkcode HeaderWalk.next} reads only when the bytes already read do not hold
 * the next header, as {@linkcode walkHdus} describes — `targetRead` bytes for a step taken as a `target`,
 * so that the start of the HDU's data arrives in {@linkcode HeaderWalk.window} with its header.
 *
 * @example One header, then one more
 * ```ts
 * import assert from "node:assert/strict";
 * import { HeaderWalk } from "./walk.ts";
 * import { countingSource } from "../source/counting.ts";
 * import { openFileSource } from "../source/file.ts";
 *
 * await using file = await openFileSource("testdata/mef_images.fits");
 * const source = countingSource(file);
 * const walk = await HeaderWalk.start(source, { readAhead: 2880 * 2 });
 * assert.equal((await walk.next())?.type, "PRIMARY");
 * assert.deepEqual([walk.hdus.length, walk.done, source.stats.requests], [1, false, 1]);
 * assert.equal((await walk.next())?.index, 1);
 * assert.equal(source.stats.requests, 2);
 * ```
 */
export class HeaderWalk {
  /** The HDUs walked so far, in file order; the walk appends to this array. */
  readonly hdus: Hdu[] = [];
  /** Tolerated irregularities found so far; the walk appends to this array. */
  readonly warnings: string[] = [];
  /** The bytes of the first read, from offset 0 (what a caller may serve later reads of that span from). */
  readonly head: Uint8Array;
  readonly #source: ByteSource;
  readonly #settings: HeaderReadSettings;
  readonly #truncatedData: WalkOptions["truncatedData"];
  #window: Window;
  /** Offset of the next header, or undefined once the walk has reached the end. */
  #offset: number | undefined = 0;
  /** The step under way: steps run one after another, whoever asks. */
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(source: ByteSource, options: WalkOptions, head: Uint8Array) {
    this.#source = source;
    const headerRead = positive(options.headerRead ?? DEFAULT_HEADER_READ, "headerRead");
    const targetRead = positive(options.targetRead ?? DEFAULT_READ_AHEAD, "targetRead");
    this.#settings = {
      headerRead,
      targetRead: Math.max(targetRead, headerRead),
      tailRead: positive(options.tailRead ?? headerRead, "tailRead"),
      maxHeaderBytes: positive(options.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES, "maxHeaderBytes"),
      signal: options.signal,
    };
    this.#truncatedData = options.truncatedData;
    this.head = head;
    this.#window = { offset: 0, bytes: head };
  }

  /**
   * Make the first read (unless `options.head` holds it) and check that the object is FITS.
   *
   * @param source Where the object lives.
   * @param options Abort signal, read sizes and limits (`maxHdus` is for {@linkcode walkHdus} only).
   * @returns The walk, before its first HDU.
   * @throws {CloudFitsError} `NOT_FITS` when the object does not start with SIMPLE (or is gzip-compressed).
   */
  static async start(source: ByteSource, options: WalkOptions = {}): Promise<HeaderWalk> {
    const readAhead = positive(options.readAhead ?? DEFAULT_READ_AHEAD, "readAhead");
    const head = options.head ?? await read(source, 0, clamp(readAhead, source.size), options.signal);
    refuseCompressed(head, source.name);
    if (!startsWith(head, 0, ASCII_SIMPLE)) {
      throw new CloudFitsError(
        "NOT_FITS",
        `Cannot read ${source.name} as FITS: the first card is not SIMPLE`,
        { url: source.name, offset: 0 },
      );
    }
    return new HeaderWalk(source, options, head);
  }

  /**
   * The bytes of the walk's latest read after the first (a later header, with the start of its data when
   * read for a target, or with the rest of the object, see `tailRead`), so that a caller can serve reads
   * of the data behind that header from them: one window at a time, replaced as the walk reads on.
   */
  get window(): { offset: number; bytes: Uint8Array } | undefined {
    return this.#window.bytes === this.head ? undefined : this.#window;
  }

  /** True once every HDU is walked. */
  get done(): boolean {
    return this.#offset === undefined;
  }

  /**
   * Walk one more HDU, reading only when the bytes already read do not hold its header.
   *
   * @param step Whether the caller will read this HDU's data (a larger first read of its header).
   * @returns The HDU, or undefined when there is none.
   * @throws {CloudFitsError} `TRUNCATED` when a header or data segment runs past the end of the object;
   * `BAD_HEADER` for an invalid header. The walk then stays where it was, and a later step fails again.
   */
  next(step: WalkStep = {}): Promise<Hdu | undefined> {
    const next = this.#queue.then(() =>
      this.#step(step.target ? this.#settings.targetRead : this.#settings.headerRead)
    );
    this.#queue = next.catch(() => {});
    return next;
  }

  /** Walk one HDU; `firstRead` is the size of the read of its header when the window does not hold it. */
  async #step(firstRead: number): Promise<Hdu | undefined> {
    const offset = this.#offset;
    if (offset === undefined) return undefined;
    const source = this.#source;
    const index = this.hdus.length;
    if (index > 0) {
      // Something follows the previous HDU: an extension header, or trailing bytes to ignore.
      const head = await peek(source, this.#window, offset, firstRead, this.#settings);
      if (head.bytes.length === 0) {
        const last = this.hdus[index - 1];
        if (source.size !== undefined) {
          checkEnd(last, source.size, source.name, this.warnings, this.#truncatedData);
        }
        return this.#end();
      }
      if (!startsWith(head.bytes, 0, ASCII_XTENSION)) {
        const count = source.size === undefined ? "the bytes" : `${source.size - offset} bytes`;
        this.warnings.push(
          `Ignoring ${count} after the last HDU at offset ${offset}: they do not start with XTENSION`,
        );
        return this.#end();
      }
      this.#window = head.window;
    }
    const located = await locateHeader(source, this.#window, offset, firstRead, this.#settings);
    this.#window = located.window;
    const start = offset - located.window.offset;
    const header = parseHeader(located.window.bytes.subarray(start, start + located.length), {
      offset,
      name: source.name,
    });
    const hdu = describeHdu(header, index, offset);
    // Remote sources know their size after the first read; without it (a gzip stream not inflated to its
    // end), the end shows as an empty read, and the last HDU is checked against the size known then.
    const size = source.size ?? Infinity;
    const next = hdu.dataOffset + paddedSize(hdu.dataSize);
    const warnings: string[] = header.warnings.map((warning) => `HDU ${index}: ${warning}`);
    const last = checkEnd(hdu, size, source.name, warnings, this.#truncatedData);
    this.hdus.push(hdu);
    this.warnings.push(...warnings);
    this.#offset = last || next === size ? undefined : next;
    return hdu;
  }

  #end(): undefined {
    this.#offset = undefined;
    return undefined;
  }
}

function positive(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new RangeError(`Cannot walk HDUs: ${name} must be a positive integer, got ${value}`);
  }
  return value;
}
