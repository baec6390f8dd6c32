/**
 * The credentials of a profile of the shared AWS config files: static keys, `role_arn` assumed with
 * `source_profile` (chains followed, loops refused), `credential_source` or `web_identity_token_file`,
 * and `credential_process`.
 *
 * @module
 */
import { CloudFitsError } from "../errors.ts";
import {
  type ChainContext,
  credentials,
  credentialsFromJson,
  environmentCredentials,
} from "./_aws_credentials.ts";
import type { IniSection } from "./aws_config_files.ts";
import { containerCredentials } from "./aws_container.ts";
import { instanceMetadataCredentials } from "./aws_imds.ts";
import { assumeRole, webIdentityCredentials } from "./aws_sts.ts";
import type { ResolvedAwsCredentials } from "./aws_types.ts";

/**
 * Resolve the credentials of one profile of the loaded config.
 *
 * @param context The chain's options, fetch and config.
 * @param name The profile's name.
 * @param visited The profiles that led here through `source_profile`, to refuse loops.
 * @returns The credentials, or `undefined` when the profile does not exist or sets none.
 * @throws {CloudFitsError} `USAGE` for an incomplete or looping profile, `UNSUPPORTED` for SSO
 * profiles, and whatever the role's source or STS throws.
 *
 * @example Static keys of a profile
 * ```ts
 * import { profileCredentials } from "./aws_profile_credentials.ts";
 *
 * const profiles = new Map([["dev", { aws_access_key_id: "AKIDEXAMPLE", aws_secret_access_key: "secret" }]]);
 * const found = await profileCredentials(
 *   {
 *     options: { env: {}, readFile: () => Promise.reject(new Error("no files")) },
 *     fetch: () => Promise.reject(new TypeError("no network")),
 *     config: { profileName: "dev", profileExplicit: true, profiles, services: new Map() },
 *   },
 *   "dev",
 *   [],
 * );
 * console.log(found?.accessKeyId); // AKIDEXAMPLE
 * ```
 */
export async function profileCredentials(
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
