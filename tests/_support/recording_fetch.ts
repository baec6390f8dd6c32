/**
 * The one recording fetch of the tests: it records every request (method, URL as sent, headers), then
 * answers it — from a script, or by sending it for real — and counts the body bytes its caller reads.
 *
 * @module
 */
import type { FetchLike } from "../../src/source/http.ts";

/** One request as the client sent it, and what its answer came to. */
export interface RecordedRequest {
  /** HTTP method. */
  method: string;
  /** The URL as sent (query signatures and SAS included). */
  url: string;
  /** Every request header. */
  headers: Headers;
  /** The `Range` header, or null. */
  range: string | null;
  /** The `Accept-Encoding` header, or null. */
  acceptEncoding: string | null;
  /** The `Authorization` header, or null. */
  authorization: string | null;
  /** Response status (0 until answered). */
  status: number;
  /** Response body bytes the client consumed. */
  bytes: number;
}

/** Answers a recorded request instead of the network. */
export type Answer = (url: string, headers: Headers, index: number) => Response | Promise<Response>;

/**
 * A fetch that records each request in `requests`.
 *
 * @param answer How to answer (default: send the request with the real `fetch`).
 * @returns The fetch and its record.
 */
export function recordingFetch(answer?: Answer): { fetch: FetchLike; requests: RecordedRequest[] } {
  const requests: RecordedRequest[] = [];
  const fetchRecorded: FetchLike = async (input, init) => {
    const headers = new Headers(init?.headers);
    const url = String(input instanceof Request ? input.url : input);
    const entry: RecordedRequest = {
      method: init?.method ?? "GET",
      url,
      headers,
      range: headers.get("range"),
      acceptEncoding: headers.get("accept-encoding"),
      authorization: headers.get("authorization"),
      status: 0,
      bytes: 0,
    };
    requests.push(entry);
    const response = answer === undefined
      ? await fetch(input, init)
      : await answer(url, headers, requests.length - 1);
    entry.status = response.status;
    if (response.body === null) return response;
    const body = response.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          entry.bytes += chunk.byteLength;
          controller.enqueue(chunk);
        },
      }),
    );
    return new Response(body, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
  return { fetch: fetchRecorded, requests };
}
