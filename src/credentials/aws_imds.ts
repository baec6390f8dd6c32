/**
 * AWS credentials of an EC2 instance's role, from the instance metadata service with IMDSv2 session
 * tokens (`AWS_EC2_METADATA_*` choose the endpoint or turn it off).
 *
 * @module
 */
import { CloudFitsError } from "../errors.ts";
import { type ChainContext, credentialsFromJson } from "./_aws_credentials.ts";
import { metadataTimeoutMs, responseJson, send } from "./_aws_requests.ts";
import type { ResolvedAwsCredentials } from "./aws_types.ts";

/**
 * Get the instance role's credentials from EC2 instance metadata (IMDSv2).
 *
 * @param context The chain's options (`env`) and fetch.
 * @returns The credentials, or `undefined` when `AWS_EC2_METADATA_DISABLED=true`, no metadata service
 * answers (not on EC2), or the instance has no role.
 * @throws {CloudFitsError} `FORBIDDEN` or `BAD_RESPONSE` when the service answers but refuses or fails.
 *
 * @example Off EC2, the chain ends quietly
 * ```ts
 * import { instanceMetadataCredentials } from "./aws_imds.ts";
 *
 * const found = await instanceMetadataCredentials({
 *   options: { env: {}, readFile: () => Promise.reject(new Error("no files")) },
 *   fetch: () => Promise.reject(new TypeError("unreachable")), // no metadata service here
 *   config: { profileName: "default", profileExplicit: false, profiles: new Map(), services: new Map() },
 * });
 * console.log(found); // undefined
 * ```
 */
export async function instanceMetadataCredentials(
  context: ChainContext,
): Promise<ResolvedAwsCredentials | undefined> {
  const { env } = context.options;
  if (env.AWS_EC2_METADATA_DISABLED?.toLowerCase() === "true") return undefined;
  const base = (env.AWS_EC2_METADATA_SERVICE_ENDPOINT ||
    (env.AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE?.toLowerCase() === "ipv6"
      ? "http://[fd00:ec2::254]"
      : "http://169.254.169.254")).replace(/\/$/, "");
  const timeoutMs = metadataTimeoutMs(env);
  const action = "Cannot get AWS credentials from EC2 instance metadata";
  let token: string;
  try {
    const response = await send(
      context.fetch,
      `${base}/latest/api/token`,
      {
        method: "PUT",
        headers: { "x-aws-ec2-metadata-token-ttl-seconds": "21600" },
      },
      timeoutMs,
      action,
    );
    if (!response.ok) {
      await response.body?.cancel();
      return undefined;
    }
    token = await response.text();
  } catch {
    // No metadata service: not on EC2, so the chain ends without credentials.
    return undefined;
  }
  const headers = { "x-aws-ec2-metadata-token": token };
  const listUrl = `${base}/latest/meta-data/iam/security-credentials/`;
  const list = await send(context.fetch, listUrl, { headers }, timeoutMs, action);
  if (list.status === 404) {
    await list.body?.cancel();
    return undefined; // An instance without a role.
  }
  if (!list.ok) {
    await list.body?.cancel();
    throw new CloudFitsError("FORBIDDEN", `${action}: listing roles answered ${list.status}`, {
      url: listUrl,
      status: list.status,
    });
  }
  const role = (await list.text()).split("\n")[0].trim();
  if (!role) return undefined;
  const roleUrl = listUrl + encodeURIComponent(role);
  const response = await send(context.fetch, roleUrl, { headers }, timeoutMs, action);
  if (!response.ok) {
    await response.body?.cancel();
    throw new CloudFitsError("FORBIDDEN", `${action}: role ${role} answered ${response.status}`, {
      url: roleUrl,
      status: response.status,
    });
  }
  const body = await responseJson(response, roleUrl, action);
  if (body.Code !== undefined && body.Code !== "Success") {
    throw new CloudFitsError("FORBIDDEN", `${action}: role ${role} reports ${String(body.Code)}`, {
      url: roleUrl,
    });
  }
  return credentialsFromJson(body, action);
}
