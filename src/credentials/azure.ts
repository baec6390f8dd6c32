/**
 * Azure Blob Storage credentials from the environment variables the Azure CLI reads.
 *
 * @module
 */
import { CloudFitsError } from "../errors.ts";
import type { EnvironmentVariables } from "./aws_types.ts";

/** Where an Azure storage account lives and how to authorize against it. */
export interface AzureCredentials {
  /** Storage account name. */
  account: string;
  /** Blob service endpoint without a trailing slash, e.g. `https://acct.blob.core.windows.net`. */
  blobEndpoint: string;
  /** Shared access signature, without the leading `?`. Wins over `key`. */
  sas?: string;
  /** Base64 account key for SharedKey signing. */
  key?: string;
}

/** Options of {@linkcode resolveAzureCredentials}. */
export interface AzureCredentialOptions {
  /** Environment variables (`AZURE_STORAGE_*`). */
  env: EnvironmentVariables;
  /** The account addressed (from an `az://` or blob URL); keys configured for another account are not used. */
  account?: string;
}

/** The Azurite/storage-emulator account, whose key is published by Microsoft. */
const DEVELOPMENT_ACCOUNT = "devstoreaccount1";
const DEVELOPMENT_KEY =
  "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

/**
 * Resolve the account, endpoint and credentials from `AZURE_STORAGE_CONNECTION_STRING`
 * (`AccountName`, `AccountKey`, `BlobEndpoint`, `SharedAccessSignature`, `DefaultEndpointsProtocol`,
 * `EndpointSuffix`, `UseDevelopmentStorage=true`), else `AZURE_STORAGE_ACCOUNT` with
 * `AZURE_STORAGE_SAS_TOKEN` or `AZURE_STORAGE_KEY`. A SAS token wins over a key. When `account` is
 * given and the environment configures another one, only the default endpoint of `account` is
 * returned (anonymous access).
 *
 * @param options Environment variables and the account addressed, if known.
 * @returns The credentials, or `undefined` when neither the environment nor `account` names an account.
 * @throws {CloudFitsError} `USAGE` when the connection string or key is malformed (the message never quotes secrets).
 *
 * @example A SAS token for an account
 * ```ts
 * import { resolveAzureCredentials } from "./azure.ts";
 *
 * const credentials = resolveAzureCredentials({
 *   env: { AZURE_STORAGE_ACCOUNT: "myacct", AZURE_STORAGE_SAS_TOKEN: "?sv=2022-11-02&sig=abc" },
 * });
 * console.log(credentials?.blobEndpoint, credentials?.sas); // https://myacct.blob.core.windows.net sv=2022-11-02&sig=abc
 * ```
 */
export function resolveAzureCredentials(options: AzureCredentialOptions): AzureCredentials | undefined {
  const { env } = options;
  const envSas = stripQuestionMark(env.AZURE_STORAGE_SAS_TOKEN);
  let configured: AzureCredentials | undefined;
  if (env.AZURE_STORAGE_CONNECTION_STRING) {
    configured = fromConnectionString(env.AZURE_STORAGE_CONNECTION_STRING);
  } else if (env.AZURE_STORAGE_ACCOUNT) {
    configured = withCredentials(
      { account: env.AZURE_STORAGE_ACCOUNT, blobEndpoint: defaultBlobEndpoint(env.AZURE_STORAGE_ACCOUNT) },
      undefined,
      env.AZURE_STORAGE_KEY,
    );
  }
  if (configured && envSas) {
    configured = { account: configured.account, blobEndpoint: configured.blobEndpoint, sas: envSas };
  }
  if (options.account !== undefined && options.account !== configured?.account) {
    return { account: options.account, blobEndpoint: defaultBlobEndpoint(options.account) };
  }
  return configured;
}

function fromConnectionString(connectionString: string): AzureCredentials {
  const fields = new Map<string, string>();
  for (const part of connectionString.split(";")) {
    const equals = part.indexOf("=");
    if (part.trim() === "") continue;
    if (equals <= 0) {
      throw new CloudFitsError("USAGE", "Cannot parse AZURE_STORAGE_CONNECTION_STRING: a field has no '='");
    }
    fields.set(part.slice(0, equals).trim().toLowerCase(), part.slice(equals + 1).trim());
  }
  if (fields.get("usedevelopmentstorage")?.toLowerCase() === "true") {
    const proxy = fields.get("developmentstorageproxyuri") ?? "http://127.0.0.1";
    return {
      account: DEVELOPMENT_ACCOUNT,
      blobEndpoint: `${proxy.replace(/\/+$/, "")}:10000/${DEVELOPMENT_ACCOUNT}`,
      key: DEVELOPMENT_KEY,
    };
  }
  const explicitEndpoint = fields.get("blobendpoint")?.replace(/\/+$/, "");
  const account = fields.get("accountname") ?? (explicitEndpoint && accountFromEndpoint(explicitEndpoint));
  if (!account) {
    throw new CloudFitsError(
      "USAGE",
      "Cannot parse AZURE_STORAGE_CONNECTION_STRING: it has neither AccountName nor an account BlobEndpoint",
    );
  }
  const protocol = fields.get("defaultendpointsprotocol") ?? "https";
  const suffix = fields.get("endpointsuffix") ?? "core.windows.net";
  const blobEndpoint = explicitEndpoint ?? `${protocol}://${account}.blob.${suffix}`;
  return withCredentials(
    { account, blobEndpoint },
    fields.get("sharedaccesssignature"),
    fields.get("accountkey"),
  );
}

function withCredentials(
  base: AzureCredentials,
  sas: string | undefined,
  key: string | undefined,
): AzureCredentials {
  const cleanSas = stripQuestionMark(sas);
  if (cleanSas) return { ...base, sas: cleanSas };
  if (key) {
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(key) || key.length % 4 !== 0) {
      throw new CloudFitsError(
        "USAGE",
        `Cannot use the account key for Azure account ${base.account}: it is not base64`,
      );
    }
    return { ...base, key };
  }
  return base;
}

function defaultBlobEndpoint(account: string): string {
  return `https://${account}.blob.core.windows.net`;
}

/** `acct` from `https://acct.blob.<suffix>`, or the first path segment of a path-style emulator URL. */
function accountFromEndpoint(endpoint: string): string | undefined {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new CloudFitsError(
      "USAGE",
      "Cannot parse AZURE_STORAGE_CONNECTION_STRING: BlobEndpoint is not a URL",
    );
  }
  const hosted = /^([a-z0-9]+)\.blob\./.exec(url.hostname);
  if (hosted) return hosted[1];
  return url.pathname.split("/").find((segment) => segment !== "") || undefined;
}

function stripQuestionMark(sas: string | undefined): string | undefined {
  const value = sas?.trim().replace(/^\?/, "");
  return value || undefined;
}
