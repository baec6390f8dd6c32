/**
 * HCOMPRESS_1 tile decoding: quadtree-coded bit planes of an H-transform (R. White, STScI, 1992).
 *
 * The stream is the one cfitsio's `fits_hcompress` writes into a tile's COMPRESSED_DATA:
 *
 * | bytes | content |
 * |---|---|
 * | 2 | magic `0xDD 0x99` |
 * | 4 | number of rows (big-endian int32) |
 * | 4 | row length |
 * | 4 | scale: coefficients were divided by it (≤ 1 means lossless) |
 * | 8 | the transform's sum term, which replaces coefficient 0 |
 * | 3 | bit planes in quadrant 0, in quadrants 1 and 2, in quadrant 3 |
 * | … | per quadrant and plane, MSB first: a nybble 0 (plane stored as raw nybbles) or 0xF (quadtree codes) |
 * | … | an end nybble 0, then from the next byte one sign bit per non-zero coefficient |
 *
 * Decoding follows cfitsio's `fits_hdecompress64`, which cfitsio uses for 32-bit images: coefficients are
 * 64-bit integers. They are held here in a `Float64Array`, exact while they stay within ±2^53 (the header
 * checks below guarantee that for every stream a real tile can produce), with the integer bit operations
 * written as power-of-two divisions and floors. For 8- and 16-bit images cfitsio's 32-bit
 * `fits_hdecompress` never overflows, so it computes the same integers.
 *
 * @module
 */

import { CloudFitsError } from "../../errors.ts";

/**
 * Options for {@linkcode decodeHcompress}.
 *
 * @example Smooth when the header asks for it
 * ```ts
 * import type { HcompressOptions } from "./hcompress.ts";
 *
 * const options: HcompressOptions = { smooth: true }; // ZNAME2 = 'SMOOTH', ZVAL2 = 1
 * console.log(options.smooth); // true
 * ```
 */
export interface HcompressOptions {
  /**
   * Smooth while inverting the transform (HSCOMPRESS; the tile header's `ZNAMEi = 'SMOOTH'`, `ZVALi = 1`).
   * Only changes lossy tiles, whose stored scale exceeds 1. Default false.
   */
  smooth?: boolean;
}

const HEADER_BYTES = 25;
/** Coefficients beyond 2^53 would not be exact in a double; real tiles stay far below. */
const MAX_EXACT_BITS = 53;
/** cfitsio keeps rows × columns within a C int. */
const MAX_PIXELS = 0x7fffffff;

/**
 * Decode one HCOMPRESS_1 tile into its nx × ny integers (row-major: ny rows of nx, as FITS stores a tile).
 *
 * The result equals cfitsio's `funpack` bit for bit, for lossless and lossy (scaled) tiles, with and
 * without smoothing. The stream's scale is applied here (the integers come back multiplied); ZSCALE/ZZERO,
 * dithering and BLANK handling are the caller's.
 *
 * @param bytes The tile's COMPRESSED_DATA bytes.
 * @param nx Tile width: pixels per row (ZTILE1, or less for an edge tile).
 * @param ny Tile height: rows (ZTILE2, or less for an edge tile).
 * @param options `smooth`: apply HSCOMPRESS smoothing (ZNAME `SMOOTH` with ZVAL 1).
 * @returns The tile's `nx * ny` integers.
 * @throws {CloudFitsError} `TRUNCATED` when the stream ends early; `BAD_HEADER` for a wrong magic number,
 *   dimensions that differ from `nx × ny`, more than 64 bit planes or an invalid code; `UNSUPPORTED` for a
 *   1 × 1 tile or coefficients beyond 2^53 (54–64 bit planes), which no real tile needs.
 * @throws {RangeError} When `nx` or `ny` is not a positive integer, or the tile exceeds 2^31 − 1 pixels.
 * @throws {TypeError} When `bytes` is not a `Uint8Array`.
 *
 * @example Decode a tile read from a compressed image's heap
 * ```ts ignore
 * import { decodeHcompress } from "./hcompress.ts";
 *
 * const tile = decodeHcompress(compressedBytes, 100, 100, { smooth: false });
 * console.log(tile.length); // 10000
 * ```
 */
export function decodeHcompress(
  bytes: Uint8Array,
  nx: number,
  ny: number,
  options: HcompressOptions = {},
): Int32Array {
  if (!(bytes instanceof Uint8Array)) throw new TypeError("HCOMPRESS bytes must be a Uint8Array");
  for (const [name, value] of [["nx", nx], ["ny", ny]] as const) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new RangeError(`HCOMPRESS tile ${name} must be a positive integer, got ${value}`);
    }
  }
  if (nx * ny > MAX_PIXELS) {
    throw new RangeError(`HCOMPRESS tile of ${nx} × ${ny} pixels exceeds ${MAX_PIXELS} pixels`);
  }
  const header = readHeader(bytes, nx, ny);
  const rows = ny;
  const cols = nx;
  const coefficients = new Float64Array(rows * cols);
  decodeCoefficients(bytes, coefficients, rows, cols, header.bitPlanes);
  coefficients[0] = header.sum;
  if (header.scale > 1) {
    for (let i = 0; i < coefficients.length; i++) coefficients[i] *= header.scale;
  }
  invertHTransform(coefficients, rows, cols, options.smooth === true, header.scale);
  // Converting stores ToInt32(value), the same wrap as cfitsio's (int) cast of its 64-bit results.
  return new Int32Array(coefficients);
}

interface StreamHeader {
  scale: number;
  sum: number;
  bitPlanes: [number, number, number];
}

/**
 * Throw with the position inside the tile's stream. It is not a file offset, so `offset` stays unset; the
 * caller knows the tile and its heap offset and can say so.
 */
function fail(code: "TRUNCATED" | "BAD_HEADER" | "UNSUPPORTED", detail: string, position: number): never {
  throw new CloudFitsError(code, `Cannot decode HCOMPRESS tile at stream byte ${position}: ${detail}`);
}

function readHeader(bytes: Uint8Array, nx: number, ny: number): StreamHeader {
  if (bytes.length < HEADER_BYTES) {
    fail("TRUNCATED", `stream has ${bytes.length} bytes, its header needs ${HEADER_BYTES}`, 0);
  }
  if (bytes[0] !== 0xdd || bytes[1] !== 0x99) {
    const found = `0x${hex(bytes[0])} 0x${hex(bytes[1])}`;
    fail("BAD_HEADER", `magic number ${found} is not 0xdd 0x99`, 0);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const rows = view.getInt32(2);
  const cols = view.getInt32(6);
  if (rows !== ny || cols !== nx) {
    fail("BAD_HEADER", `stream holds ${cols} × ${rows} pixels, the tile is ${nx} × ${ny}`, 2);
  }
  if (nx === 1 && ny === 1) fail("UNSUPPORTED", "a 1 × 1 tile has no defined H-transform", 2);
  const scale = view.getInt32(10);
  const bigSum = view.getBigInt64(14);
  if (bigSum > BigInt(Number.MAX_SAFE_INTEGER) || bigSum < -BigInt(Number.MAX_SAFE_INTEGER)) {
    fail("UNSUPPORTED", `sum term ${bigSum} exceeds 2^53`, 14);
  }
  const bitPlanes: [number, number, number] = [bytes[22], bytes[23], bytes[24]];
  const deepest = Math.max(...bitPlanes);
  if (deepest > 64) fail("BAD_HEADER", `${deepest} bit planes exceed the 64 of a 64-bit coefficient`, 22);
  if (deepest > MAX_EXACT_BITS) {
    fail("UNSUPPORTED", `${deepest} bit planes exceed the ${MAX_EXACT_BITS} this decoder keeps exact`, 22);
  }
  // After multiplying by the scale, coefficients must stay exact doubles.
  const magnitude = Math.max(2 ** deepest, Math.abs(Number(bigSum))) * Math.max(scale, 1);
  if (magnitude > 2 ** MAX_EXACT_BITS) {
    fail("UNSUPPORTED", `scale ${scale} makes coefficients exceed 2^${MAX_EXACT_BITS}`, 10);
  }
  return { scale, sum: Number(bigSum), bitPlanes };
}

function hex(byte: number): string {
  return byte.toString(16).padStart(2, "0");
}

/**
 * An MSB-first bit reader over the stream. Every read past the end throws, so each loop that reads is
 * bounded by the stream length.
 */
class BitReader {
  /** Next byte to load. */
  position: number;
  /** What is being read, for error messages. */
  context = "";
  private buffer = 0;
  private bitsLeft = 0;

  constructor(private readonly bytes: Uint8Array, start: number) {
    this.position = start;
  }

  /** Drop the bits left in the current byte: the next read starts at a byte boundary. */
  alignToByte(): void {
    this.bitsLeft = 0;
  }

  private loadByte(): void {
    if (this.position >= this.bytes.length) {
      fail(
        "TRUNCATED",
        `stream ends after ${this.bytes.length} bytes while reading ${this.context}`,
        this.position,
      );
    }
    this.buffer = ((this.buffer << 8) | this.bytes[this.position++]) & 0xffff;
    this.bitsLeft += 8;
  }

  /** Read `count` bits (1 to 8) as an unsigned integer. */
  bits(count: number): number {
    if (this.bitsLeft < count) this.loadByte();
    this.bitsLeft -= count;
    return (this.buffer >> this.bitsLeft) & ((1 << count) - 1);
  }

  /**
   * One value 0–15 of the fixed prefix code for quadtree nybbles: 1, 2, 4, 8 take 3 bits; 3, 5, 10, 12,
   * 15 take 4; 6, 7, 9, 11, 13 take 5; 0 and 14 take 6.
   */
  huffman(): number {
    let code = this.bits(3);
    if (code < 4) return 1 << code;
    code = (code << 1) | this.bits(1);
    if (code < 13) return FOUR_BIT_VALUES[code - 8];
    code = (code << 1) | this.bits(1);
    if (code < 31) return FIVE_BIT_VALUES[code - 26];
    code = (code << 1) | this.bits(1);
    return code === 62 ? 0 : 14;
  }
}

/** Values of the 4-bit codes 0b1000–0b1100 and the 5-bit codes 0b11010–0b11110. */
const FOUR_BIT_VALUES = [3, 5, 10, 12, 15];
const FIVE_BIT_VALUES = [6, 7, 9, 11, 13];

function decodeCoefficients(
  bytes: Uint8Array,
  a: Float64Array,
  rows: number,
  cols: number,
  bitPlanes: [number, number, number],
): void {
  const reader = new BitReader(bytes, HEADER_BYTES);
  const rows2 = (rows + 1) >> 1;
  const cols2 = (cols + 1) >> 1;
  // One scratch array, sized for the largest quadrant (quadrant 0), serves all four.
  const scratch = new Uint8Array(((rows2 + 1) >> 1) * ((cols2 + 1) >> 1));
  const quadrants: [number, number, number, number][] = [
    [0, rows2, cols2, bitPlanes[0]],
    [cols2, rows2, cols >> 1, bitPlanes[1]],
    [cols * rows2, rows >> 1, cols2, bitPlanes[1]],
    [cols * rows2 + cols2, rows >> 1, cols >> 1, bitPlanes[2]],
  ];
  quadrants.forEach(([offset, quadRows, quadCols, planes], quadrant) => {
    decodeQuadrant(reader, a, offset, cols, quadRows, quadCols, planes, quadrant, scratch);
  });
  reader.context = "the end-of-planes code";
  const end = reader.bits(4);
  if (end !== 0) fail("BAD_HEADER", `end-of-planes code is ${end}, expected 0`, reader.position - 1);
  reader.alignToByte();
  reader.context = "sign bits";
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== 0 && reader.bits(1) === 1) a[i] = -a[i];
  }
}

/** Decode the bit planes of one quadrant (quadRows × quadCols at `offset`, row stride `stride`) into `a`. */
function decodeQuadrant(
  reader: BitReader,
  a: Float64Array,
  offset: number,
  stride: number,
  quadRows: number,
  quadCols: number,
  planes: number,
  quadrant: number,
  scratch: Uint8Array,
): void {
  const longest = Math.max(quadRows, quadCols);
  let levels = 0;
  while (2 ** levels < longest) levels++;
  const blocks = ((quadRows + 1) >> 1) * ((quadCols + 1) >> 1);
  for (let bit = planes - 1; bit >= 0; bit--) {
    reader.context = `bit plane ${bit} of quadrant ${quadrant}`;
    const format = reader.bits(4);
    if (format === 0) {
      // Plane stored directly: one nybble per 2 × 2 block.
      for (let k = 0; k < blocks; k++) scratch[k] = reader.bits(4);
    } else if (format === 0xf) {
      const first = reader.huffman();
      if (blocks === 0) continue; // an empty quadrant still carries its first code
      scratch[0] = first;
      let height = 1;
      let width = 1;
      let restRows = quadRows;
      let restCols = quadCols;
      let step = 2 ** levels;
      // Each step doubles the grid (minus one where the quadrant's size is odd at that level).
      for (let level = 1; level < levels; level++) {
        step /= 2;
        height *= 2;
        width *= 2;
        if (restRows <= step) height -= 1;
        else restRows -= step;
        if (restCols <= step) width -= 1;
        else restCols -= step;
        expandQuadtree(reader, scratch, height, width);
      }
    } else {
      fail("BAD_HEADER", `bit plane format code is ${format}, expected 0 or 15`, reader.position - 1);
    }
    insertBitPlane(scratch, quadRows, quadCols, a, offset, stride, 2 ** bit);
  }
}

/**
 * One quadtree step in place: spread the (height+1)/2 × (width+1)/2 nybbles in `b` over a height × width
 * grid of 0/1 flags (bit 3 → top left, 2 → top right, 1 → bottom left, 0 → bottom right), then replace each
 * set flag, last to first, by the next code from the stream.
 */
function expandQuadtree(reader: BitReader, b: Uint8Array, height: number, width: number): void {
  const halfRows = (height + 1) >> 1;
  const halfCols = (width + 1) >> 1;
  // Move nybble (i, j) to (2i, 2j), back to front so that nothing is overwritten before it moves.
  let k = halfRows * halfCols - 1;
  for (let i = halfRows - 1; i >= 0; i--) {
    for (let j = halfCols - 1; j >= 0; j--) b[2 * (width * i + j)] = b[k--];
  }
  for (let i = 0; i < height; i += 2) {
    const top = width * i;
    const bottom = i + 1 < height ? top + width : -1;
    for (let j = 0; j < width; j += 2) {
      const v = b[top + j];
      b[top + j] = (v >> 3) & 1;
      if (j + 1 < width) b[top + j + 1] = (v >> 2) & 1;
      if (bottom >= 0) {
        b[bottom + j] = (v >> 1) & 1;
        if (j + 1 < width) b[bottom + j + 1] = v & 1;
      }
    }
  }
  for (let i = height * width - 1; i >= 0; i--) {
    if (b[i] !== 0) b[i] = reader.huffman();
  }
}

/** Add `planeValue` to each quadrant pixel whose flag is set in the 2 × 2 block nybbles of `blocks`. */
function insertBitPlane(
  blocks: Uint8Array,
  quadRows: number,
  quadCols: number,
  a: Float64Array,
  offset: number,
  stride: number,
  planeValue: number,
): void {
  // Each plane sets its bit at most once per pixel and planes are distinct, so adding equals OR.
  const pairRows = quadRows & ~1;
  const pairCols = quadCols & ~1;
  let k = 0;
  for (let i = 0; i < quadRows; i += 2) {
    const top = offset + stride * i;
    const bottom = top + stride;
    if (i < pairRows) {
      for (let j = 0; j < pairCols; j += 2) {
        const v = blocks[k++];
        if (v === 0) continue;
        if (v & 8) a[top + j] += planeValue;
        if (v & 4) a[top + j + 1] += planeValue;
        if (v & 2) a[bottom + j] += planeValue;
        if (v & 1) a[bottom + j + 1] += planeValue;
      }
      if (pairCols < quadCols) {
        // Odd width: the block's right column is off the edge.
        const v = blocks[k++];
        if (v & 8) a[top + pairCols] += planeValue;
        if (v & 2) a[bottom + pairCols] += planeValue;
      }
    } else {
      // Odd height: the blocks' bottom row is off the edge.
      for (let j = 0; j < quadCols; j += 2) {
        const v = blocks[k++];
        if (v & 8) a[top + j] += planeValue;
        if (v & 4 && j + 1 < quadCols) a[top + j + 1] += planeValue;
      }
    }
  }
}

/** `x & -step` for a power of two `step`: round down to a multiple of it. */
function floorTo(x: number, step: number): number {
  return Math.floor(x / step) * step;
}

/** Whether bit `step` (a power of two) is set in the two's-complement integer `x`. */
function bitOf(x: number, step: number): number {
  return Math.floor(x / step) & 1;
}

/**
 * Invert the H-transform in place (cfitsio `hinv64`): `levels` passes, each interleaving the coefficients
 * of a doubled grid and turning each 2 × 2 group (sum, x and y differences, curvature) back into values.
 */
function invertHTransform(a: Float64Array, rows: number, cols: number, smooth: boolean, scale: number): void {
  const longest = Math.max(rows, cols);
  let levels = 0;
  while (2 ** levels < longest) levels++;
  const tmp = new Float64Array((longest + 1) >> 1);
  // Round the sum term to a multiple of 2^(levels+1), as the forward transform left it.
  const top = 2 ** (levels + 1);
  a[0] = floorTo(a[0] + (a[0] >= 0 ? top / 2 : top / 2 - 1), top);
  let gridRows = 1;
  let gridCols = 1;
  let restRows = rows;
  let restCols = cols;
  let step = 2 ** levels;
  for (let k = levels - 1; k >= 0; k--) {
    step /= 2;
    gridRows *= 2;
    gridCols *= 2;
    if (restRows <= step) gridRows -= 1;
    else restRows -= step;
    if (restCols <= step) gridCols -= 1;
    else restCols -= step;
    for (let i = 0; i < gridRows; i++) unshuffle(a, cols * i, gridCols, 1, tmp);
    for (let j = 0; j < gridCols; j++) unshuffle(a, j, gridRows, cols, tmp);
    if (smooth) smoothCoefficients(a, gridRows, gridCols, cols, scale);
    combineLevel(a, gridRows, gridCols, cols, k);
  }
}

/** Interleave: the first ceil(n/2) elements (stride `stride`) go to even places, the rest to odd ones. */
function unshuffle(a: Float64Array, start: number, n: number, stride: number, tmp: Float64Array): void {
  const half = (n + 1) >> 1;
  for (let i = half, t = 0; i < n; i++, t++) tmp[t] = a[start + stride * i];
  for (let i = half - 1; i >= 0; i--) a[start + 2 * stride * i] = a[start + stride * i];
  for (let i = 1, t = 0; i < n; i += 2, t++) a[start + stride * i] = tmp[t];
}

/** One inverse pass at level `k` (k = 0 is the last, which divides by 4 instead of 2). */
function combineLevel(a: Float64Array, gridRows: number, gridCols: number, cols: number, k: number): void {
  const bit0 = 2 ** k;
  const bit1 = 2 * bit0;
  const round0 = k === 0 ? 0 : bit0 / 2;
  const negRound0 = k === 0 ? 0 : round0 - 1;
  const round1 = bit0;
  const negRound1 = round1 - 1;
  const divisor = k === 0 ? 4 : 2;
  const oddRows = gridRows % 2;
  const oddCols = gridCols % 2;
  let i = 0;
  for (; i < gridRows - oddRows; i += 2) {
    let s00 = cols * i;
    let s10 = s00 + cols;
    for (let j = 0; j < gridCols - oddCols; j += 2, s00 += 2, s10 += 2) {
      let h0 = a[s00];
      let hx = floorTo(a[s10] + (a[s10] >= 0 ? round1 : negRound1), bit1);
      let hy = floorTo(a[s00 + 1] + (a[s00 + 1] >= 0 ? round1 : negRound1), bit1);
      const hc = floorTo(a[s10 + 1] + (a[s10 + 1] >= 0 ? round0 : negRound0), bit0);
      // The curvature term's low bit belongs to hx and hy; bits 0 and 1 of all three belong to h0.
      const lowBit0 = bitOf(hc, bit0) * bit0;
      hx = hx >= 0 ? hx - lowBit0 : hx + lowBit0;
      hy = hy >= 0 ? hy - lowBit0 : hy + lowBit0;
      const lowBit1 = ((bitOf(hc, bit1) + bitOf(hx, bit1) + bitOf(hy, bit1)) & 1) * bit1;
      h0 = h0 >= 0 ? h0 + lowBit0 - lowBit1 : h0 + (lowBit0 === 0 ? lowBit1 : lowBit0 - lowBit1);
      a[s10 + 1] = Math.floor((h0 + hx + hy + hc) / divisor);
      a[s10] = Math.floor((h0 + hx - hy - hc) / divisor);
      a[s00 + 1] = Math.floor((h0 - hx + hy - hc) / divisor);
      a[s00] = Math.floor((h0 - hx - hy + hc) / divisor);
    }
    if (oddCols) {
      // Last column of an odd-width grid: only h0 and hx exist.
      let h0 = a[s00];
      const hx = floorTo(a[s10] + (a[s10] >= 0 ? round1 : negRound1), bit1);
      const lowBit1 = bitOf(hx, bit1) * bit1;
      h0 = h0 >= 0 ? h0 - lowBit1 : h0 + lowBit1;
      a[s10] = Math.floor((h0 + hx) / divisor);
      a[s00] = Math.floor((h0 - hx) / divisor);
    }
  }
  if (oddRows) {
    // Last row of an odd-height grid: only h0 and hy exist.
    let s00 = cols * i;
    for (let j = 0; j < gridCols - oddCols; j += 2, s00 += 2) {
      let h0 = a[s00];
      const hy = floorTo(a[s00 + 1] + (a[s00 + 1] >= 0 ? round1 : negRound1), bit1);
      const lowBit1 = bitOf(hy, bit1) * bit1;
      h0 = h0 >= 0 ? h0 - lowBit1 : h0 + lowBit1;
      a[s00 + 1] = Math.floor((h0 + hy) / divisor);
      a[s00] = Math.floor((h0 - hy) / divisor);
    }
    if (oddCols) a[s00] = Math.floor(a[s00] / divisor);
  }
}

/** Integer division rounding toward zero, as C's `s >> n` for s ≥ 0 and `(s + 2^n - 1) >> n` below. */
function divideTowardZero(s: number, divisor: number): number {
  return s >= 0 ? Math.floor(s / divisor) : Math.floor((s + divisor - 1) / divisor);
}

function clamp(value: number, limit: number): number {
  return Math.max(Math.min(value, limit), -limit);
}

/**
 * HSCOMPRESS smoothing (cfitsio `hsmooth64`): nudge the x, y and curvature differences of each 2 × 2 group
 * toward the slopes its neighbours' sums imply, within monotonicity limits and by at most scale/2.
 */
function smoothCoefficients(
  a: Float64Array,
  gridRows: number,
  gridCols: number,
  cols: number,
  scale: number,
) {
  const limit = scale >> 1;
  if (limit <= 0) return;
  const cols2 = 2 * cols;
  // x differences, from the sums two rows above and below.
  for (let i = 2; i < gridRows - 2; i += 2) {
    let s00 = cols * i;
    let s10 = s00 + cols;
    for (let j = 0; j < gridCols; j += 2, s00 += 2, s10 += 2) {
      const hm = a[s00 - cols2];
      const h0 = a[s00];
      const hp = a[s00 + cols2];
      const dmax = Math.max(Math.min(hp - h0, h0 - hm), 0) * 4;
      const dmin = Math.min(Math.max(hp - h0, h0 - hm), 0) * 4;
      if (dmin < dmax) {
        const diff = Math.max(Math.min(hp - hm, dmax), dmin);
        a[s10] += clamp(divideTowardZero(diff - a[s10] * 8, 8), limit);
      }
    }
  }
  // y differences, from the sums two columns left and right.
  for (let i = 0; i < gridRows; i += 2) {
    let s00 = cols * i + 2;
    for (let j = 2; j < gridCols - 2; j += 2, s00 += 2) {
      const hm = a[s00 - 2];
      const h0 = a[s00];
      const hp = a[s00 + 2];
      const dmax = Math.max(Math.min(hp - h0, h0 - hm), 0) * 4;
      const dmin = Math.min(Math.max(hp - h0, h0 - hm), 0) * 4;
      if (dmin < dmax) {
        const diff = Math.max(Math.min(hp - hm, dmax), dmin);
        a[s00 + 1] += clamp(divideTowardZero(diff - a[s00 + 1] * 8, 8), limit);
      }
    }
  }
  // Curvature, from the four diagonal neighbours' sums.
  for (let i = 2; i < gridRows - 2; i += 2) {
    let s00 = cols * i + 2;
    let s10 = s00 + cols;
    for (let j = 2; j < gridCols - 2; j += 2, s00 += 2, s10 += 2) {
      const hmm = a[s00 - cols2 - 2];
      const hpm = a[s00 + cols2 - 2];
      const hmp = a[s00 - cols2 + 2];
      const hpp = a[s00 + cols2 + 2];
      const h0 = a[s00];
      const hx2 = a[s10] * 2;
      const hy2 = a[s00 + 1] * 2;
      const dmax = Math.min(
        Math.min(Math.max(hpp - h0, 0) - hx2 - hy2, Math.max(h0 - hpm, 0) + hx2 - hy2),
        Math.min(Math.max(h0 - hmp, 0) - hx2 + hy2, Math.max(hmm - h0, 0) + hx2 + hy2),
      ) * 16;
      const dmin = Math.max(
        Math.max(Math.min(hpp - h0, 0) - hx2 - hy2, Math.min(h0 - hpm, 0) + hx2 - hy2),
        Math.max(Math.min(h0 - hmp, 0) - hx2 + hy2, Math.min(hmm - h0, 0) + hx2 + hy2),
      ) * 16;
      if (dmin < dmax) {
        const diff = Math.max(Math.min(hpp + hmm - hmp - hpm, dmax), dmin);
        a[s10 + 1] += clamp(divideTowardZero(diff - a[s10 + 1] * 64, 64), limit);
      }
    }
  }
}
