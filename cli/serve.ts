/**
 * `cloudfits serve [DIR] [--port N]`: the browser page (`web/dist`, built by `deno task web`) at `/`,
 * and DIR's files beside it with `Range` support and open CORS rules, so the page — or any other page —
 * can read them. A server streams files itself, so it uses node:fs and node:http directly.
 *
 * @module
 */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { extname, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { CloudFitsError } from "../src/errors.ts";
import { EXIT } from "../src/exit_codes.ts";
import type { CliIo } from "./io.ts";
import { parseCommand } from "./options.ts";

/** The CORS rules a bucket needs for the page, as response headers (README, "Browsers and CORS"). */
export const CORS_HEADERS: Readonly<Record<string, string>> = {
  "access-control-allow-origin": "*",
  "access-control-allow-methods": "GET, HEAD",
  "access-control-allow-headers": "Range",
  "access-control-expose-headers": "Content-Range, Content-Length, ETag, Accept-Ranges",
};

const PAGE_DIR = fileURLToPath(new URL("../web/dist/", import.meta.url));
const PAGE_FILES = new Set(["/index.html", "/app.js", "/app.js.map"]);
const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".map": "application/json",
  ".json": "application/json",
};

/** A running page server. */
export interface PageServer {
  /** Base URL, e.g. `http://127.0.0.1:8000`. */
  url: string;
  /** Stop listening and drop open connections. */
  close(): Promise<void>;
}

/**
 * Serve the page and a directory's files.
 *
 * @param options The directory, port (0: any free one), host (default 127.0.0.1) and page directory.
 * @returns The server's URL and `close`.
 * @throws {CloudFitsError} `UNSUPPORTED` when the page has not been built.
 */
export async function startPageServer(
  options: { dir: string; port?: number; host?: string; pageDir?: string },
): Promise<PageServer> {
  const root = resolve(options.dir);
  const pageDir = resolve(options.pageDir ?? PAGE_DIR);
  if (!(await stat(resolve(pageDir, "index.html")).catch(() => undefined))?.isFile()) {
    throw new CloudFitsError(
      "UNSUPPORTED",
      `Cannot serve the page: ${resolve(pageDir, "index.html")} is missing; build it with 'deno task web'`,
    );
  }
  const sockets = new Set<Socket>();
  const server = createServer((request, response) => {
    answer(request, response, root, pageDir).catch(() => response.destroy());
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((listening, failed) => {
    server.once("error", failed);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => listening());
  });
  const { address, port } = server.address() as AddressInfo;
  return {
    url: `http://${address.includes(":") ? `[${address}]` : address}:${port}`,
    close: () =>
      new Promise<void>((closed) => {
        server.close(() => closed());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

async function answer(request: IncomingMessage, response: ServerResponse, root: string, pageDir: string) {
  for (const [name, value] of Object.entries(CORS_HEADERS)) response.setHeader(name, value);
  const method = request.method ?? "GET";
  if (method === "OPTIONS") return end(response, 204);
  if (method !== "GET" && method !== "HEAD") return end(response, 405, { allow: "GET, HEAD, OPTIONS" });
  const raw = (request.url ?? "/").split("?")[0];
  let path: string;
  try {
    path = decodeURIComponent(raw === "/" ? "/index.html" : raw);
  } catch {
    return end(response, 400);
  }
  const full = PAGE_FILES.has(path) ? resolve(pageDir, "." + path) : resolve(root, "." + path);
  if (full !== root && !full.startsWith(root + sep) && !full.startsWith(pageDir + sep)) {
    return end(response, 404);
  }
  const info = await stat(full).catch(() => undefined);
  if (!info?.isFile()) return end(response, 404, { "content-type": "text/plain" }, `No file ${path}\n`);
  const headers: Record<string, string | number> = {
    "accept-ranges": "bytes",
    "content-type": TYPES[extname(full)] ?? "application/octet-stream",
    etag: `"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`,
  };
  const range = parseRange(request.headers.range, info.size);
  if (range === "unsatisfiable") {
    return end(response, 416, { ...headers, "content-range": `bytes */${info.size}` });
  }
  const [start, last] = range === undefined ? [0, info.size - 1] : [range.start, range.end];
  if (range !== undefined) headers["content-range"] = `bytes ${start}-${last}/${info.size}`;
  response.writeHead(range === undefined ? 200 : 206, { ...headers, "content-length": last - start + 1 });
  if (method === "HEAD" || last < start) return response.end();
  createReadStream(full, { start, end: last }).on("error", () => response.destroy()).pipe(response);
}

function end(
  response: ServerResponse,
  status: number,
  headers: Record<string, string> = {},
  body = "",
): void {
  response.writeHead(status, { ...headers, "content-length": Buffer.byteLength(body) });
  response.end(body);
}

/**
 * Parse a single-range `Range` header against an object's size (RFC 9110): `undefined` means "send the
 * whole object" (no header, several ranges, or one that cannot be parsed).
 *
 * @param header The `Range` header.
 * @param size The object's size.
 * @returns The inclusive byte range, `"unsatisfiable"` (416) or `undefined` (200).
 */
export function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | "unsatisfiable" | undefined {
  const match = header === undefined ? null : /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (match === null || (match[1] === "" && match[2] === "")) return undefined;
  if (match[1] === "") {
    const suffix = Number(match[2]);
    if (suffix === 0) return "unsatisfiable";
    return size === 0 ? "unsatisfiable" : { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(match[1]);
  if (match[2] === "") return start >= size ? "unsatisfiable" : { start, end: size - 1 };
  const end = Number(match[2]);
  if (end < start) return undefined;
  if (start >= size) return "unsatisfiable";
  return { start, end: Math.min(end, size - 1) };
}

/** Help text of `cloudfits serve`. */
export const SERVE_HELP = `cloudfits serve [DIR] [--port N] [--host HOST]

Serve the cloudfits page at / and DIR's files (default: the current directory) beside it, with Range
requests and CORS rules that let any page read them. Open http://HOST:PORT/?url=FILE.fits to look at a
file in DIR, or paste any CORS-enabled HTTPS URL into the page. Build the page once with 'deno task web'.
Listens on 127.0.0.1:8000 unless told otherwise; stop with Ctrl-C.

Options: --port N (0: any free port), --host HOST

Examples:
  cloudfits serve testdata
  cloudfits serve ./data --port 9000`;

/**
 * `cloudfits serve [DIR] [--port N] [--host HOST]`: serve until interrupted.
 *
 * @param args Arguments after `serve`.
 * @param io The process I/O.
 * @returns 0 once stopped by SIGINT or SIGTERM.
 */
export async function runServe(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand(args, { port: { type: "string" }, host: { type: "string" } });
  if (positionals.length > 1) throw new CloudFitsError("USAGE", "serve takes one directory");
  const port = Number(values.port ?? 8000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new CloudFitsError("USAGE", `Cannot listen on port '${values.port}': expected 0 to 65535`);
  }
  const dir = positionals[0] ?? ".";
  const server = await startPageServer({ dir, port, host: values.host as string | undefined });
  await io.out(`${server.url}/\n`);
  await io.err(`serving the cloudfits page and ${resolve(dir)}; Ctrl-C to stop\n`);
  await new Promise<void>((stop) => {
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  await server.close();
  return EXIT.ok;
}
