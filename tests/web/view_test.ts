/** The page's geometry: axis roles, fitting, tiles on screen and their sections. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { axisRoles, fitView, pictureSection, sectionByAxis, visibleTiles, zoomView } from "../../web/view.ts";
import { visibleSamples } from "../../web/tiles.ts";

test("the picture's axes: NAXIS1 × NAXIS2, or a TESS cube's NAXIS3 × NAXIS4 with frames along NAXIS2", () => {
  assert.deepEqual(axisRoles([100, 80]), { axes: [100, 80], x: 1, y: 2, time: undefined });
  assert.deepEqual(axisRoles([5, 4, 3]), { axes: [5, 4, 3], x: 1, y: 2, time: 3 });
  assert.deepEqual(axisRoles([5, 4, 1, 7]), { axes: [5, 4, 1, 7], x: 1, y: 2, time: 4 });
  assert.deepEqual(axisRoles([2, 1282, 2136, 2078]), { axes: [2, 1282, 2136, 2078], x: 3, y: 4, time: 2 });
  assert.equal(axisRoles([7]), undefined);
  assert.equal(axisRoles([10, 0]), undefined);
});

test("a view fits the image at a power-of-two scale, centred", () => {
  assert.deepEqual(fitView(512, 320, 6, 5), { scale: 64, left: -1, bottom: 0 });
  assert.deepEqual(fitView(512, 512, 4096, 2048), { scale: 0.125, left: 0, bottom: -1024 });
  const zoomed = zoomView({ scale: 1, left: 0, bottom: 0 }, 2, 100, 50);
  assert.deepEqual(zoomed, { scale: 2, left: 50, bottom: 25 }, "the point under the cursor stays put");
});

test("only the tiles on screen are read; zoomed out, every step-th pixel of bigger tiles", () => {
  // 1000 × 600 image, 512 × 320 canvas at scale 1 from (300, 100): x 300-811, y 100-419, tiles of 256.
  const near = visibleTiles({ scale: 1, left: 300, bottom: 100 }, 512, 320, 1000, 600, 256);
  assert.equal(near.step, 1);
  assert.deepEqual(near.visible, { x0: 300, x1: 812, y0: 100, y1: 420 });
  assert.deepEqual(near.tiles.map((t) => [t.x0, t.x1, t.y0, t.y1]), [
    [256, 512, 0, 256],
    [512, 768, 0, 256],
    [768, 1000, 0, 256],
    [256, 512, 256, 512],
    [512, 768, 256, 512],
    [768, 1000, 256, 512],
  ]);
  // Fitted at scale 1/2, the whole image is on screen: every 2nd pixel, tiles of 512 pixels a side.
  const far = visibleTiles(fitView(512, 320, 1000, 600), 512, 320, 1000, 600, 256);
  assert.equal(far.step, 2);
  assert.deepEqual(far.tiles.map((t) => [t.key, t.x0, t.x1, t.y0, t.y1]), [
    ["2:0:0", 0, 512, 0, 512],
    ["2:1:0", 512, 1000, 0, 512],
    ["2:0:1", 0, 512, 512, 600],
    ["2:1:1", 512, 1000, 512, 600],
  ]);
});

test("sections are numpy order, other axes at 0 unless named", () => {
  assert.deepEqual(sectionByAxis(4, { 3: [0, 4, 1], 4: [2, 6, 2], 2: 7 }), [[2, 6, 2], [0, 4, 1], 7, 0]);
  assert.deepEqual(sectionByAxis(3, { 1: 2, 2: 3, 3: null }), [null, 3, 2]);
});

test("a picture section fixes the frame on the time axis; visible samples come from the tiles holding them", () => {
  const tess = axisRoles([2, 8, 6, 5])!;
  assert.deepEqual(pictureSection(tess, 4, [0, 6, 1], [1, 5, 2]), [[1, 5, 2], [0, 6, 1], 4, 0]);
  // Two 2 × 2 tiles side by side (x 0-1 and 2-3, y 0-1), every pixel; the second not read yet.
  const tiles = [
    { tile: { key: "a", step: 1, x0: 0, x1: 2, y0: 0, y1: 2 }, data: Float64Array.of(1, 2, 3, NaN) },
    { tile: { key: "b", step: 1, x0: 2, x1: 4, y0: 0, y1: 2 } },
  ];
  assert.deepEqual(visibleSamples(1, { x0: 1, x1: 3, y0: 0, y1: 2 }, tiles), {
    values: [2, null, null, null],
    shape: [2, 2],
  });
});
