/**
 * Turn a location — a path, an `https://`, `s3://`, `gs://` or `az://` URL — into a byte source with
 * the right signing, credentials and retries. Everything outside the library (environment, files,
 * processes, fetch) is injected, so this module stays browser-safe.
 *
 * @module
 */
import { CloudFitsError } from "./errors.ts";
import {
  type AzureLocation,
  type GcsLocation,
  type Location,
  parseLocation,
  redactUrl,
  type S3Location,
} from "./url.ts";
import { type FetchLike, httpSource, type HttpSourceOptions } from "./source/http.ts";
import { s3Source } from "./source/s3.ts";
import { type GcsAccessOptions, gcsSource } from "./source/gcs.ts";
import { type AzureAccountOptions, azureSource } from "./source/azure.ts";
import { withRetry } from "./source/retry.ts";
import { type AwsCredentialProvider, resolveAwsCredentials } from "./credentials/aws.ts";
import { resolveAwsRegion, resolveS3Endpoint } from "./credentials/aws_region.ts";
import { resolveAzureCredentials } from "./credentials/azure.ts";
import type { ByteSource } from "./source/types.ts";
import { pageLocation } from "./source/_cors.ts";

/** How to reach remote objects: credentials, endpoints, and what the environment provides. */
export interface SourceOptions extends Pick<HttpSourceOptions, "onRequest" | "timeoutMs" | "requestPool"> {
  /** The fetch to send requests with (default: the global one). */
  fetch?: FetchLike;
  /** Environment variables for credentials and endpoints (`AWS_*`, `AZURE_STORAGE_*`, `GCS_*`). Default: none. */
  env?: Record<string, string | undefined>;
  /** Reads a text file (`~/.aws/credentials`); without it, shared AWS config files are not consulted. */
  readTextFile?: (path: string) => Promise<string>;
  /** Runs a `credential_process` command from an AWS profile. */
  runProcess?: (command: string) => Promise<string>;
  /**
   * Opens a local path (the `./file` entry point's `openFileSource`). Without it, a path is a URL relative
   * to `baseUrl`, and is refused when there is none.
   */
  openFile?: (path: string) => Promise<ByteSource>;
  /**
   * What a relative location (`data/a.fits`, `/a.fits`) is relative to when there is no `openFile`: an
   * `http(s)` URL. Default: the page's location in a browser (`globalThis.location`), else none.
   */
  baseUrl?: string | URL;
  /** AWS profile (like `--profile`). */
  profile?: string;
  /** S3 signing region (like `--region`). */
  region?: string;
  /** S3-compatible endpoint (like `--endpoint-url`): MinIO, DigitalOcean Spaces, R2. */
  endpoint?: string;
  /** Send anonymous S3 requests (like `--no-sign-request`). */
  noSign?: boolean;
  /** Accept requester-pays charges (like `--request-payer requester`). Never on unless asked. */
  requestPayer?: boolean;
  /** GCS project billed for requester-pays buckets (`x-goog-user-project`). */
  gcsUserProject?: string;
  /** Retries of failed requests (default 4); 0 disables. */
  retries?: number;
  /** Expected object size and ETag (from an index): a mismatch is a STALE error. */
  expected?: { size?: number; etag?: string };
  /** Credential providers shared across sources, by profile; pass one map to resolve credentials once. */
  credentialCache?: Map<string, AwsCredentialProvider>;
}

/**
 * Open a byte source for a location string or parsed location.
 *
 * - `s3://` and native AWS URLs: SigV4 through aws4fetch with the AWS CLI's credential chain
 *   (anonymous when there are no credentials or with `noSign`), region from the options, the
 *   environment or the profile, one wrong-region retry, requester pays only when asked.
 * - `gs://` and `storage.googleapis.com` URLs: anonymous HTTPS, or HMAC keys (`GCS_HMAC_ACCESS_ID` and
 *   `GCS_HMAC_SECRET`) through the S3-compatible XML API.
 * - `az://` and `*.blob.core.windows.net` URLs: a SAS (from the URL or `AZURE_STORAGE_SAS_TOKEN`) or
 *   SharedKey (`AZURE_STORAGE_KEY`, `AZURE_STORAGE_CONNECTION_STRING`).
 * - other `http(s)://` URLs, presigned ones included: plain range GETs.
 * - local paths: through `options.openFile`; without it, in a browser page (or with `baseUrl`), URLs
 *   relative to the page (`data/a.fits` next to `index.html`).
 *
 * Every remote source retries transient failures (`withRetry`).
 *
 * @param location The location.
 * @param options Credentials, endpoints and injected environment.
 * @returns The byte source.
 *
 * @example An anonymous S3 object, and a local path without `openFile`
 * ```ts
 * import assert from "node:assert/strict";
 * import { openSource } from "@cloudfits/core";
 *
 * const object = new TextEncoder().encode("SIMPLE  =                    T".padEnd(2880));
 * const urls: string[] = [];
 * // A stand-in for the network: answers every ranged GET from `object`.
 * const fetch = (url: string | URL | Request, init?: RequestInit) => {
 *   urls.push(String(url));
 *   const [, a, b] = /bytes=(\d+)-(\d+)/.exec(new Headers(init?.headers).get("range")!)!;
 *   return Promise.resolve(new Response(object.slice(Number(a), Number(b) + 1), {
 *     status: 206,
 *     headers: { "content-range": `bytes ${a}-${b}/${object.length}` },
 *   }));
 * };
 *
 * const source = await openSource("s3://stpubdata/tess/a.fits", { noSign: true, fetch });
 * assert.equal(new TextDecoder().decode(await source.read(0, 6)), "SIMPLE");
 * assert.deepEqual(urls, ["https://stpubdata.s3.us-east-1.amazonaws.com/tess/a.fits"]);
 * await assert.rejects(openSource("data/a.fits"), { code: "UNSUPPORTED" });
 * ```
 */
export async function openSource(
  location: string | Location,
  options: SourceOptions = {},
): Promise<ByteSource> {
  const where = typeof location === "string" ? parseLocation(location, options.env ?? {}) : location;
  const http: HttpSourceOptions = {
    onRequest: options.onRequest,
    timeoutMs: options.timeoutMs,
    requestPool: options.requestPool,
    size: options.expected?.size,
    etag: options.expected?.etag,
  };
  let source: ByteSource;
  switch (where.kind) {
    case "file": {
      if (options.openFile) return options.openFile(where.path);
      const base = options.baseUrl ?? pageLocation()?.href;
      if (base === undefined) {
        throw new CloudFitsError(
          "UNSUPPORTED",
          `Cannot open local path ${where.path}: pass openFile (from @cloudfits/core/file) to read local files`,
        );
      }
      const url = new URL(where.path, base);
      if (url.protocol !== "http:" && url.protocol !== "https:") {
        throw new CloudFitsError(
          "UNSUPPORTED",
          `Cannot open ${where.path}: relative to ${redactUrl(base)} it is not an http(s) URL`,
        );
      }
      return openSource(url.href, { ...options, baseUrl: undefined });
    }
    case "http":
      source = httpSource(where.url, { ...http, fetch: options.fetch });
      break;
    case "s3": {
      source = s3Source({ ...http, ...await s3Access(where, options), key: where.key });
      break;
    }
    case "gcs":
      source = gcsSource({ ...http, ...gcsAccess(where, options), key: where.key });
      break;
    case "azure":
      source = azureSource({
        ...http,
        ...azureAccess(where, options),
        container: where.container,
        blob: where.blob,
      });
      break;
  }
  return options.retries === 0 ? source : withRetry(source, { retries: options.retries });
}

/** Bucket, region, endpoint and credentials for S3 requests on a location. */
export async function s3Access(
  where: S3Location,
  options: SourceOptions,
): Promise<{
  bucket: string;
  region: string;
  endpoint: string | undefined;
  credentials: AwsCredentialProvider | undefined;
  requestPayer: boolean | undefined;
  fetch: FetchLike | undefined;
}> {
  const config = {
    env: options.env ?? {},
    readFile: options.readTextFile ?? missingFile,
    profile: options.profile,
  };
  return {
    bucket: where.bucket,
    region: options.region ?? where.region ?? await resolveAwsRegion(config) ?? "us-east-1",
    endpoint: options.endpoint ?? await resolveS3Endpoint(config),
    credentials: options.noSign ? undefined : awsCredentials(options),
    requestPayer: options.requestPayer,
    fetch: options.fetch,
  };
}

/** Bucket, HMAC keys, billing project and endpoint for GCS requests on a location. */
export function gcsAccess(where: GcsLocation, options: SourceOptions): GcsAccessOptions {
  const env = options.env ?? {};
  const id = env.GCS_HMAC_ACCESS_ID;
  const secret = env.GCS_HMAC_SECRET;
  return {
    bucket: where.bucket,
    hmac: id && secret && !options.noSign ? { accessKeyId: id, secretAccessKey: secret } : undefined,
    userProject: options.gcsUserProject,
    endpoint: options.endpoint ?? env.GCS_ENDPOINT_URL,
    fetch: options.fetch,
  };
}

/** Account, endpoint and SAS or key for Azure requests on a location. */
export function azureAccess(where: AzureLocation, options: SourceOptions): AzureAccountOptions {
  const credentials = resolveAzureCredentials({ env: options.env ?? {}, account: where.account });
  const account = where.account ?? credentials?.account;
  if (!account) {
    throw new CloudFitsError(
      "USAGE",
      `Cannot reach az://${where.container}/${where.blob}: no storage account (set AZURE_STORAGE_ACCOUNT or AZURE_STORAGE_CONNECTION_STRING)`,
    );
  }
  return {
    account,
    blobEndpoint: options.endpoint ?? credentials?.blobEndpoint,
    sas: where.sas ?? credentials?.sas,
    key: where.sas ? undefined : credentials?.key,
    fetch: options.fetch,
  };
}

function awsCredentials(options: SourceOptions): AwsCredentialProvider {
  const key = options.profile ?? "";
  const cached = options.credentialCache?.get(key);
  if (cached) return cached;
  const provider = resolveAwsCredentials({
    // Without an environment (a browser, a library caller who passed none) there is no EC2 instance to
    // ask: never probe the metadata addresses then.
    env: options.env ?? { AWS_EC2_METADATA_DISABLED: "true" },
    readFile: options.readTextFile ?? missingFile,
    fetch: options.fetch,
    runProcess: options.runProcess,
    profile: options.profile,
  });
  options.credentialCache?.set(key, provider);
  return provider;
}

function missingFile(): Promise<string> {
  return Promise.reject(Object.assign(new Error("No file reader configured"), { code: "ENOENT" }));
}
