/**
 * Amazon S3 and S3-compatible stores (MinIO, DigitalOcean Spaces, Cloudflare R2, GCS through HMAC
 * keys): URL styles, SigV4 signing with aws4fetch, wrong-region following, requester pays, and
 * whole-object PUTs.
 *
 * @module
 */
import { AwsV4Signer } from "aws4fetch";
import type { CloudFitsError } from "../errors.ts";
import { encodeObjectKey, redactUrl } from "../url.ts";
import {
  type FetchLike,
  type HttpSource,
  httpSource,
  type HttpSourceOptions,
  type RequestEvent,
} from "./http.ts";
import { networkError, xmlText } from "./_xml.ts";
import { type ErrorExplainer, readErrorBody, responseError } from "./status.ts";

/** AWS access keys; `sessionToken` accompanies temporary keys. */
export interface AwsCredentials {
  /** Access key ID. */
  accessKeyId: string;
  /** Secret access key; never printed. */
  secretAccessKey: string;
  /** Session token of temporary credentials. */
  sessionToken?: string;
}

/**
 * Fixed credentials, a provider called before every request (so refreshed keys take effect), or
 * `undefined` for anonymous, unsigned requests.
 */
export type AwsCredentialSource =
  | AwsCredentials
  | (() => AwsCredentials | undefined | Promise<AwsCredentials | undefined>)
  | undefined;

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

/** How to authenticate and send S3 requests. */
export interface S3RequestOptions {
  /** Credentials; `undefined` sends anonymous requests. */
  credentials?: AwsCredentialSource;
  /**
   * Send `x-amz-request-payer: requester`, accepting the charges of a requester-pays bucket. Never on
   * unless asked.
   */
  requestPayer?: boolean;
  /** The fetch to send requests with (default: the global `fetch`). */
  fetch?: FetchLike;
  /** Regions learnt from wrong-region answers, by bucket; share one map to learn once per bucket. */
  regionCache?: Map<string, string>;
}

/** Settings for {@linkcode s3Fetch}. */
export interface S3FetchOptions extends S3RequestOptions {
  /** The bucket the requests address, the key of `regionCache`. */
  bucket: string;
  /** Signing region (default `us-east-1`). */
  region?: string;
  /** Headers added to every request before signing (such as `x-goog-user-project`). */
  headers?: Record<string, string>;
  /**
   * Follow a wrong-region answer once (default `true`): a 301 `PermanentRedirect` or a 400
   * `AuthorizationHeaderMalformed` that names the bucket's region.
   */
  followRegion?: boolean;
  /**
   * Called for each wrong-region answer to a ranged GET that this fetch reads and follows, which its
   * caller never sees; {@linkcode s3Source} passes its `onRequest`, so that its events match the wire.
   */
  onWrongRegion?: (event: RequestEvent) => void;
}

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

const AWS_S3_HOST = /^(?:(.+)\.)?s3(?:[.-]dualstack)?(?:[.-][a-z0-9-]+)?\.amazonaws\.com$/;

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
 * import { s3ObjectUrl } from "./s3.ts";
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
 * import { s3BucketUrl } from "./s3.ts";
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

/**
 * Make a fetch that signs every request with AWS Signature Version 4 (service `s3`, no retries of
 * its own) and follows a wrong-region answer once.
 *
 * - Credentials are resolved before each request; `undefined` sends the request unsigned.
 * - `requestPayer` adds a signed `x-amz-request-payer: requester` header.
 * - A 301 `PermanentRedirect` or 400 `AuthorizationHeaderMalformed` naming another region (in
 *   `x-amz-bucket-region` or the XML `<Region>`) is re-signed for that region and sent once more;
 *   AWS host names are rewritten to the region. The region is remembered per bucket in `regionCache`.
 * - `Range` is sent but not signed (S3 accepts that), so range requests can share one signer.
 *
 * Request bodies must be given in `init` as bytes or a string so that a re-sent request carries them.
 *
 * @param options Bucket, region, credentials and the underlying fetch.
 * @returns A fetch-compatible function.
 *
 * @example Signing requests to a MinIO server
 * ```ts ignore
 * import { s3Fetch, s3ObjectUrl } from "./s3.ts";
 *
 * const fetchSigned = s3Fetch({ bucket: "data", credentials: { accessKeyId: "minio", secretAccessKey: "minio123" } });
 * const response = await fetchSigned(s3ObjectUrl({ bucket: "data", key: "a.fits", endpoint: "http://127.0.0.1:9000" }), {
 *   headers: { range: "bytes=0-2879" },
 * });
 * ```
 */
export function s3Fetch(options: S3FetchOptions): FetchLike {
  const send = options.fetch ?? ((input, init) => fetch(input, init));
  const regionCache = options.regionCache ?? new Map<string, string>();
  const signingKeys = new Map<string, ArrayBuffer>();
  const configuredRegion = options.region ?? "us-east-1";

  const signAndSend = async (
    url: string,
    region: string,
    init: RequestInit | undefined,
  ): Promise<Response> => {
    const headers = new Headers(init?.headers);
    for (const [name, value] of Object.entries(options.headers ?? {})) headers.set(name, value);
    if (options.requestPayer === true) headers.set("x-amz-request-payer", "requester");
    const credentials = await resolveCredentials(options.credentials);
    if (credentials === undefined) return await send(url, { ...init, headers });
    const signer = new AwsV4Signer({
      method: init?.method ?? "GET",
      url,
      headers,
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      sessionToken: credentials.sessionToken,
      service: "s3",
      region,
      cache: signingKeys,
    });
    const signed = await signer.sign();
    // Never let fetch follow a redirect of a signed request: it would carry the signature, the session
    // token, the signed headers and a PUT body to whatever host the Location names.
    return await send(signed.url.toString(), {
      ...init,
      method: signed.method,
      headers: signed.headers,
      redirect: "manual",
    });
  };

  return async (input, init) => {
    if (input instanceof Request) {
      throw new TypeError(
        "Cannot sign a Request object: pass the URL and put method, headers and body in init",
      );
    }
    const region = regionCache.get(options.bucket) ?? configuredRegion;
    const url = region === configuredRegion ? String(input) : urlInRegion(String(input), region);
    const started = performance.now();
    const response = await signAndSend(url, region, init);
    if (options.followRegion === false || !(REDIRECTS.has(response.status) || response.status === 400)) {
      return response;
    }
    // Read the (small) error body once: to find the region, and to count what arrived.
    const body = await readErrorBody(response);
    const answered = wrongRegion(response, new TextDecoder().decode(body), region);
    if (answered === undefined) {
      return new Response(body as Uint8Array<ArrayBuffer>, {
        status: response.status,
        statusText: response.statusText,
        headers: response.headers,
      });
    }
    const range = /^bytes=(\d*)-(\d+)$/.exec(new Headers(init?.headers).get("range") ?? "");
    if (range !== null && (init?.method ?? "GET") === "GET") {
      const suffix = range[1] === "";
      options.onWrongRegion?.({
        method: "GET",
        url: redactUrl(url),
        offset: suffix ? -1 : Number(range[1]),
        length: suffix ? Number(range[2]) : Number(range[2]) - Number(range[1]) + 1,
        ...(suffix ? { suffix } : {}),
        status: response.status,
        bytes: body.length,
        ms: performance.now() - started,
      });
    }
    regionCache.set(options.bucket, answered);
    return await signAndSend(urlInRegion(url, answered), answered, init);
  };
}

/** Redirects S3 answers with: only re-signed for the region they name, never followed as given. */
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** The region a wrong-region answer (a redirect or 400) names, or `undefined` when it is something else. */
function wrongRegion(response: Response, xml: string, region: string): string | undefined {
  let named = response.headers.get("x-amz-bucket-region") ?? undefined;
  if (named === undefined || response.status === 400) {
    const code = xmlText(xml, "Code");
    if (response.status === 400 && code !== "AuthorizationHeaderMalformed") return undefined;
    named ??= xmlText(xml, "Region");
  }
  return named !== undefined && named !== "" && named !== region ? named : undefined;
}

function urlInRegion(url: string, region: string): string {
  const parsed = new URL(url);
  const match = AWS_S3_HOST.exec(parsed.hostname);
  if (match === null) return url;
  parsed.hostname = `${match[1] === undefined ? "" : match[1] + "."}s3.${region}.amazonaws.com`;
  return parsed.toString();
}

async function resolveCredentials(source: AwsCredentialSource): Promise<AwsCredentials | undefined> {
  return typeof source === "function" ? await source() : source;
}

/** What an S3 error response said: the XML `<Code>` and `<Message>`, when there were any. */
export interface S3ErrorBody {
  /** Error code such as `AccessDenied`, `NoSuchKey` or `SignatureDoesNotMatch`. */
  code?: string;
  /** The service's message. */
  message?: string;
  /** The bucket's region, when the error names one. */
  region?: string;
}

/**
 * Pull the code, message and region out of an S3 (or GCS XML API) error body.
 *
 * @param xml The response body.
 * @returns The fields found; empty for a body that is not an error document.
 *
 * @example Reading an error document
 * ```ts
 * import { parseS3Error } from "./s3.ts";
 *
 * const body = "<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>";
 * console.log(parseS3Error(body).code); // "NoSuchKey"
 * ```
 */
export function parseS3Error(xml: string): S3ErrorBody {
  const error: S3ErrorBody = {};
  const code = xmlText(xml, "Code");
  const message = xmlText(xml, "Message");
  const region = xmlText(xml, "Region");
  if (code !== undefined) error.code = code;
  if (message !== undefined) error.message = message;
  if (region !== undefined) error.region = region;
  return error;
}

/** What the client did, so that {@linkcode s3ErrorHint} can say what to change. */
export interface S3HintContext {
  /** Whether requester pays was on. */
  requestPayer?: boolean;
  /** Whether the request carried credentials. */
  signed?: boolean;
  /** The bucket's region from `x-amz-bucket-region`, when the response named one. */
  region?: string;
  /** The `Location` of a redirect, which a signed request does not follow. */
  location?: string;
}

/**
 * Explain an S3 error response in a sentence fragment that says what to try; the status itself is
 * reported by the caller.
 *
 * | status, code | hint |
 * |---|---|
 * | 403 `AccessDenied` (or no code) | S3 returns 403 for a missing key without `s3:ListBucket`; without credentials, says so; without requester pays, suggests `--request-payer requester` |
 * | 403 `SignatureDoesNotMatch` | check the secret access key |
 * | 403 `InvalidAccessKeyId` | the access key is not recognised |
 * | 400/403 `ExpiredToken`, `InvalidToken` | refresh the temporary credentials |
 * | 301 `PermanentRedirect`, 400 `AuthorizationHeaderMalformed` | the bucket's region, to pass as `--region` |
 * | 404 `NoSuchBucket` | the bucket does not exist |
 * | other codes | the code and the service's message |
 *
 * @param status HTTP status.
 * @param body The (start of the) response body.
 * @param context Whether requester pays was on and whether the request was signed.
 * @returns The hint, or `undefined` when there is nothing to add.
 *
 * @example Explaining an S3 403
 * ```ts
 * import { s3ErrorHint } from "./s3.ts";
 *
 * console.log(s3ErrorHint(403, "<Error><Code>AccessDenied</Code></Error>", { signed: true }));
 * // "AccessDenied; S3 returns 403 for a missing key without s3:ListBucket; if the bucket is requester-pays, pass --request-payer requester"
 * ```
 */
export function s3ErrorHint(status: number, body: string, context: S3HintContext = {}): string | undefined {
  const error = parseS3Error(body);
  const code = error.code;
  // A 301 names the regional endpoint rather than the region.
  const endpointRegion = /\.s3[.-]([a-z0-9-]+)\.amazonaws\.com/.exec(xmlText(body, "Endpoint") ?? "")?.[1];
  const region = error.region ?? context.region ?? endpointRegion;
  switch (code) {
    case "SignatureDoesNotMatch":
      return `${code}: the signature was rejected; check the secret access key`;
    case "InvalidAccessKeyId":
      return `${code}: the access key is not recognised`;
    case "ExpiredToken":
    case "InvalidToken":
    case "TokenRefreshRequired":
      return `${code}: the session token was rejected; refresh the temporary credentials`;
    case "NoSuchKey":
      return code;
    case "NoSuchBucket":
      return `${code}: the bucket does not exist`;
    case "PermanentRedirect":
    case "AuthorizationHeaderMalformed":
      if (region !== undefined) return `${code}: the bucket is in ${region}; pass --region ${region}`;
  }
  if (status >= 300 && status < 400) {
    const to = context.location === undefined ? "" : ` to ${redactUrl(context.location)}`;
    return `${
      code ?? "Redirect"
    }: S3 redirected the request${to}; not followed, so that the credentials and signed headers reach only the host they were signed for`;
  }
  if (status === 403 && (code === undefined || code === "AccessDenied" || code === "AllAccessDisabled")) {
    const hints = [code ?? "403", "S3 returns 403 for a missing key without s3:ListBucket"];
    if (context.signed === false) hints.push("the request was sent without credentials");
    if (context.requestPayer !== true) {
      hints.push("if the bucket is requester-pays, pass --request-payer requester");
    }
    return hints.join("; ");
  }
  if (code === undefined) return undefined;
  return error.message === undefined ? code : `${code}: ${error.message}`;
}

/** What was being done when an S3 request failed, for {@linkcode s3ResponseError}. */
export interface S3ResponseErrorContext extends S3HintContext {
  /** The verb of the message, such as "list" or "upload": it reads "Cannot VERB URL: …". */
  action: string;
  /** The URL concerned (redacted before use). */
  url: string;
}

/**
 * The {@linkcode ErrorExplainer} of S3 answers: {@linkcode s3ErrorHint}, with the region from
 * `x-amz-bucket-region` when the body names none.
 */
function s3Explainer(context: S3HintContext): ErrorExplainer {
  return (status, body, headers) =>
    s3ErrorHint(status, body, {
      requestPayer: context.requestPayer,
      signed: context.signed,
      region: context.region ?? headers.get("x-amz-bucket-region") ?? undefined,
      location: headers.get("location") ?? undefined,
    });
}

/**
 * Build the error for a failed S3 response, reading (and so consuming) up to 16 KiB of its body: the
 * code and reason come from the status table shared by every provider (`statusRule`: `FORBIDDEN` for
 * 401 and 403, `NOT_FOUND` for 404 and 410, retryable `NETWORK` for 429 and 5xx, `BAD_RESPONSE`
 * otherwise), the hint from {@linkcode s3ErrorHint}.
 *
 * @param response The failed response.
 * @param context The action, the URL and what the client did.
 * @returns The error to throw.
 *
 * @example Turning a response into an error
 * ```ts
 * import { s3ResponseError } from "./s3.ts";
 *
 * const response = new Response("<Error><Code>NoSuchBucket</Code></Error>", { status: 404 });
 * const error = await s3ResponseError(response, { action: "list", url: "http://127.0.0.1:9000/nope" });
 * console.log(error.code); // "NOT_FOUND"
 * ```
 */
export async function s3ResponseError(
  response: Response,
  context: S3ResponseErrorContext,
): Promise<CloudFitsError> {
  const url = redactUrl(context.url);
  return await responseError(response, { action: `${context.action} ${url}`, url }, s3Explainer(context));
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
