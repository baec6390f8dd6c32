/**
 * A whole column of a long table: narrow rows stream as whole-row batches fetched several at once;
 * wide rows are read column-only, one small range per row.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { parseHeader } from "../../src/fits/header.ts";
import { describeHdu } from "../../src/fits/layout.ts";
import { buildHeader } from "../../src/fits/write.ts";
import { HduHandle } from "../../src/hdu_handle.ts";
import { countingSource } from "../../src/source/counting.ts";
import { httpSource } from "../../src/source/http.ts";
import { memorySource } from "../../src/source/memory.ts";
import { binTableCards } from "../_support/fixtures.ts";
import { roundTrips, serveObject, startRangeServer } from "../_support/range_server.ts";

const server = await startRangeServer({ latency: 20 });
after(() => server.close());

/** A table whose first column, TIME (D), holds the row number; the rest of each row is padding. */
function table(rows: number, rowBytes: number): { file: Uint8Array; header: Uint8Array } {
  const header = buildHeader(binTableCards(rowBytes, rows, [["TIME", "D"], ["PAD", `${rowBytes - 8}A`]]));
  const file = new Uint8Array(header.length + Math.ceil((rows * rowBytes) / 2880) * 2880);
  file.set(header);
  const view = new DataView(file.buffer, header.length);
  for (let row = 0; row < rows; row++) view.setFloat64(row * rowBytes, row);
  return { file, header };
}

function assertColumn(values: Float64Array[], rows: number): void {
  const all = new Float64Array(rows);
  let at = 0;
  for (const part of values) {
    all.set(part, at);
    at += part.length;
  }
  assert.equal(at, rows);
  for (const row of [0, 1, 9_999, 10_000, rows - 1].filter((row) => row < rows)) {
    assert.equal(all[row], row, `row ${row}`);
  }
}

test("a column of 10⁶ rows of 16 bytes: 100 whole-row batches, fetched 16 at a time", async () => {
  const rows = 1_000_000;
  const { file, header } = table(rows, 16);
  const object = serveObject(server, file);
  const handle = new HduHandle(httpSource(object.url), describeHdu(parseHeader(header), 1, 0));
  const plan = handle.planRows(0, rows, { columns: ["TIME"] });
  assert.deepEqual([plan.requests, plan.bytesToRead, plan.bytesNeeded], [
    100,
    100 * (9_999 * 16 + 8),
    rows * 8,
  ]);

  const values: Float64Array[] = [];
  for await (const batch of handle.rowBatches(0, rows, { columns: ["TIME"] })) {
    values.push(batch.columns.TIME.values as Float64Array);
  }
  assertColumn(values, rows);
  await server.idle();
  const requests = object.requests();
  assert.equal(requests.length, 100);
  assert.equal(requests.reduce((sum, entry) => sum + entry.bytes, 0), plan.bytesToRead);
  // One batch after another took 100 round trips; 16 at a time take 7 when the consumer keeps up.
  const waves = roundTrips(requests);
  assert.ok(waves <= 20, `${waves} sequential round trips`);
});

test("a column of rows wider than the request cost: one 8-byte range per row, not whole rows", async () => {
  const rows = 1_000;
  const rowBytes = 33_000; // 32,992 unwanted bytes per row: more than a request is worth (32 KiB)
  const { file, header } = table(rows, rowBytes);
  const source = countingSource(memorySource(file));
  const handle = new HduHandle(source, describeHdu(parseHeader(header), 1, 0));
  const plan = handle.planRows(0, rows, { columns: ["TIME"] });
  assert.deepEqual([plan.requests, plan.bytesToRead], [rows, rows * 8]);
  const values: Float64Array[] = [];
  for await (const batch of handle.rowBatches(0, rows, { columns: ["TIME"] })) {
    values.push(batch.columns.TIME.values as Float64Array);
  }
  assertColumn(values, rows);
  assert.deepEqual([source.stats.requests, source.stats.bytes], [rows, rows * 8]);

  // A dearer request (64 KiB) makes whole rows the cheaper read: batches of 508 and 492 rows (16 MiB
  // at most), each cut in two at the 8 MiB span.
  const whole = handle.planRows(0, rows, { columns: ["TIME"], maxGap: 65_536 });
  assert.deepEqual([whole.requests, whole.bytesToRead], [4, (507 + 491) * rowBytes + 2 * 8]);
});

test("ending a stream early stops the batches fetched ahead", async () => {
  const rows = 1_000_000;
  const { file, header } = table(rows, 16);
  const object = serveObject(server, file);
  const handle = new HduHandle(httpSource(object.url), describeHdu(parseHeader(header), 1, 0));
  for await (const batch of handle.rowBatches(0, rows, { columns: ["TIME"] })) {
    assert.equal(batch.rowCount, 10_000);
    break;
  }
  await server.idle();
  assert.ok(object.requests().length <= 17, "the first batch and at most 16 fetched ahead");
});

test("rows() of narrow rows decodes request by request: the planned requests, cells cut at their ends", async () => {
  // 12-byte rows: TIME (D) then ID (J); 7,000-byte requests cut cells of both columns mid-way.
  const rows = 5_000;
  const header = buildHeader(binTableCards(12, rows, [["TIME", "D"], ["ID", "J"]]));
  const file = new Uint8Array(header.length + Math.ceil((rows * 12) / 2880) * 2880);
  file.set(header);
  const view = new DataView(file.buffer, header.length);
  for (let row = 0; row < rows; row++) {
    view.setFloat64(row * 12, row + 0.25);
    view.setInt32(row * 12 + 8, -row);
  }
  const source = countingSource(memorySource(file));
  const handle = new HduHandle(source, describeHdu(parseHeader(header), 1, 0));
  for (const [start, stop] of [[0, rows], [17, 4_321]]) {
    source.stats.requests = 0;
    source.stats.bytes = 0;
    source.stats.ranges.length = 0;
    const read = await handle.rows(start, stop, { columns: ["ID", "TIME"], maxSpan: 7_000 });
    const ids = read.columns.ID.values as Int32Array;
    const times = read.columns.TIME.values as Float64Array;
    assert.deepEqual([ids.length, times.length], [stop - start, stop - start]);
    for (let i = 0; i < ids.length; i++) {
      if (ids[i] !== -(start + i) || times[i] !== start + i + 0.25) assert.fail(`row ${start + i}`);
    }
    // Exactly the block, in requests of maxSpan bytes.
    const length = (stop - start) * 12;
    assert.equal(source.stats.bytes, length);
    assert.equal(source.stats.requests, Math.ceil(length / 7_000));
    assert.ok(source.stats.ranges.every((range) => range.length <= 7_000));
  }
});
