/**
 * `cutout -o OUT.png`: a section drawn as an image or a line plot. Its own module, loaded only for PNG
 * output.
 *
 * @module
 */
import { CloudFitsError } from "../src/errors.ts";
import type { TypedArray } from "../src/fits/dtype.ts";
import { sectionOrigin } from "../src/cutout_file.ts";
import type { SectionAxis } from "../src/plan/fits_section.ts";
import { encodePng, plotPng, type PngOptions } from "../src/png.ts";
import type { Cutout } from "./cutout_output.ts";

/**
 * A cutout as a PNG: an image when two axes are longer than 1, a line plot (a pixel's time series)
 * when one is.
 *
 * @param image The cutout.
 * @param spec The numpy-order section (the plot's x axis is the source's pixel numbers).
 * @param options How to draw an image.
 * @returns The PNG file.
 * @throws {CloudFitsError} `USAGE` when more than two axes are longer than 1.
 */
export function cutoutPng(
  image: Cutout,
  spec: readonly SectionAxis[],
  options: PngOptions,
): Promise<Uint8Array> {
  const numbers = image.data instanceof BigInt64Array || image.data instanceof BigUint64Array
    ? Float64Array.from(image.data, Number)
    : image.data as Exclude<TypedArray, BigInt64Array | BigUint64Array>;
  const long = image.shape.map((n, i) => ({ n, i })).filter(({ n }) => n > 1);
  if (long.length === 2 || long.length === 0) {
    return encodePng(numbers, long[0]?.n ?? 1, long[1]?.n ?? 1, options);
  }
  if (long.length === 1) {
    const fitsAxis = image.shape.length - 1 - long[0].i;
    const { start, step } = sectionOrigin(spec);
    return plotPng(numbers, { xStart: start[fitsAxis], xStep: step[fitsAxis] });
  }
  throw new CloudFitsError(
    "USAGE",
    `Cannot draw a PNG of shape [${[...image.shape].reverse().join(", ")}] (FITS order): ` +
      "it needs two axes longer than 1 (an image) or one (a line plot)",
  );
}
