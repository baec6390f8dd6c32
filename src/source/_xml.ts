/**
 * Small XML helpers for the answers of S3, STS and Azure: enough string parsing for their flat
 * documents, because Deno and Bun have no DOMParser.
 *
 * @module
 */
import { CloudFitsError } from "../errors.ts";
import { redactUrl } from "../url.ts";

/**
 * The text of the first `<tag>…</tag>` element in an XML document, entities decoded.
 *
 * @param xml The document.
 * @param tag The element name.
 * @returns The text, or `undefined` when the element is absent.
 */
export function xmlText(xml: string, tag: string): string | undefined {
  const match = new RegExp(`<${tag}(?:\\s[^>]*)?>([\\s\\S]*?)</${tag}>`).exec(xml);
  return match === null ? undefined : decodeXmlEntities(match[1]);
}

/**
 * Decode the five predefined XML entities, numeric character references and CDATA sections.
 *
 * @param text Element content.
 * @returns The text it stands for.
 */
export function decodeXmlEntities(text: string): string {
  return text.replace(
    /<!\[CDATA\[([\s\S]*?)\]\]>|&(#x[0-9a-fA-F]+|#\d+|quot|amp|lt|gt|apos);/g,
    (_, cdata, entity) => {
      if (cdata !== undefined) return cdata;
      switch (entity) {
        case "quot":
          return '"';
        case "amp":
          return "&";
        case "lt":
          return "<";
        case "gt":
          return ">";
        case "apos":
          return "'";
      }
      const code = entity[1] === "x" ? parseInt(entity.slice(2), 16) : parseInt(entity.slice(1), 10);
      return String.fromCodePoint(code);
    },
  );
}

/**
 * Wrap a failure of `fetch` itself: `ABORTED` when the caller's signal fired, `NETWORK` otherwise.
 *
 * @param action The verb for the message.
 * @param url The URL concerned.
 * @param cause What fetch threw.
 * @param signal The caller's signal.
 * @returns The error to throw.
 */
export function networkError(
  action: string,
  url: string,
  cause: unknown,
  signal?: AbortSignal,
): CloudFitsError {
  const name = redactUrl(url);
  if (signal?.aborted) {
    return new CloudFitsError("ABORTED", `Cannot ${action} ${name}: aborted`, { url: name, cause });
  }
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new CloudFitsError("NETWORK", `Cannot ${action} ${name}: ${reason}`, { url: name, cause });
}
