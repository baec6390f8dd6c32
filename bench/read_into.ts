/**
 * What reading straight into the output (the `into` read option) saves on a 200 MiB section: the
 * same `fetchRanges` from a local file, from memory and over loopback HTTP, with `into` honoured and
 * with it dropped, alternating in one run so that a busy machine weighs on both alike. Prints the
 * median time of each and its throughput.
 *
 * Run: `./node_modules/.bin/deno run -A bench/read_into.ts [MiB] [rounds]` (or with bun).
 *
 * @module
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fetchRanges } from "../src/read/read_ranges.ts";
import { openFileSource } from "../src/source/file.ts";
import { httpSource } from "../src/source/http.ts";
import { memorySource } from "../src/source/memory.ts";
import type { ByteSource } from "../src/source/types.ts";
import { startRangeServer } from "../tests/_support/range_server.ts";

const mib = Number(process.argv[2] ?? 200);
const rounds = Number(process.argv[3] ?? 5);
const size = mib * 2 ** 20;
const bytes = new Uint8Array(size);
for (let i = 0; i < size; i += 4096) bytes[i] = i & 0xff;

const dir = await mkdtemp(join(tmpdir(), "read-into-"));
const path = join(dir, "section.bin");
await writeFile(path, bytes);
const server = await startRangeServer({ files: { "section.bin": bytes } });

/** The same source with `into` dropped: every read lands in a buffer of its own, then is copied. */
function withoutInto(source: ByteSource): ByteSource {
  return {
    name: source.name,
    get size() {
      return source.size;
    },
    read: (offset, length, options) => source.read(offset, length, { signal: options?.signal }),
  };
}

async function time(source: ByteSource): Promise<number> {
  const started = performance.now();
  const { bytes: out } = await fetchRanges(source, [{ offset: 0, length: size }]);
  const ms = performance.now() - started;
  if (out.length !== size || out[4096] !== bytes[4096]) throw new Error("wrong bytes");
  return ms;
}

const median = (values: number[]) => values.toSorted((a, b) => a - b)[Math.floor(values.length / 2)];

try {
  const file = await openFileSource(path);
  const http = httpSource(`${server.url}/section.bin`);
  const sources: [string, ByteSource][] = [["file", file], ["memory", memorySource(bytes)], ["http", http]];
  console.log(`${mib} MiB section, ${rounds} rounds, median (${navigator.userAgent})`);
  for (const [name, source] of sources) {
    const times = { into: [] as number[], copy: [] as number[] };
    await time(source); // warm the page cache and the connections
    for (let round = 0; round < rounds; round++) {
      times.into.push(await time(source));
      times.copy.push(await time(withoutInto(source)));
    }
    const report = (label: string, ms: number) =>
      `${label} ${ms.toFixed(0)} ms (${(size / ms / 1e6).toFixed(2)} GB/s)`;
    console.log(
      `${name.padEnd(7)} ${report("into", median(times.into))}   ${report("copy", median(times.copy))}`,
    );
  }
  await file.close();
} finally {
  await server.close();
  await rm(dir, { recursive: true });
}
