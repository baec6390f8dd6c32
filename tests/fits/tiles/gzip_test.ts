import { test } from "node:test";
import assert from "node:assert/strict";
import { gunzipExactly, unshuffleBytes } from "../../../src/fits/tiles/gzip.ts";
import { gzipMaxInflated } from "../../../src/fits/tiles/limits.ts";
import { rejectsWith } from "../../_support/expect_error.ts";

async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
    new CompressionStream("gzip"),
  );
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

test("gunzipExactly inflates a stream of the declared length", async () => {
  const data = Uint8Array.from({ length: 5000 }, (_, i) => (i * 31) % 251);
  assert.deepEqual(await gunzipExactly(await gzip(data), 5000), data);
});

test("gunzipExactly refuses other lengths and invalid streams with BAD_HEADER", async () => {
  const packed = await gzip(new Uint8Array(100));
  await rejectsWith(gunzipExactly(packed, 50), "BAD_HEADER", /more than the tile's 50 bytes/);
  await rejectsWith(gunzipExactly(packed, 200), "BAD_HEADER", /inflates to 100 bytes, not the tile's 200/);
  await rejectsWith(gunzipExactly(new Uint8Array([1, 2, 3, 4, 5]), 10), "BAD_HEADER", /invalid stream/);
});

test("unshuffleBytes regroups GZIP_2's byte planes into big-endian elements", () => {
  // Two int32 values 0x01020304 and 0x05060708, shuffled: MSBs first.
  const shuffled = new Uint8Array([1, 5, 2, 6, 3, 7, 4, 8]);
  assert.deepEqual(unshuffleBytes(shuffled, 4), new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]));
  assert.equal(unshuffleBytes(shuffled, 1), shuffled);
  assert.throws(() => unshuffleBytes(new Uint8Array(3), 2), RangeError);
});

test("gzipMaxInflated bounds a tile by deflate's maximum ratio", () => {
  assert.equal(gzipMaxInflated(100), 103_200);
});
