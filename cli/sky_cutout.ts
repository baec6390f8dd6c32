import { CloudFitsError } from "../src/errors.ts";
import { concatBytes } from "../src/_bytes.ts";
import { encodePng } from "../src/png.ts";
import { cutoutSky, type SkyCutout } from "../src/sky_cutout.ts";
import { readSettingsOf } from "./cost_options.ts";
import { jsonWithData } from "./cutout_output.ts";
import type { CliIo } from "./io.ts";
import { forEachTarget, outputFor, skyOutputFormat, writeOutput } from "./sky.ts";

/**
 * `cloudfits cutout TARGET --ra RA --dec DEC --size SIZE -o OUT` (or `--targets FILE.csv`): the box
 * astrocut would cut, as FITS (a TPF for a TESS cube), JSON or PNG by OUT's extension or `--format`.
 *
 * @param target The FITS target as typed.
 * @param values Parsed flags.
 * @param io The process I/O.
 * @returns The exit code.
 */
export async function runSkyCutout(
  target: string,
  values: Record<string, unknown>,
  io: CliIo,
): Promise<number> {
  if (values.section !== undefined) {
    throw new CloudFitsError(
      "USAGE",
      "Give either a section or a sky position (--ra/--dec, --targets), not both",
    );
  }
  const output = (values.output as string | undefined) ?? "-";
  const format = skyOutputFormat("cutout --ra/--dec", output, values, "fits");
  const settings = readSettingsOf(values);
  return await forEachTarget(target, values, io, async (opened, sky, many, cube) => {
    const path = outputFor(output, sky, many, format);
    const cut = await cutoutSky(opened.fits, {
      ra: sky.ra,
      dec: sky.dec,
      size: sky.size ?? (values.size as string | undefined),
      hdu: opened.hdu?.info.index,
      cube,
      ...settings,
    });
    await writeOutput(path, await encode(cut, format), values, io);
    if (cut.box.padding > 0) {
      await io.err(`${sky.name}: ${cut.box.padding} pixels of the box lie off the image (padded)\n`);
    }
    return cut.cube;
  });
}

/**
 * `cloudfits cutout --index CATALOG --ra RA --dec DEC --size SIZE -o DIR/` (no TARGET): one cutout of
 * every file and HDU of the catalog that covers the position, as `DIR/<file stem>_hdu<N>.fits` (a TPF
 * for a TESS cube; `--format json|png` for the others).
 *
 * @param values Parsed flags.
 * @param io The process I/O.
 * @returns 0; 3 when nothing covers the position; 6 when a match failed (reported and skipped).
 */
export async function runArchiveCutout(values: Record<string, unknown>, io: CliIo): Promise<number> {
  if (values.section !== undefined || values.hdu !== undefined) {
    throw new CloudFitsError("USAGE", "cutout --index CATALOG without a TARGET takes no --section or --hdu");
  }
  const format = skyOutputFormat("cutout --ra/--dec", String(values.output ?? "-"), values, "fits");
  const settings = readSettingsOf(values);
  // The catalog search loads only without a TARGET.
  const { forEachCoveringHdu } = await import("./archive_sky.ts");
  return await forEachCoveringHdu(values, io, {
    command: "cutout",
    extension: format,
    run: async (fits, match, target, path) => {
      const cut = await cutoutSky(fits, {
        ra: target.ra,
        dec: target.dec,
        size: values.size as string | undefined,
        hdu: match.hdu,
        ...settings,
      });
      await writeOutput(path, await encode(cut, format), values, io);
      if (cut.box.padding > 0) {
        await io.err(
          `${match.path}[${match.hdu}]: ${cut.box.padding} pixels of the box lie off the image (padded)\n`,
        );
      }
    },
  });
}

async function encode(cut: SkyCutout, format: "fits" | "json" | "png"): Promise<Uint8Array | string> {
  if (format === "fits") return cut.toFits();
  if (format === "json") {
    const fields = {
      ra: cut.ra,
      dec: cut.dec,
      hdu: cut.hdu.index,
      box: { lo: cut.box.lo, hi: cut.box.hi, center: cut.box.center, padding: cut.box.padding },
      shape: cut.image.shape,
      dtype: cut.image.dtype,
    };
    return concatBytes([...jsonWithData(fields, cut.image.data)]);
  }
  const [height, width] = cut.image.shape.slice(-2);
  const planes = cut.image.shape.slice(0, -2).reduce((a, b) => a * b, 1);
  if (cut.kind === "image" && planes !== 1) {
    throw new CloudFitsError(
      "USAGE",
      `Cannot write a PNG of shape [${cut.image.shape.join(", ")}]: it is not 2-D`,
    );
  }
  // A TESS cutout is drawn as its mean over the cadences (NaN ignored).
  const mean = new Float64Array(width * height);
  for (let p = 0; p < mean.length; p++) {
    let sum = 0;
    let count = 0;
    for (let t = 0; t < planes; t++) {
      const v = Number(cut.image.data[t * mean.length + p]);
      if (Number.isFinite(v)) [sum, count] = [sum + v, count + 1];
    }
    mean[p] = count ? sum / count : NaN;
  }
  return await encodePng(mean, height, width);
}
