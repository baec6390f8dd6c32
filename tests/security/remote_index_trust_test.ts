/**
 * Issue #15 item 8: an index read over the network never makes cloudfits touch the local file system
 * unless the user says so. A loopback HTTP server serves indexes whose recorded data URL is local
 * (`file://…` or an absolute path, at a directory that really holds the file); reading through them is
 * refused before any local file is opened, and `cloudfits header --index URL` prints nothing of the
 * local file. An explicit data root, or `allowLocalData`, still works; a data URL on another host stays
 * allowed; a local index may name local data.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeIndex } from "../../src/index_format/encode.ts";
import { openIndex } from "../../src/open_index.ts";
import { walkHdus } from "../../src/read/walk.ts";
import { memorySource } from "../../src/source/memory.ts";
import { openFileSource } from "../../src/source/file.ts";
import type { ByteSource } from "../../src/source/types.ts";
import { fixture, testdataPath } from "../_support/fixtures.ts";
import { rejectsWith } from "../_support/expect_error.ts";
import { runCli } from "../_support/cli_io.ts";
import { startRangeServer } from "../_support/range_server.ts";

const NAME = "mef_images.fits";
const bytes = fixture("mef_images");
const local = mkdtempSync(join(tmpdir(), "cloudfits-trust-"));
after(() => rmSync(local, { recursive: true, force: true }));
copyFileSync(testdataPath(NAME), join(local, NAME));

const { hdus } = await walkHdus(memorySource(bytes));
const indexFor = (dataUrl: string) =>
  encodeIndex([{ path: NAME, size: bytes.length, hdus }], { createdMs: 0, dataUrl });

const server = await startRangeServer({
  files: {
    "file-url.fci": await indexFor(`file://${local}`),
    "absolute.fci": await indexFor(local),
    "elsewhere.fci": await indexFor("http://localhost:1/never"), // replaced below, once the port is known
    [`data/${NAME}`]: bytes,
  },
});
after(() => server.close());
server.setFile("elsewhere.fci", await indexFor(`${server.url.replace("127.0.0.1", "localhost")}/data`));

/** An openFile that records what it was asked to open. */
function recordingOpenFile(): { opened: string[]; openFile: (path: string) => Promise<ByteSource> } {
  const opened: string[] = [];
  return { opened, openFile: (path) => (opened.push(path), openFileSource(path)) };
}

for (const name of ["file-url.fci", "absolute.fci"]) {
  test(`a remote index (${name}) recording a local data URL cannot open local files`, async () => {
    const { opened, openFile } = recordingOpenFile();
    await using index = await openIndex(`${server.url}/${name}`, { openFile });
    assert.equal(index.fileCount, 1, "the index itself is readable");
    await rejectsWith(
      index.open(NAME),
      "USAGE",
      /read over the network.*local data location.*allowLocalData/,
    );
    assert.deepEqual(opened, [], "no local file was opened");
  });

  test(`cloudfits header --index (${name}) refuses, printing nothing of the local file`, async () => {
    const result = await runCli(["header", "--index", `${server.url}/${name}`, `${NAME}[1]`]);
    assert.equal(result.code, 2, result.stderr);
    assert.equal(result.stdout, "");
    assert.match(result.stderr, /local data location/);
  });
}

test("the user may still point a remote index at local data, explicitly", async () => {
  const { opened, openFile } = recordingOpenFile();
  await using index = await openIndex(`${server.url}/file-url.fci`, { openFile, allowLocalData: true });
  const fits = await index.open(NAME);
  await fits.source.close?.();
  await using rooted = await openIndex(`${server.url}/absolute.fci`, { openFile, dataRoot: local });
  const again = await rooted.open(NAME);
  await again.source.close?.();
  assert.deepEqual(opened, [join(local, NAME), join(local, NAME)]);
});

test("a remote index whose data lives on another host reads from there", async () => {
  const { opened, openFile } = recordingOpenFile();
  await using index = await openIndex(`${server.url}/elsewhere.fci`, { openFile });
  const fits = await index.open(NAME);
  assert.equal(fits.hdus.length, hdus.length);
  assert.deepEqual(opened, []);
});

test("a local index may name local data", async () => {
  const path = join(local, "local.fci");
  writeFileSync(path, await indexFor(`file://${local}`));
  const { opened, openFile } = recordingOpenFile();
  await using index = await openIndex(path, { openFile });
  const fits = await index.open(NAME);
  await fits.source.close?.();
  assert.deepEqual(opened.length, 2, "the index, then the data file");
});

test("cloudfits header --index URL --data-root DIR reads the local data the user named", async () => {
  const result = await runCli([
    "header",
    "--index",
    `${server.url}/file-url.fci`,
    "--data-root",
    local,
    `${NAME}[1]`,
  ]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^XTENSION= 'IMAGE {3}'/);
});
