/**
 * The fetch every Azure Blob request goes through: `x-ms-version` and `x-ms-date` on each, and a SAS
 * appended to the URL or a SharedKey signature computed with `crypto.subtle` (or neither, for public
 * containers). A SAS never leaves this fetch: not in names, messages or request events.
 *
 * @module
 */
import type { FetchLike } from "./http.ts";

/** The storage service version sent as `x-ms-version`: 2011-08-18 or later is needed for open-ended ranges. */
export const AZURE_API_VERSION = "2021-08-06";

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
 * import { azureFetch } from "./azure_fetch.ts";
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
