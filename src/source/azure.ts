/**
 * Azure Blob Storage: byte sources and uploads, authorized by a shared access signature (SAS) or by
 * SharedKey signing, or sent anonymously for public containers. Signing is `azure_fetch.ts`,
 * listing `azure_list.ts`.
 *
 * Reads are {@linkcode httpSource} reads through a signing fetch, so the status handling is the
 * HTTP source's. A SAS is appended to the URL inside that fetch, so it never appears in names,
 * messages or request events.
 *
 * @module
 */
import { CloudFitsError } from "../errors.ts";
import { type FetchLike, type HttpSource, httpSource, type HttpSourceOptions } from "./http.ts";
import { redactUrl } from "../url.ts";
import { type AzureAccountOptions, azureFetch } from "./azure_fetch.ts";
import { xmlText } from "./_xml.ts";
import { responseError } from "./status.ts";

export type { AzureAccountOptions } from "./azure_fetch.ts";

/** The largest blob one Put Blob call may upload (5000 MiB, from service version 2019-12-12). */
const MAX_PUT_BYTES = 5000 * 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 30_000;

/** Where a blob lives. */
export interface AzureBlobAddress {
  /** Storage account name. */
  account: string;
  /** Container name. */
  container: string;
  /** Blob name, unencoded (`/` separates virtual directories). */
  blob: string;
  /** Blob endpoint (default `https://<account>.blob.core.windows.net`). */
  blobEndpoint?: string;
}

/** Settings for {@linkcode azureSource}: the account, the blob, and the HTTP source's options. */
export interface AzureSourceOptions extends AzureAccountOptions, Omit<HttpSourceOptions, "fetch"> {
  /** Container name. */
  container: string;
  /** Blob name, unencoded. */
  blob: string;
}

/** Settings for {@linkcode azurePutBlob}. */
export interface AzurePutOptions extends AzureAccountOptions {
  /** Container name. */
  container: string;
  /** Blob name, unencoded. */
  blob: string;
  /** The whole blob. */
  body: Uint8Array;
  /** Content-Type (default `application/octet-stream`). */
  contentType?: string;
  /** Timeout in milliseconds (default 30,000). */
  timeoutMs?: number;
  /** Abort the upload. */
  signal?: AbortSignal;
}

/**
 * The URL of a blob, with the name percent-encoded segment by segment and no credentials.
 *
 * @param address Account, container, blob and optional endpoint.
 * @returns The blob URL.
 * @throws {TypeError} When a name segment is `.` or `..`, which URL parsers would resolve away.
 *
 * @example
 * ```ts
 * import { azureBlobUrl } from "./azure.ts";
 *
 * console.log(azureBlobUrl({ account: "acct", container: "tess", blob: "s1/a b.fits" }));
 * // https://acct.blob.core.windows.net/tess/s1/a%20b.fits
 * ```
 */
export function azureBlobUrl(address: AzureBlobAddress): string {
  const encoded = address.blob.split("/").map((segment) => {
    if (segment === "." || segment === "..") {
      throw new TypeError(`Cannot address blob '${address.blob}': URL parsers resolve '.' and '..' segments`);
    }
    return encodeURIComponent(segment);
  }).join("/");
  return `${containerUrl(address)}/${encoded}`;
}

/**
 * A byte source over one blob: {@linkcode httpSource} through {@linkcode azureFetch}, with Azure's
 * error codes (`BlobNotFound`, `AuthenticationFailed`, …) added to messages.
 *
 * @param options Account, credentials, container, blob and the HTTP source's options.
 * @returns A source whose `size` and `etag` come from the first response.
 *
 * @example Reading a blob with a SAS, which never shows in its name
 * ```ts
 * import assert from "node:assert/strict";
 * import { azureSource } from "@cloudfits/core";
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
 * const sas = "sv=2022-11-02&sig=abc";
 * const source = azureSource({ account: "acct", container: "tess", blob: "s1/ffi.fits", sas, fetch });
 * assert.equal((await source.read(0, 2880)).length, 2880);
 * assert.equal(sent[0].url, "https://acct.blob.core.windows.net/tess/s1/ffi.fits?sv=2022-11-02&sig=abc");
 * assert.equal(sent[0].headers.get("x-ms-version"), "2021-08-06");
 * assert.equal(source.name, "https://acct.blob.core.windows.net/tess/s1/ffi.fits");
 * ```
 */
export function azureSource(options: AzureSourceOptions): HttpSource {
  const { headers, size, etag, timeoutMs, name, onRequest, requestPool } = options;
  return httpSource(azureBlobUrl(options), {
    fetch: azureFetch(options),
    requestPool,
    headers,
    size,
    etag,
    timeoutMs,
    name,
    onRequest,
    explainError: options.explainError ?? explainAzureError,
    // Blob storage takes `bytes=a-b` and `bytes=a-` only ("Specifying the range header for Blob service
    // operations"): a suffix range would be ignored, so reads of an object's end wait for its size.
    suffixRanges: false,
  });
}

/**
 * Upload a whole blob with one Put Blob request (`x-ms-blob-type: BlockBlob`), replacing any blob of
 * that name. Used for cloudfits indexes, so there is no block upload: bodies up to 5000 MiB.
 *
 * @param options Account, credentials, container, blob, body and content type.
 * @returns The new blob's ETag without quotes.
 * @throws {CloudFitsError} `FORBIDDEN`, `NOT_FOUND` (no such container), `NETWORK`, `TIMEOUT` or
 *   `BAD_RESPONSE`.
 * @throws {RangeError} When the body exceeds 5000 MiB.
 *
 * @example Uploading an index
 * ```ts ignore
 * import { azurePutBlob } from "./azure.ts";
 *
 * const { etag } = await azurePutBlob({ account: "acct", container: "tess", blob: "s1/ffi.fits.cfi", body: index, key });
 * ```
 */
export async function azurePutBlob(options: AzurePutOptions): Promise<{ etag: string | undefined }> {
  if (options.body.length > MAX_PUT_BYTES) {
    throw new RangeError(
      `Cannot upload ${options.body.length} bytes with one Put Blob: the limit is ${MAX_PUT_BYTES}`,
    );
  }
  const url = azureBlobUrl(options);
  let etag: string | undefined;
  await azureRequest(
    azureFetch(options),
    url,
    {
      method: "PUT",
      headers: {
        "content-type": options.contentType ?? "application/octet-stream",
        "x-ms-blob-type": "BlockBlob",
      },
      body: options.body as Uint8Array<ArrayBuffer>,
    },
    "upload",
    options,
    (response) => {
      etag = response.headers.get("etag")?.replace(/^"|"$/g, "") || undefined;
    },
  );
  return { etag };
}

/**
 * Turn an Azure Storage error answer into a short hint: the error code and the first line of the
 * message (the rest is request ids and timestamps), or the `x-ms-error-code` header when the body is
 * empty.
 *
 * @param _status The HTTP status (unused: the body says more; kept to match `explainError`).
 * @param body The XML error body (possibly truncated or empty).
 * @param headers The response headers, for `x-ms-error-code`.
 * @returns `Code: message`, or `undefined` when the answer names no code.
 *
 * @example
 * ```ts
 * import { explainAzureError } from "./azure.ts";
 *
 * const body = "<Error><Code>BlobNotFound</Code><Message>The specified blob does not exist.\nRequestId:1</Message></Error>";
 * console.log(explainAzureError(404, body)); // BlobNotFound: The specified blob does not exist.
 * ```
 */
export function explainAzureError(_status: number, body: string, headers?: Headers): string | undefined {
  const code = xmlText(body, "Code");
  if (code === undefined) return headers?.get("x-ms-error-code") ?? undefined;
  const message = xmlText(body, "Message")?.split("\n")[0].trim();
  return message ? `${code}: ${message}` : code;
}

/**
 * The URL of a container, without credentials: the account's blob endpoint (or the given one, such
 * as Azurite's path-style `http://127.0.0.1:10000/devstoreaccount1`) and the encoded container name.
 *
 * @param options Account, container and optional endpoint.
 * @returns The container URL, without a trailing `/`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { containerUrl } from "./azure.ts";
 *
 * assert.equal(containerUrl({ account: "acct", container: "tess" }), "https://acct.blob.core.windows.net/tess");
 * ```
 */
export function containerUrl(options: { account: string; container: string; blobEndpoint?: string }): string {
  const endpoint = (options.blobEndpoint ?? `https://${options.account}.blob.core.windows.net`).replace(
    /\/+$/,
    "",
  );
  return `${endpoint}/${encodeURIComponent(options.container)}`;
}

/**
 * Send one list or upload request; resolve to the body text of a 2xx answer.
 *
 * @param signed The signing fetch ({@linkcode azureFetch}).
 * @param url The request URL, without credentials.
 * @param init Method, headers and body.
 * @param action The verb of error messages, which read "Cannot ACTION URL: …".
 * @param options Timeout (default 30,000 ms) and abort signal.
 * @param onResponse Called with a 2xx response, for its headers.
 * @returns The response body as text.
 * @throws {CloudFitsError} From the answer (with Azure's error code), `ABORTED`, `TIMEOUT` or `NETWORK`.
 *
 * @example A missing container
 * ```ts
 * import assert from "node:assert/strict";
 * import { azureRequest } from "./azure.ts";
 *
 * const body = "<Error><Code>ContainerNotFound</Code><Message>The specified container does not exist.</Message></Error>";
 * const fetch = () => Promise.resolve(new Response(body, { status: 404 }));
 * await assert.rejects(
 *   azureRequest(fetch, "https://acct.blob.core.windows.net/nope?restype=container", {}, "list blobs in", {}),
 *   { code: "NOT_FOUND" },
 * );
 * ```
 */
export async function azureRequest(
  signed: FetchLike,
  url: string,
  init: RequestInit,
  action: string,
  options: { timeoutMs?: number; signal?: AbortSignal },
  onResponse?: (response: Response) => void,
): Promise<string> {
  const safeUrl = redactUrl(url);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout.signal]) : timeout.signal;
  try {
    const response = await signed(url, { ...init, signal });
    if (!response.ok) {
      throw await responseError(
        response,
        { action: `${action} ${safeUrl}`, url: safeUrl },
        explainAzureError,
      );
    }
    const text = await response.text();
    onResponse?.(response);
    return text;
  } catch (error) {
    if (error instanceof CloudFitsError) throw error;
    if (options.signal?.aborted) {
      throw new CloudFitsError("ABORTED", `Cannot ${action} ${safeUrl}: aborted`, {
        url: safeUrl,
        cause: error,
      });
    }
    if (timeout.signal.aborted) {
      throw new CloudFitsError("TIMEOUT", `Cannot ${action} ${safeUrl}: timed out after ${timeoutMs} ms`, {
        url: safeUrl,
      });
    }
    throw new CloudFitsError("NETWORK", `Cannot ${action} ${safeUrl}: the request failed`, {
      url: safeUrl,
      cause: error,
    });
  } finally {
    clearTimeout(timer);
  }
}
