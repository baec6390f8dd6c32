/**
 * Temporary AWS credentials from STS: `AssumeRoleWithWebIdentity` with a token file (EKS, GitHub
 * Actions and other OIDC providers) and `AssumeRole` signed with a profile's source credentials.
 *
 * @module
 */
import { AwsV4Signer } from "aws4fetch";
import { CloudFitsError } from "../errors.ts";
import { xmlText } from "../source/_xml.ts";
import { statusRule } from "../source/status.ts";
import { type ChainContext, credentials } from "./_aws_credentials.ts";
import { send } from "./_aws_requests.ts";
import type { IniSection } from "./aws_config_files.ts";
import { resolveAwsRegion, resolveServiceEndpoint } from "./aws_region.ts";
import type { ResolvedAwsCredentials } from "./aws_types.ts";

const STS_TIMEOUT_MS = 10_000;

/**
 * Assume a role with a web identity token read from a file (`AssumeRoleWithWebIdentity`, unsigned).
 *
 * @param context The chain's options, fetch and config.
 * @param roleArn The role to assume.
 * @param tokenFile The file holding the OIDC token.
 * @param sessionName The role session name; defaults to `cloudfits-<now>`.
 * @returns The role's temporary credentials.
 * @throws {CloudFitsError} `USAGE` when the token file cannot be read; `FORBIDDEN`, `NETWORK`,
 * `TIMEOUT` or `BAD_RESPONSE` when STS refuses or fails.
 *
 * @example
 * ```ts
 * import { webIdentityCredentials } from "./aws_sts.ts";
 *
 * const answer = "<Credentials><AccessKeyId>ASIAEXAMPLE</AccessKeyId><SecretAccessKey>s</SecretAccessKey></Credentials>";
 * const role = await webIdentityCredentials(
 *   {
 *     options: { env: {}, readFile: () => Promise.resolve("oidc-token") },
 *     fetch: () => Promise.resolve(new Response(answer)), // stands in for STS
 *     config: { profileName: "default", profileExplicit: false, profiles: new Map(), services: new Map() },
 *   },
 *   "arn:aws:iam::123456789012:role/reader",
 *   "/var/run/secrets/token",
 *   undefined,
 * );
 * console.log(role.accessKeyId); // ASIAEXAMPLE
 * ```
 */
export async function webIdentityCredentials(
  context: ChainContext,
  roleArn: string,
  tokenFile: string,
  sessionName: string | undefined,
): Promise<ResolvedAwsCredentials> {
  const action = `Cannot assume role ${roleArn} with web identity`;
  let token: string;
  try {
    token = (await context.options.readFile(tokenFile)).trim();
  } catch (cause) {
    throw new CloudFitsError("USAGE", `${action}: cannot read token file ${tokenFile}`, { cause });
  }
  const body = new URLSearchParams({
    Action: "AssumeRoleWithWebIdentity",
    Version: "2011-06-15",
    RoleArn: roleArn,
    RoleSessionName: sessionName || defaultSessionName(context),
    WebIdentityToken: token,
  }).toString();
  const url = await stsEndpoint(context);
  const response = await send(
    context.fetch,
    url,
    {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/xml" },
      body,
    },
    STS_TIMEOUT_MS,
    action,
  );
  return await stsCredentials(response, url, action);
}

/**
 * Assume a profile's `role_arn` with `AssumeRole`, signed with its source credentials
 * (`role_session_name`, `external_id` and `duration_seconds` are passed on).
 *
 * @param context The chain's options, fetch and config.
 * @param source The credentials that sign the request.
 * @param name The profile's name, for messages.
 * @param profile The profile, which sets `role_arn`.
 * @returns The role's temporary credentials.
 * @throws {CloudFitsError} `FORBIDDEN`, `NETWORK`, `TIMEOUT` or `BAD_RESPONSE` when STS refuses or fails.
 *
 * @example
 * ```ts
 * import { assumeRole } from "./aws_sts.ts";
 *
 * const answer = "<Credentials><AccessKeyId>ASIAEXAMPLE</AccessKeyId><SecretAccessKey>s</SecretAccessKey></Credentials>";
 * const role = await assumeRole(
 *   {
 *     options: { env: {}, readFile: () => Promise.reject(new Error("no files")) },
 *     fetch: () => Promise.resolve(new Response(answer)), // stands in for STS
 *     config: { profileName: "default", profileExplicit: false, profiles: new Map(), services: new Map() },
 *   },
 *   { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
 *   "reader",
 *   { role_arn: "arn:aws:iam::123456789012:role/reader" },
 * );
 * console.log(role.accessKeyId); // ASIAEXAMPLE
 * ```
 */
export async function assumeRole(
  context: ChainContext,
  source: ResolvedAwsCredentials,
  name: string,
  profile: IniSection,
): Promise<ResolvedAwsCredentials> {
  const roleArn = profile.role_arn;
  const action = `Cannot assume role ${roleArn} for AWS profile '${name}'`;
  const parameters: Record<string, string> = {
    Action: "AssumeRole",
    Version: "2011-06-15",
    RoleArn: roleArn,
    RoleSessionName: profile.role_session_name || defaultSessionName(context),
  };
  if (profile.external_id) parameters.ExternalId = profile.external_id;
  if (profile.duration_seconds) parameters.DurationSeconds = profile.duration_seconds;
  const url = await stsEndpoint(context);
  const region = (await resolveAwsRegion(context.options)) ?? "us-east-1";
  const signed = await new AwsV4Signer({
    method: "POST",
    url,
    headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/xml" },
    body: new URLSearchParams(parameters).toString(),
    accessKeyId: source.accessKeyId,
    secretAccessKey: source.secretAccessKey,
    sessionToken: source.sessionToken,
    service: "sts",
    region,
  }).sign();
  const response = await send(
    context.fetch,
    signed.url.toString(),
    {
      method: signed.method,
      headers: signed.headers,
      body: signed.body,
    },
    STS_TIMEOUT_MS,
    action,
  );
  return await stsCredentials(response, url, action);
}

async function stsEndpoint(context: ChainContext): Promise<string> {
  const custom = resolveServiceEndpoint("sts", context.options.env, context.config);
  if (custom) return custom;
  const region = await resolveAwsRegion(context.options);
  return region ? `https://sts.${region}.amazonaws.com/` : "https://sts.amazonaws.com/";
}

function defaultSessionName(context: ChainContext): string {
  return `cloudfits-${(context.options.now ?? Date.now)()}`;
}

async function stsCredentials(
  response: Response,
  url: string,
  action: string,
): Promise<ResolvedAwsCredentials> {
  const text = await response.text();
  if (!response.ok) {
    const code = xmlText(text, "Code");
    const message = xmlText(text, "Message");
    const detail = [code, message].filter(Boolean).join(": ");
    throw new CloudFitsError(
      statusRule(response.status).retryable ? "NETWORK" : "FORBIDDEN",
      `${action}: STS answered ${response.status}${detail ? ` ${detail}` : ""}`,
      { url, status: response.status },
    );
  }
  const block = xmlText(text, "Credentials");
  const accessKeyId = block && xmlText(block, "AccessKeyId");
  const secretAccessKey = block && xmlText(block, "SecretAccessKey");
  if (!accessKeyId || !secretAccessKey) {
    throw new CloudFitsError("BAD_RESPONSE", `${action}: the STS response has no credentials`, {
      url,
      status: response.status,
    });
  }
  const expiration = xmlText(block, "Expiration");
  return credentials(
    accessKeyId,
    secretAccessKey,
    xmlText(block, "SessionToken"),
    expiration ? new Date(expiration) : undefined,
  );
}
