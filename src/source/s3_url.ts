/**
 * S3 object and bucket URLs: virtual-hosted or path-style on AWS, path-style (or not) on a custom
 * endpoint, keys encoded per segment.
 *
 * @module
 */
import { encodeObjectKey, redactUrl } from "../url.ts";

/** Where an S3 object lives. */
export interface S3Address {
  /** Bucket name. */
  bucket: string;
  /** Object key, unencoded. */
  key: string;
  /** Signing region (default `us-east-1`; R2 and GCS use `auto`). */
  region?: string;
  /**
   * Base URL of an S3-compatible service, such as `http://127.0.0.1:9000` (MinIO),
   * `https://nyc3.digitaloceanspaces.com` or `https://ACCOUNT.r2.cloudflarestorage.com`.
   * Requests go path-style to it unless `forcePathStyle` is `false`.
   */
  endpoint?: string;
  /**
   * Address the bucket in the path rather than the host name. Default: `true` with a custom
   * `endpoint`; with AWS, `false` unless the bucket name has dots (TLS certificates cover one label).
   */
  forcePathStyle?: boolean;
}

/**
 * Build the URL of an S3 object: `https://BUCKET.s3.REGION.amazonaws.com/KEY` on AWS,
 * `https://s3.REGION.amazonaws.com/BUCKET/KEY` for dotted buckets or `forcePathStyle`, and
 * `ENDPOINT/BUCKET/KEY` for a custom endpoint. Keys are encoded per segment (`+` → `%2B`).
 *
 * @param address Bucket, key, region and endpoint.
 * @returns The object URL.
 * @throws {TypeError} For an empty bucket name, a bucket name with `/`, or an invalid endpoint.
 *
 * @example AWS and custom endpoints
 * ```ts
 * import { s3ObjectUrl } from "./s3_url.ts";
 *
 * console.log(s3ObjectUrl({ bucket: "stpubdata", key: "tess/a+b.fits", region: "us-east-1" }));
 * // "https://stpubdata.s3.us-east-1.amazonaws.com/tess/a%2Bb.fits"
 * console.log(s3ObjectUrl({ bucket: "b", key: "k", endpoint: "http://127.0.0.1:9000" }));
 * // "http://127.0.0.1:9000/b/k"
 * ```
 */
export function s3ObjectUrl(address: S3Address): string {
  return bucketBase(address) + encodeObjectKey(address.key);
}

/**
 * Build the URL of a bucket, for listing: `https://BUCKET.s3.REGION.amazonaws.com/` or
 * `ENDPOINT/BUCKET` in path style.
 *
 * @param address Bucket, region and endpoint (`key` is ignored).
 * @returns The bucket URL, without a query.
 *
 * @example A dotted bucket goes path-style
 * ```ts
 * import { s3BucketUrl } from "./s3_url.ts";
 *
 * console.log(s3BucketUrl({ bucket: "my.data", region: "eu-west-1" })); // "https://s3.eu-west-1.amazonaws.com/my.data"
 * ```
 */
export function s3BucketUrl(address: Omit<S3Address, "key">): string {
  const base = bucketBase({ ...address, key: "" });
  return base.endsWith(`/${encodeURIComponent(address.bucket)}/`) ? base.slice(0, -1) : base;
}

function bucketBase(address: S3Address): string {
  const { bucket, endpoint } = address;
  if (typeof bucket !== "string" || bucket === "" || bucket.includes("/")) {
    throw new TypeError(`Cannot address S3 bucket '${bucket}': expected a bucket name without '/'`);
  }
  const encodedBucket = encodeURIComponent(bucket);
  if (endpoint !== undefined) {
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      throw new TypeError(`Cannot use S3 endpoint '${redactUrl(endpoint)}': invalid URL`);
    }
    const prefix = url.pathname.replace(/\/+$/, "");
    if (address.forcePathStyle === false) {
      return `${url.protocol}//${encodedBucket}.${url.host}${prefix}/`;
    }
    return `${url.protocol}//${url.host}${prefix}/${encodedBucket}/`;
  }
  const region = address.region ?? "us-east-1";
  if (address.forcePathStyle === true || bucket.includes(".")) {
    return `https://s3.${region}.amazonaws.com/${encodedBucket}/`;
  }
  return `https://${encodedBucket}.s3.${region}.amazonaws.com/`;
}
