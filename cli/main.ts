/**
 * The command line as a function: `main(args, io)` runs one command and returns its exit code.
 *
 * @module
 */
import { isCloudFitsError } from "../src/errors.ts";
import { EXIT, exitCodeFor } from "../src/exit_codes.ts";
import { runCommand } from "./commands.ts";
import { type CliIo, isBrokenPipe, nodeIo } from "./io.ts";
import { VERSION } from "../src/version.ts";
import { versionLine } from "./version.ts";
import { escapeControl } from "./format.ts";

const USAGE = `cloudfits ${VERSION} — read FITS files on disk or object storage with few, small range requests

Usage: cloudfits COMMAND [options] TARGET...

Commands:
  ls TARGET...            list files and HDUs (or: ls --index INDEX)
  header TARGET[HDU]      print header cards (-k KEY,... for a table across HDUs and files)
  cutout TARGET[HDU][x1:x2,y1:y2,...] -o OUT
                          image section → FITS, CSV, JSON, NDJSON or PNG by OUT's extension
                          (FITS order, 1-based, inclusive; a PNG of one pixel's series is a plot)
  table TARGET[HDU][col A;B] --rows A:B
                          table rows → CSV, JSON or NDJSON (rows 1-based, inclusive)
  plan TARGET...          what a cutout or table read would fetch and cost, without reading data
  index SOURCE... -o INDEX [--data-url PREFIX]
                          write a cloudfits index of local files or remote objects
  merge SHARD... -o CATALOG
                          merge the shards of index --shard K/N|auto into one catalog
  verify --index INDEX    check indexed files against their sources
  serve [DIR] [--port N]  the browser page at /, DIR's files beside it (Range, CORS)
  demo                    run the tutorial on the bundled test files (no cloud account needed)

TARGET is a local path, file://, https://, s3://BUCKET/KEY, gs://BUCKET/KEY or az://CONTAINER/BLOB.

Common options:
  --format FMT            json, text, tsv, csv, ndjson, fits or png (by command; else by -o's extension);
                          --json = --format json
  --index INDEX           read structure from a cloudfits index instead of the file's headers
  --data-root DIR         where an index's data files live (needed to read local files through an
                          index fetched over the network)
  --profile NAME          AWS profile;  --region REGION;  --endpoint-url URL (S3-compatible services)
  --no-sign-request       anonymous S3 access;  --request-payer requester  (you pay for the requests)
  --max-read BYTES        refuse reads that would fetch more (default 1GiB, and 100× the bytes needed
                          above 64 MiB; 0 lifts every limit);  --max-requests N (default 10000)
  --price-get USD         per 1,000 GETs (0.0004) and --price-gb USD per GB out (0.09), for estimates
  --request-cost BYTES    what one request is worth (32K): ranges closer than this share a request
  --verbose               print each request (method, URL without secrets, range, status, bytes, ms)
  --quiet, -q             no warnings and no progress;  --progress  progress even when stderr is not a
                          terminal (it is shown on a terminal only; stdout carries nothing but data)
  -h, --help              help for a command;  --version

Exit codes: 0 ok, 1 other/network, 2 usage or over the read limits, 3 not found, 4 auth/permission,
5 bad or stale data, 6 some files failed.

Axis order: the command line speaks FITS order everywhere (NAXIS1 first: sections, ls shapes, JSON "shape");
JSON output of arrays adds "numpyShape" (slowest axis first, as the library and astropy return arrays).

Run 'cloudfits help COMMAND' (or 'cloudfits COMMAND --help') for examples.`;

/**
 * Run the command line with the given arguments and streams.
 *
 * @param args Arguments without the program name.
 * @param io Where output goes and where the environment comes from (defaults to the process's).
 * @returns The process exit code (see `EXIT`).
 *
 * @example Table rows as CSV, and the exit code of a missing file
 * ```ts
 * import assert from "node:assert/strict";
 * import { type CliIo, main } from "@cloudfits/core/cli";
 * import { fileStorage } from "@cloudfits/core/file";
 *
 * const decoder = new TextDecoder();
 * let [out, err] = ["", ""];
 * const io: CliIo = {
 *   ...fileStorage(),
 *   out: (text) => Promise.resolve(void (out += typeof text === "string" ? text : decoder.decode(text))),
 *   err: (text) => Promise.resolve(void (err += text)),
 *   isTTY: false,
 *   env: {},
 * };
 * const args = ["table", "testdata/table_all.fits[1][col NAME;SHORT]", "--rows", "1:2", "--format", "csv"];
 * assert.equal(await main([...args, "-o", "-"], io), 0);
 * assert.equal(out, "NAME,SHORT\nalpha,-32768\nbe ta,-1\n");
 * assert.equal(await main(["header", "testdata/absent.fits"], io), 3);
 * assert.equal(err, "error: Cannot open testdata/absent.fits: no such file\n");
 * ```
 */
export async function main(args: string[], io: CliIo = nodeIo()): Promise<number> {
  const [command, ...rest] = args;
  try {
    // `cloudfits help CMD` is `cloudfits CMD --help`.
    if (command === "help" && rest.length > 0) return await runCommand(rest[0], ["--help"], io);
    if (command === undefined || command === "-h" || command === "--help" || command === "help") {
      await io.out(USAGE + "\n");
      return command === undefined ? EXIT.usage : EXIT.ok;
    }
    if (command === "--version" || command === "-V" || command === "version") {
      await io.out(`${versionLine()}\n`);
      return EXIT.ok;
    }
    return await runCommand(command, rest, io);
  } catch (error) {
    // A reader that stopped early (`cloudfits … | head`) is not an error: stop quietly.
    if (isBrokenPipe(error)) return EXIT.ok;
    await io.err(`error: ${escapeControl(describe(error))}\n`);
    return exitCodeFor(error);
  }
}

function describe(error: unknown): string {
  if (isCloudFitsError(error) || error instanceof Error) return error.message;
  return String(error);
}
