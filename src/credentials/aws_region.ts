/**
 * The AWS region and service endpoints, from the environment and the selected profile of the shared
 * config files, resolved the way the AWS CLI does it.
 *
 * @module
 */
import { type AwsConfig, loadAwsConfig } from "./aws_config_files.ts";
import type { AwsConfigOptions, EnvironmentVariables } from "./aws_types.ts";

/**
 * Resolve the AWS region: `AWS_REGION` › `AWS_DEFAULT_REGION` › the profile's `region`.
 *
 * @param options Injected environment and file reader, and an optional profile name.
 * @returns The region, or `undefined` when none is configured.
 *
 * @example
 * ```ts
 * import { resolveAwsRegion } from "./aws_region.ts";
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
 * import { resolveS3Endpoint } from "./aws_region.ts";
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

/**
 * Resolve a custom endpoint for one AWS service from the environment and loaded config, in the order
 * {@linkcode resolveS3Endpoint} describes (`AWS_ENDPOINT_URL_<SERVICE>` first).
 *
 * @param service The service's identifier, lowercase (`s3`, `sts`).
 * @param env Environment variables.
 * @param config The shared config files, as `loadAwsConfig` (./aws_config_files.ts) returns them.
 * @returns The endpoint URL, or `undefined` for AWS's own endpoints.
 *
 * @example
 * ```ts
 * import { resolveServiceEndpoint } from "./aws_region.ts";
 *
 * const config = { profileName: "default", profileExplicit: false, profiles: new Map(), services: new Map() };
 * console.log(resolveServiceEndpoint("sts", { AWS_ENDPOINT_URL: "http://127.0.0.1:4566" }, config));
 * // http://127.0.0.1:4566
 * ```
 */
export function resolveServiceEndpoint(
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
