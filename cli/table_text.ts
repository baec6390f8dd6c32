/**
 * Table rows as CSV, ECSV, JSON or NDJSON text, one chunk per batch. Numeric columns are printed a
 * column at a time straight from their typed arrays (float32 in its shortest round-trip form), and each
 * batch is joined into one string, so output runs at millions of values a second.
 *
 * @module
 */
import type { Column } from "../src/fits/table_layout.ts";
import { columnKeys, type TableColumnData, type TableRows } from "../src/fits/table_values.ts";
import { JSON_NUMBER_STYLE, numberTexts, type NumberTextStyle } from "../src/json.ts";
import { tableColumnToJson, type TableJsonValue } from "../src/table_json.ts";
import { ecsvHeader } from "./table_ecsv.ts";

/** A text format of `cloudfits table`. */
export type TableFormat = "csv" | "ecsv" | "json" | "ndjson";

const CSV_NUMBER_STYLE: NumberTextStyle = { nullText: "", quote: false };

/**
 * Format each batch of rows as soon as it arrives.
 *
 * @param format The output format.
 * @param batches The rows, in order.
 * @param columns The columns read, in the order asked for.
 * @param empty Whether no rows were asked for (JSON then writes `[]`).
 * @returns The text, one chunk per batch (plus a head and a tail).
 */
export async function* formatRows(
  format: TableFormat,
  batches: AsyncIterable<TableRows>,
  columns: readonly Column[],
  empty: boolean,
): AsyncGenerator<string> {
  const keys = columnKeys(columns);
  const quotedKeys = keys.map((key) => JSON.stringify(key) + ":");
  // The first batch is awaited before anything is written: a read over the limits fails with no output.
  const iterator = batches[Symbol.asyncIterator]();
  let step = await iterator.next();
  let started = false;
  if (format === "ecsv") yield ecsvHeader(columns, keys);
  if (format === "csv" || format === "ecsv") yield keys.map(csvText).join(",") + "\n";
  if (format === "json" && empty) yield "[]\n";
  const json = format === "json" || format === "ndjson";
  for (; !step.done; step = await iterator.next()) {
    const rows = step.value;
    // Rows are keyed by columnKeys too; looking up by key keeps the requested order even for
    // names that JavaScript would sort first (integer-like keys).
    const cells = keys.map((key) => columnTexts(rows.columns[key], format));
    // One string per row, joined once: faster than growing a string row by row.
    const lines = new Array<string>(rows.rowCount);
    for (let row = 0; row < rows.rowCount; row++) {
      let line = json ? "{" + quotedKeys[0] + cells[0][row] : cells[0][row];
      for (let c = 1; c < cells.length; c++) {
        line += json ? "," + quotedKeys[c] + cells[c][row] : "," + cells[c][row];
      }
      lines[row] = json ? line + "}" : line;
    }
    const chunk = format === "json"
      ? (started ? ",\n" : "[\n") + lines.join(",\n")
      : lines.join("\n") + (lines.length > 0 ? "\n" : "");
    yield chunk;
    started = true;
  }
  if (format === "json" && started) yield "\n]\n";
}

/** The text of each cell of a column in one format. */
function columnTexts(data: TableColumnData, format: TableFormat): string[] {
  const json = format === "json" || format === "ndjson";
  if (data.kind === "number") {
    return numberTexts(data.values, data.nulls, json ? JSON_NUMBER_STYLE : CSV_NUMBER_STYLE);
  }
  const values = tableColumnToJson(data);
  if (json) return values.map(jsonText);
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
