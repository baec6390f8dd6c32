import { CloudFitsError } from "../src/errors.ts";
import type { TypedArray } from "../src/fits/dtype.ts";
import { sectionOrigin } from "../src/cutout_file.ts";
import { numberTexts } from "../src/json.ts";
import type { SectionAxis } from "../src/plan/fits_section.ts";
import { encodePng, plotPng, type PngOptions } from "../src/png.ts";
import { toJson } from "./format.ts";

/** A section as read: numpy-order shape (every axis kept), values in C order. */
export interface Cutout {
  shape: readonly number[];
  dtype: string;
  data: TypedArray;
}

/**
 * A cutout as JSON: `shape` in FITS order (NAXIS1 first, as the command line speaks), `numpyShape`
 * beside it, and the values flat in C order (NAXIS1 varying fastest).
 *
 * @param image The cutout.
 * @returns JSON text with a trailing newline, in chunks of {@linkcode VALUES_PER_CHUNK} values.
 */
export function* cutoutJson(image: Cutout): Generator<string> {
  const head = toJson({ shape: [...image.shape].reverse(), numpyShape: image.shape, dtype: image.dtype });
  yield head.slice(0, -2) + ',"data":[';
  for (let first = 0; first < image.data.length; first += VALUES_PER_CHUNK) {
    const texts = numberTexts(image.data.subarray(first, first + VALUES_PER_CHUNK));
    yield (first === 0 ? "" : ",") + texts.join(",");
  }
  yield "]}\n";
}

/** Values per chunk of text: large enough that each write is cheap, small enough to keep memory flat. */
const VALUES_PER_CHUNK = 65536;

/**
 * A cutout in long format, one element per row: a column per FITS axis (`axis1`, `axis2`, …: 1-based
 * pixel numbers of the source image) and `value`; as CSV with a header row, or as NDJSON objects.
 *
 * @param image The cutout.
 * @param spec The numpy-order section it was read with (for the source's pixel numbers).
 * @param format `csv` or `ndjson`.
 * @returns The text, in chunks.
 */
export function* cutoutRows(
  image: Cutout,
  spec: readonly SectionAxis[],
  format: "csv" | "ndjson",
): Generator<string> {
  const naxis = image.shape.length;
  const { start, step } = sectionOrigin(spec);
  const lengths = [...image.shape].reverse();
  const names = Array.from({ length: naxis }, (_, k) => `axis${k + 1}`);
  const keys = names.map((name) => `${JSON.stringify(name)}:`);
  const counter = new Array<number>(naxis).fill(0);
  if (format === "csv") yield [...names, "value"].join(",") + "\n";
  const style = format === "csv" ? { nullText: "", quote: false } : undefined;
  for (let first = 0; first < image.data.length; first += VALUES_PER_CHUNK) {
    const texts = numberTexts(image.data.subarray(first, first + VALUES_PER_CHUNK), null, style);
    // One string per element, joined once: faster than growing a string element by element.
    const lines = new Array<string>(texts.length);
    for (let i = 0; i < texts.length; i++) {
      let line = format === "csv" ? "" : "{";
      for (let k = 0; k < naxis; k++) {
        const pixel = start[k] + counter[k] * step[k];
        line += format === "csv" ? pixel + "," : keys[k] + pixel + ",";
      }
      lines[i] = format === "csv" ? line + texts[i] : line + '"value":' + texts[i] + "}";
      // NAXIS1 varies fastest in C order.
      for (let k = 0; k < naxis && ++counter[k] === lengths[k]; k++) counter[k] = 0;
    }
    const chunk = lines.join("\n") + "\n";
    yield chunk;
  }
}

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
