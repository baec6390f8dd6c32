/**
 * The benchmark's loopback HTTP range server: serves a data directory, waits a fixed latency before
 * every response (to model an object store's first-byte delay) and counts requests and bytes per
 * client. A client is the first path segment: `http://127.0.0.1:PORT/<client>/<file>` serves
 * `<root>/<file>`, so every run gets its own counters without any cooperation from the client.
 *
 * A runner marks the end of its cold phase with a GET of `/<client>/.cold-done`: the server then
 * keeps a snapshot of that client's counters ({@linkcode RangeServer.coldTraffic}) and does not count
 * the mark itself.
 *
 * Runs on Deno and Bun through `node:http`.
 *
 * @module
 */
import { createReadStream } from "node:fs";
import { open, stat } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { resolve, sep } from "node:path";

/** Traffic of one client. */
export interface ClientTraffic {
  /** Every request: GET and HEAD, ranged or not, successful or not. */
  requests: number;
  /** GET requests only. */
  gets: number;
  /** HEAD requests only. */
  heads: number;
  /** Body bytes sent. */
  bytes: number;
  /** Requests that carried a Range header. */
  ranged: number;
  /**
   * Sequential round trips: the longest chain of requests each of which arrived after the response
   * to the one before it had been sent (requests in flight together count once).
   */
  roundTrips: number;
  /** TCP connections whose first request came from this client. */
  connections: number;
  /** Most requests of this client in flight at once (arrived, response not yet ended). */
  maxInFlight: number;
  /** `performance.now()` of the first request's arrival (this process's clock), or null. */
  firstRequestAt: number | null;
}

/** Settings for {@linkcode startRangeServer}. */
export interface RangeServerOptions {
  /** Directory to serve. */
  root: string;
  /** Delay before each response, in milliseconds (default 20). */
  latencyMs?: number;
}

/** A running server. */
export interface RangeServer {
  /** Base URL without trailing slash, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  /** URL of `file` (relative to the root) for `client`. */
  urlFor(client: string, file: string): string;
  /** Traffic of one client so far (zeros if it sent nothing). */
  traffic(client: string): ClientTraffic;
  /** Traffic of one client up to its `.cold-done` mark, or everything when it sent no mark. */
  coldTraffic(client: string): ClientTraffic;
  /** Stop listening and drop open connections. */
  close(): Promise<void>;
}

/** Path (after the client segment) that marks the end of a runner's cold phase. */
export const COLD_MARK = ".cold-done";
/** Largest ranged body read into memory at once; longer ones are streamed. */
const BUFFERED_BODY_BYTES = 16 * 1024 * 1024;

/**
 * Start the range server on 127.0.0.1, port 0.
 *
 * @param options Root directory and latency.
 * @returns The running server.
 *
 * @example Serving a directory with 20 ms per request
 * ```ts ignore
 * const server = await startRangeServer({ root: "bench/results/tmp/data", latencyMs: 20 });
 * const response = await fetch(server.urlFor("run-1", "cube.fits"), { headers: { Range: "bytes=0-2879" } });
 * console.log(response.status, server.traffic("run-1"));
 * await server.close();
 * ```
 */
export async function startRangeServer(options: RangeServerOptions): Promise<RangeServer> {
  const root = resolve(options.root);
  const latencyMs = options.latencyMs ?? 20;
  const counters = new Map<string, ClientTraffic>();
  const coldMarks = new Map<string, ClientTraffic>();
  // Per client: when each answered request's response ended (ms) and its round-trip depth.
  const timings = new Map<string, { ended: number; depth: number }[]>();
  const inFlight = new Map<string, number>();
  const attributed = new WeakSet<Socket>();
  const sockets = new Set<Socket>();

  const count = (client: string): ClientTraffic => {
    let traffic = counters.get(client);
    if (!traffic) {
      traffic = {
        requests: 0,
        gets: 0,
        heads: 0,
        bytes: 0,
        ranged: 0,
        roundTrips: 0,
        connections: 0,
        maxInFlight: 0,
        firstRequestAt: null,
      };
      counters.set(client, traffic);
    }
    return traffic;
  };

  const server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? "/", "http://x").pathname);
    const [, client = "", ...rest] = path.split("/");
    if (rest.join("/") === COLD_MARK) {
      coldMarks.set(client, { ...count(client) });
      response.writeHead(204);
      response.end();
      return;
    }
    const traffic = count(client);
    traffic.requests++;
    if (request.method === "HEAD") traffic.heads++;
    else traffic.gets++;
    if (request.headers.range) traffic.ranged++;
    const arrived = performance.now();
    traffic.firstRequestAt ??= arrived;
    if (!attributed.has(request.socket)) {
      attributed.add(request.socket);
      traffic.connections++;
    }
    const flying = (inFlight.get(client) ?? 0) + 1;
    inFlight.set(client, flying);
    traffic.maxInFlight = Math.max(traffic.maxInFlight, flying);
    const done = timings.get(client) ?? [];
    timings.set(client, done);
    // This request waited for every response that ended before it arrived: one round trip more than
    // the deepest of those.
    const depth = 1 +
      done.reduce((deepest, t) => t.ended <= arrived ? Math.max(deepest, t.depth) : deepest, 0);
    traffic.roundTrips = Math.max(traffic.roundTrips, depth);
    response.on("close", () => {
      done.push({ ended: performance.now(), depth });
      inFlight.set(client, inFlight.get(client)! - 1);
    });
    setTimeout(() => {
      answer(root, rest.join("/"), request, response, traffic).catch((error) => {
        if (!response.headersSent) {
          response.writeHead(500, { "Content-Type": "text/plain" });
          response.end(String(error));
        } else {
          response.destroy();
        }
      });
    }, latencyMs);
  });
  server.keepAliveTimeout = 30_000;
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => ok());
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("Cannot start range server: no port");
  const url = `http://127.0.0.1:${address.port}`;

  return {
    url,
    urlFor: (client, file) =>
      `${url}/${encodeURIComponent(client)}/${file.split("/").map(encodeURIComponent).join("/")}`,
    traffic: (client) => ({ ...count(client) }),
    coldTraffic: (client) => ({ ...(coldMarks.get(client) ?? count(client)) }),
    close: () =>
      new Promise<void>((ok) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => ok());
      }),
  };
}

async function answer(
  root: string,
  relative: string,
  request: IncomingMessage,
  response: ServerResponse,
  traffic: ClientTraffic,
): Promise<void> {
  const file = resolve(root, relative);
  if (request.method !== "GET" && request.method !== "HEAD") {
    response.writeHead(405, { Allow: "GET, HEAD" });
    response.end();
    return;
  }
  let size: number;
  let mtime: number;
  try {
    if (!file.startsWith(root + sep)) throw new Error("outside root");
    const info = await stat(file);
    if (!info.isFile()) throw new Error("not a file");
    size = info.size;
    mtime = info.mtimeMs;
  } catch {
    response.writeHead(404, { "Content-Type": "text/plain" });
    response.end("Not found");
    return;
  }
  const headers: Record<string, string> = {
    "Accept-Ranges": "bytes",
    "ETag": `"${size.toString(16)}-${Math.floor(mtime).toString(16)}"`,
    "Content-Type": "application/octet-stream",
  };
  const range = parseRange(request.headers.range, size);
  if (range === "unsatisfiable") {
    response.writeHead(416, { ...headers, "Content-Range": `bytes */${size}` });
    response.end();
    return;
  }
  const [start, end] = range ?? [0, size - 1];
  const length = Math.max(0, end - start + 1);
  if (range) headers["Content-Range"] = `bytes ${start}-${end}/${size}`;
  headers["Content-Length"] = String(length);
  response.writeHead(range ? 206 : 200, headers);
  if (request.method === "HEAD" || length === 0) {
    response.end();
    return;
  }
  if (length <= BUFFERED_BODY_BYTES) {
    const handle = await open(file, "r");
    try {
      const body = new Uint8Array(length);
      let at = 0;
      while (at < length) {
        const { bytesRead } = await handle.read(body, at, length - at, start + at);
        if (bytesRead === 0) break;
        at += bytesRead;
      }
      traffic.bytes += at;
      response.end(body.subarray(0, at));
    } finally {
      await handle.close();
    }
    return;
  }
  const stream = createReadStream(file, { start, end });
  stream.on("data", (chunk) => {
    traffic.bytes += chunk.length;
  });
  stream.on("error", () => response.destroy());
  stream.pipe(response);
}

/** A single `bytes=a-b`, `bytes=a-` or `bytes=-n` range, clamped; null for none or several ranges. */
function parseRange(header: string | undefined, size: number): [number, number] | null | "unsatisfiable" {
  if (!header) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === "" && match[2] === "")) return null;
  if (match[1] === "") {
    const suffix = Number(match[2]);
    if (suffix === 0) return "unsatisfiable";
    return [Math.max(0, size - suffix), size - 1];
  }
  const start = Number(match[1]);
  if (start >= size) return "unsatisfiable";
  const end = match[2] === "" ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (end < start) return null;
  return [start, end];
}
