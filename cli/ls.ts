import { hduShape, hduSummary, type JsonHduSummary } from "../src/json.ts";
import type { Hdu } from "../src/fits/layout.ts";
import { CloudFitsError } from "../src/errors.ts";
import { EXIT } from "../src/exit_codes.ts";
import type { CliIo } from "./io.ts";
import { type CommonValues, concurrencyOf, outputFormat, parseCommand } from "./options.ts";
import { forEachAtOnce } from "./at_once.ts";
import { openCliTarget } from "./open_target.ts";
import { escapeControl, humanBytes, renderTable, toJson } from "./format.ts";
import { isGzipSource } from "../src/source/gzip_kind.ts";

interface ListedFile {
  path: string;
  /** Size of the FITS bytes (inflated, for a gzip file). */
  size: number | undefined;
  hdus: readonly Hdu[];
  /** Size of the stored object, when it is whole-file gzip. */
  gzipSize?: number;
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
    // The index reader loads only for `--index`.
    const { listIndex } = await import("./index_read.ts");
    files.push(...await listIndex(String(values.index), positionals, values as CommonValues, io));
  } else {
    if (positionals.length === 0) {
      throw new CloudFitsError("USAGE", "Nothing to list: give a FITS file or --index INDEX");
    }
    // Files are walked concurrently (headers only), and listed in the order given.
    const results: (ListedFile | undefined)[] = new Array(positionals.length);
    const list = async (i: number): Promise<void> => {
      const text = positionals[i];
      try {
        const opened = await openCliTarget(text, values, io, { allHdus: true });
        const source = opened.fits.source;
        results[i] = {
          path: opened.name,
          size: source.size,
          hdus: opened.fits.hdus,
          ...(isGzipSource(source) ? { gzipSize: source.compressed.size } : {}),
        };
        await opened.close();
      } catch (error) {
        if (positionals.length === 1) throw error;
        failed++;
        await io.err(`error: ${escapeControl((error as Error).message)}\n`);
      }
    };
    await forEachAtOnce(Array.from(positionals.keys()), concurrencyOf(values as CommonValues) ?? 8, list);
    for (const result of results) if (result) files.push(result);
  }
  if (format === "json") {
    await io.out(toJson({
      files: files.map((f) => ({
        path: f.path,
        size: f.size ?? null,
        ...(f.gzipSize === undefined ? {} : { compression: "gzip", storedSize: f.gzipSize }),
        hdus: f.hdus.map(fitsOrderSummary),
      })),
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
          human ? `(${hduShape(hdu).reverse().join(", ")})` : JSON.stringify([...s.shape].reverse()),
          String(s.headerOffset),
          String(s.dataOffset),
          human ? humanBytes(s.dataSize) : String(s.dataSize),
        ];
      })
    );
    await io.out(renderTable(headings, rows, human));
    if (human) {
      for (const f of files.filter((f) => f.gzipSize !== undefined)) {
        await io.out(
          `${f.path}: whole-file gzip, ${humanBytes(f.gzipSize!)} stored, ${
            f.size === undefined ? "?" : humanBytes(f.size)
          } inflated; offsets are in the inflated bytes\n`,
        );
      }
    }
  }
  return failed === 0 ? EXIT.ok : EXIT.partial;
}

/** The library's summary with `shape` in FITS order (NAXIS1 first), as the CLI speaks, and `numpyShape`. */
function fitsOrderSummary(hdu: Hdu): JsonHduSummary & { numpyShape: number[] } {
  const summary = hduSummary(hdu);
  return { ...summary, shape: [...summary.shape].reverse(), numpyShape: summary.shape };
}
