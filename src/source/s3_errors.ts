/**
 * S3 error answers explained: the XML error document's code, message and region, a hint that says
 * what to change, and the `CloudFitsError` of a failed request.
 *
 * @module
 */
import type { CloudFitsError } from "../errors.ts";
import { redactUrl } from "../url.ts";
import { xmlText } from "./_xml.ts";
import { type ErrorExplainer, responseError } from "./status.ts";

/** What an S3 error response said: the XML `<Code>` and `<Message>`, when there were any. */
export interface S3ErrorBody {
  /** Error code such as `AccessDenied`, `NoSuchKey` or `SignatureDoesNotMatch`. */
  code?: string;
  /** The service's message. */
  message?: string;
  /** The bucket's region, when the error names one. */
  region?: string;
}

/**
 * Pull the code, message and region out of an S3 (or GCS XML API) error body.
 *
 * @param xml The response body.
 * @returns The fields found; empty for a body that is not an error document.
 *
 * @example Reading an error document
 * ```ts
 * import { parseS3Error } from "./s3_errors.ts";
 *
 * const body = "<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>";
 * console.log(parseS3Error(body).code); // "NoSuchKey"
 * ```
 */
export function parseS3Error(xml: string): S3ErrorBody {
  const error: S3ErrorBody = {};
  const code = xmlText(xml, "Code");
  const message = xmlText(xml, "Message");
  const region = xmlText(xml, "Region");
  if (code !== undefined) error.code = code;
  if (message !== undefined) error.message = message;
  if (region !== undefined) error.region = region;
  return error;
}

/** What the client did, so that {@linkcode s3ErrorHint} can say what to change. */
export interface S3HintContext {
  /** Whether requester pays was on. */
  requestPayer?: boolean;
  /** Whether the request carried credentials. */
  signed?: boolean;
  /** The bucket's region from `x-amz-bucket-region`, when the response named one. */
  region?: string;
  /** The `Location` of a redirect, which a signed request does not follow. */
  location?: string;
}

/**
 * Explain an S3 error response in a sentence fragment that says what to try; the status itself is
 * reported by the caller.
 *
 * | status, code | hint |
 * |---|---|
 * | 403 `AccessDenied` (or no code) | S3 returns 403 for a missing key without `s3:ListBucket`; without credentials, says so; without requester pays, suggests `--request-payer requester` |
 * | 403 `SignatureDoesNotMatch` | check the secret access key |
 * | 403 `InvalidAccessKeyId` | the access key is not recognised |
 * | 400/403 `ExpiredToken`, `InvalidToken` | refresh the temporary credentials |
 * | 301 `PermanentRedirect`, 400 `AuthorizationHeaderMalformed` | the bucket's region, to pass as `--region` |
 * | 404 `NoSuchBucket` | the bucket does not exist |
 * | other codes | the code and the service's message |
 *
 * @param status HTTP status.
 * @param body The (start of the) response body.
 * @param context Whether requester pays was on and whether the request was signed.
 * @returns The hint, or `undefined` when there is nothing to add.
 *
 * @example Explaining an S3 403
 * ```ts
 * import { s3ErrorHint } from "./s3_errors.ts";
 *
 * console.log(s3ErrorHint(403, "<Error><Code>AccessDenied</Code></Error>", { signed: true }));
 * // "AccessDenied; S3 returns 403 for a missing key without s3:ListBucket; if the bucket is requester-pays, pass --request-payer requester"
 * ```
 */
export function s3ErrorHint(status: number, body: string, context: S3HintContext = {}): string | undefined {
  const error = parseS3Error(body);
  const code = error.code;
  // A 301 names the regional endpoint rather than the region.
  const endpointRegion = /\.s3[.-]([a-z0-9-]+)\.amazonaws\.com/.exec(xmlText(body, "Endpoint") ?? "")?.[1];
  const region = error.region ?? context.region ?? endpointRegion;
  switch (code) {
    case "SignatureDoesNotMatch":
      return `${code}: the signature was rejected; check the secret access key`;
    case "InvalidAccessKeyId":
      return `${code}: the access key is not recognised`;
    case "ExpiredToken":
    case "InvalidToken":
    case "TokenRefreshRequired":
      return `${code}: the session token was rejected; refresh the temporary credentials`;
    case "NoSuchKey":
      return code;
    case "NoSuchBucket":
      return `${code}: the bucket does not exist`;
    case "PermanentRedirect":
    case "AuthorizationHeaderMalformed":
      if (region !== undefined) return `${code}: the bucket is in ${region}; pass --region ${region}`;
  }
  if (status >= 300 && status < 400) {
    const to = context.location === undefined ? "" : ` to ${redactUrl(context.location)}`;
    return `${
      code ?? "Redirect"
    }: S3 redirected the request${to}; not followed, so that the credentials and signed headers reach only the host they were signed for`;
  }
  if (status === 403 && (code === undefined || code === "AccessDenied" || code === "AllAccessDisabled")) {
    const hints = [code ?? "403", "S3 returns 403 for a missing key without s3:ListBucket"];
    if (context.signed === false) hints.push("the request was sent without credentials");
    if (context.requestPayer !== true) {
      hints.push("if the bucket is requester-pays, pass --request-payer requester");
    }
    return hints.join("; ");
  }
  if (code === undefined) return undefined;
  return error.message === undefined ? code : `${code}: ${error.message}`;
}

/** What was being done when an S3 request failed, for {@linkcode s3ResponseError}. */
export interface S3ResponseErrorContext extends S3HintContext {
  /** The verb of the message, such as "list" or "upload": it reads "Cannot VERB URL: …". */
  action: string;
  /** The URL concerned (redacted before use). */
  url: string;
}

/**
 * The {@linkcode ErrorExplainer} of S3 answers: {@linkcode s3ErrorHint}, with the region from
 * `x-amz-bucket-region` when the body names none.
 *
 * @param context Whether requester pays was on and whether the request was signed.
 * @returns The explainer to hand to an HTTP source or to `responseError`.
 *
 * @example The region comes from the response header
 * ```ts
 * import assert from "node:assert/strict";
 * import { s3Explainer } from "./s3_errors.ts";
 *
 * const body = "<Error><Code>PermanentRedirect</Code></Error>";
 * const headers = new Headers({ "x-amz-bucket-region": "eu-west-1" });
 * assert.equal(
 *   s3Explainer({ signed: true })(301, body, headers),
 *   "PermanentRedirect: the bucket is in eu-west-1; pass --region eu-west-1",
 * );
 * ```
 */
export function s3Explainer(context: S3HintContext): ErrorExplainer {
  return (status, body, headers) =>
    s3ErrorHint(status, body, {
      requestPayer: context.requestPayer,
      signed: context.signed,
      region: context.region ?? headers.get("x-amz-bucket-region") ?? undefined,
      location: headers.get("location") ?? undefined,
    });
}

/**
 * Build the error for a failed S3 response, reading (and so consuming) up to 16 KiB of its body: the
 * code and reason come from the status table shared by every provider (`statusRule`: `FORBIDDEN` for
 * 401 and 403, `NOT_FOUND` for 404 and 410, retryable `NETWORK` for 429 and 5xx, `BAD_RESPONSE`
 * otherwise), the hint from {@linkcode s3ErrorHint}.
 *
 * @param response The failed response.
 * @param context The action, the URL and what the client did.
 * @returns The error to throw.
 *
 * @example Turning a response into an error
 * ```ts
 * import { s3ResponseError } from "./s3_errors.ts";
 *
 * const response = new Response("<Error><Code>NoSuchBucket</Code></Error>", { status: 404 });
 * const error = await s3ResponseError(response, { action: "list", url: "http://127.0.0.1:9000/nope" });
 * console.log(error.code); // "NOT_FOUND"
 * ```
 */
export async function s3ResponseError(
  response: Response,
  context: S3ResponseErrorContext,
): Promise<CloudFitsError> {
  const url = redactUrl(context.url);
  return await responseError(response, { action: `${context.action} ${url}`, url }, s3Explainer(context));
}
