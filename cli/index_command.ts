import { parseByteCount } from "../src/plan/cost.ts";
import { CloudFitsError } from "../src/errors.ts";
import { EXIT } from "../src/exit_codes.ts";
import { buildIndex, type IndexEvent } from "../src/indexer/build_index.ts";
import { type CliIo, indexStorage } from "./io.ts";
import { type CommonValues, concurrencyOf, outputFormat, parseCommand } from "./options.ts";
import { sourceOptions } from "./remote.ts";
import { escapeControl, humanBytes, toJson } from "./format.ts";
import { progressLine } from "./progress.ts";
import { parseShardPart, shardFromEngine, type ShardPart } from "../src/indexer/shard.ts";

/**
 * `cloudfits index SOURCE... -o INDEX`: write a binary index of local files or remote objects with
 * `buildIndex`, reusing the records of unchanged files from an existing INDEX and resuming from the
 * checkpoint of an interrupted run (`INDEX.partial`, or a file in the user's cache directory for a
 * bucket `-o`).
 *
 * @param args Arguments after `index`.
 * @param io The process I/O.
 * @returns The exit code (6 when some files failed).
 */
export async function runIndex(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand(args, {
    output: { type: "string", short: "o" },
    "data-url": { type: "string" },
    "no-header-text": { type: "boolean" },
    "point-spacing": { type: "string" },
    // The Python cloud-fits' long names; its -f is not taken, since -f means --force everywhere else.
    "fits-files-directory": { type: "string", multiple: true },
    "data-bucket-path": { type: "string", short: "d" },
    "index-bucket-name": { type: "string", short: "i" },
    mode: { type: "string", short: "m" },
    shard: { type: "string" },
    shards: { type: "string" },
  }, {
    "-f": "--fits-files-directory DIR (or give DIR as SOURCE)",
    "--fits-file-directory": "--fits-files-directory (the Python cloud-fits README misspells it)",
  });
  const common = values as CommonValues;
  const format = outputFormat(values, ["json", "text"], "text");
  const sources = [...positionals, ...((values["fits-files-directory"] as string[] | undefined) ?? [])];
  const bucket = values["index-bucket-name"] as string | undefined;
  const output = (values.output as string | undefined) ??
    (bucket ? `s3://${bucket.replace(/^s3:\/\//, "").replace(/\/+$/, "")}/cloud-fits.cfidx` : undefined);
  if (!output) {
    throw new CloudFitsError("USAGE", "Where should the index go? Pass -o INDEX (a path or a bucket URL)");
  }
  if (values.mode !== undefined && values.mode !== "local" && values.mode !== "remote") {
    throw new CloudFitsError(
      "USAGE",
      `Unknown --mode '${values.mode}': sources are read where they are, local or remote`,
    );
  }

  const shard = shardOption(values.shard as string | undefined, values.shards as string | undefined, io);

  const started = performance.now();
  const line = progressLine(io, common);
  let progressText = () => "";
  const onEvent = async (event: IndexEvent): Promise<void> => {
    if (event.type !== "progress") {
      if (!common.quiet) await io.err(`${event.type}: ${escapeControl(event.message)}\n`);
      return;
    }
    progressText = () => {
      const seconds = Math.max((performance.now() - started) / 1000, 1e-3);
      const rate = event.done / seconds;
      const eta = rate > 0 ? (event.total - event.done) / rate : 0;
      return `indexing: ${event.done} of ${event.total} files, ${humanBytes(event.bytes)} read (${
        humanBytes(Math.round(event.bytes / seconds))
      }/s, ${rate.toFixed(1)} files/s), ETA ${eta.toFixed(0)} s, ${event.failed} failed`;
    };
    line?.update(progressText);
  };
  const { indexBytes, ...summary } = await buildIndex(sources, {
    ...sourceOptions(common, io),
    storage: indexStorage(io),
    output,
    dataUrl: (values["data-url"] ?? values["data-bucket-path"]) as string | undefined,
    headerText: !values["no-header-text"],
    pointSpacing: values["point-spacing"] === undefined
      ? undefined
      : pointSpacingOf(String(values["point-spacing"])),
    concurrency: concurrencyOf(common),
    ...(shard ? { shard } : {}),
    onEvent,
  }).finally(() => line?.end(progressText));

  if (format === "json") {
    await io.out(toJson(summary));
  } else {
    for (const f of summary.failed) await io.err(`error: ${escapeControl(`${f.path}: ${f.error}`)}\n`);
    await io.out(
      `Indexed ${summary.indexed} files (${summary.unchanged} unchanged, ${summary.failed.length} failed), ${summary.hdus} HDUs, ` +
        `${summary.requests} requests, ${
          humanBytes(summary.bytes)
        } read, in ${summary.seconds} s → ${summary.output} (${humanBytes(indexBytes)})\n`,
    );
  }
  return summary.failed.length > 0 ? EXIT.partial : EXIT.ok;
}

/** `--point-spacing 4Mi`: bytes of inflated output between access points of a gzip file (at least 32 KiB). */
function pointSpacingOf(text: string): number {
  const bytes = parseByteCount(text);
  if (bytes < 32768) {
    throw new CloudFitsError(
      "USAGE",
      `Invalid --point-spacing '${text}': expected at least 32Ki, the window each point stores (e.g. 4Mi)`,
    );
  }
  return bytes;
}

/** `--shard K/N`, or `--shard auto` with the engine's variables (and `--shards N` where it needs it). */
function shardOption(
  shard: string | undefined,
  shards: string | undefined,
  io: CliIo,
): ShardPart | undefined {
  if (shard === undefined) {
    if (shards !== undefined) throw new CloudFitsError("USAGE", "--shards N goes with --shard auto");
    return undefined;
  }
  if (shard !== "auto") {
    if (shards !== undefined) throw new CloudFitsError("USAGE", "--shards N goes with --shard auto, not K/N");
    return parseShardPart(shard);
  }
  if (shards !== undefined && !/^\d+$/.test(shards)) {
    throw new CloudFitsError("USAGE", `--shards takes a positive integer, not '${shards}'`);
  }
  return shardFromEngine(io.env, shards === undefined ? undefined : Number(shards));
}
