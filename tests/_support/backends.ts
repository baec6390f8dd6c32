/**
 * Every byte-source backend behind one handle, for suites that run the same reads against all of them:
 * memory, a local file, a loopback range server, S3 (signed, and through `openSource("s3://…")`),
 * Azure (Azurite, SharedKey and SAS) and GCS-style access (HMAC and anonymous) through the S3 proxy.
 *
 * Each backend stores named objects and opens fresh sources over them, wrapped in `countingSource`.
 * Network backends send through a recording fetch, so a suite can check what went over the wire:
 * method, URL, `Range`, `Accept-Encoding`, status and the body bytes the client received.
 *
 * @module
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSource } from "../../src/open_source.ts";
import { azurePutBlob, azureSource } from "../../src/source/azure.ts";
import { azureFetch } from "../../src/source/azure_fetch.ts";
import { type CountingSource, countingSource } from "../../src/source/counting.ts";
import { openFileSource } from "../../src/source/file.ts";
import { gcsSource } from "../../src/source/gcs.ts";
import { httpSource, type RequestEvent } from "../../src/source/http.ts";
import { memorySource } from "../../src/source/memory.ts";
import { s3Source } from "../../src/source/s3.ts";
import { type Azurite, serviceSas, startAzurite } from "./azurite.ts";
import { type RangeServer, startRangeServer } from "./range_server.ts";
import { type RecordedRequest, recordingFetch } from "./recording_fetch.ts";
import { type S3TestServer, startS3Server } from "./s3_server.ts";

/** The backends, in the order suites run them. */
export const BACKEND_NAMES = [
  "memory",
  "file",
  "http",
  "s3",
  "s3-uri",
  "azure-key",
  "azure-sas",
  "gcs-hmac",
  "gcs-public",
] as const;

/** One backend's name. */
export type BackendName = typeof BACKEND_NAMES[number];

/** One request as the client's fetch sent it and read its answer. */
export type WireRequest = RecordedRequest;

/** One request as the server logged it. */
export interface ServerRequest {
  method: string;
  range: string | undefined;
  status: number;
  bytes: number;
  /** `Accept-Encoding` as received, when the server records headers. */
  acceptEncoding?: string | undefined;
  /** How the S3 proxy authorised the request, and the region of its signature. */
  auth?: { kind: "header" | "query" | "anonymous"; region: string | undefined };
}

/** A counted source; only the file backend's has `close()` (forwarded by `countingSource`). */
export type OpenedSource = CountingSource;

/** One backend. */
export interface Backend {
  readonly name: BackendName;
  /** True for backends that fetch over HTTP. */
  readonly remote: boolean;
  /** True when sources pin an ETag and report a changed object as `STALE`. */
  readonly etags: boolean;
  /** Store (or replace) an object. */
  put(object: string, bytes: Uint8Array): Promise<void>;
  /**
   * A fresh counted source over an object: remote sources know neither size nor ETag yet, and report
   * each request to `onRequest`.
   */
  open(object: string, onRequest?: (event: RequestEvent) => void): Promise<OpenedSource>;
  /** Requests this backend's fetch sent, in order (network backends only; clear with `length = 0`). */
  readonly wire: WireRequest[] | undefined;
  /** Requests for `object` as the server logged them, when the server keeps a log. */
  serverLog?(object: string): ServerRequest[];
  /** Secrets that must never appear in an error message or URL. */
  readonly secrets: readonly string[];
  /** Where an object lives on disk (the file backend only). */
  pathOf?(object: string): string;
}

/** All backends and the servers behind them. */
export interface Backends {
  readonly list: readonly Backend[];
  get(name: BackendName): Backend;
  /** The S3 proxy behind the S3 and GCS backends, for bucket-specific checks. */
  readonly s3Server: S3TestServer;
  /** Stop every server and remove temporary files. */
  close(): Promise<void>;
}

/** Objects live under this prefix in buckets and containers, and as files in a temporary directory. */
const PREFIX = "conformance";
const AZURE_CONTAINER = "fits";
/** A presigned-URL-style secret in the HTTP backend's query string: errors must drop it. */
const HTTP_SECRET = "CONFORMANCE-SIGNATURE-SECRET";

/**
 * Start a range server, the S3 proxy and Azurite, and return every backend over them.
 *
 * @returns The backends; call `close()` when done.
 */
export async function startBackends(): Promise<Backends> {
  const [range, s3, azurite, directory] = await Promise.all([
    startRangeServer(),
    startS3Server(),
    startAzurite(),
    mkdtemp(join(tmpdir(), "cloudfits-conformance-")),
  ]);
  const account = { account: azurite.account, key: azurite.key, blobEndpoint: azurite.blobEndpoint };
  const created = await azureFetch(account)(`${azurite.blobEndpoint}/${AZURE_CONTAINER}?restype=container`, {
    method: "PUT",
  });
  await created.body?.cancel();
  if (created.status !== 201) throw new Error(`Azurite refused the container: HTTP ${created.status}`);
  const sas = await serviceSas({
    ...account,
    container: AZURE_CONTAINER,
    permissions: "r",
    expiry: new Date(Date.now() + 3_600_000),
  });

  const list = [
    memoryBackend(),
    fileBackend(directory),
    httpBackend(range),
    s3Backend(s3),
    s3UriBackend(s3),
    azureBackend("azure-key", azurite, {}),
    azureBackend("azure-sas", azurite, { sas }),
    gcsBackend("gcs-hmac", s3),
    gcsBackend("gcs-public", s3),
  ];
  return {
    list,
    s3Server: s3,
    get(name) {
      const found = list.find((backend) => backend.name === name);
      if (found === undefined) throw new Error(`No backend ${name}`);
      return found;
    },
    async close() {
      await Promise.all([range.close(), s3.close(), azurite.close()]);
      await rm(directory, { recursive: true, force: true });
    },
  };
}

function memoryBackend(): Backend {
  const objects = new Map<string, Uint8Array>();
  return {
    name: "memory",
    remote: false,
    etags: false,
    wire: undefined,
    secrets: [],
    put(object, bytes) {
      objects.set(object, bytes.slice());
      return Promise.resolve();
    },
    open(object) {
      const bytes = objects.get(object);
      if (bytes === undefined) throw new Error(`The memory backend holds no ${object}`);
      return Promise.resolve(countingSource(memorySource(bytes, object)));
    },
  };
}

function fileBackend(directory: string): Backend {
  const path = (object: string) => join(directory, object.replaceAll("/", "_"));
  return {
    name: "file",
    remote: false,
    etags: false,
    wire: undefined,
    secrets: [],
    pathOf: path,
    put: (object, bytes) => writeFile(path(object), bytes),
    async open(object) {
      return countingSource(await openFileSource(path(object)));
    },
  };
}

function httpBackend(server: RangeServer): Backend {
  const { fetch, requests: wire } = recordingFetch();
  return {
    name: "http",
    remote: true,
    etags: true,
    wire,
    secrets: [HTTP_SECRET],
    put(object, bytes) {
      server.setFile(`/${PREFIX}/${object}`, bytes);
      return Promise.resolve();
    },
    open: (object, onRequest) =>
      Promise.resolve(countingSource(
        httpSource(`${server.url}/${PREFIX}/${object}?X-Amz-Signature=${HTTP_SECRET}`, {
          fetch,
          onRequest,
        }),
      )),
    serverLog: (object) =>
      server.log.filter((entry) => entry.path === `/${PREFIX}/${object}`).map((entry) => ({
        method: entry.method,
        range: entry.range,
        status: entry.status,
        bytes: entry.bytes,
        acceptEncoding: headerText(entry.headers["accept-encoding"]),
      })),
  };
}

function s3Log(server: S3TestServer, bucket: string, object: string): ServerRequest[] {
  const path = `/${bucket}/${PREFIX}/${object}`;
  return server.log.filter((entry) => entry.path.split("?")[0] === path).map((entry) => ({
    method: entry.method,
    range: entry.range,
    status: entry.status,
    bytes: entry.bytes,
    auth: { kind: entry.auth, region: entry.region },
  }));
}

function s3Backend(server: S3TestServer): Backend {
  const { fetch, requests: wire } = recordingFetch();
  const credentials = { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey };
  return {
    name: "s3",
    remote: true,
    etags: true,
    wire,
    secrets: [server.secretAccessKey],
    put: (object, bytes) => server.putObject("private", `${PREFIX}/${object}`, bytes),
    open: (object, onRequest) =>
      Promise.resolve(countingSource(s3Source({
        bucket: "private",
        key: `${PREFIX}/${object}`,
        endpoint: server.endpoint,
        region: "us-east-1",
        credentials,
        fetch,
        onRequest,
      }))),
    serverLog: (object) => s3Log(server, "private", object),
  };
}

/** `openSource("s3://private/…")` with keys from an injected environment (and its retry wrapper). */
function s3UriBackend(server: S3TestServer): Backend {
  const { fetch, requests: wire } = recordingFetch();
  const env = {
    AWS_ACCESS_KEY_ID: server.accessKeyId,
    AWS_SECRET_ACCESS_KEY: server.secretAccessKey,
    AWS_REGION: "us-east-1",
    AWS_EC2_METADATA_DISABLED: "true",
  };
  return {
    name: "s3-uri",
    remote: true,
    etags: true,
    wire,
    secrets: [server.secretAccessKey],
    put: (object, bytes) => server.putObject("private", `${PREFIX}/${object}`, bytes),
    open: async (object, onRequest) =>
      countingSource(
        await openSource(`s3://private/${PREFIX}/${object}`, {
          endpoint: server.endpoint,
          env,
          fetch,
          onRequest,
        }),
      ),
    serverLog: (object) => s3Log(server, "private", object),
  };
}

function azureBackend(name: "azure-key" | "azure-sas", azurite: Azurite, auth: { sas?: string }): Backend {
  const { fetch, requests: wire } = recordingFetch();
  const account = { account: azurite.account, blobEndpoint: azurite.blobEndpoint };
  const sasSignature = auth.sas === undefined ? undefined : new URLSearchParams(auth.sas).get("sig");
  return {
    name,
    remote: true,
    etags: true,
    wire,
    secrets: [azurite.key, ...(sasSignature ? [sasSignature, encodeURIComponent(sasSignature)] : [])],
    put: async (object, bytes) => {
      await azurePutBlob({
        ...account,
        key: azurite.key,
        container: AZURE_CONTAINER,
        blob: `${PREFIX}/${object}`,
        body: bytes,
      });
    },
    open: (object, onRequest) =>
      Promise.resolve(countingSource(azureSource({
        ...account,
        ...(auth.sas === undefined ? { key: azurite.key } : { sas: auth.sas }),
        container: AZURE_CONTAINER,
        blob: `${PREFIX}/${object}`,
        fetch,
        onRequest,
      }))),
  };
}

/** GCS's XML API through the S3 proxy: HMAC keys (SigV4, region `auto`) on `private`, anonymous on `public`. */
function gcsBackend(name: "gcs-hmac" | "gcs-public", server: S3TestServer): Backend {
  const { fetch, requests: wire } = recordingFetch();
  const bucket = name === "gcs-hmac" ? "private" : "public";
  const hmac = name === "gcs-hmac"
    ? { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey }
    : undefined;
  return {
    name,
    remote: true,
    etags: true,
    wire,
    secrets: [server.secretAccessKey],
    put: (object, bytes) => server.putObject(bucket, `${PREFIX}/${object}`, bytes),
    open: (object, onRequest) =>
      Promise.resolve(countingSource(gcsSource({
        bucket,
        key: `${PREFIX}/${object}`,
        endpoint: server.endpoint,
        hmac,
        fetch,
        onRequest,
      }))),
    serverLog: (object) => s3Log(server, bucket, object),
  };
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(", ") : value;
}
