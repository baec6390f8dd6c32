/**
 * Turn the sources of an index run — local files and directories, bucket prefixes, HTTP URLs — into
 * the files to index, each with its path relative to one data root.
 *
 * @module
 */
import { CloudFitsError } from "../errors.ts";
import { openSource, type SourceOptions } from "../open_source.ts";
import { listObjects } from "../remote_objects.ts";
import { type Location, parseLocation, redactUrl } from "../url.ts";
import { commonDirectory, dirname, relative } from "./_path.ts";
import type { ByteSource } from "../source/types.ts";
import type { IndexCandidate, IndexFailure, IndexStorage } from "./types.ts";

/** Options for {@linkcode listIndexSources}. */
export interface ListIndexSourcesOptions extends SourceOptions {
  /** Where the index will be written: a local index records a data root relative to itself. */
  output: Location;
  /** The URL prefix readers will find the files under (required for local files indexed into a bucket). */
  dataUrl?: string;
  /** The local file system, needed for local sources. */
  storage?: IndexStorage;
}

/** The files to index, the sources refused up front, and the data root of their paths. */
export interface ListedIndexSources {
  /** Files to index, in listing order, with unique paths. */
  candidates: IndexCandidate[];
  /** Sources refused without reading them (whole-file gzip). */
  failed: IndexFailure[];
  /** The data root: a URL prefix, or for local files a path relative to the index's directory. */
  dataUrl: string | undefined;
  /** What the listing noticed: symbolic links that loop or lead nowhere, files reached twice. */
  warnings: string[];
}

/** FITS names, whole-file compressed ones included: gzip is read, the others fail with a clear message. */
const FITS_NAME = /\.(fits|fit|fts)(\.(fz|gz|bz2|z|xz|zst))?$|\.fz$/i;

/**
 * Expand sources into files to index. Directories are walked recursively (following symbolic links, each
 * file once) and bucket prefixes listed;
 * files whose names are not FITS names (`.fits`, `.fit`, `.fts`, optionally `.fz`, any case) are
 * skipped, and `.fits.gz` files are reported as failures. Local and remote sources cannot be mixed.
 *
 * @param sources Local paths, `s3://`, `gs://` or `az://` prefixes, or HTTP URLs.
 * @param options Where the index goes, the data URL, the local file system and credentials.
 * @returns The candidates, the refused sources and the data root.
 * @throws {CloudFitsError} `USAGE` for mixed or colliding sources, or a source outside the data root;
 * `NOT_FOUND` for a local path that does not exist.
 */
export async function listIndexSources(
  sources: readonly string[],
  options: ListIndexSourcesOptions,
): Promise<ListedIndexSources> {
  const env = options.env ?? {};
  const locations = sources.map((s) => parseLocation(s, env));
  const local = locations.filter((l) => l.kind === "file");
  if (local.length > 0 && local.length !== locations.length) {
    throw new CloudFitsError(
      "USAGE",
      "Index local files and remote objects in separate runs: they have different data roots",
    );
  }
  const listed = local.length > 0
    ? await listLocal(local.map((l) => l.path), options)
    : await listRemote(sources, locations, options);
  const seen = new Map<string, string>();
  for (const candidate of listed.candidates) {
    const other = seen.get(candidate.path);
    if (other !== undefined) {
      throw new CloudFitsError(
        "USAGE",
        `Two sources give the same path '${candidate.path}': ${other} and ${candidate.display}; index them separately or with distinct roots`,
      );
    }
    seen.set(candidate.path, candidate.display);
  }
  return listed;
}

async function listLocal(paths: string[], options: ListIndexSourcesOptions): Promise<ListedIndexSources> {
  const { storage, openFile } = options;
  if (!storage || !openFile) {
    throw new CloudFitsError(
      "UNSUPPORTED",
      `Cannot index local path ${
        paths[0]
      }: pass storage and openFile (localFileAccess() from @cloudfits/core/file)`,
    );
  }
  const failed: IndexFailure[] = [];
  const warnings: string[] = [];
  const found: { absolute: string; size: number; mtimeMs: number }[] = [];
  const roots: string[] = [];
  for (const path of paths) {
    const stat = await storage.stat(path);
    if (!stat) {
      throw new CloudFitsError("NOT_FOUND", `Cannot index ${path}: no such file or directory`, { url: path });
    }
    const absolute = storage.resolve(path);
    if (stat.isDirectory) {
      roots.push(absolute);
      for (const rel of await storage.listFiles(path, (message) => warnings.push(message))) {
        if (FITS_NAME.test(rel)) {
          const file = `${absolute.replace(/\/+$/, "")}/${rel}`;
          const s = await storage.stat(file);
          if (s) found.push({ absolute: file, size: s.size, mtimeMs: s.mtimeMs });
        }
      }
    } else {
      roots.push(dirname(absolute));
      found.push({ absolute, size: stat.size, mtimeMs: stat.mtimeMs });
    }
  }
  const root = commonDirectory(roots);
  let dataUrl = options.dataUrl?.replace(/\/+$/, "");
  if (dataUrl === undefined) {
    if (options.output.kind !== "file") {
      throw new CloudFitsError(
        "USAGE",
        "Local files indexed into a bucket need a data URL (--data-url): the URL prefix where readers will find them",
      );
    }
    // Relative to the index file, so that the index and its data can move together (a git repository).
    dataUrl = relative(dirname(storage.resolve(options.output.path)), root) || ".";
  }
  const candidates = found.map((f) => new LocalCandidate(relative(root, f.absolute), f, openFile));
  return { candidates, failed, dataUrl, warnings };
}

/**
 * A local file to index. A listing holds one per file for the whole run, so it keeps only the path,
 * the absolute path (its display), size and mtime, and shares its opener (~190 bytes per file).
 */
class LocalCandidate implements IndexCandidate {
  readonly path: string;
  readonly display: string;
  readonly size: number;
  readonly lastModified: number;
  readonly #openFile: (path: string) => Promise<ByteSource>;

  constructor(
    path: string,
    file: { absolute: string; size: number; mtimeMs: number },
    openFile: (path: string) => Promise<ByteSource>,
  ) {
    this.path = path;
    this.display = file.absolute;
    this.size = file.size;
    this.lastModified = file.mtimeMs;
    this.#openFile = openFile;
  }

  open(): Promise<ByteSource> {
    return this.#openFile(this.display);
  }
}

/** Objects under each prefix (and HTTP URLs as they are); the data root is the sources' common prefix. */
async function listRemote(
  sources: readonly string[],
  locations: Location[],
  options: ListIndexSourcesOptions,
): Promise<ListedIndexSources> {
  const failed: IndexFailure[] = [];
  const candidates: IndexCandidate[] = [];
  const roots: string[] = [];
  for (const [i, location] of locations.entries()) {
    if (location.kind === "http") {
      // The query (a presigned signature) and userinfo are for fetching only: never in a path or root.
      const url = redactUrl(sources[i]);
      roots.push(url.slice(0, url.lastIndexOf("/") + 1));
      candidates.push({ path: url, display: url, open: () => openSource(location, options) });
      continue;
    }
    roots.push(rootOf(location));
    for await (const object of listObjects(location, options)) {
      if (!FITS_NAME.test(object.path)) continue;
      candidates.push({
        path: object.location,
        display: redactUrl(object.location),
        size: object.size,
        etag: object.etag,
        lastModified: object.lastModified,
        open: () =>
          openSource(withAccessOf(location, parseLocation(object.location, options.env ?? {})), {
            ...options,
            expected: { size: object.size, etag: object.etag },
          }),
      });
    }
  }
  const commonRoot = options.dataUrl?.replace(/\/+$/, "") ?? commonPrefix(roots).replace(/\/+$/, "");
  for (const candidate of candidates) {
    const full = candidate.path;
    if (!full.startsWith(`${commonRoot}/`)) {
      throw new CloudFitsError(
        "USAGE",
        `Cannot place ${candidate.display} under the data root ${commonRoot}`,
      );
    }
    // Object keys are opaque (`a%2Fb.fits`, `100%.fits`): only an http(s) URL's path is percent-encoded.
    const relativePath = full.slice(commonRoot.length + 1);
    candidate.path = /^https?:\/\//i.test(commonRoot) ? decodeURIComponent(relativePath) : relativePath;
  }
  return { candidates, failed, dataUrl: commonRoot, warnings: [] };
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

function commonPrefix(prefixes: string[]): string {
  let common = prefixes[0] ?? "";
  for (const p of prefixes) {
    while (!p.startsWith(common)) common = common.slice(0, common.slice(0, -1).lastIndexOf("/") + 1);
  }
  return common;
}
