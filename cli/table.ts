import { CloudFitsError } from "../src/errors.ts";
import { EXIT } from "../src/exit_codes.ts";
import { describeTable } from "../src/fits/tform.ts";
import { selectColumns } from "../src/plan/table_rows.ts";
import { COST_OPTIONS, readSettingsOf } from "./cost_options.ts";
import { type CliIo, refuseExistingOutput } from "./io.ts";
import { type CommonValues, concurrencyOf, parseCommand } from "./options.ts";
import { chooseOutputFormat } from "./output_formats.ts";
import type { TableFormat } from "./table_text.ts";
import { progressLine, ReadProgress } from "./progress.ts";
import { openCliTarget } from "./open_target.ts";

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
  // The text encoders load while the target is opened.
  const encoders = import("./table_text.ts");
  encoders.catch(() => {}); // awaited later, or never when opening fails

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
    const { formatRows } = await encoders;
    const text = formatRows(format, batches, columns, start === stop);
    if (output === "-") { for await (const chunk of text) await io.out(chunk); }
    else await io.writeFileAtomic(output, text, { overwrite: force });
    await progress?.finish();
  } finally {
    await progress?.end();
    await opened.close();
  }
  return EXIT.ok;
}
