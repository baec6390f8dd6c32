import { test } from "node:test";
import assert from "node:assert/strict";
import { encodePng, plotPng, zscaleLimits } from "../src/png.ts";

test("zscale ignores non-finite values and outliers", () => {
  const values = Float64Array.from({ length: 1000 }, (_, i) => (i % 100));
  values[0] = NaN;
  values[1] = 1e9;
  const [lo, hi] = zscaleLimits(values);
  assert.ok(lo >= 0 && lo < 5, `lo ${lo}`);
  assert.ok(hi > 90 && hi < 1e9, `hi ${hi}`);
});

/** Decode a PNG this module wrote (RGBA, filter 0 on every scanline): size and pixels, top row first. */
async function decodePng(png: Uint8Array): Promise<{ width: number; height: number; rgba: Uint8Array }> {
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const view = new DataView(png.buffer, png.byteOffset);
  const [width, height] = [view.getUint32(16), view.getUint32(20)];
  assert.deepEqual([png[24], png[25]], [8, 6], "8-bit RGBA");
  const idatLength = view.getUint32(33);
  assert.equal(String.fromCharCode(...png.subarray(37, 41)), "IDAT");
  const raw = new Uint8Array(
    await new Response(
      new Blob([png.slice(41, 41 + idatLength)]).stream().pipeThrough(new DecompressionStream("deflate")),
    ).arrayBuffer(),
  );
  assert.equal(raw.length, height * (width * 4 + 1));
  const rgba = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    assert.equal(raw[y * (width * 4 + 1)], 0, "filter byte");
    rgba.set(raw.subarray(y * (width * 4 + 1) + 1, (y + 1) * (width * 4 + 1)), y * width * 4);
  }
  return { width, height, rgba };
}

const pixel = (
  image: { width: number; rgba: Uint8Array },
  x: number,
  y: number,
) => [...image.rgba.subarray((y * image.width + x) * 4, (y * image.width + x) * 4 + 4)];

test("zscale of fewer than five pixels is their full range, as in astropy", () => {
  assert.deepEqual(zscaleLimits(new Float32Array([3, 1, NaN, 2])), [1, 3]);
});

test("encodePng draws FITS row 1 at the bottom, grey by default, NaN transparent", async () => {
  const image = await decodePng(await encodePng(new Float32Array([0, 1, 2, 3, 4, NaN]), 2, 3));
  assert.deepEqual([image.width, image.height], [3, 2]);
  // Row 1 of the image (values 3, 4, NaN) is the top scanline.
  assert.deepEqual(pixel(image, 0, 1), [0, 0, 0, 255], "the lowest value is black");
  assert.deepEqual(pixel(image, 1, 0), [255, 255, 255, 255], "the highest is white");
  assert.deepEqual(pixel(image, 2, 0), [0, 0, 0, 0], "NaN is transparent");
  const magenta = await decodePng(await encodePng(new Float32Array([0, NaN]), 1, 2, { nanColor: "#f0f" }));
  assert.deepEqual(pixel(magenta, 1, 0), [255, 0, 255, 255]);
});

test("colour maps are matplotlib's (viridis and inferno ends, as matplotlib 3.6 gives them)", async () => {
  const values = Float32Array.from({ length: 100 }, (_, i) => i);
  const viridis = await decodePng(await encodePng(values, 1, 100, { colormap: "viridis" }));
  assert.deepEqual(pixel(viridis, 0, 0), [0x44, 0x01, 0x54, 255]);
  assert.deepEqual(pixel(viridis, 99, 0), [0xfd, 0xe7, 0x25, 255]);
  const inferno = await decodePng(await encodePng(values, 1, 100, { colormap: "inferno" }));
  assert.deepEqual(pixel(inferno, 0, 0), [0x00, 0x00, 0x04, 255]);
  assert.deepEqual(pixel(inferno, 99, 0), [0xfc, 0xff, 0xa4, 255]);
});

test("a colour bar is drawn only when asked: a wider picture, the map from top (high) to bottom", async () => {
  const values = Float32Array.from({ length: 100 }, (_, i) => i);
  const plain = await decodePng(await encodePng(values, 10, 10, { colormap: "viridis" }));
  assert.deepEqual([plain.width, plain.height], [10, 10]);
  const barred = await decodePng(await encodePng(values, 10, 10, { colormap: "viridis", colorbar: true }));
  assert.ok(barred.width > 30 && barred.height >= 64, `${barred.width}×${barred.height}`);
  assert.deepEqual(pixel(barred, 10 + 8 + 6, 4), [0xfd, 0xe7, 0x25, 255], "top of the bar: the high end");
  assert.deepEqual(
    pixel(barred, 10 + 8 + 6, barred.height - 5),
    [0x44, 0x01, 0x54, 255],
    "bottom: the low end",
  );
  assert.deepEqual(pixel(barred, 5, 30), [0, 0, 0, 0], "below the image: transparent");
});

test("plotPng draws a line with a gap at NaN", async () => {
  const values = new Float32Array([0, 1, 2, NaN, NaN, NaN, NaN, NaN, 2, 1]);
  const plot = await decodePng(await plotPng(values, { width: 200, height: 100 }));
  assert.deepEqual([plot.width, plot.height], [200, 100]);
  const blue = (x: number) => {
    for (let y = 0; y < plot.height; y++) if (pixel(plot, x, y).join() === "31,119,180,255") return true;
    return false;
  };
  const columns = Array.from({ length: plot.width }, (_, x) => blue(x));
  const first = columns.indexOf(true);
  const last = columns.lastIndexOf(true);
  assert.ok(first > 0 && last < plot.width - 1);
  assert.ok(columns.slice(first, last).includes(false), "no line across the NaN cadences");
});
