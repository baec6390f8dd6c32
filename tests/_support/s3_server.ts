/**
 * A loopback S3 for tests: s3rver (in-process, on a temporary directory) behind a verifying proxy
 * that checks every request's AWS Signature Version 4 the way S3 does, independently of aws4fetch
 * (`@smithy/signature-v4` derives the key and signs the recomputed string to sign).
 *
 * The proxy enforces, per bucket ({@linkcode S3_BUCKETS}):
 * - `private`: signed requests only; a missing key is 404 `NoSuchKey` (the caller may list);
 * - `locked`: signed requests only, without `s3:ListBucket`: a missing key is 403 `AccessDenied`;
 * - `public`: anonymous `GET`/`HEAD` allowed too;
 * - `payer`: requester pays: 403 `AccessDenied` unless `x-amz-request-payer: requester` is signed;
 * - `elsewhere`: lives in `eu-west-1`: a request signed for another region gets 301
 *   `PermanentRedirect` with `x-amz-bucket-region`;
 * - `elsewhere400`: lives in `eu-west-1` and answers a wrong region with 400
 *   `AuthorizationHeaderMalformed` naming `<Region>` in the XML only.
 *
 * Both header and presigned-query authorisation are verified. Temporary keys need their session
 * token. Every request is logged with its method, path, Range, status and body bytes.
 *
 * ListObjectsV2 is translated to V1 markers for s3rver (its own continuation tokens need DES, which
 * Deno and Bun lack); the proxy's tokens are base64 with `+`, `/` and `=`, as real ones are.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { mkdtempSync, rmSync } from "node:fs";
import {
  Agent,
  createServer,
  type IncomingMessage,
  request as httpRequest,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Sha256 } from "@aws-crypto/sha256-js";
import { AwsClient } from "aws4fetch";
import { getCanonicalQuery, SignatureV4 } from "@smithy/signature-v4";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import S3rver from "s3rver";

/** The test buckets and the regions they live in. */
export const S3_BUCKETS = {
  private: "us-east-1",
  locked: "us-east-1",
  public: "us-east-1",
  payer: "us-east-1",
  elsewhere: "eu-west-1",
  elsewhere400: "eu-west-1",
} as const;

/** One request as the proxy saw and answered it. */
export interface S3LogEntry {
  /** HTTP method. */
  method: string;
  /** Path and query as sent, with the values of signature parameters kept (for assertions). */
  path: string;
  /** The Range header, if any. */
  range: string | undefined;
  /** Status sent to the client. */
  status: number;
  /** Body bytes sent to the client. */
  bytes: number;
  /** How the request was authorised. */
  auth: "header" | "query" | "anonymous";
  /** Region of the signature's credential scope. */
  region: string | undefined;
  /** Whether `x-amz-request-payer: requester` was present. */
  requestPayer: boolean;
  /** The headers the signature covers (empty for anonymous requests). */
  signedHeaders: string[];
  /** The `x-goog-user-project` header, if any. */
  userProject: string | undefined;
  /** Error code the proxy answered with itself (before reaching s3rver). */
  rejected: string | undefined;
}

/** A running loopback S3. */
export interface S3TestServer {
  /** Base URL of the verifying proxy, for path-style requests. */
  endpoint: string;
  /** The permanent access key. */
  accessKeyId: string;
  /** Its secret. */
  secretAccessKey: string;
  /** Temporary keys, valid only with their session token. */
  temporary: { accessKeyId: string; secretAccessKey: string; sessionToken: string };
  /** Store an object directly in s3rver (not logged). */
  putObject(bucket: string, key: string, bytes: Uint8Array): Promise<void>;
  /** An aws4fetch client with the permanent keys (region `us-east-1`), for requests through the proxy. */
  client: AwsClient;
  /** Requests through the proxy, in order of completion. */
  log: S3LogEntry[];
  /** Stop both servers and remove the temporary directory. */
  close(): Promise<void>;
}

const ACCESS_KEY_ID = "AKIDCLOUDFITSTEST";
const SECRET_ACCESS_KEY = "cloudfits/test/secret+key";
const TEMPORARY = {
  accessKeyId: "ASIACLOUDFITSTEMP",
  secretAccessKey: "temporary/secret",
  sessionToken: "session-token/with+odd=chars",
};

/**
 * Start s3rver and the verifying proxy on 127.0.0.1, each on a free port.
 *
 * @returns The proxy endpoint, keys, a direct `putObject`, the request log and `close`.
 */
export async function startS3Server(): Promise<S3TestServer> {
  const directory = mkdtempSync(join(tmpdir(), "cloudfits-s3rver-"));
  const s3rver = await runS3rver(directory);
  const s3rverPort = s3rver.port;
  const agent = new Agent({ keepAlive: false });
  const log: S3LogEntry[] = [];

  const proxy = createServer((req, res) => {
    handle(req, res, s3rverPort, agent, log).catch((error) => {
      res.statusCode = 500;
      res.end(String(error));
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  const endpoint = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;

  return {
    endpoint,
    accessKeyId: ACCESS_KEY_ID,
    secretAccessKey: SECRET_ACCESS_KEY,
    temporary: { ...TEMPORARY },
    log,
    client: new AwsClient({
      accessKeyId: ACCESS_KEY_ID,
      secretAccessKey: SECRET_ACCESS_KEY,
      service: "s3",
      region: "us-east-1",
    }),
    async putObject(bucket, key, bytes) {
      const path = `/${bucket}/${key.split("/").map(encodeURIComponent).join("/")}`;
      const { status, body } = await forward(s3rverPort, agent, "PUT", path, {}, Buffer.from(bytes));
      if (status !== 200) throw new Error(`s3rver PUT ${path} failed with ${status}: ${body.toString()}`);
    },
    async close() {
      await new Promise<void>((resolve) => {
        proxy.close(() => resolve());
        proxy.closeAllConnections?.();
      });
      await s3rver.close();
      agent.destroy();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** s3rver's options: quiet, on a free loopback port, with the test buckets. */
function s3rverOptions(directory: string) {
  return {
    address: "127.0.0.1",
    port: 0,
    silent: true,
    directory,
    configureBuckets: Object.keys(S3_BUCKETS).map((name) => ({ name })),
  };
}

/**
 * Run s3rver in-process, except under Bun: there `readdirSync` returns directory order rather than
 * sorted names, so s3rver would list keys out of order; a child `node` process lists them sorted.
 */
async function runS3rver(directory: string): Promise<{ port: number; close(): Promise<void> }> {
  if (!("bun" in process.versions)) {
    const s3rver = new S3rver(s3rverOptions(directory));
    const { port } = await s3rver.run() as AddressInfo;
    return { port, close: async () => void await s3rver.close() };
  }
  const script = `const S3rver = require("s3rver");
const server = new S3rver(JSON.parse(process.argv[1]));
server.run().then((address) => console.log(JSON.stringify({ port: address.port })));
process.stdin.on("end", () => server.close().then(() => process.exit(0)));
process.stdin.resume();`;
  const child = spawn("node", ["-e", script, JSON.stringify(s3rverOptions(directory))], {
    cwd: fileURLToPath(new URL("../..", import.meta.url)),
    stdio: ["pipe", "pipe", "inherit"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const line = /^\{.*\}$/m.exec(output);
      if (line !== null) resolve(JSON.parse(line[0]).port);
    });
    child.once("exit", (code) => reject(new Error(`s3rver under node exited with ${code} before listening`)));
  });
  return {
    port,
    async close() {
      // Closing stdin asks the child to stop s3rver and exit.
      child.stdin.end();
      await exited;
    },
  };
}

interface Verdict {
  status: number;
  code: string;
  message: string;
  headers?: Record<string, string>;
  extra?: string;
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  s3rverPort: number,
  agent: Agent,
  log: S3LogEntry[],
): Promise<void> {
  const body = await readBody(req);
  const rawUrl = req.url ?? "/";
  const queryStart = rawUrl.indexOf("?");
  const rawPath = queryStart === -1 ? rawUrl : rawUrl.slice(0, queryStart);
  const query = new URLSearchParams(queryStart === -1 ? "" : rawUrl.slice(queryStart + 1));
  const bucket = decodeURIComponent(rawPath.split("/")[1] ?? "");
  const authorization = req.headers.authorization;
  const auth: S3LogEntry["auth"] = authorization !== undefined
    ? "header"
    : query.has("X-Amz-Algorithm")
    ? "query"
    : "anonymous";
  const requestPayer = req.headers["x-amz-request-payer"] === "requester" ||
    query.get("x-amz-request-payer") === "requester";
  const entry: S3LogEntry = {
    method: req.method ?? "GET",
    path: rawUrl,
    range: req.headers.range,
    status: 0,
    bytes: 0,
    auth,
    region: undefined,
    requestPayer,
    signedHeaders: [],
    userProject: req.headers["x-goog-user-project"] as string | undefined,
    rejected: undefined,
  };

  const verdict = await authorise(req, rawPath, query, body, bucket, auth, entry);
  if (verdict !== undefined) {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${verdict.code}</Code><Message>${
      escapeXml(verdict.message)
    }</Message>${verdict.extra ?? ""}<RequestId>cloudfits-test</RequestId></Error>`;
    const bytes = req.method === "HEAD" ? Buffer.alloc(0) : Buffer.from(xml);
    res.writeHead(verdict.status, {
      "content-type": "application/xml",
      "content-length": String(bytes.length),
      ...verdict.headers,
    });
    res.end(bytes);
    entry.status = verdict.status;
    entry.bytes = bytes.length;
    entry.rejected = verdict.code;
    log.push(entry);
    return;
  }

  // s3rver sees an anonymous request: the proxy has done the checking.
  const forwardQuery = new URLSearchParams();
  for (const [name, value] of query) if (!/^x-amz-/i.test(name)) forwardQuery.append(name, value);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || name === "authorization" || name === "host" || name.startsWith("x-amz-")) {
      continue;
    }
    headers[name] = Array.isArray(value) ? value.join(",") : value;
  }
  const listV2 = req.method === "GET" && isBucketPath(rawPath) && query.get("list-type") === "2";
  if (listV2) {
    // s3rver's own continuation tokens need DES, which Deno and Bun lack: list with V1 markers instead.
    const token = query.get("continuation-token");
    const marker = token === null ? query.get("start-after") : fromContinuationToken(token);
    for (const name of ["list-type", "continuation-token", "start-after"]) forwardQuery.delete(name);
    if (marker) forwardQuery.set("marker", marker);
  }
  const forwardPath = rawPath + (forwardQuery.size > 0 ? `?${forwardQuery}` : "");
  const upstream = await forward(s3rverPort, agent, req.method ?? "GET", forwardPath, headers, body);
  let responseBody = listV2 && upstream.status === 200
    ? Buffer.from(toListV2(upstream.body.toString(), query.get("continuation-token")))
    : upstream.body;
  let status = upstream.status;
  let responseHeaders = upstream.headers;
  if (bucket === "locked" && (status === 404 || (req.method === "GET" && isBucketPath(rawPath)))) {
    // Without s3:ListBucket, S3 hides whether a key exists and refuses listings.
    status = 403;
    responseBody = Buffer.from(
      "<Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>cloudfits-test</RequestId></Error>",
    );
    responseHeaders = { "content-type": "application/xml" };
  }
  delete responseHeaders["transfer-encoding"];
  delete responseHeaders["connection"];
  if (req.method !== "HEAD") responseHeaders["content-length"] = String(responseBody.length);
  res.writeHead(status, responseHeaders);
  res.end(req.method === "HEAD" ? undefined : responseBody);
  entry.status = status;
  entry.bytes = req.method === "HEAD" ? 0 : responseBody.length;
  log.push(entry);
}

/** Rewrite a V1 listing as ListObjectsV2: KeyCount, and a NextContinuationToken when truncated. */
function toListV2(xml: string, token: string | null): string {
  const keys = [...xml.matchAll(/<Key>([\s\S]*?)<\/Key>/g)].map((match) => unescapeXml(match[1]));
  const truncated = /<IsTruncated>true<\/IsTruncated>/.test(xml);
  const extra = `<KeyCount>${keys.length}</KeyCount>` +
    (token === null ? "" : `<ContinuationToken>${escapeXml(token)}</ContinuationToken>`) +
    (truncated
      ? `<NextContinuationToken>${toContinuationToken(keys[keys.length - 1])}</NextContinuationToken>`
      : "");
  return xml.replace(/<Marker>[\s\S]*?<\/Marker>/, "").replace(
    "</ListBucketResult>",
    `${extra}</ListBucketResult>`,
  );
}

/** Tokens are standard base64 (with `+`, `/`, `=`), so clients must encode them in the query. */
function toContinuationToken(key: string): string {
  return Buffer.from(`cloudfits-test>${key}`).toString("base64");
}

function fromContinuationToken(token: string): string {
  const text = Buffer.from(token, "base64").toString();
  return text.startsWith("cloudfits-test>") ? text.slice("cloudfits-test>".length) : "\uffff";
}

function unescapeXml(text: string): string {
  return text.replace(
    /&(lt|gt|quot|apos|amp);/g,
    (_, name: string) => ({ lt: "<", gt: ">", quot: '"', apos: "'", amp: "&" })[name] ?? "",
  );
}

function isBucketPath(rawPath: string): boolean {
  return /^\/[^/]+\/?$/.test(rawPath);
}

async function authorise(
  req: IncomingMessage,
  rawPath: string,
  query: URLSearchParams,
  body: Buffer,
  bucket: string,
  auth: S3LogEntry["auth"],
  entry: S3LogEntry,
): Promise<Verdict | undefined> {
  const bucketRegion: string = (S3_BUCKETS as Record<string, string>)[bucket] ?? "us-east-1";
  if (auth === "anonymous") {
    if (bucket === "public" && (req.method === "GET" || req.method === "HEAD")) return undefined;
    return { status: 403, code: "AccessDenied", message: "Access Denied" };
  }
  const signed = auth === "header"
    ? parseAuthorizationHeader(req.headers.authorization ?? "")
    : parsePresigned(query);
  if (signed === undefined) {
    return {
      status: 400,
      code: "AuthorizationHeaderMalformed",
      message: "The authorization header is malformed",
    };
  }
  const [accessKeyId, shortDate, region, service, terminator] = signed.credential.split("/");
  entry.region = region;
  entry.signedHeaders = signed.signedHeaders;
  if (terminator !== "aws4_request" || service !== "s3") {
    return {
      status: 400,
      code: "AuthorizationHeaderMalformed",
      message: `Bad credential scope ${signed.credential}`,
    };
  }
  // "auto" is how R2 and GCS's S3 interoperability take any bucket's region.
  if (region !== bucketRegion && region !== "auto") {
    if (bucket === "elsewhere400") {
      return {
        status: 400,
        code: "AuthorizationHeaderMalformed",
        message:
          `The authorization header is malformed; the region '${region}' is wrong; expecting '${bucketRegion}'`,
        extra: `<Region>${bucketRegion}</Region>`,
      };
    }
    return {
      status: 301,
      code: "PermanentRedirect",
      message: "The bucket you are attempting to access must be addressed using the specified endpoint.",
      headers: { "x-amz-bucket-region": bucketRegion },
      extra: `<Endpoint>${bucket}.s3.${bucketRegion}.amazonaws.com</Endpoint><Bucket>${bucket}</Bucket>`,
    };
  }
  const secret = accessKeyId === ACCESS_KEY_ID
    ? SECRET_ACCESS_KEY
    : accessKeyId === TEMPORARY.accessKeyId
    ? TEMPORARY.secretAccessKey
    : undefined;
  if (secret === undefined) {
    return {
      status: 403,
      code: "InvalidAccessKeyId",
      message: "The AWS Access Key Id you provided does not exist in our records.",
    };
  }
  const token = auth === "header" ? req.headers["x-amz-security-token"] : query.get("X-Amz-Security-Token");
  if (accessKeyId === TEMPORARY.accessKeyId && token !== TEMPORARY.sessionToken) {
    return {
      status: 403,
      code: "InvalidToken",
      message: "The provided token is malformed or otherwise invalid.",
    };
  }
  const amzDate = auth === "header" ? String(req.headers["x-amz-date"] ?? "") : query.get("X-Amz-Date") ?? "";
  if (!/^\d{8}T\d{6}Z$/.test(amzDate) || amzDate.slice(0, 8) !== shortDate) {
    return { status: 403, code: "AccessDenied", message: `X-Amz-Date '${amzDate}' does not match the scope` };
  }
  const payloadHash = auth === "query"
    ? "UNSIGNED-PAYLOAD"
    : String(req.headers["x-amz-content-sha256"] ?? sha256Hex(body));
  if (payloadHash !== "UNSIGNED-PAYLOAD" && payloadHash !== sha256Hex(body)) {
    return {
      status: 400,
      code: "XAmzContentSHA256Mismatch",
      message: "The provided 'x-amz-content-sha256' header does not match what was computed.",
    };
  }
  const expected = await expectedSignature({
    method: req.method ?? "GET",
    rawPath,
    query,
    headers: req.headers,
    signedHeaders: signed.signedHeaders,
    payloadHash,
    amzDate,
    scope: `${shortDate}/${region}/${service}/aws4_request`,
    accessKeyId,
    secret,
  });
  if (expected !== signed.signature) {
    return {
      status: 403,
      code: "SignatureDoesNotMatch",
      message: "The request signature we calculated does not match the signature you provided.",
    };
  }
  if (auth === "query") {
    const expires = Number(query.get("X-Amz-Expires") ?? "0");
    if (parseAmzDate(amzDate).getTime() + expires * 1000 < Date.now()) {
      return { status: 403, code: "AccessDenied", message: "Request has expired" };
    }
  }
  if (bucket === "payer") {
    const signedPayer = signed.signedHeaders.includes("x-amz-request-payer") ||
      (auth === "query" && query.get("x-amz-request-payer") === "requester");
    if (!entry.requestPayer || !signedPayer) {
      return { status: 403, code: "AccessDenied", message: "Access Denied" };
    }
  }
  return undefined;
}

interface SignedParts {
  credential: string;
  signedHeaders: string[];
  signature: string;
}

function parseAuthorizationHeader(header: string): SignedParts | undefined {
  const match =
    /^AWS4-HMAC-SHA256 Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})$/.exec(
      header,
    );
  if (match === null) return undefined;
  return { credential: match[1], signedHeaders: match[2].split(";"), signature: match[3] };
}

function parsePresigned(query: URLSearchParams): SignedParts | undefined {
  const credential = query.get("X-Amz-Credential");
  const signedHeaders = query.get("X-Amz-SignedHeaders");
  const signature = query.get("X-Amz-Signature");
  if (query.get("X-Amz-Algorithm") !== "AWS4-HMAC-SHA256" || !credential || !signedHeaders || !signature) {
    return undefined;
  }
  return { credential, signedHeaders: signedHeaders.split(";"), signature };
}

/** What {@linkcode expectedSignature} needs. */
export interface SignatureInput {
  method: string;
  rawPath: string;
  query: URLSearchParams;
  headers: IncomingMessage["headers"];
  signedHeaders: string[];
  payloadHash: string;
  amzDate: string;
  scope: string;
  accessKeyId: string;
  secret: string;
}

/**
 * Recompute a SigV4 signature as S3 does: each path segment decoded and encoded once, the sorted
 * query, the signed headers' values, the payload hash; `@smithy/signature-v4` derives the key and signs.
 *
 * @param input The request's parts and the secret.
 * @returns The hex signature.
 */
export async function expectedSignature(input: SignatureInput): Promise<string> {
  const canonicalPath = input.rawPath.split("/").map((segment) => uriEscape(safeDecode(segment))).join("/");
  const queryBag: Record<string, string | string[]> = {};
  for (const [name, value] of input.query) {
    const previous = queryBag[name];
    queryBag[name] = previous === undefined
      ? value
      : [...(Array.isArray(previous) ? previous : [previous]), value];
  }
  const canonicalQuery = getCanonicalQuery({
    method: input.method,
    protocol: "http:",
    hostname: "",
    path: input.rawPath,
    query: queryBag,
    headers: {},
  });
  const canonicalHeaders = input.signedHeaders.map((name) => {
    const raw = input.headers[name];
    const value = Array.isArray(raw) ? raw.join(",") : raw ?? "";
    return `${name}:${value.trim().replace(/\s+/g, " ")}\n`;
  }).join("");
  const canonicalRequest = [
    input.method,
    canonicalPath,
    canonicalQuery,
    canonicalHeaders,
    input.signedHeaders.join(";"),
    input.payloadHash,
  ].join("\n");
  const [shortDate, region, service] = input.scope.split("/");
  const stringToSign = ["AWS4-HMAC-SHA256", input.amzDate, input.scope, sha256Hex(canonicalRequest)].join(
    "\n",
  );
  const signer = new SignatureV4({
    service,
    region,
    credentials: { accessKeyId: input.accessKeyId, secretAccessKey: input.secret },
    sha256: Sha256,
  });
  return await signer.sign(stringToSign, {
    signingDate: parseAmzDate(`${shortDate}T000000Z`),
    signingRegion: region,
    signingService: service,
  });
}

function parseAmzDate(amzDate: string): Date {
  const [, y, mo, d, h, mi, s] = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate) ?? [];
  return new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)));
}

function sha256Hex(data: string | Uint8Array): string {
  const hash = new Sha256();
  hash.update(data);
  return Buffer.from(hash.digestSync()).toString("hex");
}

function uriEscape(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase(),
  );
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

function forward(
  port: number,
  agent: Agent,
  method: string,
  path: string,
  headers: Record<string, string>,
  body: Buffer,
): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const upstream = httpRequest(
      {
        host: "127.0.0.1",
        port,
        method,
        path,
        agent,
        headers: { ...headers, "content-length": String(body.length) },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => {
          const responseHeaders: Record<string, string> = {};
          for (const [name, value] of Object.entries(response.headers)) {
            if (value !== undefined) responseHeaders[name] = Array.isArray(value) ? value.join(", ") : value;
          }
          resolve({
            status: response.statusCode ?? 502,
            headers: responseHeaders,
            body: Buffer.concat(chunks),
          });
        });
        response.on("error", reject);
      },
    );
    upstream.on("error", reject);
    upstream.end(body);
  });
}
