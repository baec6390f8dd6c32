import { CloudFitsError } from "../src/errors.ts";
import { EXIT } from "../src/exit_codes.ts";
import type { Column } from "../src/fits/table_layout.ts";
import { describeTable } from "../src/fits/tform.ts";
import { selectColumns } from "../src/plan/table_rows.ts";
import { COST_OPTIONS, readSettingsOf } from "./cost_options.ts";
import { columnKeys, type TableRows } from "../src/fits/table_values.ts";
import { tableColumnToJson, type TableJsonValue } from "../src/table_json.ts";
import { type CliIo, refuseExistingOutput } from "./io.ts";
import { type CommonValues, concurrencyOf, parseCommand } from "./options.ts";
import { chooseOutputFormat } from "./output_formats.ts";
import { ecsvHeader } from "./table_ecsv.ts";
import { progressLine, ReadProgress } from "./progress.ts";
import { openCliTarget } from "./open_target.ts";

type TableFormat = "csv" | "ecsv" | "json" | "ndjson";

/**
 * `cloudfits table TARGET[HDU][col A;B] --rows A:B`: table rows (1-based, inclusive, as in cfitsio) as
 * CSV, JSON or NDJSON, read in batches and written as they arrive.
 *
 * @param args Arguments after `table`.
 * @param io The process I/O.
 * @returns The exit code.
 */
export async function runTable(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand(args, {
    hdu: { type: "string" },
    columns: { type: "string" },
    rows: { type: "string" },
    output: { type: "string", short: "o" },
    force: { type: "boolean", short: "f" },
    ...COST_OPTIONS,
  });
  if (positionals.length !== 1) {
    throw new CloudFitsError(
      "USAGE",
      "table takes one TARGET, e.g. 'events.fits[1][col TIME;PHA]' --rows 1:10",
    );
  }
  const output = (values.output as string | undefined) ?? "-";
  const force = Boolean(values.force);
  const stream = await refuseExistingOutput(output, force, io);
  const format: TableFormat = chooseOutputFormat("table", output, values, stream);

  // The named HDU, or the first table with data; --rows is parsed against it.
  // Rows streamed to a terminal would be interleaved with the progress line: they are the progress there.
  const line = output === "-" && io.isTTY && !values.progress ? undefined : progressLine(io, values);
  const progress = line && new ReadProgress(line, "table");
  const opened = await openCliTarget(positionals[0], values, io, {
    select: "table",
    onBytes: progress && ((bytes) => progress.add(bytes)),
  });
  try {
    const hdu = opened.hdu!.info;
    const table = describeTable(hdu);
    const columns = selectColumns(table, opened.columns);
    const [start, stop] = opened.rows ?? [0, table.rowCount];
    progress?.start(
      opened.hdu!.planRows(start, stop, { ...readSettingsOf(values), columns: opened.columns }).bytesToRead,
    );
    // The whole read is checked before the first batch, so a refusal writes nothing.
    const batches = opened.hdu!.rowBatches(start, stop, {
      columns: columns.map((column) => column.index),
      concurrency: concurrencyOf(values as CommonValues),
      ...readSettingsOf(values),
    });
    // Written as the batches arrive, to stdout or to a file that appears whole at the end.
    const text = formatRows(format, batches, columns, start === stop);
    if (output === "-") { for await (const chunk of text) await io.out(chunk); }
    else await io.writeFileAtomic(output, encoded(text), { overwrite: force });
    await progress?.finish();
  } finally {
    await progress?.end();
    await opened.close();
  }
  return EXIT.ok;
}

async function* encoded(texts: AsyncIterable<string>): AsyncGenerator<Uint8Array> {
  const encoder = new TextEncoder();
  for await (const text of texts) yield encoder.encode(text);
}

/** Format each batch of rows as soon as it arrives. */
async function* formatRows(
  format: TableFormat,
  batches: AsyncIterable<TableRows>,
  columns: readonly Column[],
  empty: boolean,
): AsyncGenerator<string> {
  const keys = columnKeys(columns);
  const quotedKeys = keys.map((key) => JSON.stringify(key));
  // The first batch is awaited before anything is written: a read over the limits fails with no output.
  const iterator = batches[Symbol.asyncIterator]();
  let step = await iterator.next();
  let started = false;
  if (format === "ecsv") yield ecsvHeader(columns, keys);
  if (format === "csv" || format === "ecsv") yield keys.map(csvText).join(",") + "\n";
  if (format === "json" && empty) yield "[]\n";
  for (; !step.done; step = await iterator.next()) {
    const rows = step.value;
    // Rows are keyed by columnKeys too; looking up by key keeps the requested order even for
    // names that JavaScript would sort first (integer-like keys).
    const cells = keys.map((key) => tableColumnToJson(rows.columns[key]));
    const lines: string[] = [];
    for (let row = 0; row < rows.rowCount; row++) {
      if (format === "csv") {
        lines.push(cells.map((column) => csvCell(column[row])).join(","));
      } else if (format === "ecsv") {
        // ECSV spells logicals as Python does.
        lines.push(
          cells.map((column) => {
            const value = column[row];
            if (typeof value === "boolean") return value ? "True" : "False";
            // ECSV readers strip unquoted fields: quote the spaces that belong to a string.
            return typeof value === "string" && /^\s|\s$/.test(value)
              ? `"${value.replaceAll('"', '""')}"`
              : csvCell(value);
          }).join(","),
        );
      } else {
        lines.push(
          "{" + cells.map((column, i) => `${quotedKeys[i]}:${jsonText(column[row])}`).join(",") + "}",
        );
      }
    }
    if (format === "json") {
      yield (started ? ",\n" : "[\n") + lines.join(",\n");
    } else {
      yield lines.join("\n") + "\n";
    }
    started = true;
  }
  if (format === "json" && started) yield "\n]\n";
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
