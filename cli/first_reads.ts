/**
 * A command's first reads, known from its arguments alone, so that the process sends them before it
 * loads the command's code (src/source/range_get.ts): `cloudfits cutout https://…` has its first request
 * out within a few milliseconds of start, and the ~10 ms of loading overlap the round trip.
 *
 * Only what is certain is sent: one plain `http(s)://` target (signed S3, GCS and Azure requests need
 * credentials and more code first), read the way the command reads every file. A request the command
 * does not make after all (it fails on a usage error first) is cancelled at exit: at most the command's
 * first reads wasted (64 KiB; for `lightcurve` the last 2 MiB too), never a wrong byte, since the source
 * checks an early answer like any other.
 *
 * @module
 */
import { DEFAULT_READ_AHEAD } from "../src/read/read_ahead.ts";
import { startEarlyRead } from "../src/source/range_get.ts";
import { parseTarget } from "../src/url.ts";

/**
 * A light curve reads the cube's frame table whole, and it ends the file: read it together with its
 * header when it is no larger than this, saving the round trip between the two.
 */
const FRAME_TABLE_READ = 16 * 2 ** 20;

/**
 * The object's last bytes read together with the first read, so that the frame table and its header
 * arrive in the first round trip: 2 MiB holds the table of a 30-minute-cadence sector (1,200-1,400 frames,
 * 1.3-1.7 MB), wasting at most what the table leaves of it. A 10-minute (4-5 MB) or 200-second (12-15 MB)
 * sector's table costs a second read, of only the bytes in front of these: no byte is read twice, and a
 * larger suffix would read megabytes of pixels for every early-sector cube.
 */
const FRAME_TABLE_SUFFIX = 2 * 2 ** 20;

/**
 * How `lightcurve` opens a file without an index: the frame table read whole with its header
 * (`tailRead`) and the object's end fetched with the first read (`suffixRead`). The bench opens cubes
 * the same way for its library rows.
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { LIGHT_CURVE_READS } from "./first_reads.ts";
 * strictEqual(LIGHT_CURVE_READS.suffixRead, 2 * 2 ** 20);
 * ```
 */
export const LIGHT_CURVE_READS: { tailRead: number; suffixRead: number } = {
  tailRead: FRAME_TABLE_READ,
  suffixRead: FRAME_TABLE_SUFFIX,
};

/** The commands that begin by reading their target's first bytes (`lightcurve` its last ones too). */
const OPENING_COMMANDS = new Set(["cutout", "header", "ls", "table", "plan", "lightcurve"]);

/** Flags after which the first request is another: an index instead of the file, an endpoint, help. */
const OTHER_FIRST_READ = new Set(["--index", "--data-root", "--endpoint-url", "--help", "-h"]);

/** Flags whose value may be a URL that is not the target: a URL after one of them is not sent for. */
const URL_VALUED = new Set(["--targets", "--aperture", "-o", "--output"]);

/** Whether an argument is an http(s) URL, by plain string tests (this runs before anything else loads). */
const isHttpUrl = (arg: string) => {
  const scheme = arg.slice(0, 8).toLowerCase();
  return scheme.startsWith("http://") || scheme === "https://";
};

/**
 * The range GETs a command line will begin with, where they are certain.
 *
 * @param args The process's arguments, without the program name.
 * @returns The URL (as `new URL` spells it) and the Range header values, or undefined.
 *
 * @example A cutout of an https URL, a light curve, and what is left alone
 * ```ts
 * import assert from "node:assert/strict";
 * import { firstReadsOf } from "./first_reads.ts";
 *
 * assert.deepEqual(firstReadsOf(["cutout", "https://example.org/a b.fits[1][1:5,1:5]", "-o", "a.csv"]), {
 *   href: "https://example.org/a%20b.fits",
 *   ranges: ["bytes=0-65535"],
 * });
 * assert.deepEqual(firstReadsOf(["lightcurve", "https://example.org/cube.fits", "--ra", "1", "--dec", "2"]), {
 *   href: "https://example.org/cube.fits",
 *   ranges: ["bytes=-2097152", "bytes=0-65535"],
 * });
 * assert.equal(firstReadsOf(["cutout", "s3://bucket/a.fits[1:5,1:5]", "-o", "a.csv"]), undefined); // signed
 * assert.equal(firstReadsOf(["header", "https://example.org/a.fits", "--index", "a.cfi"]), undefined);
 * assert.equal(firstReadsOf(["index", "https://example.org/a.fits", "-o", "a.cfi"]), undefined);
 * // A URL that is a flag's value is not the target.
 * assert.equal(firstReadsOf(["lightcurve", "cube.fits", "--targets", "https://example.org/list.csv"]), undefined);
 * ```
 */
export function firstReadsOf(args: readonly string[]): { href: string; ranges: string[] } | undefined {
  const [command, ...rest] = args;
  if (!OPENING_COMMANDS.has(command) || rest.some((arg) => OTHER_FIRST_READ.has(arg.split("=", 1)[0]))) {
    return undefined;
  }
  const urls = rest.filter((arg, i) => isHttpUrl(arg) && !URL_VALUED.has(rest[i - 1]));
  if (urls.length !== 1) return undefined;
  let location;
  try {
    location = parseTarget(urls[0]).location;
  } catch {
    return undefined; // the command says what is wrong with it
  }
  if (location.kind !== "http") return undefined;
  const href = new URL(location.url).href;
  const first = `bytes=0-${DEFAULT_READ_AHEAD - 1}`;
  return {
    href,
    ranges: command === "lightcurve" ? [`bytes=-${LIGHT_CURVE_READS.suffixRead}`, first] : [first],
  };
}

/**
 * Send a command line's first reads now (see {@linkcode firstReadsOf}); the command's HTTP source takes
 * them when it makes the same requests.
 *
 * @param args The process's arguments, without the program name.
 */
export function startFirstReads(args: readonly string[]): void {
  const reads = firstReadsOf(args);
  for (const range of reads?.ranges ?? []) startEarlyRead(reads!.href, range);
}
