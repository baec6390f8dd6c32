import { CloudFitsError } from "../src/errors.ts";
import { type LightCurve, lightCurve } from "../src/light_curve.ts";
import { type FitsFile, openFits } from "../src/open.ts";
import { isTessCube, type TessCube } from "../src/tess_cube.ts";
import { type Aperture, parseAperture } from "../src/sky/aperture.ts";
import { memorySource } from "../src/source/memory.ts";
import { COST_OPTIONS, readSettingsOf } from "./cost_options.ts";
import type { CliIo } from "./io.ts";
import { parseCommand } from "./options.ts";
import { LIGHT_CURVE_READS } from "./first_reads.ts";
import {
  forEachTarget,
  joinNegativeValues,
  outputFor,
  SKY_OPTIONS,
  skyOutputFormat,
  type SkyTarget,
  writeOutput,
} from "./sky.ts";

/**
 * `cloudfits lightcurve TARGET --ra RA --dec DEC [--size 3] [--aperture 3x3|circle:1.5|mask.fits]`:
 * the aperture summed per cadence of a TESS cube, or per plane of an image cube (RA/Dec on axes 1-2), as
 * CSV, JSON, FITS or a PNG plot by `-o`'s extension or `--format`. With `--index CATALOG` and no TARGET:
 * one light curve per TESS cube of the catalog that covers the position, in `-o DIR/`.
 *
 * @param args Arguments after `lightcurve`.
 * @param io The process I/O.
 * @returns The exit code.
 */
export async function runLightCurve(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand(joinNegativeValues(args), {
    hdu: { type: "string" },
    output: { type: "string", short: "o" },
    aperture: { type: "string" },
    force: { type: "boolean", short: "f" },
    ...SKY_OPTIONS,
    ...COST_OPTIONS,
  });
  const archive = positionals.length === 0 && values.index !== undefined;
  if (positionals.length !== 1 && !archive) {
    throw new CloudFitsError("USAGE", "lightcurve takes one TARGET, e.g. tess-s0001-1-1-cube.fits");
  }
  const output = (values.output as string | undefined) ?? "-";
  const format = skyOutputFormat("lightcurve", output, values, "csv");
  const aperture = await apertureOf(values.aperture as string | undefined, io);
  const settings = readSettingsOf(values);
  const write = async (fits: FitsFile, sky: SkyTarget, path: string, cube?: TessCube, hdu?: number) => {
    const curve = await lightCurve(fits, {
      ra: sky.ra,
      dec: sky.dec,
      size: sky.size ?? (values.size as string | undefined),
      hdu,
      aperture,
      cube,
      ...settings,
    });
    await writeOutput(path, await encodeCurve(curve, format), values, io);
    return curve.cube;
  };
  if (archive) {
    // `--index CATALOG` without a TARGET: every TESS cube of the catalog that saw the position.
    const { forEachCoveringHdu } = await import("./archive_sky.ts");
    return await forEachCoveringHdu(values, io, {
      command: "lightcurve",
      extension: format,
      accepts: (fits) => isTessCube(fits.hdus),
      needs: "a TESS FFI cube (light curves need one)",
      run: async (fits, _match, sky, path) => void await write(fits, sky, path),
    });
  }
  return await forEachTarget(
    positionals[0],
    values,
    io,
    async (opened, sky, many, cube) =>
      await write(opened.fits, sky, outputFor(output, sky, many, format), cube, opened.hdu?.info.index),
    LIGHT_CURVE_READS,
  );
}

async function encodeCurve(curve: LightCurve, format: string): Promise<string | Uint8Array> {
  if (format === "json") return curve.toJson();
  if (format === "fits") return curve.toFits();
  if (format === "png") return await curve.toPng();
  return curve.toCsv();
}

/** `--aperture`: a box or circle as typed, or a FITS file whose first image marks the pixels (non-zero). */
async function apertureOf(text: string | undefined, io: CliIo): Promise<Aperture | undefined> {
  if (text === undefined) return undefined;
  if (!/\.(fits|fit|fts)$/i.test(text)) return parseAperture(text);
  await using mask = await openFits(memorySource(await io.readFile(text), text));
  const hdu = mask.hdus.find((h) => h.axes.length === 2 && h.axes[0] > 0 && h.axes[1] > 0);
  if (!hdu) throw new CloudFitsError("USAGE", `${text}: no 2-D image to use as an aperture mask`);
  const image = await mask.hdu(hdu.index).section([null, null]);
  const [height, width] = image.shape;
  return {
    kind: "mask",
    width,
    height,
    mask: Uint8Array.from(image.data as ArrayLike<number | bigint>, (v) => (Number(v) ? 1 : 0)),
  };
}
