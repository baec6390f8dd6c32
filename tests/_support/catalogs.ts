import assert from "node:assert/strict";
import { copyFile, mkdir, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { decodeIndex } from "../../src/read/index.ts";
import { runCli } from "./cli_io.ts";

/**
 * Every path an index holds, in its order.
 *
 * @param index A local index file.
 * @returns Its paths.
 */
export async function indexPaths(index: string): Promise<string[]> {
  const paths = [];
  for await (const path of (await decodeIndex(await readFile(index))).paths()) paths.push(path);
  return paths;
}

/**
 * Assert that two local indexes are the same catalog: byte-identical apart from the creation time
 * (bytes 40–47) and the fixed header's CRC (60–63), and the same `ls --index --json` and `header
 * --index --json` output for every file.
 *
 * @param actual The index under test (e.g. a merged catalog).
 * @param expected The reference (e.g. a one-process index).
 * @param paths The files to compare `header` output for.
 */
export async function assertSameCatalog(
  actual: string,
  expected: string,
  paths: readonly string[],
): Promise<void> {
  const [a, b] = [await readFile(actual), await readFile(expected)];
  for (const bytes of [a, b]) bytes.fill(0, 40, 48).fill(0, 60, 64);
  assert.equal(a.length, b.length, "same size");
  assert.ok(Buffer.compare(a, b) === 0, "byte-identical apart from the creation time");
  const ls = await Promise.all([actual, expected].map((index) => runCli(["ls", "--index", index, "--json"])));
  assert.equal(ls[0].code, 0, ls[0].stderr);
  assert.equal(ls[0].stdout, ls[1].stdout);
  for (const path of paths) {
    const headers = await Promise.all(
      [actual, expected].map((index) => runCli(["header", "--index", index, path, "--json"])),
    );
    assert.equal(headers[0].code, 0, headers[0].stderr);
    assert.equal(headers[0].stdout, headers[1].stdout, path);
  }
}

/**
 * A corpus for sharding tests: the readable FITS fixtures, every other one in a subdirectory.
 *
 * @param dir Where to put it (created).
 * @returns The fixture names copied.
 */
export async function copyCorpus(dir: string): Promise<string[]> {
  await mkdir(join(dir, "sub"), { recursive: true });
  const fixtures = (await readdir("testdata")).filter((name) =>
    name.endsWith(".fits") && !name.includes("bad")
  );
  for (const [i, name] of fixtures.entries()) {
    await copyFile(join("testdata", name), join(dir, i % 2 ? "sub" : "", name));
  }
  return fixtures;
}
