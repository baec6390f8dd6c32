/**
 * Listing an Azure Blob container (List Blobs), page by page.
 *
 * @module
 */
import { CloudFitsError } from "../errors.ts";
import { redactUrl } from "../url.ts";
import { azureRequest, containerUrl } from "./azure.ts";
import { type AzureAccountOptions, azureFetch } from "./azure_fetch.ts";
import { decodeXmlEntities, xmlText } from "./_xml.ts";

/** One blob from {@linkcode azureListBlobs}. */
export interface AzureBlobItem {
  /** Blob name. */
  name: string;
  /** Size in bytes. */
  size: number;
  /** ETag without quotes. */
  etag: string;
  /** Last modification time. */
  lastModified: Date;
}

/** Settings for {@linkcode azureListBlobs}. */
export interface AzureListOptions extends AzureAccountOptions {
  /** Container name. */
  container: string;
  /** Only blobs whose names start with this. */
  prefix?: string;
  /** Page size (the service's default and maximum is 5000). */
  maxResults?: number;
  /** Per-request timeout in milliseconds (default 30,000). */
  timeoutMs?: number;
  /** Abort the listing. */
  signal?: AbortSignal;
}

/**
 * List the blobs of a container (List Blobs, `restype=container&comp=list`), following `NextMarker`
 * page by page. Names come back in the service's order (lexicographic).
 *
 * @param options Account, credentials, container, prefix and page size.
 * @returns The blobs, fetched one page at a time as the iteration proceeds.
 * @throws {CloudFitsError} `FORBIDDEN`, `NOT_FOUND` (no such container), `NETWORK`, `TIMEOUT` or
 *   `BAD_RESPONSE`.
 *
 * @example Listing FITS files under a prefix
 * ```ts ignore
 * import { azureListBlobs } from "./azure_list.ts";
 *
 * for await (const item of azureListBlobs({ account: "acct", container: "tess", prefix: "s1/", sas })) {
 *   console.log(item.name, item.size);
 * }
 * ```
 */
export async function* azureListBlobs(
  options: AzureListOptions,
): AsyncGenerator<AzureBlobItem, void, undefined> {
  if (
    options.maxResults !== undefined && !(Number.isSafeInteger(options.maxResults) && options.maxResults > 0)
  ) {
    throw new RangeError(`Cannot list with maxResults ${options.maxResults}: it must be a positive integer`);
  }
  const signed = azureFetch(options);
  const base = containerUrl(options);
  let marker = "";
  do {
    const query = new URLSearchParams({ restype: "container", comp: "list" });
    if (options.prefix) query.set("prefix", options.prefix);
    if (marker) query.set("marker", marker);
    if (options.maxResults !== undefined) query.set("maxresults", String(options.maxResults));
    const url = `${base}?${query.toString().replace(/\+/g, "%20")}`;
    const xml = await azureRequest(signed, url, { method: "GET" }, "list blobs in", options);
    for (const match of xml.matchAll(/<Blob>([\s\S]*?)<\/Blob>/g)) yield parseBlobItem(match[1], url);
    marker = xmlText(xml, "NextMarker") ?? "";
  } while (marker);
}

function parseBlobItem(block: string, url: string): AzureBlobItem {
  const nameMatch = /<Name(\s+Encoded="true")?>([\s\S]*?)<\/Name>/.exec(block);
  const properties = xmlElement(block, "Properties") ?? "";
  const sizeText = xmlText(properties, "Content-Length");
  const etag = xmlText(properties, "Etag");
  const lastModified = new Date(xmlText(properties, "Last-Modified") ?? "");
  if (
    !nameMatch || !sizeText || !/^\d+$/.test(sizeText) || etag === undefined ||
    Number.isNaN(lastModified.getTime())
  ) {
    throw new CloudFitsError(
      "BAD_RESPONSE",
      `Cannot list blobs in ${redactUrl(url)}: a <Blob> entry is incomplete`,
      {
        url: redactUrl(url),
      },
    );
  }
  const rawName = decodeXmlEntities(nameMatch[2]);
  return {
    name: nameMatch[1] ? decodeURIComponent(rawName) : rawName,
    size: Number(sizeText),
    etag: etag.replace(/^"|"$/g, ""),
    lastModified,
  };
}

/** The raw content of the first `<tag>…</tag>` in `xml`, or undefined. */
function xmlElement(xml: string, tag: string): string | undefined {
  return new RegExp(`<${tag}(?:\\s[^>]*)?>([\\s\\S]*?)</${tag}>`).exec(xml)?.[1];
}
