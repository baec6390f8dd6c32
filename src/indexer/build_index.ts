/**
 * Build a cloudfits index of local files or remote objects: list and sort them, keep the records of
 * unchanged files from the existing index, walk the headers of the rest with a few workers, write the
 * records in path order as they finish (memory bounded by a reorder window and one leaf), checkpoint
 * as it goes, and put the index in place whole.
 *
 * @module
 */
import { CloudFitsError } from "../errors.ts";
import { walkFile } from "../walk_file.ts";
import { IndexWriter, SkySink } from "../index_format/writer.ts";
import type { IndexedFile } from "../index_format/types.ts";
import type { SourceOptions } from "../open_source.ts";
import { countingSource } from "../source/counting.ts";
import { parseLocation, redactUrl } from "../url.ts";
import { VERSION } from "../version.ts";
import { Checkpointer, checkpointPath, loadCheckpoint } from "./checkpoint.ts";
import { runInOrder } from "./in_order.ts";
import { isUnchanged, previousRecords, RecordCursor } from "./incremental.ts";
import { type ListedIndexSources, listIndexSources } from "./list_sources.ts";
import type { CandidateTable } from "./candidate_table.ts";
import type { IndexCandidate, IndexFailure, IndexStorage } from "./types.ts";
import { writeIndex } from "./write_index.ts";
import { frameBlockOf } from "./frames.ts";
import { keepingFirstRead } from "../source/held_bytes.ts";
import { shardOfPath, type ShardPart } from "./shard.ts";
import { fileFootprints } from "./footprints.ts";
import { isTessCube } from "../tess_cube.ts";
import type { FootprintRecord } from "../index_format/sky_cells.ts";

/** Something a run reports while it goes: a warning, a note, or progress after each file. */
export type IndexEvent =
  | { type: "warning"; message: string }
  | { type: "note"; message: string }
  | { type: "progress"; done: number; total: number; failed: number; requests: number; bytes: number };

/** Options for {@linkcode buildIndex}. */
export interface BuildIndexOptions extends SourceOptions {
  /** Where the index goes: a local path (through `storage`) or an `s3://`, `gs://` or `az://` object. */
  output: string;
  /**
   * The URL prefix readers will find the files under; paths in the index are relative to it. Default:
   * for local files, their directory relative to a local index; for remote objects, their common prefix.
   */
  dataUrl?: string;
  /** Keep every header byte-exact (default true); false keeps only the structural cards. */
  headerText?: boolean;
  /** Files read at once (default 8). */
  concurrency?: number;
  /** The local file system: needed for local sources, a local index and checkpoints. */
  storage?: IndexStorage;
  /**
   * Where to checkpoint: a local path, or `null` for no checkpoints. Default: `OUTPUT.partial` for a
   * local index; for a bucket, a file under `$XDG_CACHE_HOME/cloudfits/checkpoints/` (from `env`).
   */
  checkpoint?: string | null;
  /**
   * Index only this part of the listing (files whose path hashes to it, see `shardOfPath`), and record
   * the part and the sources as given, so `mergeShards` can check the shards belong together.
   */
  shard?: ShardPart;
  /** Recorded as the index's producer (default `cloudfits VERSION`). */
  indexer?: string;
  /** Abort the header reads. */
  signal?: AbortSignal;
  /**
   * For whole-file gzip files: record an access point every this many inflated bytes (default 4 MiB),
   * so that reads start at the nearest one instead of the start of the file.
   */
  pointSpacing?: number;
  /** Warnings, notes and progress; awaited when it returns a promise. */
  onEvent?: (event: IndexEvent) => void | Promise<void>;
  /** The clock for checkpoint intervals and `seconds`, in milliseconds (default `performance.now`). */
  now?: () => number;
}

/** What {@linkcode buildIndex} did. */
export interface BuildIndexResult {
  /** Files read in this run. */
  indexed: number;
  /** Files whose records were kept (from the existing index or a checkpoint). */
  unchanged: number;
  /** Sources that could not be indexed, with the reason; the rest are in the index. */
  failed: IndexFailure[];
  /** Files in the index. */
  files: number;
  /** HDUs in the index. */
  hdus: number;
  /** Read requests sent to the files. */
  requests: number;
  /** Bytes read from the files. */
  bytes: number;
  /** Duration in seconds, to 10 ms. */
  seconds: number;
  /** The index's location, redacted. */
  output: string;
  /** Size of the index in bytes. */
  indexBytes: number;
}

/**
 * Index FITS files: directories are walked and bucket prefixes listed; each file's headers are read
 * with a few range requests (never its data). Files whose size and ETag (or mtime) match the existing
 * index at `output` keep their records without a request. Records are written in path order as files
 * finish, so memory does not grow with the number of files: the listing (packed: the paths' bytes and
 * ~30 B per file), a window of records in flight, and one leaf; finished leaves wait in
 * `storage.spool` beside a local index (in memory for an upload). The index written so far is checkpointed, and an interrupted run resumes
 * from its checkpoint. The index is put in place whole (an atomic rename, or one PUT); the checkpoint
 * is then deleted.
 *
 * @param sources Local files and directories, or `s3://`, `gs://`, `az://` prefixes and HTTP URLs.
 * @param options The output, data URL, local file system, credentials and hooks.
 * @returns Counts, failures and traffic.
 * @throws {CloudFitsError} `USAGE` for colliding or mixed sources or a data URL with a query;
 * `NOT_FOUND` when the sources yield no file to index, or every file fails (nothing is written, so an
 * existing index stays); the write's or upload's error (a checkpoint keeps the run's work for the next one).
 *
 * @example Index a directory, then re-index it without reading a file
 * ```ts
 * import { buildHeader, buildIndex, formatCard, type IndexStorage, memorySource, openIndex } from "@cloudfits/core";
 * import assert from "node:assert/strict";
 *
 * const fits = buildHeader([formatCard("SIMPLE", true), formatCard("BITPIX", 8), formatCard("NAXIS", 0)]);
 * // A file system in memory; `localFileAccess()` from "@cloudfits/core/file" gives the real one.
 * const files = new Map([["/data/a.fits", fits], ["/data/sub/b.fits", fits]]);
 * const storage: IndexStorage = {
 *   resolve: (path) => path,
 *   stat: (path) =>
 *     Promise.resolve(
 *       files.has(path)
 *         ? { size: files.get(path)!.length, mtimeMs: 1, isDirectory: false }
 *         : path === "/data" ? { size: 0, mtimeMs: 1, isDirectory: true } : undefined,
 *     ),
 *   listFiles: (dir) =>
 *     Promise.resolve([...files.keys()].filter((p) => p.startsWith(`${dir}/`)).map((p) => p.slice(dir.length + 1))),
 *   readFile: (path) => Promise.resolve(files.get(path)!),
 *   writeFileAtomic: async (path, content) => {
 *     let bytes = new Uint8Array(0);
 *     for await (const chunk of content instanceof Uint8Array ? [content] : content) bytes = new Uint8Array([...bytes, ...chunk]);
 *     files.set(path, bytes);
 *   },
 *   removeFile: (path) => Promise.resolve(void files.delete(path)),
 * };
 * const openFile = (path: string) => Promise.resolve(memorySource(files.get(path)!, path));
 * const options = { output: "/data.cfidx", storage, openFile };
 *
 * const first = await buildIndex(["/data"], options);
 * assert.deepEqual([first.indexed, first.unchanged, first.requests], [2, 0, 2]);
 * const again = await buildIndex(["/data"], options);
 * assert.deepEqual([again.indexed, again.unchanged, again.requests], [0, 2, 0]);
 *
 * const index = await openIndex(files.get("/data.cfidx")!);
 * assert.equal(index.index.dataUrl, "data");
 * assert.equal((await index.file("sub/b.fits")).hdus[0].type, "PRIMARY");
 * ```
 */
export async function buildIndex(
  sources: readonly string[],
  options: BuildIndexOptions,
): Promise<BuildIndexResult> {
  const now = options.now ?? (() => performance.now());
  const started = now();
  const { output, storage } = options;
  const report = async (event: IndexEvent) => await options.onEvent?.(event);
  const warn = (message: string) => report({ type: "warning", message });
  if (sources.length === 0) {
    throw new CloudFitsError("USAGE", "Nothing to index: give a FITS file, directory or bucket prefix");
  }
  if (options.dataUrl !== undefined && /[?#]/.test(options.dataUrl)) {
    throw new CloudFitsError(
      "USAGE",
      "The data URL must not carry a query string: signatures and SAS tokens are never stored",
    );
  }
  const outputLocation = parseLocation(output, options.env ?? {});
  const shard = options.shard;
  const { candidates, failed, dataUrl, warnings } = sortedListing(
    await listIndexSources(sources, { ...options, output: outputLocation }),
    shard,
  );
  for (const warning of warnings) await warn(warning);
  if (candidates === undefined) throw nothingToIndex(sources, failed);

  // Reuse unchanged records from the checkpoint of an interrupted run (newer, so it wins) and from
  // the existing index, each read in path order beside the sorted listing.
  const previous = await previousRecords(output, outputLocation, dataUrl, { ...options, onWarning: warn });
  // Finished leaves, frame summaries and spilled footprints wait in temporary files beside a local
  // index (in memory for an upload, which sends the index whole).
  const spoolPath = outputLocation.kind === "file" ? outputLocation.path : undefined;
  const spools = spoolPath !== undefined && storage?.spool ? () => storage.spool!(spoolPath) : undefined;
  const spool = await spools?.();
  // Footprints go to the sky directory of the final index (checkpoints give them again from headers).
  const sky = new SkySink(spools ? { spool: spools } : {});
  const writer = new IndexWriter({
    ...(spool ? { spool } : {}),
    ...(spools ? { spools } : {}),
    sinks: [sky],
    dataUrl,
    indexer: options.indexer ?? `cloudfits ${VERSION}`,
    headerText: options.headerText,
    ...(shard
      ? {
        shard: {
          ...shard,
          sources: [...sources],
          ...(options.dataUrl !== undefined ? { dataUrl: options.dataUrl } : {}),
        },
      }
      : {}),
  });
  const path = options.checkpoint !== undefined
    ? options.checkpoint ?? undefined
    : await checkpointPath(output, outputLocation, options.env ?? {}, options.endpoint);
  const checkpoint = storage && path !== undefined
    ? new Checkpointer(path, storage, () => writer.snapshot(), now, warn)
    : undefined;
  const resumed = checkpoint && storage
    ? await loadCheckpoint(storage, checkpoint.path, dataUrl, warn)
    : new RecordCursor();

  let unchanged = 0;
  let requests = 0;
  let bytes = 0;
  let hdus = 0;
  const readOne = async (candidate: IndexCandidate, old: IndexedFile | undefined): Promise<Indexed> => {
    const source = await candidate.open();
    const counted = countingSource(source);
    const reader = keepingFirstRead(counted);
    try {
      // Indexing reads every gzip file whole, whatever its size: that is what it is asked to do.
      const walked = await walkFile(reader, {
        signal: options.signal,
        spacing: options.pointSpacing,
        maxRead: 0,
      });
      // A gzip file is inflated to its end: every member's CRC is checked, and the points reach the end.
      const gzip = walked.gzip && {
        size: await walked.gzip.inflateToEnd({ signal: options.signal }),
        points: [...walked.gzip.points],
      };
      for (const warning of walked.warnings) await warn(`${candidate.display}: ${warning}`);
      const size = source.size ?? candidate.size;
      if (size === undefined) {
        throw new CloudFitsError("BAD_RESPONSE", `Cannot learn the size of ${candidate.display}`);
      }
      const etag = candidate.etag ?? source.etag;
      // A TESS cube's frame table, summarised once here, spares every light curve reading it.
      let frames: Uint8Array | undefined;
      try {
        // The same object (size and strong ETag) as the existing record: its summary still holds.
        const same = old?.frames && etag !== undefined && old.etag === etag && old.size === size;
        frames = same
          ? old.frames
          : gzip
          ? undefined
          : await frameBlockOf(reader, walked.hdus, size, options.signal);
      } catch (error) {
        if (options.signal?.aborted) throw error;
        await warn(`${candidate.display}: no frame summary: ${(error as Error).message}`);
      }
      const file: IndexedFile = {
        path: candidate.path,
        size,
        ...(etag ? { etag } : {}),
        ...(candidate.lastModified !== undefined ? { lastModified: Math.round(candidate.lastModified) } : {}),
        hdus: walked.hdus,
        ...(gzip ? { gzip } : {}),
        ...(frames ? { frames } : {}),
      };
      const footprints = await fileFootprints(
        candidate.path,
        walked.hdus,
        walked.source,
        warn,
        options.signal,
        frames,
      );
      return { file, footprints };
    } finally {
      requests += counted.stats.requests;
      bytes += counted.stats.bytes;
      await source.close?.();
    }
  };
  // Unchanged TESS cubes without a frame summary whose footprints the old index's sky directory keeps
  // (a cube's WCS is table data, not a header): filed from there at the end.
  const keptCubes = new Set<string>();
  type Outcome = (Indexed & { fresh: boolean; skyCube?: boolean }) | { error: string };
  const indexOne = async (i: number): Promise<Outcome> => {
    const candidate = candidates.at(i);
    // Both lookups are made before any await, so each cursor is asked in path order.
    const fromCheckpoint = resumed.find(candidate.path);
    const fromIndex = previous.records.find(candidate.path);
    try {
      const [checkpointed, indexed] = [await fromCheckpoint, await fromIndex];
      const old = [checkpointed, indexed].find((record) => isUnchanged(candidate, record));
      // A cube from an interrupted run's checkpoint may differ from the old index's version.
      const keptCube = old !== undefined && old === indexed && previous.keepsCubeFootprints;
      // A TESS cube with neither a kept footprint nor a frame summary (its WCS is table data) is read again.
      if (old && (old.frames || !isTessCube(old.hdus) || keptCube)) {
        // From the stored headers; a TESS cube's from its frame summary or the old sky directory.
        const footprints = await fileFootprints(old.path, old.hdus, undefined, warn, undefined, old.frames);
        const skyCube = !old.frames && isTessCube(old.hdus);
        return { file: old, footprints, fresh: false, ...(skyCube ? { skyCube } : {}) };
      }
      return { ...await readOne(candidate, checkpointed ?? indexed), fresh: true };
    } catch (error) {
      return { error: (error as Error).message };
    }
  };
  const concurrency = options.concurrency ?? 8;
  try {
    await runInOrder(
      candidates.length,
      { concurrency, window: 8 * concurrency + 64 },
      indexOne,
      async (outcome, i) => {
        if ("file" in outcome) {
          try {
            await writer.add(outcome.file);
            await sky.footprints(outcome.footprints);
            if ("skyCube" in outcome) keptCubes.add(outcome.file.path);
            hdus += outcome.file.hdus.length;
            if (outcome.fresh) checkpoint?.addFresh();
            else unchanged++;
          } catch (error) {
            failed.push({ path: candidates.path(i), error: (error as Error).message });
          }
        } else failed.push({ path: candidates.path(i), error: outcome.error });
        await checkpoint?.maybeSave(writer.fileCount);
        await report({
          type: "progress",
          done: i + 1,
          total: candidates.length,
          failed: failed.length,
          requests,
          bytes,
        });
      },
    );

    // Every file failed: an empty index would only replace a good one.
    if (writer.fileCount === 0) throw nothingToIndex(sources, failed);
    if (keptCubes.size > 0) await sky.footprints(await previous.cubeFootprints(keptCubes));
    const written = await writer.finish();
    try {
      await writeIndex(outputLocation, written, options);
    } catch (error) {
      // Best effort: keep what this run read for the next one; the write's error is what matters.
      if (checkpoint && outputLocation.kind !== "file") {
        await checkpoint.save().then(
          () =>
            report({
              type: "note",
              message: `the upload failed; the next run resumes from ${checkpoint.path}`,
            }),
          () => {},
        );
      }
      throw error;
    }
    await checkpoint?.remove();
    return {
      indexed: writer.fileCount - unchanged,
      unchanged,
      failed,
      files: writer.fileCount,
      hdus,
      requests,
      bytes,
      seconds: Math.round((now() - started) / 10) / 100,
      output: redactUrl(output),
      indexBytes: written.size,
    };
  } finally {
    await Promise.all([previous.records.close(), resumed.close(), writer.close()]);
  }
}

/** A file's record and the footprints of its HDUs. */
interface Indexed {
  file: IndexedFile;
  footprints: FootprintRecord[];
}

/**
 * The listing in index order (only the shard's files with `shard`), kept compactly for the whole run:
 * each file's candidate is made only while it is read, and the unsorted listing is let go. No
 * candidates when nothing was listed.
 */
function sortedListing(
  listing: ListedIndexSources,
  shard: ShardPart | undefined,
): Omit<ListedIndexSources, "candidates" | "origins"> & { candidates?: CandidateTable } {
  const { candidates, origins, ...rest } = listing;
  if (candidates.length === 0) return rest;
  const keep = shard && ((path: string) => shardOfPath(path, shard.count) === shard.index);
  return { ...rest, candidates: candidates.sorted(origins, keep) };
}

/** The error of a run whose sources yield no file to index: nothing is written, an existing index stays. */
function nothingToIndex(sources: readonly string[], failed: readonly IndexFailure[]): CloudFitsError {
  const reasons = failed.slice(0, 3).map((f) => `${f.path}: ${f.error}`).join("; ");
  // A source may carry a presigned query or a SAS: never in a message.
  const label = sources.length === 1 ? redactUrl(sources[0]) : `${sources.length} sources`;
  return new CloudFitsError(
    "NOT_FOUND",
    `Nothing to index in ${label}: ${
      failed.length === 0 ? "no FITS file found" : `no file could be indexed (${reasons})`
    }; no index was written`,
  );
}
