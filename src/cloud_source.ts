/**
 * S3, GCS and Azure byte sources for a parsed location: bucket, region, endpoint and credentials from the
 * options and the injected environment. Its own module, loaded by `openSource` only when such a
 * location is opened, so that reading a local file or an `https://` URL never loads the signing code.
 *
 * @module
 */
import { CloudFitsError } from "./errors.ts";
import type { AzureLocation, GcsLocation, S3Location } from "./url.ts";
import type { FetchLike, HttpSourceOptions } from "./source/http.ts";
import { s3Source } from "./source/s3.ts";
import { type GcsAccessOptions, gcsSource } from "./source/gcs.ts";
import { type AzureAccountOptions, azureSource } from "./source/azure.ts";
import { type AwsCredentialProvider, resolveAwsCredentials } from "./credentials/aws.ts";
import { resolveAwsRegion, resolveS3Endpoint } from "./credentials/aws_region.ts";
import { resolveAzureCredentials } from "./credentials/azure.ts";
import type { ByteSource } from "./source/types.ts";
import type { SourceOptions } from "./source_options.ts";

/**
 * The source of an object in S3, GCS or Azure Blob, before retries.
 *
 * @param where The location.
 * @param http The request settings every source shares (hooks, timeout, pool, expected size and ETag).
 * @param options Credentials, endpoints and injected environment.
 * @returns The byte source.
 */
export async function cloudSource(
  where: S3Location | GcsLocation | AzureLocation,
  http: HttpSourceOptions,
  options: SourceOptions,
): Promise<ByteSource> {
  switch (where.kind) {
    case "s3":
      return s3Source({ ...http, ...await s3Access(where, options), key: where.key });
    case "gcs":
      return gcsSource({ ...http, ...gcsAccess(where, options), key: where.key });
    case "azure":
      return azureSource({
        ...http,
        ...azureAccess(where, options),
        container: where.container,
        blob: where.blob,
      });
  }
}

/** Bucket, region, endpoint and credentials for S3 requests on a location. */
export async function s3Access(
  where: S3Location,
  options: SourceOptions,
): Promise<{
  bucket: string;
  region: string;
  endpoint: string | undefined;
  credentials: AwsCredentialProvider | undefined;
  requestPayer: boolean | undefined;
  fetch: FetchLike | undefined;
}> {
  const config = {
    env: options.env ?? {},
    readFile: options.readTextFile ?? missingFile,
    profile: options.profile,
  };
  return {
    bucket: where.bucket,
    region: options.region ?? where.region ?? await resolveAwsRegion(config) ?? "us-east-1",
    endpoint: options.endpoint ?? await resolveS3Endpoint(config),
    credentials: options.noSign ? undefined : awsCredentials(options),
    requestPayer: options.requestPayer,
    fetch: options.fetch,
  };
}

/** Bucket, HMAC keys, billing project and endpoint for GCS requests on a location. */
export function gcsAccess(where: GcsLocation, options: SourceOptions): GcsAccessOptions {
  const env = options.env ?? {};
  const id = env.GCS_HMAC_ACCESS_ID;
  const secret = env.GCS_HMAC_SECRET;
  return {
    bucket: where.bucket,
    hmac: id && secret && !options.noSign ? { accessKeyId: id, secretAccessKey: secret } : undefined,
    userProject: options.gcsUserProject,
    endpoint: options.endpoint ?? env.GCS_ENDPOINT_URL,
    fetch: options.fetch,
  };
}

/** Account, endpoint and SAS or key for Azure requests on a location. */
export function azureAccess(where: AzureLocation, options: SourceOptions): AzureAccountOptions {
  const credentials = resolveAzureCredentials({ env: options.env ?? {}, account: where.account });
  const account = where.account ?? credentials?.account;
  if (!account) {
    throw new CloudFitsError(
      "USAGE",
      `Cannot reach az://${where.container}/${where.blob}: no storage account (set AZURE_STORAGE_ACCOUNT or AZURE_STORAGE_CONNECTION_STRING)`,
    );
  }
  return {
    account,
    blobEndpoint: options.endpoint ?? credentials?.blobEndpoint,
    sas: where.sas ?? credentials?.sas,
    key: where.sas ? undefined : credentials?.key,
    fetch: options.fetch,
  };
}

function awsCredentials(options: SourceOptions): AwsCredentialProvider {
  const key = options.profile ?? "";
  const cached = options.credentialCache?.get(key);
  if (cached) return cached;
  const provider = resolveAwsCredentials({
    // Without an environment (a browser, a library caller who passed none) there is no EC2 instance to
    // ask: never probe the metadata addresses then.
    env: options.env ?? { AWS_EC2_METADATA_DISABLED: "true" },
    readFile: options.readTextFile ?? missingFile,
    fetch: options.fetch,
    runProcess: options.runProcess,
    profile: options.profile,
  });
  options.credentialCache?.set(key, provider);
  return provider;
}

function missingFile(): Promise<string> {
  return Promise.reject(Object.assign(new Error("No file reader configured"), { code: "ENOENT" }));
}
