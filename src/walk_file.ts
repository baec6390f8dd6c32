/**
 * Walk a FITS object as stored: plain, or whole-file gzip (`.fits.gz`, recognised by its magic bytes,
 * whatever its name), which is read through a `gzipSource` by uncompressed offsets.
 *
 * @module
 */
import { compressionOf } from "./gzip/magic.ts";
import { DEFAULT_READ_AHEAD } from "./read/read_ahead.ts";
import { HeaderWalk, type WalkOptions, type WalkResult, type WalkStep } from "./read/walk.ts";
import { unsupportedCompression } from "./read/walk_checks.ts";
import type { Hdu } from "./fits/layout.ts";
import type { GzipSource } from "./source/gzip.ts";
import { DEFAULT_MAX_READ } from "./plan/cost.ts";
import type { ByteSource, SuffixBytes } from "./source/types.ts";
import { withHeldBytes } from "./source/held_bytes.ts";
import { CloudFitsError } from "./errors.ts";

/** What {@linkcode walkFile} found, and the source to read the HDUs through. */
export interface WalkedFile extends WalkResult {
  /** The source that serves the HDUs' offsets: the object itself, or its gzip wrapper. */
  source: ByteSource;
  /** The gzip wrapper, when the object is whole-file gzip. */
  gzip?: GzipSource;
}

/** The rest of a walk through a file's headers, stepped one HDU at a time. */
export interface PendingWalk {
  /** The HDUs walked so far; each step appends to this array. */
  readonly hdus: readonly Hdu[];
  /** Irregularities found so far; each step appends to this array. */
  readonly warnings: readonly string[];
  /** True once every HDU is walked. */
  readonly done: boolean;
  /** The bytes of the first read (of the gzip source's inflated bytes, for a gzip file). */
  readonly head: Uint8Array;
  /** The bytes of the latest read after the first: a later header and what was read behind it. */
  readonly window: { offset: number; bytes: Uint8Array } | undefined;
  /** The object's last bytes, read together with the first read (see `suffixRead`), when the source answered. */
  readonly suffix?: SuffixBytes;
  /**
   * Walk one more HDU (reading only when needed; with `target`, reading the start of its data along);
   * undefined when there is none.
   */
  next(step?: WalkStep): Promise<Hdu | undefined>;
}

/** A walk started by {@linkcode startWalk}: the walk, and the source to read the HDUs through. */
export interface StartedWalk {
  /** The walk, before its first HDU. */
  walk: PendingWalk;
  /** The source that serves the HDUs' offsets: the object itself, or its gzip wrapper. */
  source: ByteSource;
  /** The gzip wrapper, when the object is whole-file gzip. */
  gzip?: GzipSource;
}

/** Settings of {@linkcode startWalk}. */
export interface StartWalkOptions extends WalkOptions {
  /** Spacing of the access points recorded while inflating a gzip file. */
  spacing?: number;
  /** The most compressed bytes a step of the walk of a gzip file may read (default 1 GiB, 0 for no limit). */
  maxRead?: number;
  /**
   * Also read the object's last `suffixRead` bytes, sent together with the first read (a suffix range,
   * {@linkcode ByteSource.readSuffix}), so that the last HDU's header and data arrive in the first round
   * trip when they fit: for a caller that will read the last HDU, such as a TESS cube's light curve,
   * whose frame table ends the file. A walk step that needs bytes there reads only what the suffix lacks.
   * Sources without `readSuffix` (local files, whose reads cost no round trip; Azure Blob) skip it, and
   * so do gzip files (the suffix is compressed bytes). Bounded by the caller, never by a header.
   */
  suffixRead?: number;
}

/**
 * Start a walk of an object's headers, inflating it when it is gzip-compressed: the first read (64 KiB)
 * both recognises the format and holds the first headers, so a plain file costs one read to start.
 * Each step of a gzip walk is held to `maxRead` compressed bytes.
 *
 * @param source The stored object.
 * @param options Walk settings; the spacing of access points recorded while inflating; the most compressed
 *   bytes a step of the walk of a gzip file may read (default 1 GiB, 0 for no limit: `COST_LIMIT` beyond it);
 *   the suffix to read with the first read.
 * @returns The walk and the source to read the HDUs through.
 * @throws {CloudFitsError} `UNSUPPORTED` for bzip2, Unix compress, xz and zstd files; `NOT_FITS` when the
 *   object does not start with SIMPLE; `STALE` when the object changed between the first read and the
 *   suffix.
 *
 * @example Walking one HDU of a local file
 * ```ts
 * import assert from "node:assert/strict";
 * import { openFileSource } from "./source/file.ts";
 * import { startWalk } from "./walk_file.ts";
 *
 * await using file = await openFileSource("testdata/mef_images.fits");
 * const { walk } = await startWalk(file);
 * assert.equal((await walk.next())?.type, "PRIMARY");
 * assert.deepEqual([walk.hdus.length, walk.done, walk.head.length], [1, false, 65536]);
 * ```
 */
export async function startWalk(source: ByteSource, options: StartWalkOptions = {}): Promise<StartedWalk> {
  const readAhead = options.readAhead ?? DEFAULT_READ_AHEAD;
  const length = source.size === undefined ? readAhead : Math.min(readAhead, source.size);
  const { signal, suffixRead } = options;
  // Dropped (and its body cancelled) when the object turns out to be gzip: compressed bytes are no use.
  const drop = new AbortController();
  const pending = options.head === undefined && suffixRead !== undefined && suffixRead > 0
    ? source.readSuffix?.(suffixRead, {
      signal: signal === undefined ? drop.signal : AbortSignal.any([signal, drop.signal]),
    })
    : undefined;
  let head: Uint8Array;
  try {
    head = options.head ?? await source.read(0, length, { signal });
  } catch (error) {
    pending?.catch(() => {}); // the first read's failure is the one to report
    throw error;
  }
  const compression = compressionOf(head);
  if (compression === undefined) {
    const suffix = checkedSuffix(await pending, source);
    if (suffix === undefined) return { walk: await HeaderWalk.start(source, { ...options, head }), source };
    // The walk's reads of the object's end come from the suffix.
    const walk = await HeaderWalk.start(withHeldBytes(source, () => [suffix]), { ...options, head });
    return { walk: viewOf(walk, (step) => walk.next(step), suffix), source };
  }
  pending?.catch(() => {});
  drop.abort();
  if (compression !== "gzip") throw unsupportedCompression(source.name, compression);
  // The inflater loads only for a gzip file.
  const { gzipSource } = await import("./source/gzip.ts");
  const gzip = gzipSource(source, { head, spacing: options.spacing });
  const walk = await HeaderWalk.start(gzip, { ...options, head: undefined });
  // The walk inflates up to the last header, the whole file for the last HDU's end: hold it to the limit.
  const maxRead = options.maxRead ?? DEFAULT_MAX_READ;
  const limited = viewOf(walk, async (step) => {
    gzip.limitReads(maxRead === 0 ? undefined : maxRead);
    try {
      return await walk.next(step);
    } finally {
      gzip.limitReads(undefined);
    }
  });
  return { walk: limited, source: gzip, gzip };
}

/**
 * The suffix, checked against the size the first read pinned: bytes that do not end where the object
 * does were read from another version of it (a source that has no size to check against gives none).
 */
function checkedSuffix(suffix: SuffixBytes | undefined, source: ByteSource): SuffixBytes | undefined {
  if (suffix === undefined || source.size === undefined) return undefined;
  const end = suffix.offset + suffix.bytes.length;
  if (end !== source.size) {
    throw new CloudFitsError(
      "STALE",
      `Cannot read ${source.name}: the object changed while reading: its last bytes end at ${end}, but it is ${source.size} bytes`,
      { url: source.name, offset: suffix.offset },
    );
  }
  return suffix;
}

/**
 * The walk seen through `next` (which steps it), offering the suffix read with its first read when there
 * is one, for the file's reads to be served from.
 */
function viewOf(
  walk: HeaderWalk,
  next: (step?: WalkStep) => Promise<Hdu | undefined>,
  suffix?: SuffixBytes,
): PendingWalk {
  return {
    hdus: walk.hdus,
    warnings: walk.warnings,
    get done() {
      return walk.done;
    },
    head: walk.head,
    get window() {
      return walk.window;
    },
    ...(suffix === undefined ? {} : { suffix }),
    next,
  };
}

/**
 * Walk the HDUs of an object, inflating it when it is gzip-compressed. The first read (64 KiB) both
 * recognises the format and starts the walk, so a plain file costs what `walkHdus` costs.
 *
 * @param source The stored object.
 * @param options Walk settings; the spacing of access points recorded while inflating; the most compressed
 *   bytes the walk of a gzip file may read (default 1 GiB, 0 for no limit: `COST_LIMIT` beyond it).
 * @returns The HDUs, warnings, and the source to read them through.
 * @throws {CloudFitsError} `UNSUPPORTED` for bzip2, Unix compress, xz and zstd files; what
 *   {@linkcode walkHdus} throws; `BAD_HEADER`, `CHECKSUM` or `TRUNCATED` for a damaged gzip stream.
 *
 * @example A gzip-compressed FITS file in memory
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildHeader, formatCard, memorySource } from "@cloudfits/core";
 * import { walkFile } from "./walk_file.ts";
 *
 * const fits = buildHeader([formatCard("SIMPLE", true), formatCard("BITPIX", 8), formatCard("NAXIS", 0)]);
 * const gz = new Uint8Array(await new Response(
 *   new Blob([fits as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new CompressionStream("gzip")),
 * ).arrayBuffer());
 * const walked = await walkFile(memorySource(gz));
 * assert.equal(walked.hdus.length, 1);
 * assert.equal(walked.gzip?.size, 2880);
 * assert.equal(walked.source, walked.gzip);
 * ```
 */
export async function walkFile(
  source: ByteSource,
  options: WalkOptions & { spacing?: number; maxRead?: number } = {},
): Promise<WalkedFile> {
  const { walk, ...started } = await startWalk(source, options);
  const maxHdus = options.maxHdus ?? Infinity;
  while (!walk.done && walk.hdus.length < maxHdus) await walk.next();
  return { hdus: [...walk.hdus], warnings: [...walk.warnings], source: started.source, gzip: started.gzip };
}
