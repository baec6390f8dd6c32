import { CloudFitsError } from "../src/errors.ts";
import { EXIT } from "../src/exit_codes.ts";
import { mergeShards } from "../src/indexer/merge.ts";
import { writeIndex } from "../src/indexer/write_index.ts";
import { parseLocation, redactUrl } from "../src/url.ts";
import { openSource, type SourceOptions } from "../src/open_source.ts";
import { FIRST_READ } from "../src/index_format/_layout.ts";
import { type CliIo, indexStorage } from "./io.ts";
import { type CommonValues, outputFormat, parseCommand } from "./options.ts";
import { sourceOptions } from "./remote.ts";
import { humanBytes, toJson } from "./format.ts";

/**
 * `cloudfits merge SHARD... -o CATALOG [--partial]`: merge the shard indexes (local files or bucket
 * objects) of a sharded `index --shard` run into one catalog (`mergeShards`).
 *
 * @param args Arguments after `merge`.
 * @param io The process I/O.
 * @returns 0, or 6 when `--partial` merged without some shards.
 */
export async function runMerge(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand(args, {
    output: { type: "string", short: "o" },
    partial: { type: "boolean" },
  });
  const output = values.output as string | undefined;
  if (!output) throw new CloudFitsError("USAGE", "Where should the catalog go? Pass -o CATALOG");
  const format = outputFormat(values, ["json", "text"], "text");
  const options = { ...sourceOptions(values as CommonValues, io), storage: indexStorage(io) };
  const shards = [];
  for (const name of positionals) {
    shards.push({ name: redactUrl(name), bytes: await readShard(name, options, io) });
  }
  const merged = await mergeShards(shards, { partial: Boolean(values.partial) });
  await writeIndex(parseLocation(output, io.env), merged.bytes, options);
  const { bytes, ...summary } = merged;
  if (format === "json") await io.out(toJson({ ...summary, output, indexBytes: bytes.length }));
  else {
    if (merged.missing.length > 0) {
      await io.err(`warning: merged without shard(s) ${merged.missing.join(", ")} of ${merged.shards}\n`);
    }
    await io.out(
      `Merged ${shards.length} of ${merged.shards} shards, ${merged.files} files → ${output} (${
        humanBytes(bytes.length)
      })\n`,
    );
  }
  return merged.missing.length > 0 ? EXIT.partial : EXIT.ok;
}

/** A whole shard: a local file, or an object read in one request (two when larger than 16 KiB). */
async function readShard(name: string, options: SourceOptions, io: CliIo): Promise<Uint8Array> {
  const location = parseLocation(name, io.env);
  if (location.kind === "file") return await io.readFile(location.path);
  const source = await openSource(location, options);
  try {
    const head = await source.read(0, FIRST_READ);
    const size = source.size ?? head.length;
    if (size <= head.length) return head;
    const whole = new Uint8Array(size);
    whole.set(head);
    whole.set(await source.read(head.length, size - head.length), head.length);
    return whole;
  } finally {
    await source.close?.();
  }
}
