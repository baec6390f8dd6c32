import { CloudFitsError } from "../src/errors.ts";
import { EXIT } from "../src/exit_codes.ts";
import { hduShape } from "../src/json.ts";
import { fitsSectionToNumpy } from "../src/plan/fits_section.ts";
import type { Colormap, PngOptions, Stretch } from "../src/png.ts";
import { redactUrl } from "../src/url.ts";
import { VERSION } from "../src/version.ts";
import { type CliIo, refuseExistingOutput } from "./io.ts";
import { parseCommand } from "./options.ts";
import { chooseOutputFormat } from "./output_formats.ts";
import { openCliTarget } from "./open_target.ts";
import { COST_OPTIONS, readSettingsOf } from "./cost_options.ts";
import { joinNegativeValues, SKY_OPTIONS } from "./sky.ts";
import { progressLine, ReadProgress } from "./progress.ts";

/**
 * `cloudfits cutout TARGET[HDU][section] -o OUT`: an image section as FITS, CSV, JSON, NDJSON or PNG
 * (chosen by OUT's extension or `--format`).
 *
 * @param args Arguments after `cutout`.
 * @param io The process I/O.
 * @returns The exit code.
 */
export async function runCutout(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand(joinNegativeValues(args), {
    hdu: { type: "string" },
    section: { type: "string" },
    output: { type: "string", short: "o" },
    stretch: { type: "string" },
    cmap: { type: "string" },
    "nan-color": { type: "string" },
    colorbar: { type: "boolean" },
    force: { type: "boolean", short: "f" },
    ...SKY_OPTIONS,
    ...COST_OPTIONS,
  });
  const sky = values.ra !== undefined || values.dec !== undefined || values.targets !== undefined;
  // `--index CATALOG` and a position without a TARGET: every file of the catalog that covers it.
  if (positionals.length === 0 && sky && values.index !== undefined) {
    return await (await import("./sky_cutout.ts")).runArchiveCutout(values, io);
  }
  if (positionals.length !== 1) {
    throw new CloudFitsError("USAGE", "cutout takes one TARGET, e.g. 'cube.fits[1][1:10,1:10]'");
  }
  // The WCS engine and the sky cutout code load only for a sky position.
  if (sky) return await (await import("./sky_cutout.ts")).runSkyCutout(positionals[0], values, io);
  const output = (values.output as string | undefined) ?? "-";
  const stream = await refuseExistingOutput(output, Boolean(values.force), io);
  const format = chooseOutputFormat("cutout", output, values, stream);
  const png = await pngOptionsOf(values);
  const settings = readSettingsOf(values);
  // Each output's encoder loads only for that output, while the target is opened and read.
  const fitsWriter = format === "fits" ? import("../src/cutout_file.ts") : undefined;
  const drawing = format === "png" ? import("./cutout_png.ts") : undefined;
  const text = format === "fits" || format === "png" ? undefined : import("./cutout_output.ts");
  // Awaited after the read, or never when it fails: a failed import must not go unhandled meanwhile.
  for (const loading of [fitsWriter, drawing, text]) loading?.catch(() => {});

  // The named HDU, or the first image with data.
  const line = progressLine(io, values);
  const progress = line && new ReadProgress(line, "cutout");
  const opened = await openCliTarget(positionals[0], values, io, {
    select: "image",
    onBytes: progress && ((bytes) => progress.add(bytes)),
  });
  try {
    const handle = opened.hdu!;
    const hdu = handle.info;
    const spec = opened.section ?? fitsSectionToNumpy("", hduShape(hdu));
    progress?.start(handle.plan(spec, settings).bytesToRead);
    let content: Iterable<Uint8Array>;
    if (format === "fits") {
      // The stored bytes pass from the read to the file untouched.
      const stored = await handle.sectionBytes(spec, settings);
      content = (await fitsWriter!).cutoutFits(hdu, spec, stored, {
        source: redactUrl(opened.fits.source.name),
        date: new Date(),
        version: VERSION,
      });
    } else if (format === "png") {
      const image = await handle.section(spec, settings);
      content = [await (await drawing!).cutoutPng(image, spec, png)];
    } else {
      const image = await handle.section(spec, settings);
      const { cutoutJson, cutoutRows } = await text!;
      content = format === "json" ? cutoutJson(image) : cutoutRows(image, spec, format);
    }
    // The progress line is gone before the data reaches a terminal.
    await progress?.finish();
    if (output === "-") { for (const chunk of content) await io.out(chunk); }
    else await io.writeFileAtomic(output, toAsync(content), { overwrite: Boolean(values.force) });
  } finally {
    await progress?.end();
    await opened.close();
  }
  return EXIT.ok;
}

async function* toAsync(chunks: Iterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  yield* chunks;
}

const STRETCHES: readonly Stretch[] = ["zscale", "asinh"];
const COLORMAPS: readonly Colormap[] = ["gray", "viridis", "inferno"];

/** `--stretch`, `--cmap`, `--nan-color` and `--colorbar`, checked before anything is read. */
async function pngOptionsOf(values: Record<string, unknown>): Promise<PngOptions> {
  const stretch = (values.stretch as Stretch | undefined) ?? "zscale";
  if (!STRETCHES.includes(stretch)) {
    throw new CloudFitsError("USAGE", `Unknown --stretch '${stretch}': expected ${STRETCHES.join(" or ")}`);
  }
  const colormap = (values.cmap as Colormap | undefined) ?? "gray";
  if (!COLORMAPS.includes(colormap)) {
    throw new CloudFitsError("USAGE", `Unknown --cmap '${colormap}': expected ${COLORMAPS.join(", ")}`);
  }
  const nanColor = (values["nan-color"] as string | undefined) ?? "transparent";
  // The canvas code loads only to check a colour given (the default is valid).
  if (values["nan-color"] !== undefined) (await import("../src/png_canvas.ts")).parseColor(nanColor);
  return { stretch, colormap, nanColor, colorbar: Boolean(values.colorbar) };
}
