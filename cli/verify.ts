import { CloudFitsError, isCloudFitsError } from "../src/errors.ts";
import { EXIT } from "../src/exit_codes.ts";
import { verifyHduChecksum } from "../src/fits/checksum.ts";
import { openSource } from "../src/open_source.ts";
import type { CliIo } from "./io.ts";
import { type CommonValues, outputFormat, parseCommand } from "./commands.ts";
import { toJson } from "./format.ts";
import { openCliIndex } from "./index_read.ts";
import { sourceOptions } from "./remote.ts";

interface Verdict {
  path: string;
  status: "ok" | "stale" | "missing" | "error";
  detail?: string;
  checksums?: { index: number; checksum: string; datasum: string }[];
}

/**
 * `cloudfits verify --index INDEX [--datasum]`: check every indexed file against its source — size
 * and ETag (as every response is checked), and the first header bytes — and with `--datasum` also
 * CHECKSUM/DATASUM by reading the data.
 *
 * @param args Arguments after `verify`.
 * @param io The process I/O.
 * @returns 0 when every file matches, 5 when some are stale, damaged or missing.
 */
export async function runVerify(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand(args, { datasum: { type: "boolean" } });
  const common = values as CommonValues;
  if (common.index === undefined) throw new CloudFitsError("USAGE", "verify needs --index INDEX");
  const format = outputFormat(values, ["json", "text"], "text");
  const index = await openCliIndex(common.index, common, io);
  const options = sourceOptions(common, io);
  const verdicts: Verdict[] = [];
  const paths = positionals.length > 0 ? positionals : await collect(index.paths());
  for (const path of paths) {
    const file = await index.file(path);
    const verdict: Verdict = { path: file.path, status: "ok" };
    try {
      const source = await openSource(index.locationOf(file.path), {
        ...options,
        expected: { size: file.size, etag: file.etag },
      });
      try {
        // One read of the primary header: the source checks size and ETag against the index, and the
        // bytes must equal the recorded header (a same-size rewrite is caught here too).
        const header = file.hdus[0].header.bytes;
        const bytes = await source.read(0, header.length);
        if (source.size !== undefined && source.size !== file.size) {
          throw new CloudFitsError("STALE", `size is ${source.size} bytes, indexed ${file.size}`);
        }
        if (bytes.length !== header.length || bytes.some((b, i) => b !== header[i])) {
          throw new CloudFitsError("STALE", "the primary header differs from the indexed one");
        }
        if (values.datasum) {
          verdict.checksums = [];
          for (const hdu of file.hdus) {
            const result = await verifyHduChecksum(source, hdu);
            verdict.checksums.push({ index: hdu.index, ...result });
            if (result.checksum === "bad" || result.datasum === "bad") {
              verdict.status = "stale";
              verdict.detail = `HDU ${hdu.index} fails ${result.datasum === "bad" ? "DATASUM" : "CHECKSUM"}`;
            }
          }
        }
      } finally {
        await (source as { close?: () => Promise<void> }).close?.();
      }
    } catch (error) {
      verdict.status = isCloudFitsError(error, "STALE")
        ? "stale"
        : isCloudFitsError(error, "NOT_FOUND")
        ? "missing"
        : "error";
      verdict.detail = (error as Error).message;
    }
    verdicts.push(verdict);
  }
  const bad = verdicts.filter((v) => v.status !== "ok");
  if (format === "json") {
    await io.out(toJson({ files: verdicts.length, ok: verdicts.length - bad.length, problems: bad }));
  } else {
    for (const v of bad) await io.out(`${v.status}\t${v.path}\t${v.detail ?? ""}\n`);
    await io.out(`${verdicts.length - bad.length} of ${verdicts.length} files match the index\n`);
  }
  return bad.length === 0 ? EXIT.ok : EXIT.badData;
}

async function collect(items: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const item of items) out.push(item);
  return out;
}
