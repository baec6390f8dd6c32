import { CloudFitsError } from "../src/errors.ts";
import type { Hdu } from "../src/fits/layout.ts";
import type { CliIo } from "./io.ts";
import type { CommonValues } from "./commands.ts";

/**
 * List files and HDUs from an index alone.
 *
 * @param index The index location.
 * @param paths Restrict to these paths (all when empty).
 * @param values Parsed flags.
 * @param io The process I/O.
 * @returns The files.
 */
export function listIndex(
  index: string,
  paths: string[],
  values: CommonValues,
  io: CliIo,
): Promise<{ path: string; size: number | undefined; hdus: readonly Hdu[] }[]> {
  void paths;
  void values;
  void io;
  return Promise.reject(new CloudFitsError("UNSUPPORTED", `Cannot read index ${index}: not wired yet`));
}
