import { CloudFitsError, isCloudFitsError } from "../src/errors.ts";
import type { OpenedTarget } from "../src/open_target.ts";
import { EXIT } from "../src/exit_codes.ts";
import { describeTable } from "../src/fits/tform.ts";
import { hduShape } from "../src/json.ts";
import { describePlan, type PlanFigures } from "../src/plan/cost.ts";
import { fitsSectionToNumpy } from "../src/plan/fits_section.ts";
import type { CliIo } from "./io.ts";
import { type CommonValues, outputFormat, parseCommand } from "./options.ts";
import { COST_OPTIONS, readSettingsOf } from "./cost_options.ts";
import { openCliTarget } from "./open_target.ts";
import { DEFAULT_HEADER_READ } from "../src/read/walk.ts";
import { toJson } from "./format.ts";
import { isGzipSource } from "../src/source/gzip_kind.ts";

/** One target's plan, as `--json` prints it. */
interface PlannedTarget extends PlanFigures {
  target: string;
  hdu: number;
  kind: "section" | "rows";
  /** The result's shape in FITS order (NAXIS1 first) for a section; rows and columns for a table. */
  shape: number[];
  /** The section's shape in numpy order (slowest axis first). */
  numpyShape?: number[];
  cost: { requests: number; transfer: number; total: number };
  /** False when the read needs a first read to plan the rest (tiles, variable-length arrays). */
  complete: boolean;
  /** Whether `cutout`/`table` with the same limits would go ahead. */
  allowed: boolean;
  /** Why not, and the flags that would allow it. */
  refusal?: string;
  /** For a whole-file gzip file: the figures are compressed bytes, inflated from the nearest of these points. */
  gzip?: { accessPoints: number };
}

/**
 * `cloudfits plan TARGET…`: what a cutout or a table read would fetch — requests, bytes to read, bytes
 * needed, estimated cost — and whether the cost limits allow it, without fetching any data (headers
 * are read unless `--index` supplies them).
 *
 * @param args Arguments after `plan`.
 * @param io The process I/O.
 * @returns The exit code.
 */
export async function runPlan(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand(args, {
    hdu: { type: "string" },
    section: { type: "string" },
    columns: { type: "string" },
    rows: { type: "string" },
    ...COST_OPTIONS,
  });
  if (positionals.length === 0) {
    throw new CloudFitsError("USAGE", "plan takes one or more TARGETs, e.g. 'cube.fits[1][1:1,*,1:10,1:10]'");
  }
  const format = outputFormat(values, ["text", "json"], "text");
  const settings = readSettingsOf(values);
  const { limits } = settings;
  const planned: PlannedTarget[] = [];
  for (const text of positionals) {
    const opened = await openPlanned(text, values, io);
    try {
      const handle = opened.hdu!;
      const hdu = handle.info;
      const kind: PlannedTarget["kind"] = hdu.type === "BINTABLE" || hdu.type === "TABLE"
        ? "rows"
        : "section";
      const summary = kind === "rows"
        ? handle.planRows(...(opened.rows ?? [0, describeTable(hdu).rowCount]), {
          ...settings,
          columns: opened.columns,
        })
        : handle.plan(opened.section ?? fitsSectionToNumpy("", hduShape(hdu)), settings);
      const { requests, bytesToRead, bytesNeeded, shape, cost, complete, allowed, excess } = summary;
      planned.push({
        target: text,
        hdu: hdu.index,
        kind,
        ...(kind === "rows" ? { shape } : { shape: [...shape].reverse(), numpyShape: shape }),
        requests,
        bytesToRead,
        bytesNeeded,
        cost,
        complete,
        allowed,
        ...(excess &&
          { refusal: `refused: ${excess.reasons.join(" and ")} (to go on: ${excess.advice.join(" ")})` }),
        ...(isGzipSource(opened.fits.source) && { gzip: { accessPoints: opened.fits.source.points.length } }),
      });
    } finally {
      await opened.close();
    }
  }
  if (format === "json") {
    await io.out(toJson(planned) + "\n");
    return EXIT.ok;
  }
  const lines = planned.map((p) => {
    const what = p.kind === "rows"
      ? `${p.shape[0]} rows × ${p.shape[1]} columns`
      : `shape [${p.shape.join(", ")}] (FITS order)`;
    const head = `${p.target}: HDU ${p.hdu}, ${what}${
      p.complete ? "" : " (first read only: the rest is planned from it)"
    }`;
    const verdict = p.allowed ? "within the limits" : p.refusal;
    const gzip = p.gzip === undefined
      ? ""
      : `  whole-file gzip: compressed bytes, inflated from ${
        p.gzip.accessPoints === 0
          ? "the start of the file"
          : `the nearest of ${p.gzip.accessPoints} access points`
      }\n`;
    return `${head}\n  ${describePlan(p, limits.prices)}\n${gzip}  ${verdict}\n`;
  });
  await io.out(lines.join(""));
  return EXIT.ok;
}

/**
 * Open a target for planning: rows or columns make it a table read; otherwise the image `cutout` would
 * read, or the first table when the file has no image with data.
 */
async function openPlanned(
  text: string,
  values: CommonValues & Record<string, unknown>,
  io: CliIo,
): Promise<OpenedTarget> {
  const wantsTable = values.rows !== undefined || values.columns !== undefined || /\[col /i.test(text);
  // A plan reads no data: the HDU's header is read as any header, without the start of its data.
  const reads = { targetRead: DEFAULT_HEADER_READ };
  try {
    return await openCliTarget(text, values, io, { ...reads, select: wantsTable ? "table" : "image" });
  } catch (error) {
    if (wantsTable || !isCloudFitsError(error, "NOT_FOUND") || !/No image HDU/.test(error.message)) {
      throw error;
    }
    return await openCliTarget(text, values, io, { ...reads, select: "table" });
  }
}
