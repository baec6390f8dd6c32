import { CloudFitsError, isCloudFitsError } from "../src/errors.ts";
import { EXIT, exitCodeFor } from "../src/exit_codes.ts";
import { verifyHduChecksum } from "../src/fits/checksum.ts";
import { findEnd, parseHeader } from "../src/fits/header.ts";
import { describeHdu, type Hdu } from "../src/fits/layout.ts";
import type { IndexedFile } from "../src/index_format/types.ts";
import type { ByteSource } from "../src/source/types.ts";
import { openSource } from "../src/open_source.ts";
import type { CliIo } from "./io.ts";
import { type CommonValues, outputFormat, parseCommand } from "./options.ts";
import { toJson } from "./format.ts";
import { openCliIndex } from "./index_read.ts";
import { sourceOptions } from "./remote.ts";

/**
 * One file's result: `stale` (size, ETag or header differ from the index), `missing`, `damaged`
 * (CHECKSUM/DATASUM fail), or `error` (it could not be checked: permission, network).
 */
interface Verdict {
  path: string;
  status: "ok" | "stale" | "missing" | "damaged" | "error";
  detail?: string;
  checksums?: { index: number; checksum: string; datasum: string }[];
}

/**
 * `cloudfits verify --index INDEX [--datasum]`: check every indexed file against its source — size
 * and ETag (as every response is checked), and the primary header's bytes (its layout for indexes
 * without header text) — and with `--datasum` also CHECKSUM/DATASUM by reading the data.
 *
 * @param args Arguments after `verify`.
 * @param io The process I/O.
 * @returns 0 when every file matches, 5 when some are stale, damaged or missing, otherwise the exit
 * code of the first error that kept a file from being checked (4 for permission, 1 for network).
 */
export async function runVerify(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand(args, { datasum: { type: "boolean" } });
  const common = values as CommonValues;
  if (common.index === undefined) throw new CloudFitsError("USAGE", "verify needs --index INDEX");
  const format = outputFormat(values, ["json", "text"], "text");
  const index = await openCliIndex(common.index, common, io);
  const options = sourceOptions(common, io);
  const verdicts: Verdict[] = [];
  let firstError: unknown;
  try {
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
          const primary = await checkPrimaryHeader(source, file);
          if (values.datasum) {
            verdict.checksums = [];
            for (const hdu of file.hdus) {
              // Without header text the index cannot rebuild the header's bytes: use the file's own.
              const checked = hdu.index === 0 && file.headerComplete === false ? primary : hdu;
              const result = await verifyHduChecksum(source, checked);
              verdict.checksums.push({ index: hdu.index, ...result });
              if ((result.checksum === "bad" || result.datasum === "bad") && verdict.status === "ok") {
                verdict.status = "damaged";
                verdict.detail = `HDU ${hdu.index} fails ${
                  result.datasum === "bad" ? "DATASUM" : "CHECKSUM"
                }`;
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
          : isCloudFitsError(error, "CHECKSUM") || isCloudFitsError(error, "TRUNCATED")
          ? "damaged"
          : "error";
        verdict.detail = (error as Error).message;
        if (verdict.status === "error") firstError ??= error;
      }
      verdicts.push(verdict);
    }
  } finally {
    await index.close();
  }
  const bad = verdicts.filter((v) => v.status !== "ok");
  if (format === "json") {
    await io.out(toJson({ files: verdicts.length, ok: verdicts.length - bad.length, problems: bad }));
  } else {
    for (const v of bad) await io.out(`${v.status}\t${v.path}\t${v.detail ?? ""}\n`);
    await io.out(`${verdicts.length - bad.length} of ${verdicts.length} files match the index\n`);
  }
  if (bad.some((v) => v.status !== "error")) return EXIT.badData;
  return firstError === undefined ? EXIT.ok : exitCodeFor(firstError);
}

/**
 * One read of the primary header (the source checks size and ETag against the index on the way): its
 * bytes must equal the indexed header, or for an index without header text, describe the same layout.
 * A same-size rewrite of a local file, which has no ETag, is caught here.
 *
 * @returns The primary HDU as the file describes it.
 */
async function checkPrimaryHeader(source: ByteSource, file: IndexedFile): Promise<Hdu> {
  const indexed = file.hdus[0];
  const bytes = await source.read(0, indexed.headerSize);
  if (source.size !== undefined && source.size !== file.size) {
    throw new CloudFitsError("STALE", `size is ${source.size} bytes, indexed ${file.size}`);
  }
  const differs = () => new CloudFitsError("STALE", "the primary header differs from the indexed one");
  const end = findEnd(bytes);
  if (end !== indexed.headerSize) throw differs();
  const actual = describeHdu(parseHeader(bytes.subarray(0, end)), 0, 0);
  if (file.headerComplete === false) {
    const shape = (hdu: Hdu) => [hdu.type, hdu.bitpix, hdu.dataSize, hdu.pcount, hdu.gcount, ...hdu.axes];
    if (shape(actual).join() !== shape(indexed).join()) throw differs();
  } else {
    const header = indexed.header.bytes;
    if (header.length !== end || header.some((b, i) => b !== bytes[i])) throw differs();
  }
  return actual;
}

async function collect(items: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const item of items) out.push(item);
  return out;
}
