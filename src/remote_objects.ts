/**
 * List the objects under a bucket prefix and upload whole objects, on S3, GCS and Azure alike, with
 * the same credentials and endpoints as {@linkcode openSource}.
 *
 * @module
 */
import { CloudFitsError } from "./errors.ts";
import { type Location, parseLocation } from "./url.ts";
import { azureAccess, gcsAccess, s3Access } from "./cloud_source.ts";
import type { SourceOptions } from "./source_options.ts";
import { s3ListObjects } from "./source/s3_list.ts";
import { gcsListObjects } from "./source/gcs.ts";
import { azurePutBlob } from "./source/azure.ts";
import { azureListBlobs } from "./source/azure_list.ts";
import { s3PutObject } from "./source/s3.ts";

/** One object found under a prefix. */
export interface ListedObject {
  /** The object's key (or blob name) relative to the listed prefix. */
  path: string;
  /** The full location string, usable with `openSource`. */
  location: string;
  /** Size in bytes. */
  size: number;
  /** ETag without quotes, when the service sent one. */
  etag?: string;
  /** Last modification time in Unix milliseconds. */
  lastModified?: number;
}

/**
 * List every object under a prefix (`s3://bucket/prefix/`, `gs://…`, `az://container/prefix/`),
 * page by page.
 *
 * @param location The prefix.
 * @param options Credentials and endpoints.
 * @returns The objects, in key order.
 *
 * @example Listing a public S3 prefix
 * ```ts
 * import assert from "node:assert/strict";
 * import { listObjects } from "@cloudfits/core";
 *
 * const urls: string[] = [];
 * // A stand-in for S3: one ListObjectsV2 page with two objects.
 * const fetch = (url: string | URL | Request) => {
 *   urls.push(String(url));
 *   const entry = (key: string, size: number) => `<Contents><Key>${key}</Key><Size>${size}</Size></Contents>`;
 *   return Promise.resolve(new Response(
 *     `<ListBucketResult>${entry("tess/s1/a.fits", 5760)}${entry("tess/s1/b.fits", 2880)}</ListBucketResult>`,
 *   ));
 * };
 *
 * const found = await Array.fromAsync(listObjects("s3://stpubdata/tess/s1/", { noSign: true, fetch }));
 * assert.deepEqual(found.map((o) => [o.path, o.location, o.size]), [
 *   ["a.fits", "s3://stpubdata/tess/s1/a.fits", 5760],
 *   ["b.fits", "s3://stpubdata/tess/s1/b.fits", 2880],
 * ]);
 * assert.equal(urls[0], "https://stpubdata.s3.us-east-1.amazonaws.com/?list-type=2&encoding-type=url&prefix=tess%2Fs1%2F");
 * ```
 */
export async function* listObjects(
  location: string | Location,
  options: SourceOptions = {},
): AsyncGenerator<ListedObject, void, undefined> {
  const where = typeof location === "string" ? parseLocation(location, options.env ?? {}) : location;
  const time = (value: string | Date | undefined): number | undefined => {
    const ms = value === undefined ? NaN : new Date(value).getTime();
    return Number.isFinite(ms) ? ms : undefined;
  };
  switch (where.kind) {
    case "s3":
    case "gcs": {
      const prefix = where.key;
      const listing = where.kind === "s3"
        ? s3ListObjects({ ...await s3Access(where, options), prefix })
        : gcsListObjects({ ...gcsAccess(where, options), prefix });
      const scheme = where.kind === "s3" ? "s3" : "gs";
      for await (const object of listing) {
        if (object.key.endsWith("/")) continue;
        yield {
          path: relativeTo(prefix, object.key),
          location: `${scheme}://${where.bucket}/${object.key}`,
          size: object.size,
          etag: object.etag,
          lastModified: time(object.lastModified),
        };
      }
      return;
    }
    case "azure": {
      const access = azureAccess(where, options);
      // az:// locations take the account from the environment, as fsspec's adlfs does.
      const prefix = where.blob;
      for await (const blob of azureListBlobs({ ...access, container: where.container, prefix })) {
        yield {
          path: relativeTo(prefix, blob.name),
          location: `az://${where.container}/${blob.name}`,
          size: blob.size,
          etag: blob.etag,
          lastModified: time(blob.lastModified),
        };
      }
      return;
    }
    default:
      throw new CloudFitsError(
        "USAGE",
        `Cannot list ${where.kind} locations: give an s3://, gs:// or az:// prefix`,
      );
  }
}

/**
 * Upload a whole object in one PUT, so that readers see the old object or the new one, never half.
 *
 * @param location Where to write (`s3://`, `gs://`, `az://`).
 * @param body The object.
 * @param options Credentials and endpoints.
 * @returns The new object's ETag, when the service sent one.
 *
 * @example Uploading an index to S3 with keys from the environment
 * ```ts
 * import assert from "node:assert/strict";
 * import { putObject } from "@cloudfits/core";
 *
 * const sent: { method?: string; url: string; headers: Headers }[] = [];
 * // A stand-in for S3 that accepts the upload.
 * const fetch = (url: string | URL | Request, init?: RequestInit) => {
 *   sent.push({ method: init?.method, url: String(url), headers: new Headers(init?.headers) });
 *   return Promise.resolve(new Response(null, { status: 200, headers: { etag: '"abc123"' } }));
 * };
 * const env = { AWS_ACCESS_KEY_ID: "AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY: "not-a-real-secret" };
 *
 * const { etag } = await putObject("s3://my-index-bucket/tess.cfidx", new Uint8Array(16), { env, fetch });
 * assert.equal(etag, "abc123"); // without quotes, as listings and indexes keep ETags
 * assert.equal(sent[0].method, "PUT");
 * assert.equal(sent[0].url, "https://my-index-bucket.s3.us-east-1.amazonaws.com/tess.cfidx");
 * assert.match(sent[0].headers.get("authorization")!, /Credential=AKIDEXAMPLE\//);
 * ```
 */
export async function putObject(
  location: string | Location,
  body: Uint8Array,
  options: SourceOptions = {},
): Promise<{ etag: string | undefined }> {
  const where = typeof location === "string" ? parseLocation(location, options.env ?? {}) : location;
  switch (where.kind) {
    case "s3":
      return s3PutObject({ ...await s3Access(where, options), key: where.key, body });
    case "gcs": {
      const access = gcsAccess(where, options);
      if (!access.hmac) {
        throw new CloudFitsError(
          "FORBIDDEN",
          "Cannot upload to GCS without HMAC keys (GCS_HMAC_ACCESS_ID, GCS_HMAC_SECRET)",
        );
      }
      return s3PutObject({
        bucket: where.bucket,
        key: where.key,
        body,
        region: "auto",
        endpoint: access.endpoint ?? "https://storage.googleapis.com",
        credentials: access.hmac,
        fetch: access.fetch,
      });
    }
    case "azure":
      return azurePutBlob({
        ...azureAccess(where, options),
        container: where.container,
        blob: where.blob,
        body,
      });
    default:
      throw new CloudFitsError(
        "USAGE",
        `Cannot upload to a ${where.kind} location: use a local path or a bucket URL`,
      );
  }
}

function relativeTo(prefix: string, key: string): string {
  const base = prefix === "" || prefix.endsWith("/") ? prefix : prefix.slice(0, prefix.lastIndexOf("/") + 1);
  return key.startsWith(base) ? key.slice(base.length) : key;
}
