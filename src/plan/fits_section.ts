import { CloudFitsError } from "../errors.ts";

/**
 * One axis of a numpy-order section: an index (drops the axis), `[start, stop]` or `[start, stop, step]`
 * (0-based, stop exclusive), or `null` for the whole axis.
 */
export type SectionAxis = number | [number, number] | [number, number, number] | null;

/**
 * Convert a cfitsio image section (FITS axis order, 1-based, inclusive: `1:10,*,5:5` or `*:2`) into
 * a numpy-order section. Every axis is kept, as cfitsio does: `5:5` is `[4, 5]`, never an index.
 * Axes not mentioned are whole. Reversed ranges (`10:1`, `-*`) are refused.
 *
 * @param text The section without brackets, e.g. `"1:10,51:51"`.
 * @param shape The image's numpy-order shape (slowest axis first).
 * @returns One entry per axis, slowest first.
 *
 * @example
 * ```ts
 * import { fitsSectionToNumpy } from "./fits_section.ts";
 *
 * // astropy's hdul[1].section[0:10, 0:10, 50, 0] on a TESS cube of numpy shape [2078, 2136, 1282, 2]:
 * console.log(fitsSectionToNumpy("1:1,51:51,1:10,1:10", [2078, 2136, 1282, 2]));
 * // [[0, 10], [0, 10], [50, 51], [0, 1]]
 * ```
 */
export function fitsSectionToNumpy(text: string, shape: readonly number[]): SectionAxis[] {
  const parts = text.trim() === "" ? [] : text.split(",").map((p) => p.trim());
  if (parts.length > shape.length) {
    throw new CloudFitsError(
      "OUT_OF_RANGE",
      `Cannot apply section [${text}]: it has ${parts.length} axes but the image has ${shape.length} (FITS order, 1-based, inclusive)`,
    );
  }
  const fitsAxes = shape.slice().reverse();
  const numpy: SectionAxis[] = fitsAxes.map((length, i) => {
    const part = parts[i];
    if (part === undefined || part === "*") return null;
    const match = /^(?:(\*)|(-?\d+)(?::(-?\d+))?)(?::(\d+))?$/.exec(part);
    if (!match) {
      throw new CloudFitsError(
        "OUT_OF_RANGE",
        `Cannot parse section axis ${
          i + 1
        } '${part}': expected N, N:M, * or a :STEP suffix (FITS order, 1-based, inclusive)`,
      );
    }
    const step = match[4] === undefined ? 1 : Number(match[4]);
    const first = match[1] ? 1 : Number(match[2]);
    const last = match[1] ? length : match[3] === undefined ? first : Number(match[3]);
    if (step < 1 || first < 1 || last > length || last < first) {
      throw new CloudFitsError(
        "OUT_OF_RANGE",
        `Cannot apply section axis ${i + 1} '${part}': axis ${
          i + 1
        } has pixels 1 to ${length} (FITS order, 1-based, inclusive)`,
      );
    }
    if (first === 1 && last === length && step === 1) return null;
    return step === 1 ? [first - 1, last] : [first - 1, last, step];
  });
  return numpy.reverse();
}
