/**
 * Requests of the AWS credential chain (STS, ECS, EC2 metadata): a timeout on each, and errors that
 * name the URL but never the body, which may hold secrets.
 *
 * @module
 */
import { CloudFitsError } from "../errors.ts";
import type { FetchLike } from "../source/http.ts";
import type { EnvironmentVariables } from "./aws_types.ts";

const DEFAULT_METADATA_TIMEOUT_MS = 1_000;

/**
 * Send one request, aborting it after `timeoutMs`.
 *
 * @param fetchFn The fetch to use.
 * @param url Where to send it.
 * @param init The request.
 * @param timeoutMs How long to wait for the response's headers.
 * @param action What was being done, to begin error messages.
 * @returns The response, whatever its status.
 * @throws {CloudFitsError} `TIMEOUT` after `timeoutMs`, `NETWORK` when the fetch fails.
 *
 * @example
 * ```ts
 * import { send } from "./_aws_requests.ts";
 *
 * const fetchFn = () => Promise.resolve(new Response("token"));
 * const response = await send(fetchFn, "http://169.254.169.254/latest/api/token", { method: "PUT" }, 1000, "Cannot get a token");
 * console.log(await response.text()); // token
 * ```
 */
export async function send(
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

/**
 * Read a response's body as a JSON object.
 *
 * @param response The response.
 * @param url Its URL, for messages.
 * @param action What was being done, to begin error messages.
 * @returns The object.
 * @throws {CloudFitsError} `BAD_RESPONSE` when the body is not a JSON object (without quoting it).
 *
 * @example
 * ```ts
 * import { responseJson } from "./_aws_requests.ts";
 *
 * const body = await responseJson(new Response('{"Code":"Success"}'), "http://127.0.0.1/", "Cannot get credentials");
 * console.log(body.Code); // Success
 * ```
 */
export async function responseJson(
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

/**
 * The timeout of container and EC2 metadata requests: `AWS_METADATA_SERVICE_TIMEOUT` seconds, or 1 s.
 *
 * @param env Environment variables.
 * @returns The timeout in milliseconds.
 *
 * @example
 * ```ts
 * import { metadataTimeoutMs } from "./_aws_requests.ts";
 *
 * console.log(metadataTimeoutMs({ AWS_METADATA_SERVICE_TIMEOUT: "5" })); // 5000
 * ```
 */
export function metadataTimeoutMs(env: EnvironmentVariables): number {
  const seconds = Number(env.AWS_METADATA_SERVICE_TIMEOUT);
  return seconds > 0 ? seconds * 1000 : DEFAULT_METADATA_TIMEOUT_MS;
}
