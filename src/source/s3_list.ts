/**
 * Listing S3 (and GCS XML API) buckets with ListObjectsV2, page by page.
 *
 * @module
 */
import { CloudFitsError } from "../errors.ts";
import { redactUrl } from "../url.ts";
import { s3ResponseError } from "./s3_errors.ts";
import { s3Fetch, type S3RequestOptions } from "./s3_fetch.ts";
import { type S3Address, s3BucketUrl } from "./s3_url.ts";
import { type ErrorExplainer, responseError } from "./status.ts";
import { decodeXmlEntities, networkError, xmlText } from "./_xml.ts";

/** One object of a listing. */
export interface S3ListedObject {
  /** The full key. */
  key: string;
  /** Size in bytes. */
  size: number;
  /** ETag without quotes (multipart uploads have a `-N` suffix; it is not an MD5 then). */
  etag: string | undefined;
  /** Last modification time as the service wrote it (ISO 8601). */
  lastModified: string | undefined;
}

/** Settings for {@linkcode s3ListObjects}. */
export interface S3ListOptions extends Omit<S3Address, "key">, S3RequestOptions {
  /** List only keys starting with this (default: the whole bucket). */
  prefix?: string;
  /** Keys per page, up to 1,000 (the service's default when absent). */
  maxKeys?: number;
  /** Headers for every request, signed (such as `x-goog-user-project`). */
  headers?: Record<string, string>;
  /** Abort the listing. */
  signal?: AbortSignal;
  /** Explain an error answer (default: S3's, `s3ErrorHint`); GCS passes its own. */
  explainError?: ErrorExplainer;
}

/**
 * List the objects of a bucket with ListObjectsV2 (`list-type=2`), following
 * `NextContinuationToken` until the listing is complete. Pages are fetched as the iteration
 * proceeds, so breaking out early stops the requests.
 *
 * @param options Bucket, prefix, page size, endpoint and credentials.
 * @returns The objects in key order, as an async iterable.
 * @throws {CloudFitsError} `FORBIDDEN` (missing `s3:ListBucket`), `NOT_FOUND` (no such bucket),
 *   `NETWORK`, or `BAD_RESPONSE` for a body that is not a listing.
 *
 * @example Listing the FITS files under a prefix
 * ```ts ignore
 * import { s3ListObjects } from "./s3_list.ts";
 *
 * for await (const object of s3ListObjects({ bucket: "stpubdata", prefix: "tess/public/ffi/s0001/", region: "us-east-1" })) {
 *   if (object.key.endsWith(".fits")) console.log(object.key, object.size);
 * }
 * ```
 */
export function s3ListObjects(options: S3ListOptions): AsyncGenerator<S3ListedObject, void, undefined> {
  const { maxKeys } = options;
  if (maxKeys !== undefined && !(Number.isSafeInteger(maxKeys) && maxKeys >= 1 && maxKeys <= 1000)) {
    throw new RangeError(`Cannot list with maxKeys ${maxKeys}: expected an integer from 1 to 1000`);
  }
  // Checked here rather than at the first page, so that bad arguments throw at the call.
  return listPages(options, s3BucketUrl(options));
}

async function* listPages(
  options: S3ListOptions,
  base: string,
): AsyncGenerator<S3ListedObject, void, undefined> {
  const { maxKeys } = options;
  const fetchSigned = s3Fetch({ ...options, bucket: options.bucket });
  let token: string | undefined;
  do {
    // Keys come back URL-encoded, so that any key survives XML 1.0 (control characters cannot).
    const query = new URLSearchParams({ "list-type": "2", "encoding-type": "url" });
    if (options.prefix) query.set("prefix", options.prefix);
    if (maxKeys !== undefined) query.set("max-keys", String(maxKeys));
    if (token !== undefined) query.set("continuation-token", token);
    // URLSearchParams writes spaces as "+", which S3 would sign differently from "%20".
    const url = `${base}?${query.toString().replace(/\+/g, "%20")}`;
    let response: Response;
    try {
      response = await fetchSigned(url, { signal: options.signal });
    } catch (cause) {
      throw networkError("list", url, cause, options.signal);
    }
    if (!response.ok) {
      throw options.explainError === undefined
        ? await s3ResponseError(response, {
          action: "list",
          url,
          requestPayer: options.requestPayer,
          signed: (typeof options.credentials === "function"
            ? await options.credentials()
            : options.credentials) !==
            undefined,
        })
        : await responseError(
          response,
          { action: `list ${redactUrl(url)}`, url: redactUrl(url) },
          options.explainError,
        );
    }
    const xml = await response.text();
    const page = parseListPage(xml);
    if (page === undefined) {
      throw new CloudFitsError(
        "BAD_RESPONSE",
        `Cannot list ${redactUrl(url)}: the answer is not a ListBucketResult`,
        {
          url: redactUrl(url),
          status: response.status,
        },
      );
    }
    yield* page.objects;
    if (page.truncated && page.nextToken === undefined) {
      throw new CloudFitsError(
        "BAD_RESPONSE",
        `Cannot list ${redactUrl(url)}: the page is truncated but has no NextContinuationToken`,
        { url: redactUrl(url), status: response.status },
      );
    }
    token = page.truncated ? page.nextToken : undefined;
  } while (token !== undefined);
}

/** One page of a ListObjectsV2 answer. */
export interface S3ListPage {
  /** The objects of the page. */
  objects: S3ListedObject[];
  /** Whether more pages follow. */
  truncated: boolean;
  /** The token for the next page. */
  nextToken: string | undefined;
}

/**
 * Parse a ListObjectsV2 `ListBucketResult` document with plain string matching (no DOMParser in
 * Deno or Bun).
 *
 * @param xml The response body.
 * @returns The page, or `undefined` when the document is not a `ListBucketResult`.
 * @throws {CloudFitsError} `BAD_RESPONSE` for an entry without a key or with a malformed size.
 *
 * @example Parsing a page
 * ```ts
 * import { parseListPage } from "./s3_list.ts";
 *
 * const page = parseListPage(
 *   "<ListBucketResult><IsTruncated>false</IsTruncated><Contents><Key>a&amp;b.fits</Key><Size>2880</Size></Contents></ListBucketResult>",
 * );
 * console.log(page?.objects[0].key, page?.objects[0].size); // "a&b.fits" 2880
 * ```
 */
export function parseListPage(xml: string): S3ListPage | undefined {
  if (!/<ListBucketResult[\s>]/.test(xml)) return undefined;
  // Decoded exactly once, and only when the server says it encoded (S3 writes spaces as "+", radosgw as
  // "%20"; a literal "+" is "%2B" in both). A server that ignores encoding-type sends keys as they are.
  const encoded = xmlText(xml, "EncodingType")?.trim().toLowerCase() === "url";
  const objects: S3ListedObject[] = [];
  for (const [, entry] of xml.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)) {
    const text = xmlText(entry, "Key");
    const key = encoded && text !== undefined ? decodeListedKey(text) : text;
    const sizeText = xmlText(entry, "Size")?.trim();
    if (key === undefined || sizeText === undefined || !/^\d+$/.test(sizeText)) {
      throw new CloudFitsError(
        "BAD_RESPONSE",
        `Cannot parse listing entry '${decodeXmlEntities(entry).slice(0, 200)}': no key or size`,
      );
    }
    const etag = xmlText(entry, "ETag")?.trim().replace(/^"|"$/g, "");
    objects.push({
      key,
      size: Number(sizeText),
      etag: etag === "" ? undefined : etag,
      lastModified: xmlText(entry, "LastModified")?.trim(),
    });
  }
  return {
    objects,
    truncated: xmlText(xml, "IsTruncated")?.trim() === "true",
    nextToken: xmlText(xml, "NextContinuationToken"),
  };
}

/** A key of a listing made with `encoding-type=url`; a malformed escape is a bad answer, not a crash. */
function decodeListedKey(text: string): string {
  try {
    return decodeURIComponent(text.replaceAll("+", " "));
  } catch {
    throw new CloudFitsError(
      "BAD_RESPONSE",
      `Cannot decode listed key '${text.slice(0, 200)}': invalid URL encoding`,
    );
  }
}
