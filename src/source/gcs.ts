/**
 * Google Cloud Storage objects through the XML API: public objects over plain HTTPS, private ones
 * with HMAC keys (SigV4 through the S3 signer, region `auto`), requester pays with
 * `x-goog-user-project`.
 *
 * @module
 */
import { encodeObjectKey } from "../url.ts";
import { type FetchLike, type HttpSource, httpSource, type HttpSourceOptions } from "./http.ts";
import { parseS3Error } from "./s3_errors.ts";
import { type AwsCredentials, s3Fetch } from "./s3_fetch.ts";
import { type S3ListedObject, s3ListObjects } from "./s3_list.ts";
import type { ErrorExplainer } from "./status.ts";

/** The GCS XML API host. */
export const GCS_ENDPOINT = "https://storage.googleapis.com";

/** Where a GCS object lives and how to reach it. */
export interface GcsAccessOptions {
  /** Bucket name. */
  bucket: string;
  /** HMAC keys (GCS "interoperability" keys); absent for public objects. */
  hmac?: Pick<AwsCredentials, "accessKeyId" | "secretAccessKey">;
  /** Project billed for a requester-pays bucket, sent as `x-goog-user-project`. */
  userProject?: string;
  /** The XML API base URL (default {@linkcode GCS_ENDPOINT}); tests point it at a loopback server. */
  endpoint?: string;
  /** The fetch to send requests with (default: the global one). */
  fetch?: FetchLike;
}

/** Settings for {@linkcode gcsSource}. */
export interface GcsSourceOptions
  extends GcsAccessOptions, Omit<HttpSourceOptions, "fetch" | "explainError"> {
  /** Object name, unencoded. */
  key: string;
}

/**
 * Build the XML API URL of a GCS object: `https://storage.googleapis.com/BUCKET/KEY`, the key
 * encoded per segment.
 *
 * @param bucket Bucket name.
 * @param key Object name.
 * @param endpoint Base URL (default {@linkcode GCS_ENDPOINT}).
 * @returns The object URL.
 *
 * @example Addressing an object
 * ```ts
 * import { gcsObjectUrl } from "./gcs.ts";
 *
 * console.log(gcsObjectUrl("my-bucket", "dir/a b.fits")); // "https://storage.googleapis.com/my-bucket/dir/a%20b.fits"
 * ```
 */
export function gcsObjectUrl(bucket: string, key: string, endpoint: string = GCS_ENDPOINT): string {
  if (bucket === "" || bucket.includes("/")) {
    throw new TypeError(`Cannot address GCS bucket '${bucket}': expected a bucket name without '/'`);
  }
  return `${endpoint.replace(/\/+$/, "")}/${encodeURIComponent(bucket)}/${encodeObjectKey(key)}`;
}

/**
 * Read a GCS object with `Range` GETs through the XML API.
 *
 * Without `hmac` the requests are unsigned (public objects). With `hmac` they are signed with AWS
 * SigV4 (service `s3`, region `auto`), which GCS accepts for HMAC keys. `userProject` adds
 * `x-goog-user-project` (signed when signing), which requester-pays buckets require.
 *
 * @param options Bucket, key, keys, billing project, and HTTP source settings.
 * @returns A byte source.
 *
 * @example Reading a public object in a requester-pays bucket
 * ```ts
 * import assert from "node:assert/strict";
 * import { gcsSource } from "@cloudfits/core";
 *
 * const object = new TextEncoder().encode("SIMPLE  =                    T".padEnd(2880));
 * const sent: { url: string; headers: Headers }[] = [];
 * // A stand-in for the network: records each request and answers it from `object`.
 * const fetch = (url: string | URL | Request, init?: RequestInit) => {
 *   const headers = new Headers(init?.headers);
 *   sent.push({ url: String(url), headers });
 *   const [, a, b] = /bytes=(\d+)-(\d+)/.exec(headers.get("range")!)!;
 *   return Promise.resolve(new Response(object.slice(Number(a), Number(b) + 1), {
 *     status: 206,
 *     headers: { "content-range": `bytes ${a}-${b}/${object.length}`, etag: '"v1"' },
 *   }));
 * };
 *
 * const source = gcsSource({ bucket: "my-bucket", key: "data/a b.fits", userProject: "my-project", fetch });
 * assert.equal((await source.read(0, 2880)).length, 2880);
 * assert.equal(sent[0].url, "https://storage.googleapis.com/my-bucket/data/a%20b.fits");
 * assert.equal(sent[0].headers.get("x-goog-user-project"), "my-project");
 * assert.equal(sent[0].headers.get("authorization"), null, "unsigned without hmac");
 * ```
 */
export function gcsSource(options: GcsSourceOptions): HttpSource {
  const { bucket, key, hmac, userProject, endpoint, fetch, ...http } = options;
  return httpSource(gcsObjectUrl(bucket, key, endpoint), {
    ...http,
    fetch: gcsFetch({ bucket, hmac, userProject, fetch }),
    explainError: gcsExplainer(hmac !== undefined, userProject !== undefined),
  });
}

/** GCS's hint: the XML error code and message, and on 401/403 what the request lacked. */
function gcsExplainer(signed: boolean, billed: boolean): ErrorExplainer {
  return (status, body) => {
    const { code, message } = parseS3Error(body);
    const hints = code === undefined ? [] : [message === undefined ? code : `${code}: ${message}`];
    if (status === 401 || status === 403) {
      if (!signed) hints.push("the request was sent without HMAC keys, which only works for public objects");
      if (!billed) {
        hints.push("if the bucket is requester-pays, pass a billing project (x-goog-user-project)");
      }
    }
    return hints.length === 0 ? undefined : hints.join("; ");
  };
}

/** Settings for {@linkcode gcsListObjects}. */
export interface GcsListOptions extends GcsAccessOptions {
  /** List only names starting with this. */
  prefix?: string;
  /** Names per page, up to 1,000. */
  maxKeys?: number;
  /** Abort the listing. */
  signal?: AbortSignal;
}

/**
 * List a GCS bucket through the XML API's ListObjectsV2 compatibility (`list-type=2`), with the
 * same lister as S3.
 *
 * @param options Bucket, prefix, keys and billing project.
 * @returns The objects in name order, as an async iterable.
 *
 * @example Listing a prefix
 * ```ts ignore
 * import { gcsListObjects } from "./gcs.ts";
 *
 * for await (const object of gcsListObjects({ bucket: "my-public-bucket", prefix: "data/" })) console.log(object.key);
 * ```
 */
export function gcsListObjects(options: GcsListOptions): AsyncGenerator<S3ListedObject, void, undefined> {
  const { hmac, userProject, endpoint, ...rest } = options;
  return s3ListObjects({
    ...rest,
    endpoint: endpoint ?? GCS_ENDPOINT,
    forcePathStyle: true,
    region: "auto",
    credentials: hmac,
    headers: userProject === undefined ? undefined : { "x-goog-user-project": userProject },
    explainError: gcsExplainer(hmac !== undefined, userProject !== undefined),
  });
}

function gcsFetch(options: GcsAccessOptions): FetchLike {
  const headers: Record<string, string> = options.userProject === undefined
    ? {}
    : { "x-goog-user-project": options.userProject };
  // GCS has no regions to follow; "auto" is what its SigV4 compatibility expects.
  return s3Fetch({
    bucket: options.bucket,
    region: "auto",
    credentials: options.hmac,
    headers,
    fetch: options.fetch,
    followRegion: false,
  });
}
