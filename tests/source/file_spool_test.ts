/** The file system's spool (`fileStorage().spool`): a temporary file beside the index that knows its size. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { concatBytes } from "../../src/_bytes.ts";
import { fileStorage } from "../../src/source/file_storage.ts";

test("a file spool counts appends from their call, reads back any range, and is deleted on close", async () => {
  const dir = await mkdtemp(join(tmpdir(), "cloudfits-spool-test-"));
  try {
    const spool = await fileStorage().spool!(join(dir, "out.cfidx"));
    assert.equal(spool.size, 0);
    const pieces = [new Uint8Array([1, 2, 3]), new Uint8Array(0), new Uint8Array(5000).fill(7)];
    // Appends not yet resolved already count, so a caller may take the next offset at once.
    const appended = Promise.all(pieces.map((piece) => spool.append(piece)));
    assert.equal(spool.size, 5003);
    await appended;
    assert.equal((await readdir(dir)).length, 1, "one temporary file beside the index");
    const all = concatBytes(pieces);
    assert.deepEqual(concatBytes(await Array.fromAsync(spool.read(spool.size))), all);
    assert.deepEqual(concatBytes(await Array.fromAsync(spool.read(10, 2))), all.subarray(2, 10));
    await spool.close();
    assert.deepEqual(await readdir(dir), []);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
