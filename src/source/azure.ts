/**
 * Azure Blob Storage: byte sources, listing and uploads, authorized by a shared access signature
 * (SAS) or by SharedKey signing with `crypto.subtle`, or sent anonymously for public containers.
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
import { decodeXmlEntities, xmlText } from "./_xml.ts";
import { responseError } from "./status.ts";

/** The storage service version sent as `x-ms-version`: 2011-08-18 or later is needed for open-ended ranges. */
export const AZURE_API_VERSION = "2021-08-06";
/** The largest blob one Put Blob call may upload (5000 MiB, from service version 2019-12-12). */
const MAX_PUT_BYTES = 5000 * 1024 * 1024;
const DEFAULT_TIMEOUT_MS = 30_000;

/** How to reach and authorize against a storage account. */
export interface AzureAccountOptions {
  /** Storage account name. */
  account: string;
  /** Blob endpoint (default `https://<account>.blob.core.windows.net`); path-style for Azurite. */
  blobEndpoint?: string;
  /** Shared access signature without the leading `?`; wins over `key`. */
  sas?: string;
  /** Base64 account key for SharedKey signing. */
  key?: string;
  /** The underlying fetch (default: the global one). */
  fetch?: FetchLike;
  /** `x-ms-version` to send (default {@linkcode AZURE_API_VERSION}). */
  apiVersion?: string;
  /** Clock in Unix milliseconds for `x-ms-date` (default `Date.now`). */
  now?: () => number;
}

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

/** One blob from {@linkcode azureListBlobs}. */
export interface AzureBlobItem {
  /** Blob name. */
  name: string;
  /** Size in bytes. */
  size: number;
  /** ETag without quotes. */
  etag: string;
  /** Last modification time. */
  lastModified: Date;
}

/** Settings for {@linkcode azureListBlobs}. */
export interface AzureListOptions extends AzureAccountOptions {
  /** Container name. */
  container: string;
  /** Only blobs whose names start with this. */
  prefix?: string;
  /** Page size (the service's default and maximum is 5000). */
  maxResults?: number;
  /** Per-request timeout in milliseconds (default 30,000). */
  timeoutMs?: number;
  /** Abort the listing. */
  signal?: AbortSignal;
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
 * Wrap a fetch so that every request carries `x-ms-version` and `x-ms-date` and is authorized: with
 * a SAS appended to the query, else with a SharedKey `Authorization` header computed over the final
 * request (its `Range` and `x-ms-*` headers included), else not at all (public containers).
 *
 * SharedKey covers bodies given as `Uint8Array`, `ArrayBuffer` or string, whose length it signs.
 *
 * @param options Account, SAS or key, the underlying fetch, version and clock.
 * @returns A fetch to hand to {@linkcode httpSource} or to call directly.
 * @throws {TypeError} When `key` is not base64 (on the first signed request).
 *
 * @example Signing requests to the storage emulator
 * ```ts ignore
 * import { azureFetch } from "./azure.ts";
 *
 * const signed = azureFetch({ account: "devstoreaccount1", key: process.env.AZURE_STORAGE_KEY });
 * const response = await signed("http://127.0.0.1:10000/devstoreaccount1/data/a.fits", { headers: { range: "bytes=0-2879" } });
 * ```
 */
export function azureFetch(options: AzureAccountOptions): FetchLike {
  const base: FetchLike = options.fetch ?? ((input, init) => fetch(input, init));
  const now = options.now ?? Date.now;
  const apiVersion = options.apiVersion ?? AZURE_API_VERSION;
  const sas = options.sas?.replace(/^\?/, "") || undefined;
  let signingKey: Promise<CryptoKey> | undefined;
  return async (input, init = {}) => {
    if (input instanceof Request) throw new TypeError("Cannot sign a Request object: pass its URL and init");
    const url = new URL(input);
    const method = (init.method ?? "GET").toUpperCase();
    const headers = new Headers(init.headers);
    if (!headers.has("x-ms-version")) headers.set("x-ms-version", apiVersion);
    headers.set("x-ms-date", new Date(now()).toUTCString());
    let target = url.href;
    if (sas) {
      target = `${url.origin}${url.pathname}${url.search ? `${url.search}&` : "?"}${sas}`;
    } else if (options.key) {
      signingKey ??= importKey(options.key);
      const signature = await hmacBase64(
        await signingKey,
        stringToSign(method, url, headers, init.body, options.account),
      );
      headers.set("authorization", `SharedKey ${options.account}:${signature}`);
    }
    try {
      return await base(target, { ...init, method, headers });
    } catch (error) {
      throw sas ? withoutSecret(error, sas) : error;
    }
  };
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
 * List the blobs of a container (List Blobs, `restype=container&comp=list`), following `NextMarker`
 * page by page. Names come back in the service's order (lexicographic).
 *
 * @param options Account, credentials, container, prefix and page size.
 * @returns The blobs, fetched one page at a time as the iteration proceeds.
 * @throws {CloudFitsError} `FORBIDDEN`, `NOT_FOUND` (no such container), `NETWORK`, `TIMEOUT` or
 *   `BAD_RESPONSE`.
 *
 * @example Listing FITS files under a prefix
 * ```ts ignore
 * import { azureListBlobs } from "./azure.ts";
 *
 * for await (const item of azureListBlobs({ account: "acct", container: "tess", prefix: "s1/", sas })) {
 *   console.log(item.name, item.size);
 * }
 * ```
 */
export async function* azureListBlobs(
  options: AzureListOptions,
): AsyncGenerator<AzureBlobItem, void, undefined> {
  if (
    options.maxResults !== undefined && !(Number.isSafeInteger(options.maxResults) && options.maxResults > 0)
  ) {
    throw new RangeError(`Cannot list with maxResults ${options.maxResults}: it must be a positive integer`);
  }
  const signed = azureFetch(options);
  const base = containerUrl(options);
  let marker = "";
  do {
    const query = new URLSearchParams({ restype: "container", comp: "list" });
    if (options.prefix) query.set("prefix", options.prefix);
    if (marker) query.set("marker", marker);
    if (options.maxResults !== undefined) query.set("maxresults", String(options.maxResults));
    const url = `${base}?${query.toString().replace(/\+/g, "%20")}`;
    const xml = await request(signed, url, { method: "GET" }, "list blobs in", options);
    for (const match of xml.matchAll(/<Blob>([\s\S]*?)<\/Blob>/g)) yield parseBlobItem(match[1], url);
    marker = xmlText(xml, "NextMarker") ?? "";
  } while (marker);
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
  await request(
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

// ---------------------------------------------------------------------------------------------

function containerUrl(options: { account: string; container: string; blobEndpoint?: string }): string {
  const endpoint = (options.blobEndpoint ?? `https://${options.account}.blob.core.windows.net`).replace(
    /\/+$/,
    "",
  );
  return `${endpoint}/${encodeURIComponent(options.container)}`;
}

/**
 * SharedKey's string to sign for service version 2015-02-21 and later. The resource is the account
 * followed by the URL path as sent, so path-style emulator URLs name the account twice
 * (`/devstoreaccount1/devstoreaccount1/container/blob`), as Microsoft documents for the emulator.
 */
function stringToSign(
  method: string,
  url: URL,
  headers: Headers,
  body: BodyInit | null | undefined,
  account: string,
): string {
  const length = bodyLength(body);
  const standard = [
    method,
    headers.get("content-encoding") ?? "",
    headers.get("content-language") ?? "",
    length === 0 ? "" : String(length),
    headers.get("content-md5") ?? "",
    headers.get("content-type") ?? "",
    "", // Date: x-ms-date is always sent instead.
    headers.get("if-modified-since") ?? "",
    headers.get("if-match") ?? "",
    headers.get("if-none-match") ?? "",
    headers.get("if-unmodified-since") ?? "",
    headers.get("range") ?? "",
  ];
  const canonicalHeaders: string[] = [];
  headers.forEach((value, name) => {
    if (name.startsWith("x-ms-")) canonicalHeaders.push(`${name}:${value.trim()}\n`);
  });
  canonicalHeaders.sort();
  const parameters = new Map<string, string[]>();
  for (const [name, value] of url.searchParams) {
    const key = name.toLowerCase();
    parameters.set(key, [...(parameters.get(key) ?? []), value]);
  }
  const canonicalQuery = [...parameters.keys()].sort().map((name) =>
    `\n${name}:${parameters.get(name)!.sort().join(",")}`
  );
  return `${standard.join("\n")}\n${canonicalHeaders.join("")}/${account}${url.pathname}${
    canonicalQuery.join("")
  }`;
}

function bodyLength(body: BodyInit | null | undefined): number {
  if (body === undefined || body === null) return 0;
  if (typeof body === "string") return new TextEncoder().encode(body).length;
  if (body instanceof ArrayBuffer || ArrayBuffer.isView(body)) return body.byteLength;
  throw new TypeError("Cannot sign an Azure request whose body is not bytes or a string");
}

async function importKey(key: string): Promise<CryptoKey> {
  let raw: Uint8Array<ArrayBuffer>;
  try {
    raw = Uint8Array.from(atob(key), (c) => c.charCodeAt(0));
  } catch {
    throw new TypeError("Cannot use the Azure account key: it is not base64");
  }
  return await crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
}

async function hmacBase64(key: CryptoKey, text: string): Promise<string> {
  const signature = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(text)));
  return btoa(String.fromCharCode(...signature));
}

/**
 * A copy of a fetch error with the SAS cut out of its message: runtimes quote the full URL, and the
 * HTTP source can only scrub the query it knows about, which the SAS is not part of.
 */
function withoutSecret(error: unknown, secret: string): unknown {
  if (!(error instanceof Error) || !error.message.includes(secret)) return error;
  const copy = new Error(error.message.split(`?${secret}`).join("").split(secret).join("(SAS)"));
  copy.name = error.name;
  return copy;
}

/** Send one list or upload request; resolve to the body text of a 2xx answer. */
async function request(
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

function parseBlobItem(block: string, url: string): AzureBlobItem {
  const nameMatch = /<Name(\s+Encoded="true")?>([\s\S]*?)<\/Name>/.exec(block);
  const properties = xmlElement(block, "Properties") ?? "";
  const sizeText = xmlText(properties, "Content-Length");
  const etag = xmlText(properties, "Etag");
  const lastModified = new Date(xmlText(properties, "Last-Modified") ?? "");
  if (
    !nameMatch || !sizeText || !/^\d+$/.test(sizeText) || etag === undefined ||
    Number.isNaN(lastModified.getTime())
  ) {
    throw new CloudFitsError(
      "BAD_RESPONSE",
      `Cannot list blobs in ${redactUrl(url)}: a <Blob> entry is incomplete`,
      {
        url: redactUrl(url),
      },
    );
  }
  const rawName = decodeXmlEntities(nameMatch[2]);
  return {
    name: nameMatch[1] ? decodeURIComponent(rawName) : rawName,
    size: Number(sizeText),
    etag: etag.replace(/^"|"$/g, ""),
    lastModified,
  };
}

/** The raw content of the first `<tag>…</tag>` in `xml`, or undefined. */
function xmlElement(xml: string, tag: string): string | undefined {
  return new RegExp(`<${tag}(?:\\s[^>]*)?>([\\s\\S]*?)</${tag}>`).exec(xml)?.[1];
}
