import { test } from "node:test";
import assert from "node:assert/strict";
import { encodePng, zscaleLimits } from "../src/png.ts";

test("zscale ignores non-finite values and outliers", () => {
  const values = Float64Array.from({ length: 1000 }, (_, i) => (i % 100));
  values[0] = NaN;
  values[1] = 1e9;
  const [lo, hi] = zscaleLimits(values);
  assert.ok(lo >= 0 && lo < 5, `lo ${lo}`);
  assert.ok(hi > 90 && hi < 1e9, `hi ${hi}`);
});

test("encodePng writes a greyscale PNG whose IDAT inflates to the flipped scanlines", async () => {
  const png = await encodePng(new Float32Array([0, 1, 2, 3, 4, 5]), 2, 3);
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const view = new DataView(png.buffer, png.byteOffset);
  assert.equal(view.getUint32(16), 3); // width
  assert.equal(view.getUint32(20), 2); // height
  const idatLength = view.getUint32(33);
  assert.equal(String.fromCharCode(...png.subarray(37, 41)), "IDAT");
  const idat = png.subarray(41, 41 + idatLength);
  const raw = new Uint8Array(
    await new Response(new Blob([idat.slice()]).stream().pipeThrough(new DecompressionStream("deflate")))
      .arrayBuffer(),
  );
  // Row 1 of the image (values 3..5) is the top scanline; each scanline starts with filter byte 0.
  assert.equal(raw.length, 8);
  assert.equal(raw[0], 0);
  assert.equal(raw[4], 0);
  assert.ok(raw[1] > raw[5], "top scanline is brighter than the bottom one");
  assert.equal(raw[3], 255);
  assert.equal(raw[5], 0);
});
