/**
 * Put a finished index in place whole: a local file by an atomic rename, a bucket object by one PUT,
 * so that readers see the old index or the new one, never a mix.
 *
 * @module
 */
import { CloudFitsError } from "../errors.ts";
import type { SourceOptions } from "../open_source.ts";
import { putObject } from "../remote_objects.ts";
import type { Location } from "../url.ts";
import type { IndexStorage } from "./types.ts";
import { collectIndex, type WrittenIndex } from "../index_format/writer.ts";

/**
 * Write index bytes to their location, replacing what is there.
 *
 * @param location A local path (through `storage`) or an `s3://`, `gs://` or `az://` object.
 * @param index The encoded index: bytes, or the chunks of an `IndexWriter` (streamed to a local file;
 * collected for an upload).
 * @param options Credentials for a bucket; the local file system for a path.
 * @returns When the index is in place.
 * @throws {CloudFitsError} `UNSUPPORTED` for a local path without storage; the upload's error.
 */
export async function writeIndex(
  location: Location,
  index: Uint8Array | WrittenIndex,
  options: SourceOptions & { storage?: IndexStorage },
): Promise<void> {
  if (location.kind !== "file") {
    await putObject(location, index instanceof Uint8Array ? index : await collectIndex(index), options);
    return;
  }
  if (!options.storage) {
    throw new CloudFitsError(
      "UNSUPPORTED",
      `Cannot write ${location.path}: pass storage (localFileAccess() from @cloudfits/core/file) to write local files`,
    );
  }
  await options.storage.writeFileAtomic(
    location.path,
    index instanceof Uint8Array ? index : index.chunks(),
    { overwrite: true },
  );
}
