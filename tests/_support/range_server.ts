/**
 * A loopback HTTP server with correct `Range` handling and switchable misbehaviours, for tests and
 * benchmarks on both Deno and Bun (through `node:http`).
 *
 * Correct behaviour: `GET`/`HEAD`; a single `bytes=a-b`, `bytes=a-` or `bytes=-n` range gives 206 with
 * `Content-Range: bytes a-b/size`; a range starting at or after the end gives 416 with
 * Content-Range: bytes &#42;/size; anything else (no Range, several ranges, malformed) gives 200 with the whole
 * object. Every response carries `Accept-Ranges: bytes` and an ETag (strong by default).
 *
 * Misbehaviours ({@linkcode Fault}) are set per path or for every path, optionally for a number of
 * requests only, with `setFault`.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { Readable } from "node:stream";
import { resolve, sep } from "node:path";
import { gzipSync } from "node:zlib";
import { CORS_HEADERS, parseRange } from "../../cli/serve.ts";

/**
 * A misbehaviour of the server. `times` limits it to that many matching requests (default: until
 * cleared).
 */
export type Fault =
  & { times?: number }
  & (
    /**
     * Answer ranged requests with 200 and the whole object; with `chunked`, without Content-Length
     * (chunked transfer encoding).
     */
    | { kind: "ignore-range"; chunked?: boolean }
    /** Answer every request with 416 and Content-Range: bytes &#42;/size. */
    | { kind: "always-416" }
    /** Send a different strong ETag than the object's. */
    | { kind: "change-etag"; etag?: string }
    /** Gzip the body of a 206 and say `Content-Encoding: gzip`. */
    | { kind: "gzip" }
    /** Answer with an error status (default 500) and a short text body. */
    | { kind: "status"; status?: number }
    /**
     * Answer 429 (or `status`, e.g. 503) with an S3 `SlowDown` XML body and `Retry-After: seconds`
     * (default 1; `null` sends none, as S3 does).
     */
    | { kind: "throttle"; status?: number; retryAfter?: number | null }
    /**
     * Send the headers and half of the body, then reset the connection (RST). Bun's fetch silently
     * re-sends a GET whose reused keep-alive connection resets, so to see the reset in a test under
     * Bun, make the faulted request the first one on a fresh server.
     */
    | { kind: "reset" }
    /**
     * Send the headers (full Content-Length) and `bytes` body bytes (default half), then close the
     * connection cleanly; with `chunked`, send no Content-Length and end the chunked body properly, as
     * a server that means to send fewer bytes would.
     */
    | { kind: "truncate"; bytes?: number; chunked?: boolean }
    /**
     * Never answer (until the client gives up or the server closes); with `bytes`, send the headers
     * and that many body bytes first, then stall mid-body.
     */
    | { kind: "stall"; bytes?: number }
    /** Answer 206 with this `Content-Range` (default: the right one shifted by one byte). */
    | { kind: "wrong-content-range"; contentRange?: string }
    /**
     * Misanswer suffix ranges (`bytes=-n`) only; other requests are answered as usual and do not count
     * towards `times`. `ignore`: 200 and the whole object; `416`: 416; `new-etag`: the right bytes under
     * another strong ETag; `grown`: as if the object had grown by one block since (a total one block
     * larger, zeros, another ETag).
     */
    | { kind: "suffix-range"; answer: "ignore" | "416" | "new-etag" | "grown" }
    /** Answer 403 with an S3-style XML error body (`code` default `AccessDenied`). */
    | { kind: "forbidden"; code?: string }
    /** Answer 404 with an S3-style `NoSuchKey` XML body. */
    | { kind: "not-found" }
    /**
     * Fail each request with probability `probability` (drawn from a PRNG seeded with `seed`, default
     * 1), choosing uniformly among `kinds`: HTTP 500, HTTP 503, 429 throttle, reset, truncate. The
     * log records the fault actually applied (`status`, `throttle`, `reset` or `truncate`), or none.
     */
    | { kind: "random"; probability: number; seed?: number; kinds?: readonly RandomFaultKind[] }
  );

/** The failures a `random` fault chooses among. */
export type RandomFaultKind = "500" | "503" | "429" | "reset" | "truncate";

const RANDOM_FAULT_KINDS: readonly RandomFaultKind[] = ["500", "503", "429", "reset", "truncate"];

/** One request as the server saw and answered it. */
export interface RequestLogEntry {
  /** HTTP method. */
  method: string;
  /** Path without the query string, decoded. */
  path: string;
  /** Path and query string as sent. */
  url: string;
  /** The `Range` header, if any. */
  range: string | undefined;
  /** All request headers (lowercase names). */
  headers: IncomingHttpHeaders;
  /** Response status (0 while undecided, or when the server never answered). */
  status: number;
  /** Body bytes handed to the socket (at most the kernel's buffers more than the client received). */
  bytes: number;
  /** True when the connection closed before the whole response was written (the client cancelled). */
  cutShort: boolean;
  /** The fault applied, if any. */
  fault: Fault["kind"] | undefined;
  /** When the request arrived (`performance.now()`, ms). */
  received: number;
  /** When its response was completely written or cut short (ms; undefined until then, or for stalls). */
  answered?: number;
}

/** Settings for {@linkcode startRangeServer}. */
export interface RangeServerOptions {
  /** Objects in memory by path (`"a.fits"` or `"/a.fits"`). */
  files?: Record<string, Uint8Array> | Map<string, Uint8Array>;
  /** A directory to serve files from (after `files`); paths cannot escape it. */
  root?: string;
  /** ETag style (default `"strong"`). */
  etags?: "strong" | "weak" | "none";
  /**
   * Answer with the CORS rules a page on another origin needs (`cloudfits serve`'s), and answer
   * preflight `OPTIONS` requests; without it a browser refuses to let a page read the responses.
   */
  cors?: boolean;
  /**
   * Milliseconds to wait before answering each request, as a distant server would: requests sent
   * together then overlap, and requests that wait for an earlier answer start after it (see
   * {@linkcode roundTrips}).
   */
  latency?: number;
}

/** A running range server. */
export interface RangeServer {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:40123`. */
  url: string;
  /** Every request in arrival order; clear with `log.length = 0`. */
  log: RequestLogEntry[];
  /** Set (or with `null` clear) a fault for one path (`"/a.fits"` or `"a.fits"`) or, without a path, for all. */
  setFault(fault: Fault | null, path?: string): void;
  /** Replace or add an in-memory object (its ETag changes with its content). */
  setFile(path: string, bytes: Uint8Array): void;
  /** TCP connections accepted so far, and the most requests ever answered at once. */
  readonly traffic: { connections: number; peakInFlight: number };
  /** Resolve once every response so far has been completely written or cut short (stalls excepted). */
  idle(): Promise<void>;
  /** Stop listening and destroy open connections, stalled ones included. */
  close(): Promise<void>;
}

interface ActiveFault {
  fault: Fault;
  remaining: number;
  /** The seeded PRNG of a `random` fault. */
  random?: () => number;
}

/** In-memory bodies larger than this are written in chunks, so that a client's cancel stops them. */
const CHUNK_BYTES = 64 * 1024;

interface ObjectInfo {
  size: number;
  etag: string;
  /** Bytes `start..end` inclusive, as one buffer or a stream for files on disk. */
  slice(start: number, end: number): Uint8Array | Readable;
}

/**
 * Start a range server on 127.0.0.1 with an ephemeral port.
 *
 * @param options Objects to serve and ETag style.
 * @returns The server: base URL, request log, fault switch and `close()`.
 *
 * @example Serving one object and failing its first two requests
 * ```ts ignore
 * const server = await startRangeServer({ files: { "a.fits": bytes } });
 * server.setFault({ kind: "status", status: 500, times: 2 }, "/a.fits");
 * const response = await fetch(`${server.url}/a.fits`, { headers: { range: "bytes=0-9" } });
 * await server.close();
 * ```
 */
export async function startRangeServer(options: RangeServerOptions = {}): Promise<RangeServer> {
  const files = new Map<string, Uint8Array>();
  for (
    const [path, bytes] of options.files instanceof Map ? options.files : Object.entries(options.files ?? {})
  ) {
    files.set(normalizePath(path), bytes);
  }
  const root = options.root === undefined ? undefined : resolve(options.root);
  const etags = options.etags ?? "strong";
  const faults = new Map<string | undefined, ActiveFault>();
  const log: RequestLogEntry[] = [];
  const sockets = new Set<Socket>();
  /** Responses still being written, so that `idle()` can wait for a cancelled body to stop. */
  const writing = new Set<Promise<void>>();
  const traffic = { connections: 0, peakInFlight: 0 };
  let inFlight = 0;

  const lookup = async (path: string): Promise<ObjectInfo | undefined> => {
    const bytes = files.get(path);
    if (bytes !== undefined) {
      const hash = createHash("sha1").update(bytes).digest("hex").slice(0, 16);
      return { size: bytes.length, etag: hash, slice: (start, end) => bytes.subarray(start, end + 1) };
    }
    if (root === undefined) return undefined;
    const full = resolve(root, "." + path);
    if (!full.startsWith(root + sep)) return undefined;
    try {
      const info = await stat(full);
      if (!info.isFile()) return undefined;
      return {
        size: info.size,
        etag: `${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}`,
        slice: (start, end) => createReadStream(full, { start, end }),
      };
    } catch {
      return undefined;
    }
  };

  const takeFault = (path: string, range: string | undefined): Fault | undefined => {
    for (const key of [path, undefined]) {
      const active = faults.get(key);
      if (active === undefined) continue;
      if (active.fault.kind === "suffix-range" && !/^bytes=-\d+$/.test(range?.trim() ?? "")) return undefined;
      active.remaining--;
      if (active.remaining <= 0) faults.delete(key);
      return active.random === undefined ? active.fault : drawFault(active.fault, active.random);
    }
    return undefined;
  };

  const server = createServer((request, response) => {
    traffic.peakInFlight = Math.max(traffic.peakInFlight, ++inFlight);
    response.on("close", () => inFlight--);
    const rawUrl = request.url ?? "/";
    const query = rawUrl.indexOf("?");
    const path = normalizePath(decodeURIComponent(query < 0 ? rawUrl : rawUrl.slice(0, query)));
    const entry: RequestLogEntry = {
      method: request.method ?? "GET",
      path,
      url: rawUrl,
      range: request.headers.range,
      headers: request.headers,
      status: 0,
      bytes: 0,
      cutShort: false,
      fault: undefined,
      received: performance.now(),
    };
    log.push(entry);
    if (options.cors) {
      for (const [name, value] of Object.entries(CORS_HEADERS)) response.setHeader(name, value);
      if (entry.method === "OPTIONS") {
        entry.status = 204;
        response.writeHead(204).end();
        return;
      }
    }
    const fault = takeFault(path, entry.range);
    entry.fault = fault?.kind;
    if (fault?.kind !== "stall") {
      const done = new Promise<void>((settled) => {
        response.once("finish", () => {
          entry.answered ??= performance.now();
          settled();
        });
        response.once("close", () => {
          if (!response.writableFinished) entry.cutShort = true;
          entry.answered ??= performance.now();
          settled();
        });
      });
      writing.add(done);
      done.then(() => writing.delete(done));
    }
    const delay = options.latency ?? 0;
    const answer = delay > 0
      ? new Promise((waited) => setTimeout(waited, delay)).then(() =>
        respond(entry, fault, request.headers.range, response)
      )
      : respond(entry, fault, request.headers.range, response);
    answer.catch(() => {
      // The client went away or the test closed the server: nothing left to answer.
      response.destroy();
    });
  });

  const send = (
    entry: RequestLogEntry,
    response: ServerResponse,
    status: number,
    headers: Record<string, string | number>,
    body?: Uint8Array | string,
  ): void => {
    const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body ?? new Uint8Array(0);
    entry.status = status;
    response.writeHead(status, { "content-length": bytes.length, ...headers });
    if (entry.method === "HEAD") {
      response.end();
      return;
    }
    entry.bytes = bytes.length;
    response.end(bytes);
  };

  const respond = async (
    entry: RequestLogEntry,
    fault: Fault | undefined,
    rangeHeader: string | undefined,
    response: ServerResponse,
  ): Promise<void> => {
    if (fault?.kind === "stall" && fault.bytes === undefined) return;
    if (fault?.kind === "status") {
      return send(entry, response, fault.status ?? 500, { "content-type": "text/plain" }, "injected failure");
    }
    if (fault?.kind === "throttle") {
      const retryAfter = fault.retryAfter === undefined ? 1 : fault.retryAfter;
      return send(entry, response, fault.status ?? 429, {
        "content-type": "application/xml",
        ...(retryAfter === null ? {} : { "retry-after": retryAfter }),
      }, s3Error("SlowDown", "Please reduce your request rate."));
    }
    if (fault?.kind === "forbidden") {
      const code = fault.code ?? "AccessDenied";
      return send(
        entry,
        response,
        403,
        { "content-type": "application/xml" },
        s3Error(code, "Access Denied"),
      );
    }
    const object = fault?.kind === "not-found" ? undefined : await lookup(entry.path);
    if (object === undefined) {
      return send(
        entry,
        response,
        404,
        { "content-type": "application/xml" },
        s3Error("NoSuchKey", "The specified key does not exist."),
      );
    }
    if (entry.method !== "GET" && entry.method !== "HEAD") {
      return send(entry, response, 405, { allow: "GET, HEAD" });
    }
    const headers: Record<string, string | number> = {
      "accept-ranges": "bytes",
      "content-type": "application/octet-stream",
    };
    const suffix = fault?.kind === "suffix-range" ? fault.answer : undefined;
    const tag = fault?.kind === "change-etag"
      ? fault.etag ?? `changed-${object.etag}`
      : suffix === "new-etag" || suffix === "grown"
      ? `changed-${object.etag}`
      : object.etag;
    if (etags === "strong") headers.etag = `"${tag}"`;
    if (etags === "weak") headers.etag = `W/"${tag}"`;

    const range = fault?.kind === "ignore-range" || suffix === "ignore"
      ? undefined
      : parseRange(rangeHeader, object.size);
    if (suffix === "grown" && range !== undefined && range !== "unsatisfiable") {
      const total = object.size + 2880;
      const start = Math.max(0, total - Number(rangeHeader!.trim().slice("bytes=-".length)));
      headers["content-range"] = `bytes ${start}-${total - 1}/${total}`;
      return send(entry, response, 206, headers, new Uint8Array(total - start));
    }
    if (fault?.kind === "always-416" || suffix === "416" || range === "unsatisfiable") {
      return send(entry, response, 416, { "content-range": `bytes */${object.size}`, ...headers });
    }
    if (range === undefined) {
      return sendBody(entry, response, 200, headers, object, 0, object.size - 1, fault);
    }
    headers["content-range"] = fault?.kind === "wrong-content-range"
      ? fault.contentRange ?? `bytes ${range.start + 1}-${range.end + 1}/${object.size}`
      : `bytes ${range.start}-${range.end}/${object.size}`;
    if (fault?.kind === "gzip") {
      const plain = await toBytes(object.slice(range.start, range.end));
      return send(entry, response, 206, { ...headers, "content-encoding": "gzip" }, gzipSync(plain));
    }
    return sendBody(entry, response, 206, headers, object, range.start, range.end, fault);
  };

  const sendBody = async (
    entry: RequestLogEntry,
    response: ServerResponse,
    status: number,
    headers: Record<string, string | number>,
    object: ObjectInfo,
    start: number,
    end: number,
    fault: Fault | undefined,
  ): Promise<void> => {
    const length = end - start + 1;
    if (entry.method === "HEAD") {
      return send(entry, response, status, { ...headers, "content-length": length });
    }
    if (fault?.kind === "stall") {
      const bytes = await toBytes(object.slice(start, Math.min(end, start + (fault.bytes ?? 0) - 1)));
      entry.status = status;
      entry.bytes = bytes.length;
      response.writeHead(status, { "content-length": length, ...headers });
      response.write(bytes);
      return;
    }
    if (fault?.kind !== "reset" && fault?.kind !== "truncate") {
      const body = object.slice(start, end);
      const chunked = fault?.kind === "ignore-range" && fault.chunked === true;
      if (body instanceof Uint8Array && body.length <= CHUNK_BYTES && !chunked) {
        return send(entry, response, status, headers, body);
      }
      entry.status = status;
      response.writeHead(status, chunked ? headers : { "content-length": length, ...headers });
      const chunks = body instanceof Uint8Array ? chunksOf(body) : body;
      for await (const chunk of chunks) {
        if (response.destroyed || entry.cutShort) return;
        entry.bytes += (chunk as Uint8Array).length;
        if (!response.write(chunk)) await drained(response);
      }
      response.end();
      return;
    }
    // Send part of the body behind a full Content-Length, then cut the connection.
    const partial = fault.kind === "truncate" && fault.bytes !== undefined
      ? fault.bytes
      : Math.floor(length / 2);
    const bytes = (await toBytes(object.slice(start, end))).subarray(0, partial);
    entry.status = status;
    entry.bytes = bytes.length;
    if (fault.kind === "truncate" && fault.chunked === true) {
      response.writeHead(status, headers);
      response.end(bytes);
      return;
    }
    response.writeHead(status, { "content-length": length, ...headers });
    response.write(bytes);
    await new Promise<void>((flushed) => response.write(new Uint8Array(0), () => flushed()));
    const socket = response.socket;
    if (fault.kind === "reset" && socket !== null && typeof socket.resetAndDestroy === "function") {
      socket.resetAndDestroy();
    } else {
      socket?.end();
    }
  };

  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    traffic.connections++;
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((listening) => server.listen(0, "127.0.0.1", () => listening()));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("Cannot start range server: no port");

  return {
    url: `http://127.0.0.1:${address.port}`,
    log,
    traffic,
    setFault(fault: Fault | null, path?: string): void {
      const key = path === undefined ? undefined : normalizePath(path);
      if (fault === null) faults.delete(key);
      else {
        const random = fault.kind === "random" ? seededRandom(fault.seed ?? 1) : undefined;
        faults.set(key, { fault, remaining: fault.times ?? Infinity, ...(random ? { random } : {}) });
      }
    },
    setFile(path: string, bytes: Uint8Array): void {
      files.set(normalizePath(path), bytes);
    },
    async idle(): Promise<void> {
      while (writing.size > 0) await Promise.all(writing);
    },
    close(): Promise<void> {
      return new Promise<void>((closed) => {
        server.close(() => closed());
        for (const socket of sockets) socket.destroy();
      });
    },
  };
}

/**
 * Sequential round trips in a log: the longest chain of requests each sent only after an earlier one
 * was answered. Requests sent together form one wave, so with a server `latency` well above the
 * client's own work, this counts the round trips a reader waited for, however many requests each held.
 *
 * @param log Log entries, all answered.
 * @returns The number of waves (0 for an empty log).
 */
export function roundTrips(log: readonly RequestLogEntry[]): number {
  const waves: number[] = [];
  for (const [i, entry] of log.entries()) {
    let wave = 1;
    for (const [j, earlier] of log.slice(0, i).entries()) {
      if (earlier.answered === undefined) continue;
      if (earlier.answered <= entry.received) wave = Math.max(wave, waves[j] + 1);
    }
    waves.push(wave);
  }
  return Math.max(0, ...waves);
}

/**
 * A deterministic PRNG (mulberry32): the same seed gives the same sequence in [0, 1) on every runtime.
 *
 * @param seed Any 32-bit integer.
 * @returns A function returning the next number of the sequence.
 *
 * @example Seeding retry jitter in a test
 * ```ts ignore
 * const source = withRetry(httpSource(url), { random: seededRandom(7), sleep: async () => {} });
 * ```
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Resolve a `random` fault for one request: a concrete fault, or none. */
function drawFault(fault: Fault, random: () => number): Fault | undefined {
  if (fault.kind !== "random") return fault;
  if (random() >= fault.probability) return undefined;
  const kinds = fault.kinds ?? RANDOM_FAULT_KINDS;
  const kind = kinds[Math.floor(random() * kinds.length)];
  switch (kind) {
    case "500":
      return { kind: "status", status: 500 };
    case "503":
      return { kind: "status", status: 503 };
    case "429":
      return { kind: "throttle", status: 429 };
    case "reset":
      return { kind: "reset" };
    case "truncate":
      return { kind: "truncate" };
  }
}

function* chunksOf(bytes: Uint8Array): Generator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += CHUNK_BYTES) yield bytes.subarray(at, at + CHUNK_BYTES);
}

/** Wait until the response drains, or until its connection closes (a cancelled body never drains). */
function drained(response: ServerResponse): Promise<void> {
  return new Promise((done) => {
    const finish = () => {
      response.off("drain", finish);
      response.off("close", finish);
      done();
    };
    response.once("drain", finish);
    response.once("close", finish);
  });
}

function normalizePath(path: string): string {
  return path.startsWith("/") ? path : "/" + path;
}

/** An object served at a path of its own, so that a test sees only its own faults and traffic. */
export interface ServedObject {
  /** The path on the server. */
  path: string;
  /** Its URL, with the query string asked for. */
  url: string;
  /** The server's log entries for this path so far. */
  requests(): RequestLogEntry[];
}

let served = 0;

/**
 * Put `bytes` on `server` at a fresh path, with a fault for that path only.
 *
 * @param server The range server.
 * @param bytes The object.
 * @param options A fault for the path, a query string for the URL (`?X-Amz-Signature=…`), a path prefix.
 * @returns The path, the URL and the path's traffic.
 */
export function serveObject(
  server: RangeServer,
  bytes: Uint8Array,
  options: { fault?: Fault; query?: string; prefix?: string } = {},
): ServedObject {
  const path = `/${options.prefix ?? "object"}-${++served}.bin`;
  server.setFile(path, bytes);
  if (options.fault !== undefined) server.setFault(options.fault, path);
  return {
    path,
    url: `${server.url}${path}${options.query ?? ""}`,
    requests: () => server.log.filter((entry) => entry.path === path),
  };
}

/**
 * A loopback port with nothing listening on it (bound, then closed), for connection-refused cases.
 *
 * @returns The port.
 */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function toBytes(body: Uint8Array | Readable): Promise<Uint8Array> {
  if (body instanceof Uint8Array) return body;
  const chunks: Uint8Array[] = [];
  for await (const chunk of body) chunks.push(chunk as Uint8Array);
  return new Uint8Array(Buffer.concat(chunks));
}

function s3Error(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message>` +
    `<RequestId>LOOPBACK</RequestId></Error>`;
}
