/**
 * openTarget: a cfitsio-style target opened in one call — a local file, an object over HTTP (a real
 * loopback range server) and a path in an index — walking headers only as far as the selection needs,
 * with the section, columns and rows resolved against the selected HDU, and the file closed by
 * `close()` or `await using`, also when the selection fails.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import type { CloudFitsErrorCode } from "../src/errors.ts";
import { buildIndex } from "../src/indexer/build_index.ts";
import { openIndex } from "../src/open_index.ts";
import { openTarget, type OpenTargetOptions } from "../src/open_target.ts";
import { type FileSource, localFileAccess, openFileSource } from "../src/source/file.ts";
import { countingSource } from "../src/source/counting.ts";
import { testdataFile, testdataPath } from "./_support/fixtures.ts";
import { rejectsWith } from "./_support/expect_error.ts";
import { memoryStorage } from "./_support/memory_storage.ts";
import { startRangeServer } from "./_support/range_server.ts";

const NAMES = ["mef_images.fits", "table_all.fits", "tess_cube.fits", "dup_extnames.fits"];
const server = await startRangeServer({
  files: Object.fromEntries(NAMES.map((name) => [name, testdataFile(name)])),
});
after(() => server.close());

/** `openFile` that counts reads and the files left open. */
function trackedFiles() {
  const state = { open: 0, requests: 0, ranges: [] as [number, number][] };
  const openFile = async (path: string): Promise<FileSource> => {
    const file = await openFileSource(path);
    const counted = countingSource(file);
    state.open++;
    return {
      ...file,
      read: async (offset, length, options) => {
        state.requests++;
        state.ranges.push([offset, length]);
        return await counted.read(offset, length, options);
      },
      close: async () => {
        state.open--;
        await file.close();
      },
    };
  };
  return { state, openFile };
}

test("a local target: a numbered HDU is walked to and no further; section parsed in numpy order", async () => {
  const { state, openFile } = trackedFiles();
  const path = testdataPath("mef_images.fits");
  {
    await using opened = await openTarget(`${path}[1][2:3,1:2]`, { openFile });
    assert.equal(opened.name, path);
    assert.equal(opened.fits.hdus.length, 2, "HDUs 0 and 1 only");
    assert.deepEqual(state.ranges, [[0, 65536]], "one read-ahead; the headers past 64 KiB are not read");
    assert.equal(opened.hdu?.info.index, 1);
    assert.deepEqual(opened.section, [[0, 2], [1, 3]]);
    const image = await opened.hdu!.section(opened.section!);
    assert.deepEqual(image.shape, [2, 2]);
    assert.equal(state.open, 1);
  }
  assert.equal(state.open, 0, "await using closed the file");

  // The whole file: every header, and no HDU selected.
  state.ranges.length = 0;
  const whole = await openTarget(path, { openFile });
  assert.equal(whole.fits.hdus.length, 16);
  assert.equal(whole.hdu, undefined);
  assert.ok(state.ranges.length > 1, "headers past the read-ahead are read");
  await whole.close();

  // allHdus walks to the end even for a numbered HDU.
  const all = await openTarget(`${path}[1]`, { openFile, allHdus: true });
  assert.equal(all.fits.hdus.length, 16);
  assert.equal(all.hdu?.info.index, 1);
  await all.close();
  assert.equal(state.open, 0);
});

test("HDUs by EXTNAME,EXTVER; a section alone picks the first image, columns and rows the first table", async () => {
  const access = localFileAccess();
  const dup = await openTarget(`${testdataPath("dup_extnames.fits")}[sci,2]`, access);
  assert.equal(dup.hdu?.info.extname, "SCI");
  assert.equal(dup.hdu?.info.extver, 2);
  await dup.close();

  // The primary of tess_cube.fits has no data: the section goes to the cube in HDU 1.
  const cube = await openTarget(`${testdataPath("tess_cube.fits")}[1:1,6:6,1:3,1:3]`, access);
  assert.equal(cube.hdu?.info.index, 1);
  assert.deepEqual(cube.section, [[0, 3], [0, 3], [5, 6], [0, 1]]);
  const values = await cube.hdu!.section(cube.section!);
  assert.deepEqual([...values.data], [5.5, 15.5, 25.5, 1005.5, 1015.5, 1025.5, 2005.5, 2015.5, 2025.5]);
  await cube.close();

  const table = await openTarget(`${testdataPath("tess_cube.fits")}[col TSTART;DQUALITY]`, {
    ...access,
    rows: "2:3",
  });
  assert.equal(table.hdu?.info.index, 2);
  assert.deepEqual(table.columns, ["TSTART", "DQUALITY"]);
  assert.deepEqual(table.rows, [1, 3]);
  const rows = await table.hdu!.rows(...table.rows!, { columns: table.columns });
  assert.deepEqual(Object.keys(rows.columns), ["TSTART", "DQUALITY"]);
  assert.equal(rows.rowCount, 2);
  await table.close();

  // Options replace the brackets: --hdu, --section and --columns of the CLI.
  const overridden = await openTarget(testdataPath("table_all.fits"), {
    ...access,
    hdu: "1",
    columns: "FLAG;FLAGS3",
    rows: "5",
  });
  assert.deepEqual([overridden.hdu?.info.index, overridden.columns, overridden.rows], [
    1,
    ["FLAG", "FLAGS3"],
    [4, 5],
  ]);
  await overridden.close();
  const named = await openTarget(testdataPath("dup_extnames.fits"), {
    ...access,
    hdu: { extname: "SCI", extver: 2 },
  });
  assert.equal(named.hdu?.info.extver, 2);
  await named.close();
});

test("a failing selection closes the file and says what was wrong", async () => {
  const { state, openFile } = trackedFiles();
  const table = testdataPath("table_all.fits");
  const cases: [string, OpenTargetOptions, string, RegExp][] = [
    [`${table}[7]`, {}, "NOT_FOUND", /Cannot find HDU 7/],
    [table, { rows: "0:3" }, "USAGE", /^Invalid rows '0:3': rows are 1-based, inclusive/],
    [
      table,
      { rows: "4:9" },
      "OUT_OF_RANGE",
      /^Invalid rows '4:9': HDU 1 has 5 rows \(1-based, inclusive: 1:5\)$/,
    ],
    [
      `${testdataPath("tess_cube.fits")}[1]`,
      { rows: "1:2" },
      "USAGE",
      /Cannot read HDU 1 as a table: it is IMAGE/,
    ],
    [
      testdataPath("primary_only.fits"),
      { select: "table" },
      "NOT_FOUND",
      /Cannot find a table in .*primary_only/,
    ],
    [
      `${testdataPath("primary_only.fits")}[0][0:5,1:2]`,
      {},
      "OUT_OF_RANGE",
      /FITS order, 1-based, inclusive/,
    ],
  ];
  for (const [target, options, code, message] of cases) {
    const error = await rejectsWith(openTarget(target, { openFile, ...options }), code as CloudFitsErrorCode);
    assert.match(error.message, message, target);
  }
  assert.equal(state.open, 0, "every file closed");
  await rejectsWith(openTarget(testdataPath("absent.fits"), { openFile }), "NOT_FOUND");
  await rejectsWith(openTarget("testdata/mef_images.fits"), "UNSUPPORTED");
});

test("an HTTP target: one read-ahead to HDU 1, which holds the section too: one request", async () => {
  server.log.length = 0;
  const url = `${server.url}/mef_images.fits`;
  await using opened = await openTarget(`${url}[1][2:3,1:2]`);
  assert.equal(opened.name, url);
  const image = await opened.hdu!.section(opened.section!);
  const local = await openTarget(`${testdataPath("mef_images.fits")}[1][2:3,1:2]`, localFileAccess());
  assert.deepEqual(image, await local.hdu!.section(local.section!));
  await local.close();
  const info = opened.hdu!.info;
  // Bytes 1-2 of rows 0 and 1 (5 one-byte pixels a row) lie inside the first read: not fetched again.
  assert.ok(info.dataOffset + 8 < 65536);
  assert.deepEqual(server.log.map((e) => [e.method, e.range, e.status]), [["GET", "bytes=0-65535", 206]]);
});

test("through an index: no header reads; the index is one GET, then data requests only", async () => {
  // Index the objects over HTTP into an index in memory, then serve it beside them.
  const storage = memoryStorage();
  const built = await buildIndex(NAMES.map((name) => `${server.url}/${name}`), {
    output: "/index/all.cfidx",
    storage,
  });
  assert.deepEqual([built.files, built.failed], [NAMES.length, []]);
  const indexBytes = storage.files.get("/index/all.cfidx")!.bytes;
  server.setFile("all.cfidx", indexBytes);

  server.log.length = 0;
  {
    await using opened = await openTarget("tess_cube.fits[2][col TSTART]", {
      index: `${server.url}/all.cfidx`,
      rows: "1:2",
    });
    assert.equal(opened.name, "tess_cube.fits");
    assert.equal(opened.fits.hdus.length, 3);
    const rows = await opened.hdu!.rows(...opened.rows!, { columns: opened.columns });
    assert.deepEqual([...rows.columns.TSTART.values as Float64Array], [1325.2969, 1325.3177333]);
  }
  assert.equal(server.log[0].path, "/all.cfidx");
  assert.equal(server.log[0].range, "bytes=0-65535");
  assert.deepEqual(server.log.slice(1).map((e) => e.path), ["/tess_cube.fits"], "one data request");

  // An open handle is used as it is and left open.
  const index = await openIndex(indexBytes);
  server.log.length = 0;
  const cube = await openTarget("mef_images.fits[CUBE3D][1:1,1:1,1:1]", { index });
  assert.deepEqual(cube.section, [[0, 1], [0, 1], [0, 1]]);
  await cube.hdu!.section(cube.section!);
  await cube.close();
  assert.deepEqual(server.log.map((e) => e.path), ["/mef_images.fits"]);
  assert.equal((await index.file("table_all.fits")).hdus.length, 2, "the handle still answers");

  // A path the index does not know.
  await rejectsWith(openTarget("absent.fits[1]", { index }), "NOT_FOUND");
});
