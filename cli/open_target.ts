import { CloudFitsError, isCloudFitsError } from "../src/errors.ts";
import { type OpenedTarget, openTarget, type OpenTargetOptions } from "../src/open_target.ts";
import type { CliIo } from "./io.ts";
import { escapeControl } from "./format.ts";
import { type CommonValues, concurrencyOf } from "./options.ts";
import { sourceOptions } from "./remote.ts";

/**
 * Open a target with the CLI's flags: `--index`, `--hdu`, `--section`, `--columns`, `--rows`, cloud
 * access and `--concurrency`; warnings about the file go to stderr.
 *
 * @param text The target as typed.
 * @param values Parsed flags.
 * @param io The process I/O.
 * @param options How the command selects an HDU (`select`, `allHdus`).
 * @returns The opened target; close it when done.
 */
export async function openCliTarget(
  text: string,
  values: CommonValues & Record<string, unknown>,
  io: CliIo,
  options: Pick<OpenTargetOptions, "select" | "allHdus"> = {},
): Promise<OpenedTarget> {
  let opened: OpenedTarget;
  try {
    opened = await openTarget(text, {
      ...sourceOptions(values, io),
      concurrency: concurrencyOf(values),
      index: values.index,
      dataRoot: values["data-root"],
      hdu: values.hdu as string | undefined,
      section: values.section as string | undefined,
      columns: values.columns as string | undefined,
      rows: values.rows as string | undefined,
      ...options,
    });
  } catch (error) {
    // The library names the option `rows`; here it is the --rows flag.
    if (isCloudFitsError(error) && error.message.startsWith("Invalid rows ")) {
      throw new CloudFitsError(error.code, error.message.replace(/^Invalid rows /, "Invalid --rows "), {
        cause: error,
      });
    }
    throw error;
  }
  for (const warning of opened.fits.warnings) {
    await io.err(`warning: ${escapeControl(`${opened.name}: ${warning}`)}\n`);
  }
  return opened;
}
