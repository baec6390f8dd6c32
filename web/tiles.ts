/**
 * Tiles on the canvas: a tile's values as an image, and the visible samples gathered from the tiles.
 *
 * @module
 */
import type { Tile } from "./view.ts";

/** A tile as an image: grey levels between the zscale limits, NaN transparent, top row = highest y. */
export function tileBitmap(tile: Tile, data: Float64Array, [lo, hi]: [number, number]): HTMLCanvasElement {
  const width = Math.ceil((tile.x1 - tile.x0) / tile.step);
  const height = Math.ceil((tile.y1 - tile.y0) / tile.step);
  const bitmap = document.createElement("canvas");
  bitmap.width = width;
  bitmap.height = height;
  const image = new ImageData(width, height);
  for (let row = 0; row < height; row++) {
    for (let column = 0; column < width; column++) {
      const value = data[row * width + column];
      const at = ((height - 1 - row) * width + column) * 4;
      const grey = Math.round(255 * Math.min(1, Math.max(0, (value - lo) / (hi - lo || 1))));
      image.data.set([grey, grey, grey, Number.isFinite(value) ? 255 : 0], at);
    }
  }
  bitmap.getContext("2d")!.putImageData(image, 0, 0);
  return bitmap;
}

/**
 * The visible samples (every `step`-th pixel of `visible`), row by row from the bottom, from the tiles
 * holding them: NaN, and samples of tiles not read yet, as null.
 *
 * @param step The view's step.
 * @param visible The visible pixels, aligned to the step.
 * @param entries The visible tiles and their values (numpy order, rows from the bottom).
 * @returns The values and their shape `[rows, columns]`.
 */
export function visibleSamples(
  step: number,
  visible: { x0: number; x1: number; y0: number; y1: number },
  entries: { tile: Tile; data?: Float64Array }[],
): { values: (number | null)[]; shape: [number, number] } {
  const values: (number | null)[] = [];
  for (let y = visible.y0; y < visible.y1; y += step) {
    for (let x = visible.x0; x < visible.x1; x += step) {
      const entry = entries.find(({ tile }) => x >= tile.x0 && x < tile.x1 && y >= tile.y0 && y < tile.y1);
      const width = entry ? Math.ceil((entry.tile.x1 - entry.tile.x0) / step) : 0;
      const value = entry?.data?.[((y - entry.tile.y0) / step) * width + (x - entry.tile.x0) / step];
      values.push(value === undefined || Number.isNaN(value) ? null : value);
    }
  }
  const shape: [number, number] = [
    Math.ceil((visible.y1 - visible.y0) / step),
    Math.ceil((visible.x1 - visible.x0) / step),
  ];
  return { values, shape };
}
