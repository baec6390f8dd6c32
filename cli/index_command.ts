import { createHash } from "node:crypto";
import { dirname, join, relative, resolve, sep } from "node:path";
import { CloudFitsError, isCloudFitsError } from "../src/errors.ts";
import { EXIT } from "../src/exit_codes.ts";
import { walkHdus } from "../src/fits/walk.ts";
import { decodeIndex } from "../src/index_format/decode.ts";
import { encodeIndex } from "../src/index_format/encode.ts";
import type { IndexedFile } from "../src/index_format/types.ts";
import { openIndex } from "../src/open_index.ts";
import { openSource } from "../src/open_source.ts";
import { listObjects, putObject } from "../src/remote_objects.ts";
import { countingSource } from "../src/source/counting.ts";
import { openFileSource } from "../src/source/file.ts";
import type { ByteSource } from "../src/source/types.ts";
import { type Location, parseLocation, redactUrl } from "../src/url.ts";
import { VERSION } from "../src/version.ts";
import { type CliIo, removeStaleTemporaries } from "./io.ts";
import { type CommonValues, concurrencyOf, outputFormat, parseCommand } from "./options.ts";
import { sourceOptions } from "./remote.ts";
import { humanBytes, toJson } from "./format.ts";

/** One file to index: its path in the index and how to open it. */
interface Candidate {
  path: string;
  display: string;
  size?: number;
  etag?: string;
  lastModified?: number;
  open(): Promise<{ source: ByteSource; close(): Promise<void> }>;
}

const FITS_NAME = /\.(fits|fit|fts)(\.fz)?$|\.fz$/i;
const GZIP_NAME = /\.(fits|fit|fts)\.gz$/i;

/**
 * Checkpoint after this many newly indexed files, or after this long, whichever comes first. Each
 * checkpoint re-encodes every pending record, so both thresholds grow with its cost (the count doubles,
 * the interval stays ≥ 10× the last encoding time) to keep the overhead a small fraction of the run.
 */
const CHECKPOINT_FILES = 32;
const CHECKPOINT_MS = 2000;

/**
 * `cloudfits index SOURCE... -o INDEX`: walk the headers of local files or remote objects and write a
 * binary index, reusing the records of unchanged files from an existing INDEX.
 *
 * The run checkpoints its finished records every few seconds to a sidecar index (`INDEX.partial`,
 * or a file in the user's cache directory for a bucket `-o`), so that an interrupted run resumes
 * without reading finished files again; the sidecar is deleted once INDEX is written.
 *
 * @param args Arguments after `index`.
 * @param io The process I/O.
 * @returns The exit code (6 when some files failed).
 */
export async function runIndex(args: string[], io: CliIo): Promise<number> {
  if (args.includes("--fits-file-directory")) {
    throw new CloudFitsError(
      "USAGE",
      "Unknown option --fits-file-directory (the Python cloud-fits README misspells it): use --fits-files-directory or give the directory as SOURCE",
    );
  }
  const { values, positionals } = parseCommand(args, {
    output: { type: "string", short: "o" },
    "data-url": { type: "string" },
    "no-header-text": { type: "boolean" },
    "fits-files-directory": { type: "string", short: "f", multiple: true },
    "data-bucket-path": { type: "string", short: "d" },
    "index-bucket-name": { type: "string", short: "i" },
    mode: { type: "string", short: "m" },
  });
  const common = values as CommonValues;
  const format = outputFormat(values, ["json", "text"], "text");
  const sources = [...positionals, ...((values["fits-files-directory"] as string[] | undefined) ?? [])];
  const bucket = values["index-bucket-name"] as string | undefined;
  const output = (values.output as string | undefined) ??
    (bucket ? `s3://${bucket.replace(/^s3:\/\//, "").replace(/\/+$/, "")}/cloud-fits.cfidx` : undefined);
  const dataUrlFlag = (values["data-url"] ?? values["data-bucket-path"]) as string | undefined;
  if (sources.length === 0) {
    throw new CloudFitsError("USAGE", "Nothing to index: give a FITS file, directory or bucket prefix");
  }
  if (!output) {
    throw new CloudFitsError("USAGE", "Where should the index go? Pass -o INDEX (a path or a bucket URL)");
  }
  if (values.mode !== undefined && values.mode !== "local" && values.mode !== "remote") {
    throw new CloudFitsError(
      "USAGE",
      `Unknown --mode '${values.mode}': sources are read where they are, local or remote`,
    );
  }
  if (dataUrlFlag !== undefined && /[?#]/.test(dataUrlFlag)) {
    throw new CloudFitsError(
      "USAGE",
      "--data-url must not carry a query string: signatures and SAS tokens are never stored",
    );
  }

  const started = performance.now();
  const options = sourceOptions(common, io);
  const outputLocation = parseLocation(output, io.env);
  const { candidates, failed, dataUrl } = await expandSources(
    sources,
    outputLocation,
    dataUrlFlag,
    io,
    options,
  );

  // Reuse unchanged records (same size and ETag or mtime) from the existing index, and from the
  // checkpoint of an interrupted run (newer, so it wins).
  const previous = new Map<string, IndexedFile>();
  try {
    const old = await openIndex(output, { ...options, dataRoot: dataUrl ?? "." });
    try {
      if ((old.index.dataUrl ?? undefined) === dataUrl) {
        for await (const file of old.index.files()) previous.set(file.path, file);
      }
    } finally {
      await old.close();
    }
  } catch (error) {
    if (!isCloudFitsError(error, "NOT_FOUND") && !isCloudFitsError(error, "FORBIDDEN")) {
      await io.err(
        `warning: ignoring the existing index ${redactUrl(output)}: ${(error as Error).message}\n`,
      );
    }
  }
  const checkpoint = checkpointFor(output, outputLocation, common, io.env);
  const checkpointed = checkpoint === undefined
    ? new Set<string>()
    : await loadCheckpoint(checkpoint, dataUrl, previous, io);

  const files: IndexedFile[] = [];
  // Records the checkpoint must keep: read in this run, or resumed from the last checkpoint.
  const pending: IndexedFile[] = [];
  let unchanged = 0;
  let resumed = 0;
  let requests = 0;
  let bytes = 0;
  let done = 0;
  const seen = new Map<string, string>();
  for (const candidate of candidates) {
    const other = seen.get(candidate.path);
    if (other !== undefined) {
      throw new CloudFitsError(
        "USAGE",
        `Two sources give the same path '${candidate.path}': ${other} and ${candidate.display}; index them separately or with distinct roots`,
      );
    }
    seen.set(candidate.path, candidate.display);
  }
  const progress = async (): Promise<void> => {
    if (!io.isTTY || format === "json") return;
    const seconds = (performance.now() - started) / 1000;
    const rate = done / Math.max(seconds, 1e-3);
    const eta = rate > 0 ? (candidates.length - done) / rate : 0;
    await io.err(
      `\rindexing ${done}/${candidates.length} files, ${humanBytes(bytes)} read, ${
        rate.toFixed(1)
      } files/s, ETA ${eta.toFixed(0)} s   `,
    );
  };

  const queue = [...candidates];
  const worker = async (): Promise<void> => {
    for (let candidate = queue.shift(); candidate; candidate = queue.shift()) {
      try {
        const old = previous.get(candidate.path);
        if (old && candidate.size === old.size && sameVersion(candidate, old)) {
          files.push(old);
          if (checkpointed.has(old.path)) {
            pending.push(old);
            resumed++;
          }
          unchanged++;
        } else {
          const { source, close } = await candidate.open();
          const counted = countingSource(source);
          try {
            const walked = await walkHdus(counted);
            for (const warning of walked.warnings) {
              await io.err(`warning: ${candidate.display}: ${warning}\n`);
            }
            const size = source.size ?? candidate.size;
            if (size === undefined) {
              throw new CloudFitsError("BAD_RESPONSE", `Cannot learn the size of ${candidate.display}`);
            }
            const etag = candidate.etag ?? (source as { etag?: string }).etag;
            const record: IndexedFile = {
              path: candidate.path,
              size,
              ...(etag ? { etag } : {}),
              ...(candidate.lastModified !== undefined
                ? { lastModified: Math.round(candidate.lastModified) }
                : {}),
              hdus: walked.hdus,
            };
            files.push(record);
            pending.push(record);
          } finally {
            requests += counted.stats.requests;
            bytes += counted.stats.bytes;
            await close();
          }
        }
      } catch (error) {
        failed.push({ path: candidate.path, error: (error as Error).message });
      }
      done++;
      await saveCheckpoint();
      await progress();
    }
  };
  const encodeOptions = {
    dataUrl,
    indexer: `cloudfits ${VERSION}`,
    headerText: !values["no-header-text"],
  };
  let saved = { fresh: 0, records: 0, at: performance.now(), costMs: 0 };
  let saving = false;
  const saveCheckpoint = async (): Promise<void> => {
    const fresh = pending.length - resumed;
    const now = performance.now();
    const due = fresh - saved.fresh >= Math.max(CHECKPOINT_FILES, saved.records) ||
      (fresh > saved.fresh && now - saved.at >= Math.max(CHECKPOINT_MS, 10 * saved.costMs));
    // One checkpoint at a time; the other workers go on meanwhile.
    if (checkpoint === undefined || !due || saving) return;
    saving = true;
    const records = [...pending];
    try {
      await writeCheckpoint(checkpoint, await encodeIndex(records, encodeOptions), io);
    } catch (error) {
      await io.err(`warning: cannot write the checkpoint ${checkpoint}: ${(error as Error).message}\n`);
    } finally {
      const end = performance.now();
      saved = { fresh, records: records.length, at: end, costMs: end - now };
      saving = false;
    }
  };
  await Promise.all(
    Array.from({ length: Math.min(concurrencyOf(common) ?? 8, Math.max(1, candidates.length)) }, worker),
  );
  if (io.isTTY && format !== "json") await io.err("\n");

  const encoded = await encodeIndex(files, encodeOptions);
  // Replaced whole (rename or one PUT): readers see the old index or the new one, never a mix.
  if (outputLocation.kind === "file") {
    await io.writeFileAtomic(outputLocation.path, encoded, { overwrite: true });
  } else {
    try {
      await putObject(outputLocation, encoded, options);
    } catch (error) {
      // Best effort: keep what this run read for the next one; the upload's error is what matters.
      if (checkpoint !== undefined) {
        await writeCheckpoint(checkpoint, await encodeIndex(pending, encodeOptions), io).then(
          () => io.err(`note: the upload failed; the next run resumes from ${checkpoint}\n`),
          () => {},
        );
      }
      throw error;
    }
  }
  if (checkpoint !== undefined) {
    await io.removeFile?.(checkpoint);
    // Checkpoint writes of killed runs; those of -o went with its own write.
    await removeStaleTemporaries(checkpoint);
  }

  const summary = {
    indexed: files.length - unchanged,
    unchanged,
    failed,
    files: files.length,
    hdus: files.reduce((n, f) => n + f.hdus.length, 0),
    requests,
    bytes,
    seconds: Math.round((performance.now() - started) / 10) / 100,
    output: redactUrl(output),
  };
  if (format === "json") {
    await io.out(toJson(summary));
  } else {
    for (const f of failed) await io.err(`error: ${f.path}: ${f.error}\n`);
    await io.out(
      `Indexed ${summary.indexed} files (${summary.unchanged} unchanged, ${failed.length} failed), ${summary.hdus} HDUs, ` +
        `${summary.requests} requests, ${
          humanBytes(summary.bytes)
        } read, in ${summary.seconds} s → ${summary.output} (${humanBytes(encoded.length)})\n`,
    );
  }
  return failed.length > 0 ? EXIT.partial : EXIT.ok;
}

/**
 * Where an interrupted run of `-o output` keeps its finished records: beside a local index, or for a
 * bucket, in `$XDG_CACHE_HOME/cloudfits/checkpoints/` (or `~/.cache/…`) under a hash of the output URL
 * (without its query) and endpoint. Undefined when there is no cache directory.
 */
function checkpointFor(
  output: string,
  location: Location,
  values: CommonValues,
  env: CliIo["env"],
): string | undefined {
  if (location.kind === "file") return `${location.path}.partial`;
  const cache = env.XDG_CACHE_HOME || (env.HOME ? join(env.HOME, ".cache") : undefined);
  if (!cache) return undefined;
  const key = createHash("sha256")
    .update(`${redactUrl(output)}\n${values["endpoint-url"] ?? ""}`)
    .digest("hex")
    .slice(0, 32);
  return join(cache, "cloudfits", "checkpoints", `${key}.cfidx.partial`);
}

/** Add the records of a checkpoint with the same data root to `previous`; returns their paths. */
async function loadCheckpoint(
  checkpoint: string,
  dataUrl: string | undefined,
  previous: Map<string, IndexedFile>,
  io: CliIo,
): Promise<Set<string>> {
  const paths = new Set<string>();
  if (!(await io.stat(checkpoint))) return paths;
  try {
    const index = await decodeIndex(await io.readFile(checkpoint));
    if ((index.dataUrl ?? undefined) !== dataUrl) return paths;
    for await (const file of index.files()) {
      previous.set(file.path, file);
      paths.add(file.path);
    }
  } catch (error) {
    await io.err(`warning: ignoring the checkpoint ${checkpoint}: ${(error as Error).message}\n`);
  }
  return paths;
}

function writeCheckpoint(checkpoint: string, bytes: Uint8Array, io: CliIo): Promise<void> {
  return io.writeFileAtomic(checkpoint, bytes, { overwrite: true });
}

/**
 * Whether a file is the version indexed: same ETag, or for local files the same mtime to within 1 ms
 * (Deno reports whole milliseconds, Node and Bun fractions, and the index stores them rounded).
 */
function sameVersion(candidate: Candidate, old: IndexedFile): boolean {
  if (candidate.etag !== undefined || old.etag !== undefined) return candidate.etag === old.etag;
  return candidate.lastModified !== undefined && old.lastModified !== undefined &&
    Math.abs(old.lastModified - candidate.lastModified) <= 1;
}

/**
 * Expand SOURCE arguments into files to index, with their paths relative to one data root.
 */
async function expandSources(
  sources: string[],
  output: Location,
  dataUrlFlag: string | undefined,
  io: CliIo,
  options: ReturnType<typeof sourceOptions>,
): Promise<
  { candidates: Candidate[]; failed: { path: string; error: string }[]; dataUrl: string | undefined }
> {
  const failed: { path: string; error: string }[] = [];
  const locations = sources.map((s) => parseLocation(s, io.env));
  const local = locations.filter((l) => l.kind === "file");
  if (local.length > 0 && local.length !== locations.length) {
    throw new CloudFitsError(
      "USAGE",
      "Index local files and remote objects in separate runs: they have different data roots",
    );
  }

  if (local.length > 0) {
    const found: { absolute: string; size: number; mtimeMs: number }[] = [];
    const roots: string[] = [];
    for (const location of local) {
      const path = (location as { path: string }).path;
      const stat = await io.stat(path);
      if (!stat) {
        throw new CloudFitsError("NOT_FOUND", `Cannot index ${path}: no such file or directory`, {
          url: path,
        });
      }
      if (stat.isDirectory) {
        roots.push(resolve(path));
        for (const rel of await io.listFiles(path)) {
          const absolute = resolve(path, rel);
          if (GZIP_NAME.test(rel)) {
            failed.push({
              path: rel,
              error: "whole-file gzip (.fits.gz) is not supported yet; gunzip it or use fpack",
            });
          } else if (FITS_NAME.test(rel)) {
            const s = await io.stat(absolute);
            if (s) found.push({ absolute, size: s.size, mtimeMs: s.mtimeMs });
          }
        }
      } else {
        roots.push(dirname(resolve(path)));
        found.push({ absolute: resolve(path), size: stat.size, mtimeMs: stat.mtimeMs });
      }
    }
    const root = commonDirectory(roots);
    const outputDir = output.kind === "file" ? dirname(resolve(output.path)) : undefined;
    let dataUrl = dataUrlFlag?.replace(/\/+$/, "");
    if (dataUrl === undefined) {
      if (outputDir === undefined) {
        throw new CloudFitsError(
          "USAGE",
          "Local files indexed into a bucket need --data-url: the URL prefix where readers will find them",
        );
      }
      // Relative to the index file, so that the index and its data can move together (a git repository).
      dataUrl = relative(outputDir, root).split(sep).join("/") || ".";
    }
    const candidates = found.map((f): Candidate => ({
      path: relative(root, f.absolute).split(sep).join("/"),
      display: f.absolute,
      size: f.size,
      lastModified: f.mtimeMs,
      open: async () => {
        const source = await openFileSource(f.absolute);
        return { source, close: () => source.close() };
      },
    }));
    return { candidates, failed, dataUrl };
  }

  // Remote: objects under each prefix; the data root is the common prefix of the sources.
  const candidates: Candidate[] = [];
  const roots: string[] = [];
  for (const [i, location] of locations.entries()) {
    if (location.kind === "http") {
      // The query (a presigned signature) and userinfo are for fetching only: never in a path or root.
      const url = redactUrl(sources[i]);
      roots.push(url.slice(0, url.lastIndexOf("/") + 1));
      candidates.push({
        path: url,
        display: url,
        open: async () => ({ source: await openSource(location, options), close: () => Promise.resolve() }),
      });
      continue;
    }
    const prefixRoot = rootOf(location);
    roots.push(prefixRoot);
    for await (const object of listObjects(location, options)) {
      if (GZIP_NAME.test(object.path)) {
        failed.push({ path: object.location, error: "whole-file gzip (.fits.gz) is not supported yet" });
        continue;
      }
      if (!FITS_NAME.test(object.path)) continue;
      candidates.push({
        path: object.location,
        display: redactUrl(object.location),
        size: object.size,
        etag: object.etag,
        lastModified: object.lastModified,
        open: async () => ({
          source: await openSource(withAccessOf(location, parseLocation(object.location, io.env)), {
            ...options,
            expected: { size: object.size, etag: object.etag },
          }),
          close: () => Promise.resolve(),
        }),
      });
    }
  }
  const commonRoot = dataUrlFlag?.replace(/\/+$/, "") ?? commonPrefix(roots).replace(/\/+$/, "");
  for (const candidate of candidates) {
    const full = candidate.path;
    if (!full.startsWith(`${commonRoot}/`)) {
      throw new CloudFitsError(
        "USAGE",
        `Cannot place ${candidate.display} under the data root ${commonRoot}`,
      );
    }
    candidate.path = decodeURIComponent(full.slice(commonRoot.length + 1));
  }
  return { candidates, failed, dataUrl: commonRoot };
}

/** A listed object's location with the account, SAS and region of the prefix it was listed under. */
function withAccessOf(prefix: Location, object: Location): Location {
  if (prefix.kind === "azure" && object.kind === "azure") {
    return {
      ...object,
      ...(prefix.account !== undefined ? { account: prefix.account } : {}),
      ...(prefix.sas !== undefined ? { sas: prefix.sas } : {}),
    };
  }
  if (prefix.kind === "s3" && object.kind === "s3" && prefix.region !== undefined) {
    return { ...object, region: prefix.region };
  }
  return object;
}

function rootOf(location: Location): string {
  switch (location.kind) {
    case "s3":
    case "gcs": {
      const scheme = location.kind === "s3" ? "s3" : "gs";
      return `${scheme}://${location.bucket}/${location.key.slice(0, location.key.lastIndexOf("/") + 1)}`;
    }
    case "azure":
      return `az://${location.container}/${location.blob.slice(0, location.blob.lastIndexOf("/") + 1)}`;
    default:
      return "";
  }
}

function commonDirectory(paths: string[]): string {
  const split = paths.map((p) => p.split(sep));
  const first = split[0];
  let n = first.length;
  for (const parts of split) {
    let i = 0;
    while (i < n && i < parts.length && parts[i] === first[i]) i++;
    n = i;
  }
  return first.slice(0, n).join(sep) || sep;
}

function commonPrefix(prefixes: string[]): string {
  let common = prefixes[0] ?? "";
  for (const p of prefixes) {
    while (!p.startsWith(common)) common = common.slice(0, common.slice(0, -1).lastIndexOf("/") + 1);
  }
  return common;
}
