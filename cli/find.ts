import { CloudFitsError } from "../src/errors.ts";
import { EXIT } from "../src/exit_codes.ts";
import { findPosition } from "../src/find.ts";
import { openSource } from "../src/open_source.ts";
import { parseAngularSize } from "../src/sky/size.ts";
import { escapeControl, toJson } from "./format.ts";
import type { CliIo } from "./io.ts";
import { type CommonValues, outputFormat, parseCommand } from "./options.ts";
import { sourceOptions } from "./remote.ts";
import { joinNegativeValues, skyTargets } from "./sky.ts";

/**
 * `cloudfits find CATALOG --ra RA --dec DEC [--radius R] [--json]`: the files and HDUs of a catalog
 * whose footprint covers the position (or comes within R), with the pixel it falls on, from the
 * catalog's sky directory alone.
 *
 * @param args Arguments after `find`.
 * @param io The process I/O.
 * @returns 0 with matches (or with `--json`, even none); 3 in text mode when nothing covers it.
 */
export async function runFind(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand(joinNegativeValues(args), {
    ra: { type: "string" },
    dec: { type: "string" },
    radius: { type: "string" },
  });
  if (positionals.length !== 1) {
    throw new CloudFitsError("USAGE", "find needs one catalog: cloudfits find CATALOG --ra RA --dec DEC");
  }
  const format = outputFormat(values, ["json", "text"], "text");
  const [target] = await skyTargets(values, io);
  const radius = values.radius === undefined ? 0 : radiusDegrees(String(values.radius));
  const source = await openSource(positionals[0], sourceOptions(values as CommonValues, io));
  let matches;
  try {
    matches = await findPosition(source, { ra: target.ra, dec: target.dec, radius });
  } finally {
    await source.close?.();
  }
  if (format === "json") {
    await io.out(toJson(matches.map(({ path, hdu, pixel }) => ({ path, hdu, pixel }))));
    return EXIT.ok;
  }
  for (const { path, hdu, pixel, distance } of matches) {
    const where = pixel ? `${round(pixel[0])}\t${round(pixel[1])}` : "-\t-";
    const away = distance > 0 ? `\t${round(distance * 3600)}arcsec away` : "";
    await io.out(`${escapeControl(path)}\t${hdu}\t${where}${away}\n`);
  }
  if (matches.length > 0) return EXIT.ok;
  await io.err(`No footprint in ${positionals[0]} covers RA ${target.ra}, Dec ${target.dec}\n`);
  return EXIT.notFound;
}

/** `--radius`: an angle in `--size`'s units (30arcsec, 2arcmin, 0.1deg); a bare number is degrees. */
function radiusDegrees(text: string): number {
  const size = parseAngularSize(text);
  const side = size.x;
  if (size.y !== size.x && JSON.stringify(size.y) !== JSON.stringify(size.x)) {
    throw new CloudFitsError("USAGE", `Invalid --radius '${text}': give one angle`);
  }
  return "degrees" in side ? side.degrees : side.pixels;
}

function round(value: number): string {
  return String(Math.round(value * 1000) / 1000);
}
