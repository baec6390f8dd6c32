/**
 * AWS credentials from the container credentials endpoint: ECS task roles
 * (`AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`) and EKS Pod Identity or other agents
 * (`AWS_CONTAINER_CREDENTIALS_FULL_URI`, with an authorization token or token file).
 *
 * @module
 */
import { CloudFitsError } from "../errors.ts";
import { statusRule } from "../source/status.ts";
import { type ChainContext, credentialsFromJson } from "./_aws_credentials.ts";
import { metadataTimeoutMs, responseJson, send } from "./_aws_requests.ts";
import type { ResolvedAwsCredentials } from "./aws_types.ts";

const CONTAINER_HOSTS = new Set(["169.254.170.2", "169.254.170.23", "[fd00:ec2::23]", "localhost", "[::1]"]);

/**
 * Get credentials from the container credentials endpoint the environment names. As the AWS SDKs
 * do, a full URI must be HTTPS, loopback or the container agent.
 *
 * @param context The chain's options (`env`, `readFile`, `containerBaseUrl`) and fetch.
 * @returns The credentials.
 * @throws {CloudFitsError} `USAGE` for a refused URI or an unreadable token file; `FORBIDDEN`,
 * `NETWORK`, `TIMEOUT` or `BAD_RESPONSE` when the endpoint refuses or fails.
 *
 * @example
 * ```ts
 * import { containerCredentials } from "./aws_container.ts";
 *
 * const answer = { AccessKeyId: "ASIAEXAMPLE", SecretAccessKey: "s", Token: "t" };
 * const found = await containerCredentials({
 *   options: { env: { AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: "/v2/credentials/id" }, readFile: () => Promise.reject(new Error("no files")) },
 *   fetch: () => Promise.resolve(Response.json(answer)), // stands in for the ECS agent
 *   config: { profileName: "default", profileExplicit: false, profiles: new Map(), services: new Map() },
 * });
 * console.log(found.accessKeyId); // ASIAEXAMPLE
 * ```
 */
export async function containerCredentials(context: ChainContext): Promise<ResolvedAwsCredentials> {
  const { env, readFile } = context.options;
  const relative = env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI;
  const base = context.options.containerBaseUrl ?? "http://169.254.170.2";
  const url = relative ? base.replace(/\/$/, "") + relative : env.AWS_CONTAINER_CREDENTIALS_FULL_URI ?? "";
  const action = "Cannot get AWS container credentials";
  if (!relative) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new CloudFitsError("USAGE", `${action}: AWS_CONTAINER_CREDENTIALS_FULL_URI is not a URL`);
    }
    // As the AWS SDKs do: credentials over plain HTTP only from the container agent or this machine.
    const allowed = parsed.protocol === "https:" || CONTAINER_HOSTS.has(parsed.hostname) ||
      /^127\.\d+\.\d+\.\d+$/.test(parsed.hostname);
    if (!allowed) {
      throw new CloudFitsError(
        "USAGE",
        `${action}: AWS_CONTAINER_CREDENTIALS_FULL_URI host ${parsed.hostname} is not HTTPS, loopback or the container agent`,
      );
    }
  }
  const headers: Record<string, string> = { accept: "application/json" };
  const tokenFile = env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE;
  if (tokenFile) {
    try {
      headers.authorization = (await readFile(tokenFile)).trim();
    } catch (cause) {
      throw new CloudFitsError("USAGE", `${action}: cannot read token file ${tokenFile}`, { cause });
    }
  } else if (env.AWS_CONTAINER_AUTHORIZATION_TOKEN) {
    headers.authorization = env.AWS_CONTAINER_AUTHORIZATION_TOKEN;
  }
  const response = await send(context.fetch, url, { headers }, metadataTimeoutMs(env), action);
  if (!response.ok) {
    await response.body?.cancel();
    throw new CloudFitsError(
      statusRule(response.status).retryable ? "NETWORK" : "FORBIDDEN",
      `${action}: the endpoint answered ${response.status}`,
      { url, status: response.status },
    );
  }
  return credentialsFromJson(await responseJson(response, url, action), action);
}
