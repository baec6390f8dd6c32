import type { Hdu } from "../src/fits/layout.ts";
import { type IndexHandle, openIndex } from "../src/open_index.ts";
import type { CliIo } from "./io.ts";
import type { CommonValues } from "./options.ts";
import { sourceOptions } from "./remote.ts";

/**
 * Open the index named by `--index`, with the CLI's cloud options for it and its data files.
 *
 * @param index The index location.
 * @param values Parsed flags.
 * @param io The process I/O.
 * @returns The opened index.
 */
export function openCliIndex(index: string, values: CommonValues, io: CliIo): Promise<IndexHandle> {
  return openIndex(index, { ...sourceOptions(values, io), dataRoot: values["data-root"] });
}

/**
 * List files and HDUs from an index alone, without touching the data files.
 *
 * @param index The index location.
 * @param paths Restrict to these paths (all when empty).
 * @param values Parsed flags.
 * @param io The process I/O.
 * @returns The files.
 */
export async function listIndex(
  index: string,
  paths: string[],
  values: CommonValues,
  io: CliIo,
): Promise<{ path: string; size: number | undefined; hdus: readonly Hdu[]; gzipSize?: number }[]> {
  const handle = await openCliIndex(index, values, io);
  try {
    const files = [];
    if (paths.length > 0) {
      for (const path of paths) files.push(await handle.file(path));
    } else {
      for await (const file of handle.index.files()) files.push(file);
    }
    return files.map((f) =>
      f.gzip === undefined
        ? { path: f.path, size: f.size, hdus: f.hdus }
        : { path: f.path, size: f.gzip.size, hdus: f.hdus, gzipSize: f.size }
    );
  } finally {
    await handle.close();
  }
}
