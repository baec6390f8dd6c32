/**
 * What every credential source of the AWS chain shares: its context, and making
 * {@linkcode ResolvedAwsCredentials} from keys, environment variables or the JSON that ECS, EC2
 * metadata and `credential_process` answer with. Secrets never appear in error messages.
 *
 * @module
 */
import { CloudFitsError } from "../errors.ts";
import type { FetchLike } from "../source/http.ts";
import type { AwsConfig } from "./aws_config_files.ts";
import type { AwsCredentialOptions, EnvironmentVariables, ResolvedAwsCredentials } from "./aws_types.ts";

/** What a source of the chain resolves with: the options, the fetch to use and the loaded config. */
export interface ChainContext {
  /** The chain's options. */
  options: AwsCredentialOptions;
  /** `options.fetch`, or the global fetch. */
  fetch: FetchLike;
  /** The shared config files. */
  config: AwsConfig;
}

/**
 * Credentials from `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN` and
 * `AWS_CREDENTIAL_EXPIRATION`.
 *
 * @param env Environment variables.
 * @returns The credentials, or `undefined` when neither key variable is set.
 * @throws {CloudFitsError} `USAGE` when only one of the two keys is set.
 *
 * @example
 * ```ts
 * import { environmentCredentials } from "./_aws_credentials.ts";
 *
 * const found = environmentCredentials({ AWS_ACCESS_KEY_ID: "AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY: "secret" });
 * console.log(found?.accessKeyId); // AKIDEXAMPLE
 * ```
 */
export function environmentCredentials(env: EnvironmentVariables): ResolvedAwsCredentials | undefined {
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

/**
 * Credentials from the JSON shape shared by ECS, IMDS and credential_process.
 *
 * @param body The parsed JSON object.
 * @param action What was being done, to begin error messages.
 * @returns The credentials.
 * @throws {CloudFitsError} `BAD_RESPONSE` when a key is missing or `Expiration` is not a date.
 *
 * @example
 * ```ts
 * import { credentialsFromJson } from "./_aws_credentials.ts";
 *
 * const found = credentialsFromJson(
 *   { AccessKeyId: "AKIDEXAMPLE", SecretAccessKey: "secret", Token: "t", Expiration: "2030-01-01T00:00:00Z" },
 *   "Cannot get AWS container credentials",
 * );
 * console.log(found.sessionToken, found.expiration?.toISOString()); // t 2030-01-01T00:00:00.000Z
 * ```
 */
export function credentialsFromJson(body: Record<string, unknown>, action: string): ResolvedAwsCredentials {
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

/**
 * Credentials from their parts; an empty session token and an invalid expiration are left out.
 *
 * @param accessKeyId The access key ID.
 * @param secretAccessKey The secret access key.
 * @param sessionToken The session token of temporary credentials.
 * @param expiration When temporary credentials expire.
 * @returns The credentials.
 *
 * @example
 * ```ts
 * import { credentials } from "./_aws_credentials.ts";
 *
 * console.log(Object.keys(credentials("AKIDEXAMPLE", "secret", "", new Date(NaN))));
 * // [ "accessKeyId", "secretAccessKey" ]
 * ```
 */
export function credentials(
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
