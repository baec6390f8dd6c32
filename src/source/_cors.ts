/**
 * Browsers answer a request their CORS rules forbid with the same bare `TypeError` as a network failure,
 * and tell a page nothing more. This module recognises that failure and words the advice.
 *
 * @module
 */

/**
 * The messages browsers give a `fetch` that got no readable answer: Chromium, Firefox, Safari. Deno, Bun
 * and Node word their network failures differently, so these mean "a browser refused, or the network
 * failed, and the page may not know which".
 */
const OPAQUE_FAILURE = /^(Failed to fetch|NetworkError when attempting to fetch resource\.?|Load failed)$/;

/** What a bucket must allow for a page on another origin to read it (README, "Browsers and CORS"). */
export const CORS_ADVICE =
  "the server must allow GET from this page's origin, allow the Range request header and expose " +
  "Content-Range, Content-Length and ETag (see the README, 'Browsers and CORS')";

/**
 * Tell whether a `fetch` rejection is a browser's opaque failure of a request to another origin: then
 * it is possibly CORS, and retrying cannot help (the browser refuses the same way each time).
 *
 * @param error What `fetch` rejected with.
 * @param target The URL requested.
 * @param page The page's location (`globalThis.location`), when there is one.
 * @returns True for a browser's bare failure of a cross-origin request.
 *
 * @example Chromium's answer to a bucket without CORS rules
 * ```ts
 * import assert from "node:assert/strict";
 * import { isPossiblyCors } from "./_cors.ts";
 *
 * const bucket = new URL("https://bucket.example/a.fits");
 * const page = new URL("https://viewer.example/index.html");
 * assert.equal(isPossiblyCors(new TypeError("Failed to fetch"), bucket, page), true);
 * assert.equal(isPossiblyCors(new TypeError("Failed to fetch"), new URL("/a.fits", page), page), false);
 * assert.equal(isPossiblyCors(new TypeError("error sending request"), bucket, page), false);
 * ```
 */
export function isPossiblyCors(error: unknown, target: URL, page: { origin: string } | undefined): boolean {
  if (!(error instanceof TypeError) || !OPAQUE_FAILURE.test(error.message)) return false;
  // The same origin needs no CORS: there the failure is the network's, and a retry may help.
  return page === undefined || page.origin !== target.origin;
}

/**
 * The page's location when the code runs in a browser page (or under `deno run --location`), else
 * `undefined`.
 *
 * @returns The location, with its `href` and `origin`.
 *
 * @example Outside a page
 * ```ts
 * import { pageLocation } from "./_cors.ts";
 *
 * console.log(pageLocation()?.origin); // undefined under `deno test`
 * ```
 */
export function pageLocation(): { href: string; origin: string } | undefined {
  const location = (globalThis as { location?: { href?: unknown; origin?: unknown } }).location;
  return typeof location?.href === "string" && typeof location.origin === "string"
    ? { href: location.href, origin: location.origin }
    : undefined;
}
