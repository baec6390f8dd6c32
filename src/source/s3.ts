/**
 * Amazon S3 and S3-compatible stores (MinIO, DigitalOcean Spaces, Cloudflare R2, GCS through HMAC
 * keys): byte sources and whole-object PUTs. Their parts: URL styles (`s3_url.ts`), SigV4 signing,
 * requester pays and wrong-region following (`s3_fetch.ts`), error hints (`s3_errors.ts`); listing
 * is `s3_list.ts`.
 *
 * @module
 */
import { type HttpSource, httpSource, type HttpSourceOptions } from "./http.ts";
import { networkError } from "./_xml.ts";
import { s3Explainer, s3ResponseError } from "./s3_errors.ts";
import { resolveCredentials, s3Fetch, type S3RequestOptions } from "./s3_fetch.ts";
import { type S3Address, s3ObjectUrl } from "./s3_url.ts";

/** Settings for {@linkcode s3Source}: the object, how to authenticate, and the HTTP source's options. */
export interface S3SourceOptions
  extends S3Address, S3RequestOptions, Omit<HttpSourceOptions, "fetch" | "explainError"> {}

/**
 * Read an S3 (or S3-compatible) object with signed `Range` GETs.
 *
 * The URL comes from {@linkcode s3ObjectUrl}; requests go through {@linkcode s3Fetch} (SigV4,
 * requester pays, one wrong-region retry) and {@linkcode httpSource} (status handling, size and
 * ETag pinning). Error messages carry S3's error code and a hint ({@linkcode s3ErrorHint}): a 403
 * reads "not found or forbidden", because S3 answers 403 for a missing key without
 * `s3:ListBucket`, and suggests `--request-payer requester` when requester pays was off.
 *
 * @param options Bucket, key, region or endpoint, credentials, and HTTP source settings.
 * @returns A byte source; wrap it in `withRetry` for retries.
 *
 * @example Signed reads of an object in a requester-pays bucket
 * ```ts
 * import assert from "node:assert/strict";
 * import { s3Source } from "@cloudfits/core";
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
 * const source = s3Source({
 *   bucket: "stpubdata",
 *   key: "tess/a.fits",
 *   credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "not-a-real-secret" },
 *   requestPayer: true,
 *   fetch,
 * });
 * assert.equal((await source.read(0, 2880)).length, 2880);
 * assert.equal(sent[0].url, "https://stpubdata.s3.us-east-1.amazonaws.com/tess/a.fits");
 * assert.match(sent[0].headers.get("authorization")!, /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\//);
 * assert.equal(sent[0].headers.get("x-amz-request-payer"), "requester");
 * ```
 */
export function s3Source(options: S3SourceOptions): HttpSource {
  const {
    bucket,
    key,
    region,
    endpoint,
    forcePathStyle,
    credentials,
    requestPayer,
    fetch,
    regionCache,
    ...http
  } = options;
  const url = s3ObjectUrl({ bucket, key, region, endpoint, forcePathStyle });
  // A provider may find no credentials; the hint should say whether the failed request was signed.
  let signed = false;
  const tracked = async () => {
    const resolved = await resolveCredentials(credentials);
    signed = resolved !== undefined;
    return resolved;
  };
  return httpSource(url, {
    ...http,
    fetch: s3Fetch({
      bucket,
      region,
      credentials: tracked,
      requestPayer,
      fetch,
      regionCache,
      onWrongRegion: http.onRequest,
    }),
    // `signed` is known only once the request went out.
    explainError: (status, body, headers) => s3Explainer({ requestPayer, signed })(status, body, headers),
  });
}

/** Settings for {@linkcode s3PutObject}. */
export interface S3PutOptions extends S3Address, S3RequestOptions {
  /** The whole object. */
  body: Uint8Array;
  /** Content-Type (default `application/octet-stream`). */
  contentType?: string;
  /** Abort the upload. */
  signal?: AbortSignal;
}

/** What a successful PUT returned. */
export interface S3PutResult {
  /** The new object's ETag without its quotes (as listings and indexes keep it), when the service sent one. */
  etag: string | undefined;
}

/**
 * Upload a whole object with one signed PUT (for cloudfits indexes; no multipart, so bodies up to
 * 5 GB). The body's SHA-256 is signed, so a corrupted upload is rejected by the service.
 *
 * @param options Where to put it, the bytes, and how to authenticate.
 * @returns The ETag of the stored object.
 * @throws {CloudFitsError} `FORBIDDEN`, `NOT_FOUND`, `NETWORK` or `BAD_RESPONSE` from the answer.
 *
 * @example Uploading an index
 * ```ts ignore
 * import { s3PutObject } from "./s3.ts";
 *
 * const { etag } = await s3PutObject({ bucket: "mine", key: "a.fits.cfi", body: new Uint8Array([1, 2, 3]), region: "us-west-2", credentials });
 * ```
 */
export async function s3PutObject(options: S3PutOptions): Promise<S3PutResult> {
  const url = s3ObjectUrl(options);
  const fetchSigned = s3Fetch({ ...options, bucket: options.bucket });
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", options.body as Uint8Array<ArrayBuffer>),
  );
  const headers = {
    "content-type": options.contentType ?? "application/octet-stream",
    "x-amz-content-sha256": Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join(""),
  };
  let response: Response;
  try {
    response = await fetchSigned(url, {
      method: "PUT",
      headers,
      body: options.body as Uint8Array<ArrayBuffer>,
      signal: options.signal,
    });
  } catch (cause) {
    throw networkError("upload", url, cause, options.signal);
  }
  if (!response.ok) {
    throw await s3ResponseError(response, {
      action: "upload",
      url,
      requestPayer: options.requestPayer,
      signed: (await resolveCredentials(options.credentials)) !== undefined,
    });
  }
  await response.body?.cancel();
  return { etag: response.headers.get("etag")?.replace(/^"|"$/g, "") || undefined };
}
