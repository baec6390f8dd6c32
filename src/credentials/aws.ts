/**
 * The AWS credential chain, region and S3 endpoint, resolved the way the AWS CLI does it.
 *
 * Everything the chain reads arrives by injection (`env`, `readFile`, `fetch`, `runProcess`), so the
 * module stays browser-safe and tests can stand loopback fakes in for STS, ECS and EC2 metadata.
 * Secrets never appear in error messages.
 *
 * @module
 */
import { AwsV4Signer } from "aws4fetch";
import { CloudFitsError } from "../errors.ts";
import type { FetchLike } from "../source/http.ts";
import type { AwsCredentials } from "../source/s3.ts";
import { xmlText } from "../source/_xml.ts";
import { statusRule } from "../source/status.ts";

/** Credentials from the chain: access keys plus, for temporary ones, when they expire. */
export interface ResolvedAwsCredentials extends AwsCredentials {
  /** When temporary credentials expire. */
  readonly expiration?: Date;
}

/** Resolves the current credentials; `undefined` means none are configured, so requests go unsigned. */
export type AwsCredentialProvider = () => Promise<ResolvedAwsCredentials | undefined>;

/** Environment variables, as `process.env` or `Deno.env.toObject()` provide them. */
export type EnvironmentVariables = Readonly<Record<string, string | undefined>>;

/** Where the shared AWS configuration comes from. */
export interface AwsConfigOptions {
  /** Environment variables (`AWS_*`, `HOME`). */
  env: EnvironmentVariables;
  /** Reads a text file; a rejection with code `ENOENT` means the file does not exist. */
  readFile: (path: string) => Promise<string>;
  /** Profile name; overrides `AWS_PROFILE` and, like the CLI's `--profile`, skips `AWS_ACCESS_KEY_ID`. */
  profile?: string;
}

/** Options of {@linkcode resolveAwsCredentials}. */
export interface AwsCredentialOptions extends AwsConfigOptions {
  /** The fetch used for STS, ECS and EC2 metadata requests. Defaults to the global `fetch`. */
  fetch?: FetchLike;
  /** Runs a `credential_process` command line and resolves to its standard output. */
  runProcess?: (command: string) => Promise<string>;
  /** Clock in Unix milliseconds, for expiry decisions. Defaults to `Date.now`. */
  now?: () => number;
  /** Base URL for `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`. Defaults to `http://169.254.170.2`. */
  containerBaseUrl?: string;
}

const REFRESH_MARGIN_MS = 5 * 60_000;
const STS_TIMEOUT_MS = 10_000;
const DEFAULT_METADATA_TIMEOUT_MS = 1_000;

/**
 * Build a credential provider that walks the AWS CLI's chain once and caches the result.
 *
 * Order: `AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`/`AWS_SESSION_TOKEN`; the selected profile of
 * `~/.aws/credentials` and `~/.aws/config` (static keys, `role_arn` with `source_profile`,
 * `credential_source` or `web_identity_token_file`, `credential_process`); web identity from
 * `AWS_WEB_IDENTITY_TOKEN_FILE` + `AWS_ROLE_ARN`; ECS/EKS container credentials; EC2 IMDSv2 unless
 * `AWS_EC2_METADATA_DISABLED=true`. A source that is configured but fails throws; only an unreachable
 * EC2 metadata service ends the chain quietly with `undefined` (anonymous). Temporary credentials are
 * refreshed five minutes before they expire; concurrent calls share one resolution.
 *
 * @param options Injected environment, file reader, fetch, process runner and clock.
 * @returns A provider to call before each signed request.
 *
 * @example Static keys from the environment
 * ```ts
 * import { resolveAwsCredentials } from "./aws.ts";
 *
 * const provider = resolveAwsCredentials({
 *   env: { AWS_ACCESS_KEY_ID: "AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY: "secret" },
 *   readFile: () => Promise.reject(Object.assign(new Error("absent"), { code: "ENOENT" })),
 * });
 * console.log((await provider())?.accessKeyId); // AKIDEXAMPLE
 * ```
 */
export function resolveAwsCredentials(options: AwsCredentialOptions): AwsCredentialProvider {
  const now = options.now ?? Date.now;
  let cached: { value: ResolvedAwsCredentials | undefined } | undefined;
  let pending: Promise<ResolvedAwsCredentials | undefined> | undefined;
  return () => {
    const current = cached;
    if (current && !expiresSoon(current.value, now())) return Promise.resolve(current.value);
    pending ??= resolveChain(options)
      .then((value) => {
        cached = { value };
        return value;
      }, (error: unknown) => {
        // Keep using credentials that are refreshing early but still valid when the refresh fails.
        const stillValid = current?.value?.expiration && current.value.expiration.getTime() > now();
        if (stillValid) return current.value;
        throw error;
      })
      .finally(() => {
        pending = undefined;
      });
    return pending;
  };
}

/**
 * Resolve the AWS region: `AWS_REGION` › `AWS_DEFAULT_REGION` › the profile's `region`.
 *
 * @param options Injected environment and file reader, and an optional profile name.
 * @returns The region, or `undefined` when none is configured.
 *
 * @example
 * ```ts
 * import { resolveAwsRegion } from "./aws.ts";
 *
 * const region = await resolveAwsRegion({ env: { AWS_DEFAULT_REGION: "us-west-2" }, readFile: () => Promise.reject(new Error("no files")) });
 * console.log(region); // us-west-2
 * ```
 */
export async function resolveAwsRegion(options: AwsConfigOptions): Promise<string | undefined> {
  const { env } = options;
  if (env.AWS_REGION) return env.AWS_REGION;
  if (env.AWS_DEFAULT_REGION) return env.AWS_DEFAULT_REGION;
  const config = await loadAwsConfig(options);
  return config.profiles.get(config.profileName)?.region || undefined;
}

/**
 * Resolve a custom S3 endpoint: `AWS_ENDPOINT_URL_S3` › `AWS_ENDPOINT_URL` › the profile's
 * `[services …]` `s3 = endpoint_url` › the profile's `endpoint_url`. All of them are ignored when
 * `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true` or the profile sets `ignore_configured_endpoint_urls`.
 *
 * @param options Injected environment and file reader, and an optional profile name.
 * @returns The endpoint URL, or `undefined` for AWS's own endpoints.
 *
 * @example
 * ```ts
 * import { resolveS3Endpoint } from "./aws.ts";
 *
 * const endpoint = await resolveS3Endpoint({
 *   env: { AWS_ENDPOINT_URL_S3: "http://127.0.0.1:9000" },
 *   readFile: () => Promise.reject(new Error("no files")),
 * });
 * console.log(endpoint); // http://127.0.0.1:9000
 * ```
 */
export async function resolveS3Endpoint(options: AwsConfigOptions): Promise<string | undefined> {
  return resolveServiceEndpoint("s3", options.env, await loadAwsConfig(options));
}

// ---------------------------------------------------------------------------------------------
// The chain

interface ChainContext {
  options: AwsCredentialOptions;
  fetch: FetchLike;
  config: AwsConfig;
}

async function resolveChain(options: AwsCredentialOptions): Promise<ResolvedAwsCredentials | undefined> {
  const { env } = options;
  const context: ChainContext = {
    options,
    fetch: options.fetch ?? globalThis.fetch,
    config: await loadAwsConfig(options),
  };
  if (options.profile === undefined) {
    const fromEnv = environmentCredentials(env);
    if (fromEnv) return fromEnv;
  }
  const { profileName, profiles, profileExplicit } = context.config;
  if (profiles.has(profileName)) {
    const fromProfile = await profileCredentials(context, profileName, []);
    if (fromProfile) return fromProfile;
  } else if (profileExplicit) {
    throw new CloudFitsError("USAGE", `Cannot find AWS profile '${profileName}' in the shared config files`);
  }
  if (env.AWS_WEB_IDENTITY_TOKEN_FILE && env.AWS_ROLE_ARN) {
    return await webIdentityCredentials(
      context,
      env.AWS_ROLE_ARN,
      env.AWS_WEB_IDENTITY_TOKEN_FILE,
      env.AWS_ROLE_SESSION_NAME,
    );
  }
  if (env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI || env.AWS_CONTAINER_CREDENTIALS_FULL_URI) {
    return await containerCredentials(context);
  }
  return await instanceMetadataCredentials(context);
}

function environmentCredentials(env: EnvironmentVariables): ResolvedAwsCredentials | undefined {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId && !secretAccessKey) return undefined;
  if (!accessKeyId || !secretAccessKey) {
    const missing = accessKeyId ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID";
    throw new CloudFitsError(
      "USAGE",
      `Cannot use AWS credentials from the environment: ${missing} is not set`,
    );
  }
  const expiration = env.AWS_CREDENTIAL_EXPIRATION ? new Date(env.AWS_CREDENTIAL_EXPIRATION) : undefined;
  return credentials(accessKeyId, secretAccessKey, env.AWS_SESSION_TOKEN, expiration);
}

async function profileCredentials(
  context: ChainContext,
  name: string,
  visited: string[],
): Promise<ResolvedAwsCredentials | undefined> {
  const profile = context.config.profiles.get(name);
  if (!profile) return undefined;
  if (visited.includes(name)) {
    throw new CloudFitsError(
      "USAGE",
      `Cannot assume role for AWS profile '${name}': source_profile loop ${[...visited, name].join(" > ")}`,
    );
  }
  if (profile.role_arn) {
    const sessionName = profile.role_session_name;
    if (profile.web_identity_token_file) {
      return await webIdentityCredentials(
        context,
        profile.role_arn,
        profile.web_identity_token_file,
        sessionName,
      );
    }
    const source = await roleSourceCredentials(context, name, profile, visited);
    return await assumeRole(context, source, name, profile);
  }
  const fromKeys = staticProfileCredentials(name, profile);
  if (fromKeys) return fromKeys;
  if (profile.credential_process) return await processCredentials(context, name, profile.credential_process);
  if (profile.sso_session || profile.sso_start_url) {
    throw new CloudFitsError(
      "UNSUPPORTED",
      `Cannot use AWS SSO profile '${name}': use credential_process = aws configure export-credentials --profile ${name} --format process`,
    );
  }
  return undefined;
}

function staticProfileCredentials(name: string, profile: IniSection): ResolvedAwsCredentials | undefined {
  const accessKeyId = profile.aws_access_key_id;
  const secretAccessKey = profile.aws_secret_access_key;
  if (!accessKeyId && !secretAccessKey) return undefined;
  if (!accessKeyId || !secretAccessKey) {
    const missing = accessKeyId ? "aws_secret_access_key" : "aws_access_key_id";
    throw new CloudFitsError("USAGE", `Cannot use AWS profile '${name}': it does not set ${missing}`);
  }
  return credentials(accessKeyId, secretAccessKey, profile.aws_session_token);
}

async function roleSourceCredentials(
  context: ChainContext,
  name: string,
  profile: IniSection,
  visited: string[],
): Promise<ResolvedAwsCredentials> {
  const sourceProfile = profile.source_profile;
  if (sourceProfile) {
    // A profile may name itself as its source: its own static keys then assume its role.
    const source = sourceProfile === name
      ? staticProfileCredentials(name, profile)
      : await profileCredentials(context, sourceProfile, [...visited, name]);
    if (source) return source;
    throw new CloudFitsError(
      "USAGE",
      `Cannot assume role for AWS profile '${name}': source profile '${sourceProfile}' has no credentials`,
    );
  }
  const credentialSource = profile.credential_source;
  let source: ResolvedAwsCredentials | undefined;
  if (credentialSource === "Environment") source = environmentCredentials(context.options.env);
  else if (credentialSource === "EcsContainer") source = await containerCredentials(context);
  else if (credentialSource === "Ec2InstanceMetadata") source = await instanceMetadataCredentials(context);
  else if (credentialSource === undefined) {
    throw new CloudFitsError(
      "USAGE",
      `Cannot assume role for AWS profile '${name}': it sets role_arn without source_profile or credential_source`,
    );
  } else {
    throw new CloudFitsError(
      "USAGE",
      `Cannot assume role for AWS profile '${name}': unknown credential_source '${credentialSource}'`,
    );
  }
  if (source) return source;
  throw new CloudFitsError(
    "USAGE",
    `Cannot assume role for AWS profile '${name}': credential_source ${credentialSource} has no credentials`,
  );
}

async function processCredentials(
  context: ChainContext,
  name: string,
  command: string,
): Promise<ResolvedAwsCredentials> {
  const action = `Cannot get AWS credentials from credential_process of profile '${name}'`;
  const run = context.options.runProcess;
  if (!run) throw new CloudFitsError("UNSUPPORTED", `${action}: running processes is not available here`);
  let output: string;
  try {
    output = await run(command);
  } catch (cause) {
    throw new CloudFitsError("FORBIDDEN", `${action}: the command failed`, { cause });
  }
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(output);
  } catch {
    // The output may hold secrets, so neither it nor the parser's message (which quotes it) is reported.
    throw new CloudFitsError("FORBIDDEN", `${action}: the output is not JSON`);
  }
  if (parsed?.Version !== 1) {
    throw new CloudFitsError("FORBIDDEN", `${action}: the output is not Version 1`);
  }
  return credentialsFromJson(parsed, action);
}

// ---------------------------------------------------------------------------------------------
// STS

async function webIdentityCredentials(
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

async function assumeRole(
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

// ---------------------------------------------------------------------------------------------
// ECS/EKS containers and EC2 instance metadata

const CONTAINER_HOSTS = new Set(["169.254.170.2", "169.254.170.23", "[fd00:ec2::23]", "localhost", "[::1]"]);

async function containerCredentials(context: ChainContext): Promise<ResolvedAwsCredentials> {
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

async function instanceMetadataCredentials(
  context: ChainContext,
): Promise<ResolvedAwsCredentials | undefined> {
  const { env } = context.options;
  if (env.AWS_EC2_METADATA_DISABLED?.toLowerCase() === "true") return undefined;
  const base = (env.AWS_EC2_METADATA_SERVICE_ENDPOINT ||
    (env.AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE?.toLowerCase() === "ipv6"
      ? "http://[fd00:ec2::254]"
      : "http://169.254.169.254")).replace(/\/$/, "");
  const timeoutMs = metadataTimeoutMs(env);
  const action = "Cannot get AWS credentials from EC2 instance metadata";
  let token: string;
  try {
    const response = await send(
      context.fetch,
      `${base}/latest/api/token`,
      {
        method: "PUT",
        headers: { "x-aws-ec2-metadata-token-ttl-seconds": "21600" },
      },
      timeoutMs,
      action,
    );
    if (!response.ok) {
      await response.body?.cancel();
      return undefined;
    }
    token = await response.text();
  } catch {
    // No metadata service: not on EC2, so the chain ends without credentials.
    return undefined;
  }
  const headers = { "x-aws-ec2-metadata-token": token };
  const listUrl = `${base}/latest/meta-data/iam/security-credentials/`;
  const list = await send(context.fetch, listUrl, { headers }, timeoutMs, action);
  if (list.status === 404) {
    await list.body?.cancel();
    return undefined; // An instance without a role.
  }
  if (!list.ok) {
    await list.body?.cancel();
    throw new CloudFitsError("FORBIDDEN", `${action}: listing roles answered ${list.status}`, {
      url: listUrl,
      status: list.status,
    });
  }
  const role = (await list.text()).split("\n")[0].trim();
  if (!role) return undefined;
  const roleUrl = listUrl + encodeURIComponent(role);
  const response = await send(context.fetch, roleUrl, { headers }, timeoutMs, action);
  if (!response.ok) {
    await response.body?.cancel();
    throw new CloudFitsError("FORBIDDEN", `${action}: role ${role} answered ${response.status}`, {
      url: roleUrl,
      status: response.status,
    });
  }
  const body = await responseJson(response, roleUrl, action);
  if (body.Code !== undefined && body.Code !== "Success") {
    throw new CloudFitsError("FORBIDDEN", `${action}: role ${role} reports ${String(body.Code)}`, {
      url: roleUrl,
    });
  }
  return credentialsFromJson(body, action);
}

function metadataTimeoutMs(env: EnvironmentVariables): number {
  const seconds = Number(env.AWS_METADATA_SERVICE_TIMEOUT);
  return seconds > 0 ? seconds * 1000 : DEFAULT_METADATA_TIMEOUT_MS;
}

async function responseJson(
  response: Response,
  url: string,
  action: string,
): Promise<Record<string, unknown>> {
  try {
    const parsed = await response.json();
    if (typeof parsed === "object" && parsed !== null) return parsed;
  } catch {
    // Reported below without the body, which may hold secrets.
  }
  throw new CloudFitsError("BAD_RESPONSE", `${action}: the response is not a JSON object`, {
    url,
    status: response.status,
  });
}

/** Credentials from the JSON shape shared by ECS, IMDS and credential_process. */
function credentialsFromJson(body: Record<string, unknown>, action: string): ResolvedAwsCredentials {
  const { AccessKeyId, SecretAccessKey, Expiration } = body;
  const sessionToken = body.SessionToken ?? body.Token;
  if (
    typeof AccessKeyId !== "string" || typeof SecretAccessKey !== "string" || !AccessKeyId || !SecretAccessKey
  ) {
    throw new CloudFitsError("BAD_RESPONSE", `${action}: AccessKeyId or SecretAccessKey is missing`);
  }
  const expiration = typeof Expiration === "string" ? new Date(Expiration) : undefined;
  if (expiration && Number.isNaN(expiration.getTime())) {
    throw new CloudFitsError("BAD_RESPONSE", `${action}: Expiration '${Expiration}' is not a date`);
  }
  return credentials(
    AccessKeyId,
    SecretAccessKey,
    typeof sessionToken === "string" && sessionToken ? sessionToken : undefined,
    expiration,
  );
}

// ---------------------------------------------------------------------------------------------
// Helpers

function credentials(
  accessKeyId: string,
  secretAccessKey: string,
  sessionToken?: string,
  expiration?: Date,
): ResolvedAwsCredentials {
  return {
    accessKeyId,
    secretAccessKey,
    ...(sessionToken ? { sessionToken } : {}),
    ...(expiration && !Number.isNaN(expiration.getTime()) ? { expiration } : {}),
  };
}

function expiresSoon(value: ResolvedAwsCredentials | undefined, now: number): boolean {
  return value?.expiration !== undefined && now >= value.expiration.getTime() - REFRESH_MARGIN_MS;
}

async function send(
  fetchFn: FetchLike,
  url: string,
  init: RequestInit,
  timeoutMs: number,
  action: string,
): Promise<Response> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    return await fetchFn(url, { ...init, signal: controller.signal });
  } catch (cause) {
    const timedOut = controller.signal.aborted;
    throw new CloudFitsError(
      timedOut ? "TIMEOUT" : "NETWORK",
      timedOut ? `${action}: no answer from ${url} within ${timeoutMs} ms` : `${action}: cannot reach ${url}`,
      { url, cause },
    );
  } finally {
    clearTimeout(timer);
  }
}

// ---------------------------------------------------------------------------------------------
// Shared config files

/** One INI section: lowercase keys; nested `key =` blocks flattened to `key.subkey`. */
type IniSection = Record<string, string>;

interface AwsConfig {
  profileName: string;
  /** Whether the profile was chosen (option or `AWS_PROFILE`) rather than defaulted. */
  profileExplicit: boolean;
  /** Profiles of both files; for one name, the credentials file's keys win. */
  profiles: Map<string, IniSection>;
  /** `[services name]` sections of the config file. */
  services: Map<string, IniSection>;
}

async function loadAwsConfig(options: AwsConfigOptions): Promise<AwsConfig> {
  const { env } = options;
  const chosen = options.profile ?? env.AWS_PROFILE;
  const profileName = chosen || "default";
  const home = env.HOME || env.USERPROFILE;
  const credentialsPath = env.AWS_SHARED_CREDENTIALS_FILE || (home && `${home}/.aws/credentials`);
  const configPath = env.AWS_CONFIG_FILE || (home && `${home}/.aws/config`);
  const profiles = new Map<string, IniSection>();
  const services = new Map<string, IniSection>();
  for (const [section, values] of configPath ? parseIni(await readOptional(options, configPath)) : []) {
    const [kind, ...rest] = section.split(" ");
    const name = rest.join(" ");
    if (section === "default") mergeInto(profiles, "default", values);
    else if (kind === "profile" && name) mergeInto(profiles, name, values);
    else if (kind === "services" && name) mergeInto(services, name, values);
  }
  for (
    const [section, values] of credentialsPath ? parseIni(await readOptional(options, credentialsPath)) : []
  ) {
    mergeInto(profiles, section, values);
  }
  return { profileName, profileExplicit: Boolean(chosen), profiles, services };
}

function mergeInto(map: Map<string, IniSection>, name: string, values: IniSection): void {
  map.set(name, { ...map.get(name), ...values });
}

async function readOptional(options: AwsConfigOptions, path: string): Promise<string> {
  try {
    return await options.readFile(path);
  } catch (cause) {
    const code = (cause as { code?: unknown })?.code;
    if (code === "ENOENT" || code === "ENOTDIR" || (cause as Error)?.name === "NotFound") return "";
    throw new CloudFitsError("USAGE", `Cannot read AWS config file ${path}`, { url: path, cause });
  }
}

/**
 * Parse an AWS-style INI file: `[section]` headers, `key = value` lines, `#`/`;` comments (whole
 * lines, or after whitespace), and indented `key = value` lines under a `key =` line with no value.
 */
function parseIni(text: string): Map<string, IniSection> {
  const sections = new Map<string, IniSection>();
  let current: IniSection | undefined;
  let parent: string | undefined;
  for (const line of text.replace(/^\uFEFF/, "").split(/\r?\n|\r/)) {
    const trimmed = line.trim();
    if (trimmed === "" || trimmed[0] === "#" || trimmed[0] === ";") continue;
    const header = /^\[([^\]]*)\]/.exec(trimmed);
    if (header) {
      const name = header[1].trim().replace(/\s+/g, " ");
      current = sections.get(name) ?? {};
      sections.set(name, current);
      parent = undefined;
      continue;
    }
    const equals = trimmed.indexOf("=");
    if (!current || equals <= 0) continue;
    const key = trimmed.slice(0, equals).trim().toLowerCase();
    const value = trimmed.slice(equals + 1).replace(/\s[#;].*$/, "").trim();
    if (/^\s/.test(line) && parent !== undefined) {
      current[`${parent}.${key}`] = value;
    } else {
      current[key] = value;
      parent = value === "" ? key : undefined;
    }
  }
  return sections;
}

function resolveServiceEndpoint(
  service: string,
  env: EnvironmentVariables,
  config: AwsConfig,
): string | undefined {
  const profile = config.profiles.get(config.profileName) ?? {};
  const ignore = env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS?.toLowerCase() ??
    profile.ignore_configured_endpoint_urls?.toLowerCase();
  if (ignore === "true") return undefined;
  const fromEnv = env[`AWS_ENDPOINT_URL_${service.toUpperCase()}`] || env.AWS_ENDPOINT_URL;
  if (fromEnv) return fromEnv;
  const servicesSection = profile.services ? config.services.get(profile.services) : undefined;
  return servicesSection?.[`${service}.endpoint_url`] || profile.endpoint_url || undefined;
}
