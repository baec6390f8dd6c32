/**
 * Closable sources: a local file source closes once (`close()` or `await using`) and refuses reads
 * afterwards; wrappers forward `close()`; an index handle closes the index source it opened and nothing
 * else; and a process that drops an unclosed index handle still exits cleanly under Deno and Bun.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { walkHdus } from "../../src/read/walk.ts";
import { encodeIndex } from "../../src/index_format/encode.ts";
import { openIndex } from "../../src/open_index.ts";
import { withCache } from "../../src/source/cache.ts";
import { countingSource } from "../../src/source/counting.ts";
import { type FileSource, openFileSource } from "../../src/source/file.ts";
import { memorySource } from "../../src/source/memory.ts";
import { withRetry } from "../../src/source/retry.ts";
import type { ByteSource } from "../../src/source/types.ts";
import { BUN, DENO, ROOT, runChild } from "../_support/child.ts";
import { rejectsWith } from "../_support/expect_error.ts";
import { testdataPath } from "../_support/fixtures.ts";

const MEF = testdataPath("mef_images.fits");

const scratch = await mkdtemp(join(tmpdir(), "cloudfits-close-"));
after(() => rm(scratch, { recursive: true, force: true }));
const indexPath = join(scratch, "local.cfidx");
{
  await using file = await openFileSource(MEF);
  const { hdus } = await walkHdus(file);
  const bytes = await encodeIndex(
    [{ path: "mef_images.fits", size: file.size, lastModified: 0, hdus }],
    { createdMs: 0, dataUrl: testdataPath() },
  );
  await writeFile(indexPath, bytes);
}

/** Whether a source refuses reads because it is closed. */
async function assertClosed(source: ByteSource, label: string): Promise<void> {
  await rejectsWith(source.read(0, 10), "USAGE", /the source is closed$/, { label });
}

test("a file source closes once, by close() or await using, and then refuses reads", async () => {
  const source = await openFileSource(MEF);
  assert.equal((await source.read(0, 6)).length, 6);
  await source.close();
  await source.close();
  await assertClosed(source, "after close()");

  let kept: FileSource | undefined;
  {
    await using scoped = await openFileSource(MEF);
    kept = scoped;
    assert.equal(scoped[Symbol.asyncDispose], scoped.close);
    assert.equal((await scoped.read(0, 6)).length, 6);
  }
  await assertClosed(kept, "after await using");
});

test("retry, cache and counting wrappers forward close(); wrappers of sources without close() have none", async () => {
  const file = await openFileSource(MEF);
  const wrapped = withRetry(withCache(countingSource(file)));
  assert.equal(typeof wrapped.close, "function");
  assert.equal((await wrapped.read(0, 6)).length, 6);
  {
    await using _scope = wrapped; // the wrapper of a file source is typed closable: no cast
  }
  await assertClosed(file, "the wrapped file");

  const plain = withRetry(withCache(countingSource(memorySource(new Uint8Array(4)))));
  assert.equal(plain.close, undefined);
  assert.equal(Symbol.asyncDispose in plain, false);
});

test("an index handle closes the index source it opened; the files of open() stay the caller's", async () => {
  const opened: FileSource[] = [];
  const openFile = async (path: string) => {
    const source = await openFileSource(path);
    opened.push(source);
    return source;
  };
  let fits;
  {
    await using index = await openIndex(indexPath, { openFile });
    fits = await index.open("mef_images.fits");
    assert.deepEqual(opened.map((source) => source.name), [indexPath, MEF]);
  }
  await assertClosed(opened[0], "the index source");
  // Closing the index first and reading on is how the CLI uses a file found through an index.
  assert.deepEqual((await fits.hdu(1).section([])).shape, [4, 5]);
  await fits.source.close?.();
  await assertClosed(opened[1], "the data source, closed by its caller");

  // An index opened over a caller's source leaves it open.
  const given = await openFileSource(indexPath);
  await (await openIndex(given)).close();
  assert.ok((await given.read(0, 4)).length > 0);
  await given.close();
});

/** The runtimes, with the arguments that run a script (Deno needs `gc` exposed for the child to call). */
const RUNTIMES = [
  { name: "deno", path: DENO, args: ["run", "-A", "--v8-flags=--expose-gc"] },
  { name: "bun", path: BUN, args: ["run"] },
];

for (const runtime of RUNTIMES) {
  for (const mode of ["close", "leave"]) {
    const what = mode === "close" ? "closes" : "drops";
    test(`${runtime.name}: a process that ${what} a local index handle exits 0, silent`, {
      skip: existsSync(runtime.path) ? false : `${runtime.path} is not installed`,
    }, async () => {
      const child = join(ROOT, "tests/_support/exit_child.ts");
      const result = await runChild([runtime.path, ...runtime.args, child, indexPath, mode], {
        env: { ...process.env, NO_COLOR: "1" },
      });
      assert.equal(result.stderr, "");
      assert.equal(result.code, 0);
      assert.equal(result.stdout, "1 files, HDU 1 shape 4x5\n");
    });
  }
}
