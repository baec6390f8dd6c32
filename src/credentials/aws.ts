/**
 * The AWS credential chain, resolved the way the AWS CLI does it, with caching and early refresh.
 * Its parts: the shared config files (`aws_config_files.ts`), a profile's credentials
 * (`aws_profile_credentials.ts`), STS (`aws_sts.ts`), container credentials (`aws_container.ts`),
 * EC2 instance metadata (`aws_imds.ts`); the region and S3 endpoint are `aws_region.ts`.
 *
 * Everything the chain reads arrives by injection (`env`, `readFile`, `fetch`, `runProcess`), so the
 * module stays browser-safe and tests can stand loopback fakes in for STS, ECS and EC2 metadata.
 * Secrets never appear in error messages.
 *
 * @module
 */
import { CloudFitsError } from "../errors.ts";
import { type ChainContext, environmentCredentials } from "./_aws_credentials.ts";
import { loadAwsConfig } from "./aws_config_files.ts";
import { containerCredentials } from "./aws_container.ts";
import { instanceMetadataCredentials } from "./aws_imds.ts";
import { profileCredentials } from "./aws_profile_credentials.ts";
import { webIdentityCredentials } from "./aws_sts.ts";
import type { AwsCredentialOptions, ResolvedAwsCredentials } from "./aws_types.ts";

/** Resolves the current credentials; `undefined` means none are configured, so requests go unsigned. */
export type AwsCredentialProvider = () => Promise<ResolvedAwsCredentials | undefined>;

const REFRESH_MARGIN_MS = 5 * 60_000;

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

function expiresSoon(value: ResolvedAwsCredentials | undefined, now: number): boolean {
  return value?.expiration !== undefined && now >= value.expiration.getTime() - REFRESH_MARGIN_MS;
}
