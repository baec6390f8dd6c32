/**
 * Turn a location — a path, an `https://`, `s3://`, `gs://` or `az://` URL — into a byte source with
 * the right signing, credentials and retries. Everything outside the library (environment, files,
 * processes, fetch) is injected, so this module stays browser-safe.
 *
 * @module
 */
import { CloudFitsError } from "./errors.ts";
import { type Location, parseLocation, redactUrl } from "./url.ts";
import { httpSource, type HttpSourceOptions } from "./source/http.ts";
import type { SourceOptions } from "./source_options.ts";

export type { SourceOptions };
import { withRetry } from "./source/retry.ts";
import type { ByteSource } from "./source/types.ts";
import { pageLocation } from "./source/_cors.ts";

/**
 * Open a byte source for a location string or parsed location.
 *
 * - `s3://` and native AWS URLs: SigV4 through aws4fetch with the AWS CLI's credential chain
 *   (anonymous when there are no credentials or with `noSign`), region from the options, the
 *   environment or the profile, one wrong-region retry, requester pays only when asked.
 * - `gs://` and `storage.googleapis.com` URLs: anonymous HTTPS, or HMAC keys (`GCS_HMAC_ACCESS_ID` and
 *   `GCS_HMAC_SECRET`) through the S3-compatible XML API.
 * - `az://` and `*.blob.core.windows.net` URLs: a SAS (from the URL or `AZURE_STORAGE_SAS_TOKEN`) or
 *   SharedKey (`AZURE_STORAGE_KEY`, `AZURE_STORAGE_CONNECTION_STRING`).
 * - other `http(s)://` URLs, presigned ones included: plain range GETs.
 * - local paths: through `options.openFile`; without it, in a browser page (or with `baseUrl`), URLs
 *   relative to the page (`data/a.fits` next to `index.html`).
 *
 * Every remote source retries transient failures (`withRetry`).
 *
 * @param location The location.
 * @param options Credentials, endpoints and injected environment.
 * @returns The byte source.
 *
 * @example An anonymous S3 object, and a local path without `openFile`
 * ```ts
 * import assert from "node:assert/strict";
 * import { openSource } from "@cloudfits/core";
 *
 * const object = new TextEncoder().encode("SIMPLE  =                    T".padEnd(2880));
 * const urls: string[] = [];
 * // A stand-in for the network: answers every ranged GET from `object`.
 * const fetch = (url: string | URL | Request, init?: RequestInit) => {
 *   urls.push(String(url));
 *   const [, a, b] = /bytes=(\d+)-(\d+)/.exec(new Headers(init?.headers).get("range")!)!;
 *   return Promise.resolve(new Response(object.slice(Number(a), Number(b) + 1), {
 *     status: 206,
 *     headers: { "content-range": `bytes ${a}-${b}/${object.length}` },
 *   }));
 * };
 *
 * const source = await openSource("s3://stpubdata/tess/a.fits", { noSign: true, fetch });
 * assert.equal(new TextDecoder().decode(await source.read(0, 6)), "SIMPLE");
 * assert.deepEqual(urls, ["https://stpubdata.s3.us-east-1.amazonaws.com/tess/a.fits"]);
 * await assert.rejects(openSource("data/a.fits"), { code: "UNSUPPORTED" });
 * ```
 */
export async function openSource(
  location: string | Location,
  options: SourceOptions = {},
): Promise<ByteSource> {
  const where = typeof location === "string" ? parseLocation(location, options.env ?? {}) : location;
  const http: HttpSourceOptions = {
    onRequest: options.onRequest,
    timeoutMs: options.timeoutMs,
    requestPool: options.requestPool,
    size: options.expected?.size,
    etag: options.expected?.etag,
  };
  let source: ByteSource;
  switch (where.kind) {
    case "file": {
      if (options.openFile) return options.openFile(where.path);
      const base = options.baseUrl ?? pageLocation()?.href;
      if (base === undefined) {
        throw new CloudFitsError(
          "UNSUPPORTED",
          `Cannot open local path ${where.path}: pass openFile (from @cloudfits/core/file) to read local files`,
        );
      }
      const url = new URL(where.path, base);
      if (url.protocol !== "http:" && url.protocol !== "https:") {
        throw new CloudFitsError(
          "UNSUPPORTED",
          `Cannot open ${where.path}: relative to ${redactUrl(base)} it is not an http(s) URL`,
        );
      }
      return openSource(url.href, { ...options, baseUrl: undefined });
    }
    case "http":
      source = httpSource(where.url, { ...http, fetch: options.fetch });
      break;
    default: {
      // S3, GCS and Azure (signing, credentials, aws4fetch) load only when such a location is opened.
      const { cloudSource } = await import("./cloud_source.ts");
      source = await cloudSource(where, http, options);
    }
  }
  return options.retries === 0 ? source : withRetry(source, { retries: options.retries });
}
