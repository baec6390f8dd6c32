/**
 * Table rows as CSV, ECSV, JSON or NDJSON text, in UTF-8 chunks of whole rows of one batch. Numeric
 * cells are written as bytes straight from their typed arrays (float32 in its shortest round-trip form),
 * by a writer chosen once per column, so output runs at millions of values a second.
 *
 * @module
 */
import type { Column } from "../src/fits/table_layout.ts";
import { columnKeys, type TableColumnData, type TableRows } from "../src/fits/table_values.ts";
import { tableColumnToJson, type TableJsonValue } from "../src/table_json.ts";
import { CSV_NUMBER_STYLE, JSON_NUMBER_STYLE, numberWriter, TextBytes } from "../src/text_bytes.ts";
import { ecsvHeader } from "./table_ecsv.ts";

/** A text format of `cloudfits table`. */
export type TableFormat = "csv" | "ecsv" | "json" | "ndjson";

/**
 * Format each batch of rows as soon as it arrives.
 *
 * @param format The output format.
 * @param batches The rows, in order.
 * @param columns The columns read, in the order asked for.
 * @param empty Whether no rows were asked for (JSON then writes `[]`).
 * @returns UTF-8 text: the heading, then chunks of whole rows of one batch (about 64 KiB), then the tail.
 */
export async function* formatRows(
  format: TableFormat,
  batches: AsyncIterable<TableRows>,
  columns: readonly Column[],
  empty: boolean,
): AsyncGenerator<Uint8Array> {
  const keys = columnKeys(columns);
  const json = format === "json" || format === "ndjson";
  // What comes before each cell of a row.
  const encoder = new TextEncoder();
  const before =
    (json
      ? keys.map((key, c) => (c === 0 ? "{" : ",") + JSON.stringify(key) + ":")
      : keys.map((_, c) => (c === 0 ? "" : ","))).map((text) => encoder.encode(text));
  const out = new TextBytes();
  // The first batch is awaited before anything is written: a read over the limits fails with no output.
  const iterator = batches[Symbol.asyncIterator]();
  let step = await iterator.next();
  if (format === "ecsv") out.text(ecsvHeader(columns, keys));
  if (format === "csv" || format === "ecsv") out.text(keys.map(csvText).join(",") + "\n");
  if (format === "json" && empty) out.text("[]\n");
  if (out.length > 0) yield out.take();
  const bracketed = format === "json" && !empty && !step.done;
  if (bracketed) out.text("[\n");
  let started = false;
  for (; !step.done; step = await iterator.next()) {
    const rows = step.value;
    // Rows are keyed by columnKeys too; looking up by key keeps the requested order even for
    // names that JavaScript would sort first (integer-like keys).
    const cells = keys.map((key) => cellWriter(out, rows.columns[key], format));
    for (let row = 0; row < rows.rowCount; row++) {
      // JSON rows are separated, not ended, by a comma: it is written before every row but the first.
      if (format === "json" && started) out.bytes(ROW_SEPARATOR);
      for (let c = 0; c < cells.length; c++) {
        out.bytes(before[c]);
        cells[c](row);
      }
      if (json) out.byte(CLOSE_BRACE);
      if (format !== "json") out.byte(NEWLINE);
      started = true;
      if (out.length >= CHUNK_BYTES) yield out.take();
    }
    if (out.length > 0) yield out.take();
  }
  if (bracketed) out.text("\n]\n");
  if (out.length > 0) yield out.take();
}

/** A chunk is handed out at this many bytes: small chunks reuse warm memory, larger ones cost page faults. */
const CHUNK_BYTES = 1 << 16;

const NEWLINE = 10;
/** Between the rows of a JSON array. */
const ROW_SEPARATOR = new TextEncoder().encode(",\n");
const CLOSE_BRACE = 125;

/** A writer of a column's cells by row: numbers straight from their typed array, other kinds as text. */
function cellWriter(out: TextBytes, data: TableColumnData, format: TableFormat): (row: number) => void {
  const json = format === "json" || format === "ndjson";
  if (data.kind === "number") {
    return numberWriter(out, data.values, data.nulls, json ? JSON_NUMBER_STYLE : CSV_NUMBER_STYLE);
  }
  const texts = columnTexts(data, format);
  return (row) => out.text(texts[row]);
}

/** The text of each cell of a column of another kind than `number`. */
function columnTexts(data: TableColumnData, format: TableFormat): string[] {
  const values = tableColumnToJson(data);
  if (format === "json" || format === "ndjson") return values.map(jsonText);
  if (format === "csv") return values.map(csvCell);
  return values.map((value) => {
    // ECSV spells logicals as Python does.
    if (typeof value === "boolean") return value ? "True" : "False";
    // ECSV readers strip unquoted fields: quote the spaces that belong to a string.
    return typeof value === "string" && /^\s|\s$/.test(value)
      ? `"${value.replaceAll('"', '""')}"`
      : csvCell(value);
  });
}

/** JSON text of a cell; `-0` keeps its sign (as `-0.0`, which JavaScript and Python both read back as −0). */
function jsonText(value: TableJsonValue): string {
  if (Array.isArray(value)) return "[" + value.map(jsonText).join(",") + "]";
  if (Object.is(value, -0)) return "-0.0";
  return JSON.stringify(value);
}

/** A CSV cell: null empty, strings as they are (an empty string as `""`), arrays as JSON, quoted per RFC 4180. */
function csvCell(value: TableJsonValue): string {
  if (value === null) return "";
  if (value === "") return '""';
  if (typeof value === "string") return csvText(value);
  return csvText(jsonText(value));
}

function csvText(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
