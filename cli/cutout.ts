import { concatBytes } from "../src/_bytes.ts";
import { CloudFitsError } from "../src/errors.ts";
import { EXIT } from "../src/exit_codes.ts";
import type { Hdu } from "../src/fits/layout.ts";
import { buildHeader, formatCard } from "../src/fits/write.ts";
import { arrayToJson, hduShape } from "../src/json.ts";
import type { TypedArray } from "../src/fits/dtype.ts";
import { fitsSectionToNumpy, type SectionAxis } from "../src/plan/fits_section.ts";
import { encodePng, type Stretch } from "../src/png.ts";
import { type CliIo, refuseExistingOutput } from "./io.ts";
import { outputFormat, parseCommand } from "./options.ts";
import { toJson } from "./format.ts";
import { openCliTarget } from "./open_target.ts";
import { COST_OPTIONS, readSettingsOf } from "./cost_options.ts";
import { joinNegativeValues, SKY_OPTIONS } from "./sky.ts";
import { runSkyCutout } from "./sky_cutout.ts";

/**
 * `cloudfits cutout TARGET[HDU][section] -o OUT`: an image section as FITS, JSON or PNG.
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
    force: { type: "boolean", short: "f" },
    ...SKY_OPTIONS,
    ...COST_OPTIONS,
  });
  if (positionals.length !== 1) {
    throw new CloudFitsError("USAGE", "cutout takes one TARGET, e.g. cube.fits[1][1:10,1:10]");
  }
  if (values.ra !== undefined || values.dec !== undefined || values.targets !== undefined) {
    return await runSkyCutout(positionals[0], values, io);
  }
  const output = (values.output as string | undefined) ?? "-";
  const inferred = output.endsWith(".png")
    ? "png"
    : output.endsWith(".json")
    ? "json"
    : output === "-"
    ? "json"
    : "fits";
  const format = outputFormat(values, ["fits", "json", "png"], inferred);
  const stretch = ((values.stretch as string | undefined) ?? "zscale") as Stretch;
  if (stretch !== "zscale" && stretch !== "asinh") {
    throw new CloudFitsError("USAGE", `Unknown --stretch '${stretch}': expected zscale or asinh`);
  }

  await refuseExistingOutput(output, Boolean(values.force), io);
  const settings = readSettingsOf(values);

  // The named HDU, or the first image with data.
  const opened = await openCliTarget(positionals[0], values, io, { select: "image" });
  try {
    const handle = opened.hdu!;
    const hdu = handle.info;
    const spec = opened.section ?? fitsSectionToNumpy("", hduShape(hdu));
    let bytes: Uint8Array;
    if (format === "fits") {
      const raw = await handle.section(spec, { raw: true, ...settings });
      // A tile-compressed HDU is written out uncompressed, with the image's own BITPIX.
      const bitpix = hdu.type === "COMPRESSED_IMAGE"
        ? hdu.header.getInteger("ZBITPIX") ?? hdu.bitpix
        : hdu.bitpix;
      bytes = concatBytes([cutoutHeader(hdu, bitpix, spec, raw.shape), encodeBigEndian(raw.data, bitpix)]);
    } else {
      const image = await handle.section(spec, settings);
      if (format === "json") {
        bytes = new TextEncoder().encode(
          toJson({ shape: image.shape, dtype: image.dtype, data: arrayToJson(image.data) }),
        );
      } else {
        const axes = image.shape.filter((n) => n !== 1);
        if (axes.length !== 2) {
          throw new CloudFitsError(
            "USAGE",
            `Cannot write a PNG of shape [${
              image.shape.join(", ")
            }]: it needs exactly two axes longer than 1`,
          );
        }
        const numbers = image.data instanceof BigInt64Array || image.data instanceof BigUint64Array
          ? Float64Array.from(image.data, Number)
          : image.data;
        bytes = await encodePng(numbers, axes[0], axes[1], stretch);
      }
    }
    if (output === "-") await io.out(bytes);
    else await io.writeFileAtomic(output, bytes, { overwrite: Boolean(values.force) });
  } finally {
    await opened.close();
  }
  return EXIT.ok;
}

/**
 * The header of a cutout: the original cards with NAXISn set to the section's shape, the WCS reference
 * pixel shifted (and CDELT/CD scaled by a step), and checksums dropped because the data changed.
 */
function cutoutHeader(
  hdu: Hdu,
  bitpix: number,
  spec: readonly SectionAxis[],
  shape: readonly number[],
): Uint8Array {
  const naxis = shape.length;
  const fitsStart: number[] = [];
  const fitsStep: number[] = [];
  for (let i = 0; i < naxis; i++) {
    const axis = spec[naxis - 1 - i];
    fitsStart.push(Array.isArray(axis) ? axis[0] : 0);
    fitsStep.push(Array.isArray(axis) && axis.length === 3 ? axis[2] : 1);
  }
  const cards: string[] = [];
  const dropped = hdu.type === "COMPRESSED_IMAGE"
    ? /^(CHECKSUM|DATASUM|XTENSION|SIMPLE|BITPIX|PCOUNT|GCOUNT|EXTEND|NAXIS\d*|TFIELDS|T(TYPE|FORM|DIM|UNIT|SCAL|ZERO|NULL|DISP)\d+|THEAP|Z[A-Z]*\d*)$/
    : /^(CHECKSUM|DATASUM|XTENSION|SIMPLE|BITPIX|PCOUNT|GCOUNT|EXTEND|NAXIS\d*)$/;
  cards.push(formatCard("SIMPLE", true, "conforms to FITS standard"));
  cards.push(formatCard("BITPIX", bitpix, "array data type"));
  cards.push(formatCard("NAXIS", naxis, "number of array dimensions"));
  for (let i = 0; i < naxis; i++) cards.push(formatCard(`NAXIS${i + 1}`, shape[naxis - 1 - i]));
  for (const card of hdu.header.cards) {
    if (dropped.test(card.keyword)) continue;
    const wcs = /^(CRPIX|CDELT)(\d)([A-Z]?)$/.exec(card.keyword) ??
      /^(CD)(\d)_(\d)([A-Z]?)$/.exec(card.keyword);
    if (wcs && typeof card.value === "number") {
      const axis = Number(wcs[2]) - 1;
      let value = card.value;
      if (wcs[1] === "CRPIX" && axis < naxis) value = (value - fitsStart[axis] - 1) / fitsStep[axis] + 1;
      if (wcs[1] === "CDELT" && axis < naxis) value *= fitsStep[axis];
      if (wcs[1] === "CD") {
        const column = Number(wcs[3]) - 1;
        if (column < naxis) value *= fitsStep[column];
      }
      cards.push(formatCard(card.keyword, value, card.comment));
      continue;
    }
    for (let i = 0; i < card.raw.length; i += 80) cards.push(card.raw.slice(i, i + 80));
  }
  return buildHeader(cards);
}

function encodeBigEndian(data: TypedArray, bitpix: number): Uint8Array {
  const width = Math.abs(bitpix) / 8;
  const size = data.length * width;
  const out = new Uint8Array(Math.ceil(size / 2880) * 2880);
  const view = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) {
    const value = data[i];
    switch (bitpix) {
      case 8:
        view.setUint8(i, Number(value));
        break;
      case 16:
        view.setInt16(2 * i, Number(value));
        break;
      case 32:
        view.setInt32(4 * i, Number(value));
        break;
      case 64:
        view.setBigInt64(8 * i, BigInt(value));
        break;
      case -32:
        view.setFloat32(4 * i, Number(value));
        break;
      default:
        view.setFloat64(8 * i, Number(value));
    }
  }
  return out;
}
