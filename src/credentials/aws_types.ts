/**
 * The shapes the AWS credential chain works with: resolved credentials, environment variables, and
 * the options every part of the chain is given.
 *
 * @module
 */
import type { FetchLike } from "../source/http.ts";
import type { AwsCredentials } from "../source/s3_fetch.ts";

/** Credentials from the chain: access keys plus, for temporary ones, when they expire. */
export interface ResolvedAwsCredentials extends AwsCredentials {
  /** When temporary credentials expire. */
  readonly expiration?: Date;
}

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

/** Options of `resolveAwsCredentials` (./aws.ts). */
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
