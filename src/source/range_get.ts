/**
 * How a range GET is spelled, and range GETs sent before the code that reads their answers has loaded.
 *
 * A command line knows its target's first reads from its arguments alone. `cloudfits cutout URL…` sends
 * them at once ({@linkcode startEarlyRead}) and loads its command meanwhile, which takes a compiled
 * binary about 10 ms (bench/startup.ts); the HTTP source that then makes the same request takes the
 * answer in flight ({@linkcode takeEarlyRead}) instead of asking again. The request is the source's own:
 * the same URL and headers, checked, timed and reported by the source like any other. What nobody
 * takes is cancelled ({@linkcode dropEarlyReads}).
 *
 * @module
 */

/**
 * The headers of a range GET: the range, and `identity`, since a compressed body is not the object's
 * bytes.
 *
 * @param range The Range header's value, e.g. `bytes=0-65535` or `bytes=-2097152`.
 * @param extra Headers the caller adds (a signer's, a provider's).
 * @returns The headers.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { rangeHeaders } from "./range_get.ts";
 *
 * assert.deepEqual([...rangeHeaders("bytes=0-9")], [["accept-encoding", "identity"], ["range", "bytes=0-9"]]);
 * ```
 */
export function rangeHeaders(range: string, extra?: HeadersInit): Headers {
  const headers = new Headers(extra);
  headers.set("range", range);
  headers.set("accept-encoding", "identity");
  return headers;
}

/** A request sent early, and what its taker needs. */
export interface EarlyRead {
  /** The response, as `fetch` gives it. */
  response: Promise<Response>;
  /** When it was sent (`performance.now()`), for the taker's report of how long it took. */
  started: number;
  /** Cancel it: the taker's signal fired. */
  abort(reason: unknown): void;
}

const early = new Map<string, EarlyRead>();

/** Headers iterate lower-cased and sorted, so equal requests give equal keys. */
function keyOf(href: string, headers: Headers): string {
  return JSON.stringify([href, [...headers]]);
}

/**
 * Send a range GET now, for an HTTP source to take when it makes the same request. A second start of
 * the same request sends nothing.
 *
 * @param href The URL, spelled as `new URL(url).href` spells it.
 * @param range The Range header's value.
 *
 * @example Sent once, taken once
 * ```ts
 * import assert from "node:assert/strict";
 * import { createServer } from "node:http";
 * import { dropEarlyReads, rangeHeaders, startEarlyRead, takeEarlyRead } from "./range_get.ts";
 *
 * const ranges: (string | undefined)[] = [];
 * const server = createServer((request, response) => {
 *   ranges.push(request.headers.range);
 *   response.writeHead(206, { "content-range": "bytes 0-1/10" }).end("ab");
 * });
 * await new Promise<void>((listening) => server.listen(0, "127.0.0.1", listening));
 * const href = `http://127.0.0.1:${(server.address() as { port: number }).port}/a.fits`;
 *
 * startEarlyRead(href, "bytes=0-1");
 * assert.equal(takeEarlyRead(href, rangeHeaders("bytes=0-9")), undefined); // another request
 * const taken = takeEarlyRead(href, rangeHeaders("bytes=0-1"))!;
 * assert.equal(await (await taken.response).text(), "ab");
 * assert.equal(takeEarlyRead(href, rangeHeaders("bytes=0-1")), undefined); // taken already
 * dropEarlyReads();
 * assert.deepEqual(ranges, ["bytes=0-1"]);
 * server.close();
 * ```
 */
export function startEarlyRead(href: string, range: string): void {
  const headers = rangeHeaders(range);
  const key = keyOf(href, headers);
  if (early.has(key)) return;
  const controller = new AbortController();
  const response = fetch(href, { headers, signal: controller.signal, redirect: "follow" });
  // Its taker sees a failure; one that nobody takes is dropped unseen.
  response.catch(() => {});
  early.set(key, {
    response,
    started: performance.now(),
    abort: (reason) => controller.abort(reason),
  });
}

/**
 * The early read of this request, if one was sent and not yet taken.
 *
 * @param href The URL.
 * @param headers The headers the source would send.
 * @returns The request in flight, or undefined: then send it.
 */
export function takeEarlyRead(href: string, headers: Headers): EarlyRead | undefined {
  if (early.size === 0) return undefined;
  const key = keyOf(href, headers);
  const taken = early.get(key);
  early.delete(key);
  return taken;
}

/** Cancel the early reads that nobody took (the command failed first, or read something else). */
export function dropEarlyReads(): void {
  for (const { response, abort } of early.values()) {
    abort(new DOMException("Not needed", "AbortError"));
    // A response that had arrived still holds its connection until its body is released.
    response.then((answer) => answer.body?.cancel(), () => {}).catch(() => {});
  }
  early.clear();
}
