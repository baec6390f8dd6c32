/**
 * Where a FITS file lives: local paths, `file://`, `http(s)://`, `s3://`, `gs://`, `az://` and the
 * native HTTPS forms of S3, GCS and Azure Blob, plus cfitsio-style `[…]` suffixes that pick an HDU,
 * an image section or table columns.
 *
 * @module
 */
import { CloudFitsError } from "./errors.ts";

/** A file on the local file system. */
export interface FileLocation {
  /** Discriminant. */
  kind: "file";
  /** The path, as given or decoded from a `file://` URL. */
  path: string;
}

/** Any other HTTP(S) URL, including presigned and signed URLs (their query carries the authorisation). */
export interface HttpLocation {
  /** Discriminant. */
  kind: "http";
  /** The URL, unchanged. */
  url: string;
}

/** An S3 (or S3-compatible) object, or a key prefix when listing. */
export interface S3Location {
  /** Discriminant. */
  kind: "s3";
  /** Bucket name. */
  bucket: string;
  /** Object key, unencoded; empty for the whole bucket. */
  key: string;
  /** The region named by a native AWS URL, when it names one. */
  region?: string;
}

/** A Google Cloud Storage object, or a key prefix when listing. */
export interface GcsLocation {
  /** Discriminant. */
  kind: "gcs";
  /** Bucket name. */
  bucket: string;
  /** Object name, unencoded; empty for the whole bucket. */
  key: string;
}

/** An Azure Blob Storage blob, or a name prefix when listing. */
export interface AzureLocation {
  /** Discriminant. */
  kind: "azure";
  /** Storage account; absent for `az://` URLs when the environment names none. */
  account?: string;
  /** Container name. */
  container: string;
  /** Blob name, unencoded; empty for the whole container. */
  blob: string;
  /** A shared access signature from the URL's query, without the leading `?`. */
  sas?: string;
}

/** Any location {@linkcode parseLocation} understands. */
export type Location = FileLocation | HttpLocation | S3Location | GcsLocation | AzureLocation;

/** Environment variables consulted by {@linkcode parseLocation}. */
export type LocationEnv = Record<string, string | undefined>;

/** An HDU picked by EXTNAME (case-insensitive) and optionally EXTVER. */
export interface HduName {
  /** The EXTNAME to look for. */
  extname: string;
  /** The EXTVER to look for. */
  extver?: number;
}

/** A location with the selection that its cfitsio-style suffix asked for. */
export interface Target {
  /** Where the file lives. */
  location: Location;
  /** `[2]` → 2, `[SCI]` → `{ extname: "SCI" }`, `[SCI,2]` → `{ extname: "SCI", extver: 2 }`. */
  hdu?: number | HduName;
  /** An image section such as `1:10,*`, unparsed. */
  section?: string;
  /** Column names from `[col A;B]`. */
  columns?: string[];
}

const AWS_VIRTUAL_HOST = /^(.+)\.s3(?:[.-]dualstack)?(?:[.-]([a-z0-9-]+))?\.amazonaws\.com(?:\.cn)?$/;
const AWS_PATH_HOST = /^s3(?:[.-]dualstack)?(?:[.-]([a-z0-9-]+))?\.amazonaws\.com(?:\.cn)?$/;
const AZURE_BLOB_HOST = /^([a-z0-9]+)\.blob\.core\.windows\.net$/;
const AZURE_DFS_AUTHORITY = /^([^@/]+)@([a-z0-9]+)\.(?:dfs|blob)\.core\.windows\.net$/;

/**
 * Work out what kind of location a string names.
 *
 * Accepted forms:
 * - local paths (`data/a.fits`, `/abs/a.fits`, `C:\a.fits`) and `file://` URLs;
 * - `s3://bucket/key`, `gs://bucket/key`, `az://container/blob`, `abfs[s]://container@account.dfs.core.windows.net/blob`
 *   (keys are taken literally: no percent-decoding, as the AWS CLI does);
 * - native HTTPS URLs, decoded to bucket and key: `https://BUCKET.s3.REGION.amazonaws.com/KEY`,
 *   `https://s3.REGION.amazonaws.com/BUCKET/KEY`, `https://BUCKET.s3.amazonaws.com/KEY`,
 *   `https://storage.googleapis.com/BUCKET/KEY`, `https://BUCKET.storage.googleapis.com/KEY` and
 *   `https://ACCOUNT.blob.core.windows.net/CONTAINER/BLOB` (its SAS query is kept);
 * - any other `http(s)://` URL, including presigned S3 and signed GCS URLs, which stay plain HTTP.
 *
 * @param input The location as typed by a user.
 * @param env Environment variables: `AZURE_STORAGE_ACCOUNT` supplies the account of `az://` URLs.
 * @returns The parsed location.
 * @throws {CloudFitsError} `USAGE` for an empty string, an unsupported scheme or a URL without a bucket.
 *
 * @example Parsing the common forms
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseLocation } from "@cloudfits/core";
 *
 * assert.deepEqual(parseLocation("s3://stpubdata/tess/a.fits"), {
 *   kind: "s3",
 *   bucket: "stpubdata",
 *   key: "tess/a.fits",
 * });
 * assert.deepEqual(parseLocation("https://b.s3.us-west-2.amazonaws.com/x%2By.fits"), {
 *   kind: "s3",
 *   bucket: "b",
 *   key: "x+y.fits",
 *   region: "us-west-2",
 * });
 * assert.deepEqual(parseLocation("data/a.fits"), { kind: "file", path: "data/a.fits" });
 * assert.throws(() => parseLocation("ftp://host/a.fits"), { code: "USAGE" });
 * ```
 */
export function parseLocation(input: string, env: LocationEnv = {}): Location {
  if (typeof input !== "string") throw new TypeError("Cannot parse location: expected a string");
  if (input.trim() === "") throw new CloudFitsError("USAGE", "Cannot parse location '': it is empty");
  // Two or more letters, so that Windows drive letters ("C:\data") read as paths.
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]+):/.exec(input)?.[1]?.toLowerCase();
  if (scheme === undefined) return { kind: "file", path: input };
  const rest = input.slice(scheme.length + 1);
  switch (scheme) {
    case "file":
      return { kind: "file", path: filePath(input) };
    case "s3": {
      const [bucket, key] = splitBucket(input, rest, "bucket");
      return { kind: "s3", bucket, key };
    }
    case "gs":
    case "gcs": {
      const [bucket, key] = splitBucket(input, rest, "bucket");
      return { kind: "gcs", bucket, key };
    }
    case "az":
    case "abfs":
    case "abfss":
      return azureScheme(input, rest, env);
    case "http":
    case "https":
      return httpLocation(input);
    default:
      throw new CloudFitsError(
        "USAGE",
        `Cannot parse location '${redactUrl(input)}': unsupported scheme ${scheme}`,
      );
  }
}

/**
 * Split a cfitsio-style selection off a location and parse both.
 *
 * Up to two trailing brackets are read. The first is an HDU (`[2]`, `[SCI]`, `[SCI,2]`) unless it
 * holds `:` or `*`, which makes it an image section, or starts with `col `, which makes it a column
 * list. A second bracket is a section or a column list.
 *
 * @param input A location with an optional suffix, such as `s3://b/k.fits[SCI,2][1:10,*]`.
 * @param env Passed to {@linkcode parseLocation}.
 * @returns The location and the selection.
 * @throws {CloudFitsError} `USAGE` for an empty, unknown or repeated bracket.
 *
 * @example Picking an HDU and a section
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseTarget } from "@cloudfits/core";
 *
 * const target = parseTarget("cube.fits[1][1:10,*]");
 * assert.deepEqual(target.location, { kind: "file", path: "cube.fits" });
 * assert.equal(target.hdu, 1);
 * assert.equal(target.section, "1:10,*");
 * const events = parseTarget("events.fits[EVENTS][col TIME;PHA]");
 * assert.deepEqual(events.hdu, { extname: "EVENTS" });
 * assert.deepEqual(events.columns, ["TIME", "PHA"]);
 * ```
 */
export function parseTarget(input: string, env: LocationEnv = {}): Target {
  if (typeof input !== "string") throw new TypeError("Cannot parse target: expected a string");
  const brackets: string[] = [];
  let rest = input;
  for (let match = /\[([^[\]]*)\]$/.exec(rest); match !== null; match = /\[([^[\]]*)\]$/.exec(rest)) {
    brackets.unshift(match[1]);
    rest = rest.slice(0, match.index);
  }
  if (brackets.length > 2) {
    throw new CloudFitsError(
      "USAGE",
      `Cannot parse selection of '${redactUrl(input)}': at most two [..] suffixes`,
    );
  }
  const target: Target = { location: parseLocation(rest, env) };
  brackets.forEach((raw, position) => {
    const text = raw.trim();
    if (text === "") {
      throw new CloudFitsError(
        "USAGE",
        `Cannot parse selection '[${raw}]' of '${redactUrl(rest)}': it is empty`,
      );
    }
    const colMatch = /^col\s+(.*)$/i.exec(text);
    if (colMatch !== null) {
      if (target.columns !== undefined) throw repeated(raw, rest);
      target.columns = colMatch[1].split(/[;,]/).map((name) => name.trim()).filter((name) => name !== "");
      if (target.columns.length === 0) {
        throw new CloudFitsError("USAGE", `Cannot parse selection '[${raw}]': no column names`);
      }
    } else if (/[:*]/.test(text)) {
      if (target.section !== undefined) throw repeated(raw, rest);
      target.section = text.replace(/\s+/g, "");
    } else if (position === 0) {
      target.hdu = parseHdu(text, raw);
    } else {
      throw new CloudFitsError(
        "USAGE",
        `Cannot parse selection '[${raw}]': expected an image section or [col ...] after the HDU`,
      );
    }
  });
  return target;
}

/**
 * Remove what must not appear in messages and logs: the query (signatures, SAS tokens), the
 * fragment and any user name or password. Strings that are not URLs come back unchanged.
 *
 * @param url A URL or a path.
 * @returns The URL without query, fragment and userinfo.
 *
 * @example Removing a presigned signature and a password
 * ```ts
 * import assert from "node:assert/strict";
 * import { redactUrl } from "@cloudfits/core";
 *
 * assert.equal(redactUrl("https://u:p@host/a.fits?X-Amz-Signature=abc"), "https://host/a.fits");
 * assert.equal(redactUrl("data/a.fits"), "data/a.fits");
 * ```
 */
export function redactUrl(input: string | URL): string {
  const url = String(input);
  if (!/^[a-zA-Z][a-zA-Z0-9+.-]+:\/\//.test(url)) return url;
  const authorityStart = url.indexOf("//") + 2;
  const end = url.search(/[?#]/);
  const withoutQuery = end === -1 ? url : url.slice(0, end);
  const pathStart = withoutQuery.indexOf("/", authorityStart);
  const authority = pathStart === -1
    ? withoutQuery.slice(authorityStart)
    : withoutQuery.slice(authorityStart, pathStart);
  const at = authority.lastIndexOf("@");
  if (at === -1) return withoutQuery;
  return withoutQuery.slice(0, authorityStart) + authority.slice(at + 1) +
    (pathStart === -1 ? "" : withoutQuery.slice(pathStart));
}

/**
 * Percent-encode an object key for a URL path, one `/`-separated segment at a time, so that `/`
 * stays a separator, a literal `+` becomes `%2B` (S3 would read `+` as a space) and `!'()*` are
 * escaped as SigV4's canonical form expects.
 *
 * @param key An unencoded object key.
 * @returns The encoded path (without a leading `/`).
 * @throws {TypeError} When a segment is `.` or `..`, which URL parsers would resolve away.
 *
 * @example Encoding a key with a plus sign and parentheses
 * ```ts
 * import { encodeObjectKey } from "./url.ts";
 *
 * console.log(encodeObjectKey("tess/a+b (1).fits")); // "tess/a%2Bb%20%281%29.fits"
 * ```
 */
export function encodeObjectKey(key: string): string {
  return key.split("/").map((segment) => {
    if (segment === "." || segment === "..") {
      throw new TypeError(`Cannot address object key '${key}': URL parsers resolve '.' and '..' segments`);
    }
    return encodeURIComponent(segment).replace(
      /[!'()*]/g,
      (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase(),
    );
  }).join("/");
}

function filePath(input: string): string {
  let url: URL;
  try {
    url = new URL(input);
  } catch (cause) {
    throw new CloudFitsError("USAGE", `Cannot parse location '${input}': invalid file URL`, { cause });
  }
  if (url.hostname !== "" && url.hostname !== "localhost") {
    throw new CloudFitsError(
      "USAGE",
      `Cannot parse location '${input}': file URLs on other hosts are not supported`,
    );
  }
  const path = decodeURIComponent(url.pathname);
  // file:///C:/data/a.fits names a Windows drive path.
  return /^\/[a-zA-Z]:\//.test(path) ? path.slice(1) : path;
}

function splitBucket(input: string, rest: string, what: string): [string, string] {
  const body = rest.replace(/^\/\//, "");
  const slash = body.indexOf("/");
  const bucket = slash === -1 ? body : body.slice(0, slash);
  const key = slash === -1 ? "" : body.slice(slash + 1);
  if (!rest.startsWith("//") || bucket === "") {
    throw new CloudFitsError("USAGE", `Cannot parse location '${redactUrl(input)}': no ${what} name`);
  }
  return [bucket, key];
}

function azureScheme(input: string, rest: string, env: LocationEnv): AzureLocation {
  // A shared access signature pasted after the blob (`…?sv=…&sig=…`) is a credential, not part of the
  // name: it must never reach a request path, a message or an index.
  const sasAt = rest.search(/\?(?=[^?]*\bsig=)/);
  const sas = sasAt < 0 ? undefined : rest.slice(sasAt + 1);
  const [authority, blob] = splitBucket(input, sasAt < 0 ? rest : rest.slice(0, sasAt), "container");
  const qualified = AZURE_DFS_AUTHORITY.exec(authority);
  const location: AzureLocation = qualified !== null
    ? { kind: "azure", account: qualified[2], container: qualified[1], blob }
    : { kind: "azure", container: authority, blob };
  if (qualified === null) {
    if (authority.includes("@")) {
      throw new CloudFitsError("USAGE", `Cannot parse location '${redactUrl(input)}': unknown Azure host`);
    }
    if (env.AZURE_STORAGE_ACCOUNT) location.account = env.AZURE_STORAGE_ACCOUNT;
  }
  if (sas !== undefined) location.sas = sas;
  return location;
}

function httpLocation(input: string): Location {
  let url: URL;
  try {
    url = new URL(input);
  } catch (cause) {
    throw new CloudFitsError("USAGE", `Cannot parse location '${redactUrl(input)}': invalid URL`, { cause });
  }
  const query = url.search.slice(1);
  const plain: HttpLocation = { kind: "http", url: input };
  if (url.protocol !== "https:" || url.username !== "" || url.port !== "") return plain;
  const host = url.hostname.toLowerCase();
  const segments = url.pathname.slice(1).split("/");
  const decode = (parts: string[]): string | undefined => {
    try {
      return parts.map(decodeURIComponent).join("/");
    } catch {
      return undefined;
    }
  };

  const azure = AZURE_BLOB_HOST.exec(host);
  if (azure !== null) {
    const blob = decode(segments.slice(1));
    if (segments[0] === "" || blob === undefined) return plain;
    const location: AzureLocation = { kind: "azure", account: azure[1], container: segments[0], blob };
    if (query !== "") location.sas = query;
    return location;
  }
  // Any other query (a presigned or signed URL, a versionId) must reach the server as written.
  if (query !== "" || url.hash !== "") return plain;

  if (host === "storage.googleapis.com") {
    const key = decode(segments.slice(1));
    return segments[0] === "" || key === undefined ? plain : { kind: "gcs", bucket: segments[0], key };
  }
  if (host.endsWith(".storage.googleapis.com")) {
    const key = decode(segments);
    const bucket = host.slice(0, -".storage.googleapis.com".length);
    return key === undefined ? plain : { kind: "gcs", bucket, key };
  }
  const pathStyle = AWS_PATH_HOST.exec(host);
  if (pathStyle !== null) {
    const key = decode(segments.slice(1));
    if (segments[0] === "" || key === undefined) return plain;
    return withRegion({ kind: "s3", bucket: segments[0], key }, pathStyle[1], plain);
  }
  const virtual = AWS_VIRTUAL_HOST.exec(host);
  if (virtual !== null) {
    const key = decode(segments);
    return key === undefined ? plain : withRegion({ kind: "s3", bucket: virtual[1], key }, virtual[2], plain);
  }
  return plain;
}

function withRegion(location: S3Location, region: string | undefined, plain: HttpLocation): Location {
  // Website endpoints serve HTML pages, not the S3 API.
  if (region?.startsWith("website")) return plain;
  // "s3.amazonaws.com" and "s3-external-1" are us-east-1's global names; accelerate has no region.
  if (region === undefined || region === "accelerate") return location;
  location.region = region === "external-1" ? "us-east-1" : region;
  return location;
}

function parseHdu(text: string, raw: string): number | HduName {
  if (/^\d+$/.test(text)) return Number(text);
  const match = /^([^,;]+?)\s*(?:,\s*(\d+))?$/.exec(text);
  if (match === null) {
    throw new CloudFitsError(
      "USAGE",
      `Cannot parse HDU '[${raw}]': expected [N], [EXTNAME] or [EXTNAME,EXTVER]`,
    );
  }
  return match[2] === undefined ? { extname: match[1] } : { extname: match[1], extver: Number(match[2]) };
}

function repeated(raw: string, location: string): CloudFitsError {
  return new CloudFitsError(
    "USAGE",
    `Cannot parse selection '[${raw}]' of '${redactUrl(location)}': given twice`,
  );
}
