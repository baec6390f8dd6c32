import { CloudFitsError } from "../src/errors.ts";
import { EXIT } from "../src/exit_codes.ts";
import { findHdu, type Hdu } from "../src/fits/layout.ts";
import type { FitsFile } from "../src/open.ts";
import {
  type Column,
  describeTable,
  readTableRows,
  tableColumnToJson,
  type TableJsonValue,
  type TableLayout,
} from "../src/fits/table.ts";
import { selectColumns } from "../src/plan/table_rows.ts";
import type { Target } from "../src/url.ts";
import type { CliIo } from "./io.ts";
import { type CommonValues, concurrencyOf, outputFormat, parseCommand } from "./options.ts";
import { openTarget } from "./open_target.ts";

/** Rows read per request batch, so that memory stays bounded however long the table is. */
const CHUNK_ROWS = 10_000;
/** Bytes of row data read per batch at most, for tables whose rows are wide. */
const CHUNK_BYTES = 16 * 1024 * 1024;

type TableFormat = "csv" | "json" | "ndjson";

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
  });
  if (positionals.length !== 1) {
    throw new CloudFitsError(
      "USAGE",
      "table takes one TARGET, e.g. 'events.fits[1][col TIME;PHA]' --rows 1:10",
    );
  }
  const output = (values.output as string | undefined) ?? "-";
  const format = outputFormat(values, ["csv", "json", "ndjson"], formatForPath(output)) as TableFormat;
  const force = Boolean(values.force);
  // Refuse before reading anything: the read may be long and the answer is already known.
  if (output !== "-" && !force && await io.stat(output) !== undefined) {
    throw new CloudFitsError(
      "USAGE",
      `Cannot write ${output}: the file exists (pass --force to replace it)`,
      { url: output },
    );
  }

  const opened = await openTarget(positionals[0], values as CommonValues, io, { onlyNamedHdu: true });
  try {
    const hdu = pickTable(opened.fits, opened.target, opened.name);
    const table = describeTable(hdu);
    const columns = selectColumns(table, opened.target.columns);
    const [start, stop] = parseRows(values.rows as string | undefined, table.rowCount, hdu);
    const pieces: string[] = [];
    const write = output === "-" ? (text: string) => io.out(text) : (text: string) => {
      pieces.push(text);
      return Promise.resolve();
    };
    await writeRows(
      write,
      format,
      opened.fits,
      hdu,
      table,
      columns,
      start,
      stop,
      concurrencyOf(values as CommonValues),
    );
    if (output !== "-") {
      await io.writeFileAtomic(output, new TextEncoder().encode(pieces.join("")), { overwrite: force });
    }
  } finally {
    await opened.close();
  }
  return EXIT.ok;
}

function formatForPath(output: string): string {
  if (/\.json$/i.test(output)) return "json";
  if (/\.(ndjson|jsonl)$/i.test(output)) return "ndjson";
  return "csv";
}

/** The HDU the target names, or else the first table with data (the first table when all are empty). */
function pickTable(fits: FitsFile, target: Target, name: string): Hdu {
  const hdus = [...fits.hdus];
  if (typeof target.hdu === "number") return findHdu(hdus, target.hdu);
  if (target.hdu !== undefined) return findHdu(hdus, target.hdu.extname, target.hdu.extver);
  const tables = hdus.filter((hdu) => hdu.type === "BINTABLE" || hdu.type === "TABLE");
  const table = tables.find((hdu) => hdu.dataSize > 0) ?? tables[0];
  if (table === undefined) {
    throw new CloudFitsError("NOT_FOUND", `Cannot find a table in ${name}: it has no BINTABLE or TABLE HDU`, {
      url: name,
    });
  }
  return table;
}

/**
 * Turn `--rows FIRST:LAST` (1-based, inclusive; `N`, `FIRST:` and `:LAST` too) into 0-based `[start, stop)`.
 * Without `--rows`, every row.
 */
function parseRows(text: string | undefined, rowCount: number, hdu: Hdu): [number, number] {
  if (text === undefined) return [0, rowCount];
  const match = /^\s*(\d*)\s*(?:(:)\s*(\d*)\s*)?$/.exec(text);
  if (match === null || (match[1] === "" && (match[2] === undefined || match[3] === ""))) {
    throw new CloudFitsError(
      "USAGE",
      `Invalid --rows '${text}': expected FIRST:LAST, 1-based, inclusive (e.g. 1:10)`,
    );
  }
  const first = match[1] === "" ? 1 : Number(match[1]);
  const last = match[2] === undefined ? first : match[3] === "" ? rowCount : Number(match[3]);
  if (first < 1) {
    throw new CloudFitsError(
      "USAGE",
      `Invalid --rows '${text}': rows are 1-based, inclusive; the first row is 1`,
    );
  }
  if (last < first) {
    throw new CloudFitsError(
      "USAGE",
      `Invalid --rows '${text}': row ${last} comes before row ${first} (rows are 1-based, inclusive)`,
    );
  }
  if (last > rowCount) {
    const valid = rowCount === 0 ? "it has none" : `1:${rowCount}`;
    throw new CloudFitsError(
      "OUT_OF_RANGE",
      `Invalid --rows '${text}': HDU ${hdu.index} has ${rowCount} rows (1-based, inclusive: ${valid})`,
    );
  }
  return [first - 1, last];
}

/** Read the rows in batches and write each batch as soon as it is formatted. */
async function writeRows(
  write: (text: string) => Promise<void>,
  format: TableFormat,
  fits: FitsFile,
  hdu: Hdu,
  table: TableLayout,
  columns: readonly Column[],
  start: number,
  stop: number,
  concurrency: number | undefined,
): Promise<void> {
  const keys = columnKeys(columns);
  const quotedKeys = keys.map((key) => JSON.stringify(key));
  const chunkRows = Math.max(1, Math.min(CHUNK_ROWS, Math.floor(CHUNK_BYTES / Math.max(1, table.rowBytes))));
  if (format === "csv") await write(keys.map(csvText).join(",") + "\n");
  if (format === "json") await write(start === stop ? "[]\n" : "[\n");
  for (let chunkStart = start; chunkStart < stop; chunkStart += chunkRows) {
    const chunkStop = Math.min(stop, chunkStart + chunkRows);
    const rows = await readTableRows(fits.source, hdu, {
      table,
      start: chunkStart,
      stop: chunkStop,
      columns: columns.map((column) => column.index),
      concurrency,
    });
    // readTableRows keys its result exactly as columnKeys does; looking up by key keeps the requested
    // order even for names that JavaScript would sort first (integer-like keys).
    const cells = keys.map((key) => tableColumnToJson(rows.columns[key]));
    const lines: string[] = [];
    for (let row = 0; row < rows.rowCount; row++) {
      if (format === "csv") {
        lines.push(cells.map((column) => csvCell(column[row])).join(","));
      } else {
        lines.push(
          "{" + cells.map((column, i) => `${quotedKeys[i]}:${jsonText(column[row])}`).join(",") + "}",
        );
      }
    }
    if (format === "json") {
      const last = chunkStop === stop;
      await write(lines.join(",\n") + (last ? "\n]\n" : ",\n"));
    } else {
      await write(lines.join("\n") + "\n");
    }
  }
}

/** Output names of the columns: TTYPE, or `col<n>` for an empty or repeated name (as readTableRows keys them). */
function columnKeys(columns: readonly Column[]): string[] {
  const used = new Set<string>();
  return columns.map((column) => {
    const key = column.name === "" || used.has(column.name) ? `col${column.index}` : column.name;
    used.add(key);
    return key;
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
