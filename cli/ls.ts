import { hduShape, hduSummary } from "../src/json.ts";
import type { Hdu } from "../src/fits/layout.ts";
import { CloudFitsError } from "../src/errors.ts";
import { EXIT } from "../src/exit_codes.ts";
import type { CliIo } from "./io.ts";
import { type CommonValues, concurrencyOf, outputFormat, parseCommand } from "./options.ts";
import { openCliTarget } from "./open_target.ts";
import { escapeControl, humanBytes, renderTable, toJson } from "./format.ts";
import { listIndex } from "./index_read.ts";

interface ListedFile {
  path: string;
  size: number | undefined;
  hdus: readonly Hdu[];
}

/**
 * `cloudfits ls TARGET...` and `cloudfits ls --index INDEX`: files and their HDUs.
 *
 * @param args Arguments after `ls`.
 * @param io The process I/O.
 * @returns The exit code.
 */
export async function runLs(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand(args, {});
  const format = outputFormat(values, ["json", "text", "tsv"], io.isTTY ? "text" : "tsv");
  const files: ListedFile[] = [];
  let failed = 0;
  if (values.index !== undefined) {
    files.push(...await listIndex(String(values.index), positionals, values as CommonValues, io));
  } else {
    if (positionals.length === 0) {
      throw new CloudFitsError("USAGE", "Nothing to list: give a FITS file or --index INDEX");
    }
    // Files are walked concurrently (headers only), and listed in the order given.
    const results: (ListedFile | undefined)[] = new Array(positionals.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      for (let i = next++; i < positionals.length; i = next++) {
        const text = positionals[i];
        try {
          const opened = await openCliTarget(text, values, io, { allHdus: true });
          results[i] = { path: opened.name, size: opened.fits.source.size, hdus: opened.fits.hdus };
          await opened.close();
        } catch (error) {
          if (positionals.length === 1) throw error;
          failed++;
          await io.err(`error: ${escapeControl((error as Error).message)}\n`);
        }
      }
    };
    const workers = Math.min(concurrencyOf(values as CommonValues) ?? 8, positionals.length);
    await Promise.all(Array.from({ length: workers }, worker));
    for (const result of results) if (result) files.push(result);
  }
  if (format === "json") {
    await io.out(toJson({
      files: files.map((f) => ({ path: f.path, size: f.size ?? null, hdus: f.hdus.map(hduSummary) })),
    }));
  } else {
    const headings = [
      "path",
      "index",
      "type",
      "extname",
      "extver",
      "bitpix",
      "shape",
      "headerOffset",
      "dataOffset",
      "dataSize",
    ];
    const human = format === "text";
    const rows = files.flatMap((f) =>
      f.hdus.map((hdu) => {
        const s = hduSummary(hdu);
        return [
          f.path,
          String(s.index),
          s.type,
          s.extname ?? "",
          s.extver === null ? "" : String(s.extver),
          String(s.bitpix),
          human ? `(${hduShape(hdu).join(", ")})` : JSON.stringify(s.shape),
          String(s.headerOffset),
          String(s.dataOffset),
          human ? humanBytes(s.dataSize) : String(s.dataSize),
        ];
      })
    );
    await io.out(renderTable(headings, rows, human));
  }
  return failed === 0 ? EXIT.ok : EXIT.partial;
}
