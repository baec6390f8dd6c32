import { CloudFitsError } from "../src/errors.ts";
import { EXIT } from "../src/exit_codes.ts";
import { mergeShards } from "../src/indexer/merge.ts";
import { writeIndex } from "../src/indexer/write_index.ts";
import { parseLocation, redactUrl } from "../src/url.ts";
import { openSource } from "../src/open_source.ts";
import type { SpoolFile } from "../src/_bytes.ts";
import type { ByteSource } from "../src/source/types.ts";
import { type CliIo, indexStorage } from "./io.ts";
import { type CommonValues, outputFormat, parseCommand } from "./options.ts";
import { sourceOptions } from "./remote.ts";
import { humanBytes, toJson } from "./format.ts";

/**
 * `cloudfits merge SHARD... -o CATALOG [--partial]`: merge the shard indexes (local files or bucket
 * objects, read in parts) of a sharded `index --shard` run into one catalog (`mergeShards`).
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
  const opened: ByteSource[] = [];
  let spool: SpoolFile | undefined;
  const temporaries: SpoolFile[] = [];
  try {
    const shards = [];
    for (const name of positionals) {
      const source = await openSource(parseLocation(name, io.env), options);
      opened.push(source);
      shards.push({ name: redactUrl(name), index: source });
    }
    const target = parseLocation(output, io.env);
    // The catalog's leaves wait in a temporary file beside a local catalog, in memory for an upload.
    spool = target.kind === "file" ? await options.storage.spool?.(target.path) : undefined;
    // The sky directory's sorted runs and the cubes' frame summaries wait beside it too.
    const storage = options.storage;
    const spools = target.kind === "file" && storage.spool
      ? async () => {
        const temporary = await storage.spool!(target.path);
        temporaries.push(temporary);
        return temporary;
      }
      : undefined;
    const merged = await mergeShards(shards, {
      partial: Boolean(values.partial),
      ...(spool ? { spool } : {}),
      ...(spools ? { spools } : {}),
    });
    await writeIndex(target, merged.index, options);
    const { index, ...summary } = merged;
    if (format === "json") await io.out(toJson({ ...summary, output, indexBytes: index.size }));
    else {
      if (merged.missing.length > 0) {
        await io.err(`warning: merged without shard(s) ${merged.missing.join(", ")} of ${merged.shards}\n`);
      }
      await io.out(
        `Merged ${shards.length} of ${merged.shards} shards, ${merged.files} files → ${output} (${
          humanBytes(index.size)
        })\n`,
      );
    }
    return merged.missing.length > 0 ? EXIT.partial : EXIT.ok;
  } finally {
    await Promise.all([
      ...opened.map((source) => source.close?.()),
      spool?.close(),
      ...temporaries.map((temporary) => temporary.close()),
    ]);
  }
}
