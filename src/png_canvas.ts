/**
 * A small RGBA canvas for the PNGs cloudfits draws (images, colour bars, line plots): rectangles,
 * lines, text in a 3×5-pixel font, colours by name, and PNG encoding.
 *
 * @module
 */
import { concatBytes } from "./_bytes.ts";
import { crc32 } from "./gzip/crc32.ts";
import { CloudFitsError } from "./errors.ts";

/** An RGBA colour, each channel 0–255. */
export type Rgba = readonly [number, number, number, number];

/** An RGBA picture, row 0 at the top. */
export interface Canvas {
  /** Width in pixels. */
  readonly width: number;
  /** Height in pixels. */
  readonly height: number;
  /** Four bytes per pixel, rows top to bottom. */
  readonly rgba: Uint8Array;
}

const NAMED: Record<string, Rgba> = {
  transparent: [0, 0, 0, 0],
  black: [0, 0, 0, 255],
  white: [255, 255, 255, 255],
  gray: [128, 128, 128, 255],
  grey: [128, 128, 128, 255],
  red: [255, 0, 0, 255],
  green: [0, 128, 0, 255],
  blue: [0, 0, 255, 255],
  magenta: [255, 0, 255, 255],
};

/**
 * Parse a colour: `transparent`, a name (black, white, gray, red, green, blue, magenta) or `#rgb`,
 * `#rrggbb`, `#rrggbbaa`.
 *
 * @param text The colour as typed.
 * @returns Its RGBA channels.
 * @throws {CloudFitsError} `USAGE` for anything else.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseColor } from "./png_canvas.ts";
 *
 * assert.deepEqual(parseColor("#ff000080"), [255, 0, 0, 128]);
 * assert.deepEqual(parseColor("Magenta"), [255, 0, 255, 255]);
 * ```
 */
export function parseColor(text: string): Rgba {
  const named = NAMED[text.trim().toLowerCase()];
  if (named) return named;
  const hex = /^#?([0-9a-f]{3}|[0-9a-f]{6}|[0-9a-f]{8})$/i.exec(text.trim())?.[1];
  if (hex === undefined) {
    throw new CloudFitsError(
      "USAGE",
      `Unknown colour '${text}': expected transparent, ${
        Object.keys(NAMED).slice(1).join(", ")
      } or #rrggbb[aa]`,
    );
  }
  const full = hex.length === 3 ? [...hex].map((c) => c + c).join("") : hex;
  const channels = full.match(/../g)!.map((pair) => parseInt(pair, 16));
  return [channels[0], channels[1], channels[2], channels[3] ?? 255];
}

/**
 * A canvas filled with one colour.
 *
 * @param width Width in pixels.
 * @param height Height in pixels.
 * @param fill The background (default transparent).
 * @returns The canvas.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createCanvas } from "./png_canvas.ts";
 *
 * assert.deepEqual([...createCanvas(1, 1, [1, 2, 3, 4]).rgba], [1, 2, 3, 4]);
 * ```
 */
export function createCanvas(width: number, height: number, fill: Rgba = [0, 0, 0, 0]): Canvas {
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < rgba.length; i += 4) rgba.set(fill, i);
  return { width, height, rgba };
}

/**
 * Set one pixel (ignored outside the canvas).
 *
 * @param canvas The canvas.
 * @param x Column, 0 at the left.
 * @param y Row, 0 at the top.
 * @param color The colour.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createCanvas, setPixel } from "./png_canvas.ts";
 *
 * const canvas = createCanvas(2, 1);
 * setPixel(canvas, 1, 0, [9, 9, 9, 255]);
 * assert.deepEqual([...canvas.rgba.subarray(4)], [9, 9, 9, 255]);
 * ```
 */
export function setPixel(canvas: Canvas, x: number, y: number, color: Rgba): void {
  x = Math.round(x);
  y = Math.round(y);
  if (x < 0 || y < 0 || x >= canvas.width || y >= canvas.height) return;
  canvas.rgba.set(color, (y * canvas.width + x) * 4);
}

/**
 * Fill a rectangle.
 *
 * @param canvas The canvas.
 * @param x Left column.
 * @param y Top row.
 * @param width Width in pixels.
 * @param height Height in pixels.
 * @param color The colour.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createCanvas, fillRect } from "./png_canvas.ts";
 *
 * const canvas = createCanvas(3, 3);
 * fillRect(canvas, 1, 1, 1, 1, [255, 0, 0, 255]);
 * assert.equal(canvas.rgba[(1 * 3 + 1) * 4], 255);
 * ```
 */
export function fillRect(
  canvas: Canvas,
  x: number,
  y: number,
  width: number,
  height: number,
  color: Rgba,
): void {
  for (let row = y; row < y + height; row++) {
    for (let column = x; column < x + width; column++) setPixel(canvas, column, row, color);
  }
}

/**
 * Draw a straight line, `thickness` pixels wide.
 *
 * @param canvas The canvas.
 * @param from Start `[x, y]`.
 * @param to End `[x, y]`.
 * @param color The colour.
 * @param thickness Width in pixels.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createCanvas, drawLine } from "./png_canvas.ts";
 *
 * const canvas = createCanvas(4, 4);
 * drawLine(canvas, [0, 0], [3, 3], [0, 0, 0, 255]);
 * assert.equal(canvas.rgba[(2 * 4 + 2) * 4 + 3], 255);
 * ```
 */
export function drawLine(
  canvas: Canvas,
  from: readonly [number, number],
  to: readonly [number, number],
  color: Rgba,
  thickness = 1,
): void {
  const steps = Math.max(1, Math.ceil(Math.max(Math.abs(to[0] - from[0]), Math.abs(to[1] - from[1]))));
  const half = Math.floor(thickness / 2);
  for (let i = 0; i <= steps; i++) {
    const x = from[0] + (to[0] - from[0]) * i / steps;
    const y = from[1] + (to[1] - from[1]) * i / steps;
    fillRect(canvas, Math.round(x) - half, Math.round(y) - half, thickness, thickness, color);
  }
}

// 3×5 glyphs, five rows of three bits (4 = left column), top row first; letters are capitals.
const GLYPHS: Record<string, readonly number[]> = {
  "0": [7, 5, 5, 5, 7],
  "1": [2, 6, 2, 2, 7],
  "2": [7, 1, 7, 4, 7],
  "3": [7, 1, 7, 1, 7],
  "4": [5, 5, 7, 1, 1],
  "5": [7, 4, 7, 1, 7],
  "6": [7, 4, 7, 5, 7],
  "7": [7, 1, 1, 1, 1],
  "8": [7, 5, 7, 5, 7],
  "9": [7, 5, 7, 1, 7],
  ".": [0, 0, 0, 0, 2],
  "-": [0, 0, 7, 0, 0],
  "+": [0, 2, 7, 2, 0],
  "(": [1, 2, 2, 2, 1],
  ")": [4, 2, 2, 2, 4],
  "/": [1, 1, 2, 4, 4],
  _: [0, 0, 0, 0, 7],
  ",": [0, 0, 0, 2, 4],
  ":": [0, 2, 0, 2, 0],
  "=": [0, 7, 0, 7, 0],
  " ": [0, 0, 0, 0, 0],
  A: [2, 5, 7, 5, 5],
  B: [6, 5, 6, 5, 6],
  C: [3, 4, 4, 4, 3],
  D: [6, 5, 5, 5, 6],
  E: [7, 4, 7, 4, 7],
  F: [7, 4, 6, 4, 4],
  G: [3, 4, 5, 5, 3],
  H: [5, 5, 7, 5, 5],
  I: [7, 2, 2, 2, 7],
  J: [1, 1, 1, 5, 2],
  K: [5, 5, 6, 5, 5],
  L: [4, 4, 4, 4, 7],
  M: [5, 7, 7, 5, 5],
  N: [6, 5, 5, 5, 5],
  O: [2, 5, 5, 5, 2],
  P: [6, 5, 6, 4, 4],
  Q: [2, 5, 5, 6, 3],
  R: [6, 5, 6, 5, 5],
  S: [3, 4, 2, 1, 6],
  T: [7, 2, 2, 2, 2],
  U: [5, 5, 5, 5, 7],
  V: [5, 5, 5, 5, 2],
  W: [5, 5, 7, 7, 5],
  X: [5, 5, 2, 5, 5],
  Y: [5, 5, 2, 2, 2],
  Z: [7, 1, 2, 4, 7],
};

/**
 * The width of a text drawn by {@linkcode drawText}.
 *
 * @param text The text.
 * @param scale Pixels per font pixel.
 * @returns Its width in pixels.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { textWidth } from "./png_canvas.ts";
 *
 * assert.equal(textWidth("10", 2), 14);
 * ```
 */
export function textWidth(text: string, scale: number): number {
  return text.length === 0 ? 0 : (text.length * 4 - 1) * scale;
}

/** Where `x` is on a text drawn by {@linkcode drawText}. */
export type TextAlign = "left" | "center" | "right";

/**
 * Draw a text in a 3×5-pixel font: digits, letters (as capitals), space and `. - + ( ) / _ , : =`;
 * other characters are left blank.
 *
 * @param canvas The canvas.
 * @param x The text's left column, or its centre or right end as `align` says.
 * @param y Top row.
 * @param text The text.
 * @param color The colour.
 * @param scale Pixels per font pixel.
 * @param align Which part of the text `x` is (default `left`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createCanvas, drawText } from "./png_canvas.ts";
 *
 * const canvas = createCanvas(3, 5);
 * drawText(canvas, 0, 0, "-", [0, 0, 0, 255], 1);
 * assert.equal(canvas.rgba[(2 * 3 + 1) * 4 + 3], 255, "the middle row is drawn");
 * assert.equal(canvas.rgba[3], 0, "the top row is not");
 *
 * const wide = createCanvas(7, 5);
 * drawText(wide, 7, 0, "Ti", [0, 0, 0, 255], 1, "right");
 * assert.equal(wide.rgba[3], 255, "T's top-left pixel");
 * assert.equal(wide.rgba[6 * 4 + 3], 255, "I's top-right pixel");
 * ```
 */
export function drawText(
  canvas: Canvas,
  x: number,
  y: number,
  text: string,
  color: Rgba,
  scale: number,
  align: TextAlign = "left",
): void {
  const width = textWidth(text, scale);
  const left = align === "left" ? x : align === "center" ? x - width / 2 : x - width;
  for (const [n, character] of [...text].entries()) {
    const rows = GLYPHS[character.toUpperCase()] ?? GLYPHS[" "];
    for (let row = 0; row < 5; row++) {
      for (let column = 0; column < 3; column++) {
        if (rows[row] & (4 >> column)) {
          fillRect(canvas, left + (n * 4 + column) * scale, y + row * scale, scale, scale, color);
        }
      }
    }
  }
}

/**
 * Encode a canvas as an 8-bit RGBA PNG.
 *
 * @param canvas The canvas.
 * @returns The PNG file.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { canvasToPng, createCanvas } from "./png_canvas.ts";
 *
 * const png = await canvasToPng(createCanvas(2, 1));
 * assert.equal(new DataView(png.buffer).getUint32(16), 2, "width");
 * assert.equal(png[25], 6, "colour type RGBA");
 * ```
 */
export async function canvasToPng(canvas: Canvas): Promise<Uint8Array> {
  const { width, height, rgba } = canvas;
  // One filter byte (0, none) before each scanline.
  const raw = new Uint8Array(height * (width * 4 + 1));
  for (let y = 0; y < height; y++) {
    raw.set(rgba.subarray(y * width * 4, (y + 1) * width * 4), y * (width * 4 + 1) + 1);
  }
  const idat = new Uint8Array(
    await new Response(new Blob([raw]).stream().pipeThrough(new CompressionStream("deflate"))).arrayBuffer(),
  );
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  ihdr.set([8, 6, 0, 0, 0], 8); // bit depth 8, RGBA, deflate, adaptive filtering, no interlace
  return concatBytes([
    new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", idat),
    chunk("IEND", new Uint8Array(0)),
  ]);
}

function chunk(type: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + body.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, body.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(body, 8);
  view.setUint32(8 + body.length, crc32(out.subarray(4, 8 + body.length)));
  return out;
}
