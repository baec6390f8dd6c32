import { CloudFitsError, isCloudFitsError } from "../src/errors.ts";
import { hduShape } from "../src/json.ts";
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
 * @param options How the command selects an HDU (`select`, `allHdus`), `targetRead`, `tailRead` and
 *   `suffixRead`, and `onBytes` for progress.
 * @returns The opened target; close it when done.
 */
export async function openCliTarget(
  text: string,
  values: CommonValues & Record<string, unknown>,
  io: CliIo,
  options: Pick<OpenTargetOptions, "select" | "allHdus" | "targetRead" | "tailRead" | "suffixRead"> & {
    onBytes?: (bytes: number) => void;
  } = {},
): Promise<OpenedTarget> {
  const { onBytes, ...selection } = options;
  let opened: OpenedTarget;
  try {
    opened = await openTarget(text, {
      ...sourceOptions(values, io, onBytes),
      concurrency: concurrencyOf(values),
      index: values.index,
      dataRoot: values["data-root"],
      hdu: values.hdu as string | undefined,
      section: values.section as string | undefined,
      columns: values.columns as string | undefined,
      rows: values.rows as string | undefined,
      ...selection,
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
  if (values.quiet) return opened;
  for (const warning of opened.fits.warnings) {
    await io.err(`warning: ${escapeControl(`${opened.name}: ${warning}`)}\n`);
  }
  const short = opened.hdu && opened.target.section !== undefined
    ? shortSection(opened.target.section, hduShape(opened.hdu.info).length)
    : undefined;
  if (short) await io.err(`warning: ${short}\n`);
  return opened;
}

/**
 * A section that names fewer axes than the image has takes the rest whole, as cfitsio does; since that
 * may be far more than meant, it is said every time (unless --quiet).
 */
function shortSection(section: string, naxis: number): string | undefined {
  const given = section.trim() === "" ? 0 : section.split(",").length;
  if (given === 0 || given >= naxis) return undefined;
  const missing = given + 1 === naxis ? `axis ${naxis} is` : `axes ${given + 1}-${naxis} are`;
  const full = [section.trim(), ...Array(naxis - given).fill("*")].join(",");
  return `section [${section.trim()}] names ${given} of ${naxis} axes: ${missing} taken whole, as in [${full}]`;
}
