/**
 * Errors thrown by `fetch`, made fit for messages: the secrets in their URLs removed, their causes
 * worded as one line.
 *
 * @module
 */
import { redactUrl } from "../url.ts";

/**
 * A copy of a fetch error, its causes included, whose messages no longer contain the query string or
 * userinfo (Deno nests "error sending request for url (…)" with the full URL in the cause).
 */
export function scrub(error: unknown, target: URL, safeUrl: string, depth = 0): unknown {
  if (!(error instanceof Error) || depth > 8) return error;
  let message = error.message.split(target.href).join(safeUrl);
  const secrets = [target.search];
  if (target.username !== "" || target.password !== "") {
    secrets.push(`${target.username}:${target.password}@`, `${target.username}@`);
  }
  for (const secret of secrets) {
    if (secret.length > 1) message = message.split(secret).join("");
  }
  // A signing fetch may have added its own query (an Azure SAS, a presigned signature) to the URL it
  // sent, so no URL in a runtime's message keeps its query string or userinfo.
  message = message.replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s)'"<>]+/gi, (url) => redactUrl(url));
  const cause = error.cause === undefined ? undefined : scrub(error.cause, target, safeUrl, depth + 1);
  const copy = new Error(message, cause === undefined ? undefined : { cause });
  copy.name = error.name;
  const code = (error as { code?: unknown }).code;
  if (code !== undefined) Object.defineProperty(copy, "code", { value: code, enumerable: true });
  return copy;
}

/** The messages along a cause chain, e.g. "fetch failed: … Connection refused (os error 111)". */
export function describe(error: unknown): string {
  const parts: string[] = [];
  for (let e = error, depth = 0; e !== undefined && depth < 8; depth++) {
    if (!(e instanceof Error)) {
      parts.push(String(e));
      break;
    }
    const code = (e as { code?: unknown }).code;
    parts.push(typeof code === "string" && !e.message.includes(code) ? `${e.message} (${code})` : e.message);
    e = e.cause;
  }
  return parts.join(": ");
}
