import type { TypedArray } from "../src/fits/dtype.ts";
import { sectionOrigin } from "../src/cutout_file.ts";
import type { SectionAxis } from "../src/plan/fits_section.ts";
import { CSV_NUMBER_STYLE, JSON_NUMBER_STYLE, numberWriter, TextBytes } from "../src/text_bytes.ts";
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
 * @returns UTF-8 JSON text with a trailing newline, in chunks of about {@linkcode CHUNK_BYTES} bytes.
 */
export function* cutoutJson(image: Cutout): Generator<Uint8Array> {
  yield* jsonWithData(
    { shape: [...image.shape].reverse(), numpyShape: image.shape, dtype: image.dtype },
    image.data,
  );
}

/**
 * A JSON object of `fields` followed by `data`, its values spelled as every JSON output spells them
 * (float32 in its shortest round-trip form).
 *
 * @param fields The object's other members, first.
 * @param data The values, flat.
 * @returns UTF-8 JSON text with a trailing newline, in chunks of about {@linkcode CHUNK_BYTES} bytes.
 */
export function* jsonWithData(fields: Record<string, unknown>, data: TypedArray): Generator<Uint8Array> {
  const out = new TextBytes();
  const head = toJson(fields);
  out.text(head.slice(0, -2) + ',"data":[');
  const write = numberWriter(out, data);
  for (let i = 0; i < data.length; i++) {
    if (i > 0) out.byte(COMMA);
    write(i);
    if (out.length >= CHUNK_BYTES) yield out.take();
  }
  out.text("]}\n");
  yield out.take();
}

/** Bytes per chunk of text: large enough that each write is cheap, small enough to reuse warm memory. */
const CHUNK_BYTES = 1 << 16;

const COMMA = 44;
const NEWLINE = 10;

/**
 * A cutout in long format, one element per row: a column per FITS axis (`axis1`, `axis2`, …: 1-based
 * pixel numbers of the source image) and `value`; as CSV with a header row, or as NDJSON objects.
 *
 * @param image The cutout.
 * @param spec The numpy-order section it was read with (for the source's pixel numbers).
 * @param format `csv` or `ndjson`.
 * @returns UTF-8 text, in chunks.
 */
export function* cutoutRows(
  image: Cutout,
  spec: readonly SectionAxis[],
  format: "csv" | "ndjson",
): Generator<Uint8Array> {
  const naxis = image.shape.length;
  const { start, step } = sectionOrigin(spec);
  const lengths = [...image.shape].reverse();
  const names = Array.from({ length: naxis }, (_, k) => `axis${k + 1}`);
  const csv = format === "csv";
  // What comes before each pixel number and before the value.
  const before = csv
    ? names.map((_, k) => (k ? "," : ""))
    : names.map((name, k) => `${k ? "," : "{"}"${name}":`);
  const beforeValue = (naxis === 0 ? (csv ? "" : "{") : ",") + (csv ? "" : '"value":');
  // NAXIS1 varies fastest in C order: its pixel number is written for each value, the text of the
  // slower axes (and what precedes the value) only when they change.
  const counter = new Array<number>(naxis).fill(0);
  const encoder = new TextEncoder();
  const slowerText = () => {
    let text = "";
    for (let k = 1; k < naxis; k++) text += before[k] + (start[k] + counter[k] * step[k]);
    return encoder.encode(text + beforeValue);
  };
  let slower = slowerText();
  const fastestLength = naxis === 0 ? 1 : lengths[0];
  const first = encoder.encode(before[0]);
  const out = new TextBytes();
  if (csv) out.text([...names, "value"].join(",") + "\n");
  const write = numberWriter(out, image.data, null, csv ? CSV_NUMBER_STYLE : JSON_NUMBER_STYLE);
  let fastest = 0;
  for (let i = 0; i < image.data.length; i++) {
    if (naxis > 0) {
      out.bytes(first);
      out.integer(start[0] + fastest * step[0]);
    }
    out.bytes(slower);
    write(i);
    if (!csv) out.byte(CLOSE_BRACE);
    out.byte(NEWLINE);
    if (++fastest === fastestLength) {
      fastest = 0;
      for (let k = 1; k < naxis && ++counter[k] === lengths[k]; k++) counter[k] = 0;
      slower = slowerText();
    }
    if (out.length >= CHUNK_BYTES) yield out.take();
  }
  if (out.length > 0) yield out.take();
}

const CLOSE_BRACE = 125;
