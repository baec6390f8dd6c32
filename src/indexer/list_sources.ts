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
import { type CandidateOrigin, CandidateTableBuilder } from "./candidate_table.ts";
import type { IndexFailure, IndexStorage, LocalFileInfo } from "./types.ts";

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
  /** Files to index, in listing order (`sorted()` gives them in index order and refuses equal paths). */
  candidates: CandidateTableBuilder;
  /** Where the candidates come from (their origin numbers index this). */
  origins: CandidateOrigin[];
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
  return local.length > 0
    ? await listLocal(local.map((l) => l.path), options)
    : await listRemote(sources, locations, options);
}

/** Files stat'ed at once while listing a directory. */
const STAT_BATCH = 64;

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
  const warnings: string[] = [];
  const sources: { path: string; absolute: string; stat: LocalFileInfo }[] = [];
  for (const path of paths) {
    const stat = await storage.stat(path);
    if (!stat) {
      throw new CloudFitsError("NOT_FOUND", `Cannot index ${path}: no such file or directory`, { url: path });
    }
    sources.push({ path, absolute: storage.resolve(path), stat });
  }
  const root = commonDirectory(
    sources.map(({ absolute, stat }) => stat.isDirectory ? absolute : dirname(absolute)),
  );
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
  const candidates = new CandidateTableBuilder();
  // Every local file is under the root: its absolute path is the root and its path.
  const absoluteOf = (path: string) => `${root.replace(/\/+$/, "")}/${path}`;
  const origin = 0;
  for (const { path, absolute, stat } of sources) {
    if (!stat.isDirectory) {
      candidates.add(origin, { path: relative(root, absolute), size: stat.size, lastModified: stat.mtimeMs });
      continue;
    }
    const base = relative(root, absolute);
    const names = (await storage.listFiles(path, (message) => warnings.push(message)))
      .filter((name) => FITS_NAME.test(name));
    for (let i = 0; i < names.length; i += STAT_BATCH) {
      const batch = names.slice(i, i + STAT_BATCH);
      const stats = await Promise.all(
        batch.map((name) => storage.stat(`${absolute.replace(/\/+$/, "")}/${name}`)),
      );
      for (const [k, name] of batch.entries()) {
        const s = stats[k];
        if (s) {
          candidates.add(origin, {
            path: base ? `${base}/${name}` : name,
            size: s.size,
            lastModified: s.mtimeMs,
          });
        }
      }
    }
  }
  const origins = [{ display: absoluteOf, open: (path: string) => openFile(absoluteOf(path)) }];
  return { candidates, origins, failed: [], dataUrl, warnings };
}

/** Objects under each prefix (and HTTP URLs as they are); the data root is the sources' common prefix. */
async function listRemote(
  sources: readonly string[],
  locations: Location[],
  options: ListIndexSourcesOptions,
): Promise<ListedIndexSources> {
  // The query (a presigned signature) and userinfo are for fetching only: never in a path or root.
  const urls = sources.map((source, i) => locations[i].kind === "http" ? redactUrl(source) : undefined);
  // The data root follows from the sources alone, so each object is added once, under its path in it.
  const roots = locations.map((location, i) => {
    const url = urls[i];
    return url === undefined ? rootOf(location) : url.slice(0, url.lastIndexOf("/") + 1);
  });
  const commonRoot = options.dataUrl?.replace(/\/+$/, "") ?? commonPrefix(roots).replace(/\/+$/, "");
  // Object keys are opaque (`a%2Fb.fits`, `100%.fits`): only an http(s) URL's path is percent-encoded.
  const decode = /^https?:\/\//i.test(commonRoot) ? decodeURIComponent : (path: string) => path;
  const relativePath = (location: string) => {
    if (!location.startsWith(`${commonRoot}/`)) {
      throw new CloudFitsError(
        "USAGE",
        `Cannot place ${redactUrl(location)} under the data root ${commonRoot}`,
      );
    }
    return decode(location.slice(commonRoot.length + 1));
  };
  const candidates = new CandidateTableBuilder();
  for (const [i, location] of locations.entries()) {
    const url = urls[i];
    if (url !== undefined) {
      candidates.add(i, { path: relativePath(url) });
      continue;
    }
    for await (const object of listObjects(location, options)) {
      if (!FITS_NAME.test(object.path)) continue;
      const { size, etag, lastModified } = object;
      candidates.add(i, { path: relativePath(object.location), size, etag, lastModified });
    }
  }
  const origins = locations.map((location, i): CandidateOrigin => {
    const url = urls[i];
    if (url !== undefined) return { display: () => url, open: () => openSource(location, options) };
    const full = (path: string) => `${commonRoot}/${path}`;
    return {
      display: (path) => redactUrl(full(path)),
      open: (path, size, etag) =>
        openSource(withAccessOf(location, parseLocation(full(path), options.env ?? {})), {
          ...options,
          expected: { size, etag },
        }),
    };
  });
  return { candidates, origins, failed: [], dataUrl: commonRoot, warnings: [] };
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
