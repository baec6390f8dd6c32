import { test } from "node:test";
import assert from "node:assert/strict";
import { isCloudFitsError } from "../../src/errors.ts";
import { parseHeader } from "../../src/fits/header.ts";
import { describeHdu } from "../../src/fits/layout.ts";
import { buildHeader } from "../../src/fits/write.ts";
import { HduHandle } from "../../src/hdu_handle.ts";
import { countingSource } from "../../src/source/counting.ts";
import { memorySource } from "../../src/source/memory.ts";
import { binTableCards } from "../_support/fixtures.ts";

/** A 25,000-row table: ID (J) = row number, X (E) = row / 2, PAD (100A) between them and the next row. */
function table(): { handle: HduHandle; source: ReturnType<typeof countingSource>; dataOffset: number } {
  const rows = 25_000;
  const header = buildHeader(binTableCards(108, rows, [["ID", "J"], ["X", "E"], ["PAD", "100A"]]));
  const file = new Uint8Array(header.length + Math.ceil((rows * 108) / 2880) * 2880);
  file.set(header);
  const view = new DataView(file.buffer, header.length);
  for (let row = 0; row < rows; row++) {
    view.setInt32(row * 108, row);
    view.setFloat32(row * 108 + 4, row / 2);
  }
  const source = countingSource(memorySource(file));
  const hdu = describeHdu(parseHeader(header), 1, 0);
  return { handle: new HduHandle(source, hdu), source, dataOffset: header.length };
}

test("rows stream in batches of 10,000, one request each, exactly as planned", async () => {
  const { handle, source, dataOffset } = table();
  const plan = handle.planRows(5, 25_000, { columns: ["ID"] });
  assert.deepEqual([plan.shape, plan.requests, plan.bytesNeeded, plan.complete], [
    [24_995, 1],
    3,
    24_995 * 4,
    true,
  ]);
  const ids: number[] = [];
  for await (const batch of handle.rowBatches(5, 25_000, { columns: ["ID"] })) {
    ids.push(batch.rowCount, (batch.columns.ID.values as Int32Array)[0]);
  }
  assert.deepEqual(ids, [10_000, 5, 10_000, 10_005, 4_995, 20_005]);
  assert.equal(source.stats.requests, plan.requests);
  assert.equal(source.stats.bytes, plan.bytesToRead);
  assert.deepEqual(source.stats.ranges[0], { offset: dataOffset + 5 * 108, length: 9_999 * 108 + 4 });
});

test("a stream over the limits fails at its first batch, before any request", async () => {
  const { handle, source } = table();
  const batches = handle.rowBatches(0, 25_000, { limits: { maxRead: 1_000_000 } })[Symbol.asyncIterator]();
  await assert.rejects(
    batches.next(),
    (e) => isCloudFitsError(e, "COST_LIMIT") && /2\.70 MB to read/.test(e.message),
  );
  assert.equal(source.stats.requests, 0);
});
