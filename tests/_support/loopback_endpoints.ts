/**
 * Loopback stand-ins for the AWS credential endpoints: EC2 IMDSv2, ECS/EKS container credentials and
 * STS (AssumeRole, AssumeRoleWithWebIdentity), on one node:http server at 127.0.0.1, port 0.
 *
 * Routes:
 * - `PUT /latest/api/token`, `GET /latest/meta-data/iam/security-credentials/[role]` (IMDSv2; the
 *   token header is required);
 * - `GET /ecs/…` (container credentials; checks `authorization` when `ecsAuthorization` is set);
 * - `POST /sts/` (form-encoded STS actions, answered in STS's XML).
 *
 * Every request is recorded. Issued credentials are numbered per service (`STS1`, `STS2`, …) so tests
 * can tell a refresh from a cached value.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** One request the stand-ins received. */
export interface RecordedRequest {
  method: string;
  /** Path and query. */
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** Mutable behaviour of the stand-ins. */
export interface EndpointState {
  /** Role name IMDS lists; `undefined` answers 404 (no role attached). */
  imdsRole: string | undefined;
  /** Expected `authorization` header for container credentials, if any. */
  ecsAuthorization: string | undefined;
  /** Expiration stamped on issued credentials (ISO 8601). */
  expiration: string;
  /** When set, STS answers with this error instead of credentials. */
  stsError: { status: number; code: string; message: string } | undefined;
}

/** Running stand-ins. */
export interface LoopbackEndpoints {
  /** `http://127.0.0.1:<port>` */
  readonly baseUrl: string;
  readonly requests: RecordedRequest[];
  readonly state: EndpointState;
  close(): Promise<void>;
}

/**
 * Start the stand-ins.
 *
 * @returns The server, its request log and its state.
 */
export async function startLoopbackEndpoints(): Promise<LoopbackEndpoints> {
  const requests: RecordedRequest[] = [];
  const state: EndpointState = {
    imdsRole: "instance-role",
    ecsAuthorization: undefined,
    expiration: "2099-01-01T00:00:00Z",
    stsError: undefined,
  };
  const issued = new Map<string, number>();
  const issue = (service: string) => {
    const n = (issued.get(service) ?? 0) + 1;
    issued.set(service, n);
    return {
      AccessKeyId: `${service}${n}`,
      SecretAccessKey: `${service.toLowerCase()}-secret-${n}`,
      Token: `${service.toLowerCase()}-token-${n}`,
      Expiration: state.expiration,
    };
  };

  const server = createServer(async (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Uint8Array[] = [];
    for await (const chunk of request) chunks.push(chunk as Uint8Array);
    const body = Buffer.concat(chunks).toString("utf8");
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      headers[name] = Array.isArray(value) ? value.join(",") : String(value);
    }
    const path = request.url ?? "/";
    requests.push({ method: request.method ?? "", path, headers, body });
    const send = (status: number, text: string, type = "text/plain") => {
      response.writeHead(status, { "content-type": type });
      response.end(text);
    };

    if (path === "/latest/api/token" && request.method === "PUT") {
      if (!headers["x-aws-ec2-metadata-token-ttl-seconds"]) return send(400, "missing ttl");
      return send(200, "imds-session-token");
    }
    if (path.startsWith("/latest/meta-data/iam/security-credentials/")) {
      if (headers["x-aws-ec2-metadata-token"] !== "imds-session-token") return send(401, "");
      const role = decodeURIComponent(path.slice("/latest/meta-data/iam/security-credentials/".length));
      if (state.imdsRole === undefined) return send(404, "");
      if (role === "") return send(200, `${state.imdsRole}\n`);
      if (role !== state.imdsRole) return send(404, "");
      const { Token, ...rest } = issue("IMDS");
      return send(
        200,
        JSON.stringify({
          Code: "Success",
          Type: "AWS-HMAC",
          ...rest,
          Token,
          LastUpdated: "2024-01-01T00:00:00Z",
        }),
        "application/json",
      );
    }
    if (path.startsWith("/ecs/")) {
      if (state.ecsAuthorization !== undefined && headers.authorization !== state.ecsAuthorization) {
        return send(401, JSON.stringify({ message: "bad token" }), "application/json");
      }
      return send(
        200,
        JSON.stringify({ RoleArn: "arn:aws:iam::1:role/task", ...issue("ECS") }),
        "application/json",
      );
    }
    if (path.startsWith("/sts") && request.method === "POST") {
      const form = new URLSearchParams(body);
      const action = form.get("Action") ?? "";
      if (state.stsError !== undefined) {
        const { status, code, message } = state.stsError;
        return send(
          status,
          `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>` +
            `<Code>${code}</Code><Message>${message}</Message></Error><RequestId>r</RequestId></ErrorResponse>`,
          "text/xml",
        );
      }
      if (action !== "AssumeRole" && action !== "AssumeRoleWithWebIdentity") {
        return send(400, "unknown action");
      }
      const c = issue("STS");
      return send(
        200,
        `<${action}Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><${action}Result>` +
          `<AssumedRoleUser><Arn>${form.get("RoleArn")}/${
            form.get("RoleSessionName")
          }</Arn></AssumedRoleUser>` +
          `<Credentials><AccessKeyId>${c.AccessKeyId}</AccessKeyId><SecretAccessKey>${c.SecretAccessKey}` +
          `</SecretAccessKey><SessionToken>${c.Token}</SessionToken><Expiration>${c.Expiration}</Expiration>` +
          `</Credentials></${action}Result></${action}Response>`,
        "text/xml",
      );
    }
    send(404, "no such route");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    state,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** A fetch that refuses every host but 127.0.0.1 and records the URLs it was asked for. */
export interface LoopbackFetch {
  (input: string | URL | Request, init?: RequestInit): Promise<Response>;
  /** Every URL requested, refused ones included. */
  readonly urls: string[];
}

/**
 * Build a {@linkcode LoopbackFetch}: the guard that keeps tests away from 169.254.169.254 and friends.
 *
 * @returns The guarded fetch.
 */
export function loopbackOnlyFetch(): LoopbackFetch {
  const urls: string[] = [];
  const guarded = (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : input);
    urls.push(url.href);
    if (url.hostname !== "127.0.0.1") {
      return Promise.reject(new TypeError(`Test refused a request to non-loopback host ${url.hostname}`));
    }
    return fetch(input, init);
  };
  return Object.assign(guarded, { urls });
}
