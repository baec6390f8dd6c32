/**
 * The fetch every S3 request goes through: credentials resolved per request, SigV4 signing with
 * aws4fetch, requester pays, and one re-signed retry in the region a wrong-region answer names.
 *
 * @module
 */
import { AwsV4Signer } from "aws4fetch";
import { redactUrl } from "../url.ts";
import type { FetchLike, RequestEvent } from "./http.ts";
import { xmlText } from "./_xml.ts";
import { readErrorBody } from "./status.ts";

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

const AWS_S3_HOST = /^(?:(.+)\.)?s3(?:[.-]dualstack)?(?:[.-][a-z0-9-]+)?\.amazonaws\.com$/;

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
 * import { s3Fetch } from "./s3_fetch.ts";
 * import { s3ObjectUrl } from "./s3_url.ts";
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

/**
 * The credentials to sign with now: fixed keys as given, a provider's answer, or `undefined` (unsigned).
 *
 * @param source Fixed credentials, a provider, or `undefined`.
 * @returns The credentials, or `undefined` for anonymous requests.
 *
 * @example A provider is called each time
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveCredentials } from "./s3_fetch.ts";
 *
 * const keys = { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "not-a-real-secret" };
 * assert.equal(await resolveCredentials(() => keys), keys);
 * assert.equal(await resolveCredentials(undefined), undefined);
 * ```
 */
export async function resolveCredentials(source: AwsCredentialSource): Promise<AwsCredentials | undefined> {
  return typeof source === "function" ? await source() : source;
}
