/**
 * How `openSource` reaches remote objects: its own module, so that the S3, GCS and Azure code it loads
 * on demand (`cloud_source.ts`) shares the type without an import cycle.
 *
 * @module
 */
import type { FetchLike, HttpSourceOptions } from "./source/http.ts";
import type { AwsCredentialProvider } from "./credentials/aws.ts";
import type { ByteSource } from "./source/types.ts";

/** How to reach remote objects: credentials, endpoints, and what the environment provides. */
export interface SourceOptions extends Pick<HttpSourceOptions, "onRequest" | "timeoutMs" | "requestPool"> {
  /** The fetch to send requests with (default: the global one). */
  fetch?: FetchLike;
  /** Environment variables for credentials and endpoints (`AWS_*`, `AZURE_STORAGE_*`, `GCS_*`). Default: none. */
  env?: Record<string, string | undefined>;
  /** Reads a text file (`~/.aws/credentials`); without it, shared AWS config files are not consulted. */
  readTextFile?: (path: string) => Promise<string>;
  /** Runs a `credential_process` command from an AWS profile. */
  runProcess?: (command: string) => Promise<string>;
  /**
   * Opens a local path (the `./file` entry point's `openFileSource`). Without it, a path is a URL relative
   * to `baseUrl`, and is refused when there is none.
   */
  openFile?: (path: string) => Promise<ByteSource>;
  /**
   * What a relative location (`data/a.fits`, `/a.fits`) is relative to when there is no `openFile`: an
   * `http(s)` URL. Default: the page's location in a browser (`globalThis.location`), else none.
   */
  baseUrl?: string | URL;
  /** AWS profile (like `--profile`). */
  profile?: string;
  /** S3 signing region (like `--region`). */
  region?: string;
  /** S3-compatible endpoint (like `--endpoint-url`): MinIO, DigitalOcean Spaces, R2. */
  endpoint?: string;
  /** Send anonymous S3 requests (like `--no-sign-request`). */
  noSign?: boolean;
  /** Accept requester-pays charges (like `--request-payer requester`). Never on unless asked. */
  requestPayer?: boolean;
  /** GCS project billed for requester-pays buckets (`x-goog-user-project`). */
  gcsUserProject?: string;
  /** Retries of failed requests (default 4); 0 disables. */
  retries?: number;
  /** Expected object size and ETag (from an index): a mismatch is a STALE error. */
  expected?: { size?: number; etag?: string };
  /** Credential providers shared across sources, by profile; pass one map to resolve credentials once. */
  credentialCache?: Map<string, AwsCredentialProvider>;
}
