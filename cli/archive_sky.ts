import { CloudFitsError, isCloudFitsError } from "../src/errors.ts";
import { EXIT } from "../src/exit_codes.ts";
import { findPosition, type SkyMatch } from "../src/find.ts";
import { openIndex } from "../src/open_index.ts";
import type { FitsFile } from "../src/open.ts";
import { openSource } from "../src/open_source.ts";
import { escapeControl } from "./format.ts";
import type { CliIo } from "./io.ts";
import { type CommonValues, concurrencyOf } from "./options.ts";
import { redactUrl } from "../src/url.ts";
import { sourceOptions } from "./remote.ts";
import { forEachAtOnce } from "./at_once.ts";
import { type SkyTarget, skyTargets, targetsInFlight } from "./sky.ts";

/** What an archive-wide sky command does with one covering HDU, and which files it can use. */
export interface ArchiveJob {
  /** The command, for messages (`cutout`, `lightcurve`). */
  command: string;
  /** The outputs' extension (their format). */
  extension: string;
  /** Whether the command can use this file (default: every file); the others are counted, not run. */
  accepts?: (fits: FitsFile) => boolean;
  /** What files the command needs, for the message when no covering file is accepted. */
  needs?: string;
  /** Make and write one output at `path` for the HDU `match.hdu` of `fits`. */
  run: (fits: FitsFile, match: SkyMatch, target: SkyTarget, path: string) => Promise<void>;
}

/**
 * `cutout|lightcurve --index CATALOG --ra RA --dec DEC -o DIR/` (no TARGET): find the files and HDUs
 * of the catalog that cover the position (its sky directory, as `find`), then run the job on each,
 * writing `DIR/<file stem>_hdu<N>.<ext>`. One catalog handle, one source setup (so one connection pool
 * and `--concurrency` limit) and one opened file per path serve every match; up to 8 files are worked on
 * at once. A match that fails is reported and skipped.
 *
 * @param values Parsed flags.
 * @param io The process I/O.
 * @param job The command's work for one match.
 * @returns 0; 3 when nothing covers the position; 6 when any match failed.
 */
export async function forEachCoveringHdu(
  values: Record<string, unknown>,
  io: CliIo,
  job: ArchiveJob,
): Promise<number> {
  const catalog = String(values.index);
  if (values.targets !== undefined) {
    throw new CloudFitsError(
      "USAGE",
      `${job.command} --index CATALOG without a TARGET cuts one position (--ra/--dec), not --targets`,
    );
  }
  const output = values.output as string | undefined;
  if (output === undefined || !output.endsWith("/")) {
    throw new CloudFitsError(
      "USAGE",
      `${job.command} --index CATALOG without a TARGET writes one file per match: give -o DIR/ (ending in '/')`,
    );
  }
  const [target] = await skyTargets(values, io);
  const common = values as CommonValues;
  const options = sourceOptions(common, io);
  const indexSource = await openSource(catalog, options);
  let matches: SkyMatch[];
  try {
    matches = await findPosition(indexSource, { ra: target.ra, dec: target.dec });
  } finally {
    await indexSource.close?.();
  }
  const where = `RA ${target.ra}, Dec ${target.dec}`;
  if (matches.length === 0) {
    await io.err(`No footprint in ${escapeControl(redactUrl(catalog))} covers ${where}\n`);
    return EXIT.notFound;
  }
  const index = await openIndex(catalog, {
    ...options,
    concurrency: concurrencyOf(common),
    dataRoot: common["data-root"],
  });
  const names = outputNames(matches);
  let [done, failed, unusable] = [0, 0, 0];
  // The covering files side by side (each opened from the index once), their requests in one pool.
  const runFile = async ([path, hdus]: [string, SkyMatch[]]) => {
    let fits: FitsFile | undefined;
    try {
      fits = await index.open(path);
      if (job.accepts && !job.accepts(fits)) {
        unusable++;
        return;
      }
      for (const match of hdus) {
        try {
          await job.run(fits, match, target, `${output}${names.get(match)}.${job.extension}`);
          done++;
        } catch (error) {
          if (!isCloudFitsError(error)) throw error;
          failed++;
          await io.err(`skipped ${escapeControl(path)}[${match.hdu}]: ${error.message}\n`);
        }
      }
    } catch (error) {
      if (!isCloudFitsError(error)) throw error;
      failed += hdus.length;
      await io.err(`skipped ${escapeControl(path)}: ${error.message}\n`);
    } finally {
      await fits?.source.close?.();
    }
  };
  try {
    await forEachAtOnce([...byPath(matches)], targetsInFlight(values), runFile);
  } finally {
    await index.close();
  }
  if (done + failed === 0) {
    await io.err(
      `None of the ${unusable} files in ${
        escapeControl(redactUrl(catalog))
      } covering ${where} is ${job.needs}\n`,
    );
    return EXIT.notFound;
  }
  if (failed > 0) await io.err(`${failed} of ${done + failed} matches skipped\n`);
  return failed > 0 ? EXIT.partial : EXIT.ok;
}

/** The matches of each file, in order (findPosition sorts them by path, then HDU). */
function byPath(matches: readonly SkyMatch[]): Map<string, SkyMatch[]> {
  const files = new Map<string, SkyMatch[]>();
  for (const match of matches) files.set(match.path, [...files.get(match.path) ?? [], match]);
  return files;
}

/**
 * `<file stem>_hdu<N>` for each match; files whose stems coincide (`s1/a.fits`, `s2/a.fits`) keep
 * their directories in the name (`s1_a_hdu1`), so that no output overwrites another.
 */
function outputNames(matches: readonly SkyMatch[]): Map<SkyMatch, string> {
  const stem = (path: string) =>
    path.slice(path.lastIndexOf("/") + 1).replace(/\.(fits|fit|fts|fz)(\.gz)?$/i, "");
  const paths = new Map<string, Set<string>>();
  for (const { path } of matches) {
    const set = paths.get(stem(path)) ?? new Set();
    paths.set(stem(path), set.add(path));
  }
  const safe = (text: string) => text.replace(/[^\w.+-]+/g, "_");
  return new Map(matches.map((m) => {
    const shared = paths.get(stem(m.path))!.size > 1;
    const base = shared ? m.path.replace(/\.(fits|fit|fts|fz)(\.gz)?$/i, "") : stem(m.path);
    return [m, `${safe(base)}_hdu${m.hdu}`];
  }));
}
