/**
 * Issue #15 items 9 and 10: where `-o` writes. Devices and FIFOs are written as streams and never
 * replaced, even with `--force` (a character device made with mknod and a named pipe, in a temporary
 * directory: never the machine's own /dev); a directory is one clear line; and `table` streams every
 * format, to a file or to stdout, in chunks of one batch of rows, never the whole output at once.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { lstatSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { buildHeader, formatCard } from "../../src/fits/write.ts";
import { paddedSize } from "../../src/fits/layout.ts";
import { main } from "../../cli.ts";
import { type CliIo, nodeIo } from "../../cli/io.ts";
import { runCli } from "../_support/cli_io.ts";
import { startChild } from "../_support/child.ts";
import { testdataPath } from "../_support/fixtures.ts";

const directory = mkdtempSync(join(tmpdir(), "cloudfits-outputs-"));
after(() => rmSync(directory, { recursive: true, force: true }));
const TABLE = `${testdataPath("table_all.fits")}[1][col SHORT]`;

/** Run `body` while `cat` reads the FIFO; returns what cat read (cat is killed after 30 s). */
async function readingFifo(fifo: string, body: () => Promise<void>): Promise<string> {
  const { child, exited } = startChild(["cat", fifo]);
  const timer = setTimeout(() => process.kill(-child.pid!, "SIGKILL"), 30_000);
  await body();
  const result = await exited;
  clearTimeout(timer);
  return result.stdout;
}

test("-o FIFO --force writes the rows into the pipe and leaves the FIFO in place", async () => {
  const fifo = join(directory, "pipe");
  execFileSync("mkfifo", [fifo]);
  let code = -1;
  const read = await readingFifo(fifo, async () => {
    code = (await runCli(["table", TABLE, "-o", fifo, "--force"])).code;
  });
  assert.equal(code, 0);
  assert.match(read, /^SHORT\n/);
  assert.ok(lstatSync(fifo).isFIFO(), "the FIFO was replaced");
});

test("-o CHARACTER-DEVICE --force writes to the device and never replaces it", {
  skip: process.getuid?.() !== 0 && "mknod needs root",
}, async () => {
  const device = join(directory, "null");
  execFileSync("mknod", [device, "c", "1", "3"]); // a second /dev/null, in the temporary directory
  for (const args of [["table", TABLE], ["cutout", `${testdataPath("primary_only.fits")}[0][1:2,1:2]`]]) {
    const result = await runCli([...args, "-o", device, "--force"]);
    assert.equal(result.code, 0, result.stderr);
    assert.ok(lstatSync(device).isCharacterDevice(), `${args[0]} replaced the device with a file`);
  }
  // Without --force too: a device is not a file that could be overwritten by mistake.
  assert.equal((await runCli(["table", TABLE, "-o", device])).code, 0);
});

test("-o DIR is one clear line, with or without --force, and the directory is untouched", async () => {
  const target = join(directory, "out");
  mkdirSync(target);
  for (const force of [[], ["--force"]]) {
    for (const args of [["table", TABLE], ["cutout", `${testdataPath("primary_only.fits")}[0][1:2,1:2]`]]) {
      const result = await runCli([...args, "-o", target, ...force]);
      assert.equal(result.code, 2, result.stderr);
      assert.equal(result.stderr, `error: Cannot write ${target}: it is a directory; give a file name\n`);
      assert.ok(statSync(target).isDirectory());
    }
  }
});

/** A BINTABLE of `rows` rows of one 8-byte column, written with our writer (values are not compared). */
function bigTable(path: string, rows: number): void {
  const primary = buildHeader([formatCard("SIMPLE", true), formatCard("BITPIX", 8), formatCard("NAXIS", 0)]);
  const header = buildHeader([
    formatCard("XTENSION", "BINTABLE"),
    formatCard("BITPIX", 8),
    formatCard("NAXIS", 2),
    formatCard("NAXIS1", 8),
    formatCard("NAXIS2", rows),
    formatCard("PCOUNT", 0),
    formatCard("GCOUNT", 1),
    formatCard("TFIELDS", 1),
    formatCard("TTYPE1", "VALUE"),
    formatCard("TFORM1", "D"),
  ]);
  const file = new Uint8Array(primary.length + header.length + paddedSize(rows * 8));
  file.set(primary);
  file.set(header, primary.length);
  const view = new DataView(file.buffer, primary.length + header.length);
  for (let i = 0; i < rows; i++) view.setFloat64(i * 8, i + 0.123456789);
  writeFileSync(path, file);
}

/** Run the CLI in-process, recording the size of every chunk written to the file or to stdout. */
async function chunkSizes(args: string[]): Promise<{ code: number; chunks: number[] }> {
  const chunks: number[] = [];
  const io: CliIo = {
    ...nodeIo(),
    isTTY: false,
    env: { AWS_EC2_METADATA_DISABLED: "true" },
    out: (data) => (chunks.push(data.length), Promise.resolve()),
    err: () => Promise.resolve(),
    writeFileAtomic: async (_path, content) => {
      assert.ok(!(content instanceof Uint8Array), "the output is handed over whole");
      for await (const chunk of content) chunks.push(chunk.length);
    },
  };
  return { code: await main(args, io), chunks };
}

test("table streams CSV, JSON and NDJSON to a file and to stdout in bounded chunks", async () => {
  const rows = 100_000;
  const input = join(directory, "big.fits");
  bigTable(input, rows);
  for (const format of ["csv", "json", "ndjson"]) {
    for (const output of [join(directory, `big.${format}`), "-"]) {
      const { code, chunks } = await chunkSizes(["table", input, "-o", output, "--format", format]);
      assert.equal(code, 0);
      const total = chunks.reduce((sum, n) => sum + n, 0);
      // 10,000 rows a batch: one chunk per batch (and a header or a bracket), none near the whole output.
      assert.ok(chunks.length >= rows / 10_000, `${format} to ${output}: ${chunks.length} chunks`);
      assert.ok(total > 1_000_000, `${format}: ${total} bytes`);
      assert.ok(
        Math.max(...chunks) <= total / 8,
        `${format} to ${output}: a chunk of ${Math.max(...chunks)} B`,
      );
    }
  }
});
