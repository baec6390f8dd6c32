/**
 * What bench/throughput.ts measures (the shape of results/throughput.json) and its table of measures.
 * Its targets are defined once, in bench/targets.ts, for throughput.md and the bench's target table alike.
 *
 * @module
 */

/** One element type's decode: big-endian → host, in place and through `section()`, against numpy. */
export interface DecodeResult {
  /** Bytes decoded. */
  bytes: number;
  /** The decoder alone, on bytes it owns (as `section()` runs it after the fetch). */
  inPlaceGBps: number;
  /** `section()` as a whole on an in-memory file: a copy into new memory, then the decode. */
  sectionFromMemoryGBps: number;
  /** numpy's copying `.byteswap()`. */
  numpyByteswapGBps: number;
  /** numpy's `.astype(native)`. */
  numpyAstypeGBps: number;
  /** In place / the faster numpy. */
  ratioInPlaceToBestNumpy: number;
  /** `section()` / the faster numpy. */
  ratioSectionToBestNumpy: number;
}

/** A cutout's stored bytes written as a FITS file. */
export interface FitsOutputResult {
  /** Data bytes written. */
  bytes: number;
  /** Written and closed, as astropy writes. */
  writeGBps: number;
  /** As the CLI writes: a temporary file, fsync, rename. */
  atomicWriteGBps: number;
  /** The read from the local file, then as the CLI writes. */
  readAndAtomicWriteGBps: number;
  /** Whether the file's data unit equals the source's bytes. */
  dataUnitUntouched: boolean;
  /** astropy's `fits.writeto` of the same image. */
  astropyWritetoGBps: number;
  /** `writeGBps` / astropy's. */
  ratioWriteToAstropy: number;
}

/** Text output, in millions of values formatted and UTF-8 encoded per second. */
export interface TextOutputResult {
  /** Values in the table run (rows × columns). */
  tableValues: number;
  /** The table's columns and their types. */
  columns: string;
  tableCSVMValuesPerSecond: number;
  tableJSONMValuesPerSecond: number;
  tableNDJSONMValuesPerSecond: number;
  /** Values of the float32 cutout. */
  cutoutValues: number;
  cutoutJSONMValuesPerSecond: number;
  cutoutCSVMValuesPerSecond: number;
}

/** The tools of the table-column run, each in fresh processes. */
export const COLUMN_TOOLS = [
  "cloudfits local",
  "astropy memmap",
  "astropy memmap=False",
  "cloudfits http",
  "astropy+fsspec http",
] as const;

/** Seconds of one tool's column read: the whole process, and inside it. */
export interface ProcessSeconds {
  processSeconds: number;
  inProcessSeconds: number;
}

/** One whole column of a 10^6-row table, read locally and over HTTP by cloudfits and astropy. */
export type TableColumnResult =
  & {
    rows: number;
    rowBytes: number;
    column: string;
    latencyMs: number;
    /** Whether every tool's column sum agreed. */
    sameSums: boolean;
    speedupLocalVsAstropyMemmap: number;
    speedupLocalVsAstropyNoMemmap: number;
    speedupHttpVsAstropyFsspec: number;
  }
  & Record<typeof COLUMN_TOOLS[number], ProcessSeconds>;

/** results/throughput.json: settings, then the parts that ran (`--only` runs some). */
export interface ThroughputResults {
  date: string;
  runtime: string;
  machine: string;
  smoke: boolean;
  reps: number;
  method: string;
  decode?: { float32: DecodeResult; int16: DecodeResult; freshMemoryGBps: number };
  fitsOutput?: FitsOutputResult;
  textOutput?: TextOutputResult;
  tableColumn?: TableColumnResult;
}

/** The text-output measures: key in {@linkcode TextOutputResult} and what it formats. */
export const TEXT_MEASURES = [
  ["tableCSVMValuesPerSecond", "table rows as CSV"],
  ["tableJSONMValuesPerSecond", "table rows as JSON"],
  ["tableNDJSONMValuesPerSecond", "table rows as NDJSON"],
  ["cutoutJSONMValuesPerSecond", "a float32 cutout as JSON"],
  ["cutoutCSVMValuesPerSecond", "a float32 cutout as CSV"],
] as const;

/**
 * The measures as one Markdown table (cloudfits, its peer, the ratio), then one line of in-process
 * seconds and checks. Parts that did not run are left out.
 *
 * @param r What bench/throughput.ts wrote.
 * @returns Markdown lines.
 */
export function throughputTable(r: ThroughputResults): string[] {
  const lines = ["| measure | cloudfits | peer | ratio |", "|---|---|---|---|"];
  const row = (...cells: (string | number)[]) => lines.push(`| ${cells.join(" | ")} |`);
  const notes: string[] = [];
  if (r.decode) {
    for (const dtype of ["float32", "int16"] as const) {
      const x = r.decode[dtype];
      const best = Math.max(x.numpyByteswapGBps, x.numpyAstypeGBps);
      row(
        `decode ${dtype}, in place (as section() does after the fetch)`,
        `${x.inPlaceGBps} GB/s`,
        `numpy byteswap ${x.numpyByteswapGBps}, astype ${x.numpyAstypeGBps} GB/s`,
        `${x.ratioInPlaceToBestNumpy}×`,
      );
      row(
        `decode ${dtype}, section() as a whole from memory (copy + decode)`,
        `${x.sectionFromMemoryGBps} GB/s`,
        `best numpy ${best} GB/s`,
        `${x.ratioSectionToBestNumpy}×`,
      );
    }
    row(
      "for scale: a new buffer of the same size, allocated and filled",
      `${r.decode.freshMemoryGBps} GB/s`,
      "–",
      "–",
    );
  }
  const f = r.fitsOutput;
  if (f) {
    row(
      "FITS output to a file (stored bytes untouched; write and close, as astropy)",
      `${f.writeGBps} GB/s`,
      `astropy writeto ${f.astropyWritetoGBps} GB/s`,
      `${f.ratioWriteToAstropy}×`,
    );
    row(
      "FITS output as the CLI writes it (temporary file, fsync, rename; with the read)",
      `${f.atomicWriteGBps} GB/s (${f.readAndAtomicWriteGBps})`,
      "–",
      "–",
    );
    notes.push(`FITS data unit equals the source bytes: ${f.dataUnitUntouched}.`);
  }
  const t = r.textOutput;
  if (t) {
    for (const [key, what] of TEXT_MEASURES) row(what, `${t[key]} M values/s`, "–", "–");
    notes.push(`Text: ${t.tableValues} table values (${t.columns}), ${t.cutoutValues} cutout values.`);
  }
  const c = r.tableColumn;
  if (c) {
    row(
      `table column (${c.rows} rows, ${c.column}), local, whole process`,
      `${c["cloudfits local"].processSeconds} s`,
      `astropy memmap ${c["astropy memmap"].processSeconds} s, memmap=False ${
        c["astropy memmap=False"].processSeconds
      } s`,
      `${c.speedupLocalVsAstropyMemmap}×, ${c.speedupLocalVsAstropyNoMemmap}×`,
    );
    row(
      `table column, HTTP (${c.latencyMs} ms latency), whole process`,
      `${c["cloudfits http"].processSeconds} s`,
      `astropy+fsspec ${c["astropy+fsspec http"].processSeconds} s`,
      `${c.speedupHttpVsAstropyFsspec}×`,
    );
    notes.push(
      `In-process table-column seconds: ${
        COLUMN_TOOLS.map((name) => `${name} ${c[name].inProcessSeconds}`).join(", ")
      }. Every tool's column sum agrees: ${c.sameSums}.`,
    );
  }
  return [...lines, "", ...notes];
}
