/**
 * Sections of tile-compressed images, planned: the tiles a section touches and their table rows, where
 * each tile's bytes lie once its row is read, and how its decoded pixels land in the numpy-order
 * result. Pure: `src/read/compressed_section.ts` does the reading.
 *
 * @module
 */
import { CloudFitsError } from "../errors.ts";
import {
  type CompressedImageInfo,
  describeTileStorage,
  type StoredTile,
  type TileStorage,
} from "../fits/compressed.ts";
import type { TypedArray } from "../fits/dtype.ts";
import { elementWidth } from "../fits/table_layout.ts";
import type { Hdu } from "../fits/layout.ts";
import type { Column } from "../fits/table_layout.ts";
import { gzipMaxInflated, plioMaxPixels, riceMaxPixels } from "../fits/tiles/limits.ts";
import type { ByteRange } from "./types.ts";
import { type AxisSelection, type SectionSpec, selectAxis } from "./image_section.ts";

/** The tiles a section touches, the table rows that describe them, and how their pixels are placed. */
export interface TileSectionPlan {
  /** Shape of the result in numpy order (axes selected by an index are dropped). */
  shape: number[];
  /** Table rows (0-based tile numbers) of the tiles the section touches, ascending. */
  rows: number[];
  /** The byte range of each of those rows, in the same order. */
  rowRanges: ByteRange[];
  /** The image's tile storage: Z keywords, tile columns, dtypes. */
  storage: TileStorage;
  /** The selection on each axis (numpy order). */
  selections: AxisSelection[];
  /** Per axis: which selected indices fall in which tile. */
  axes: AxisTiles[];
}

/** Per axis (numpy order): which selected indices fall in which tile. */
export interface AxisTiles {
  /** Tile indices along this axis that hold selected pixels, ascending. */
  tiles: number[];
  /** For each of those tiles: positions k in the selection, and the pixel's index within the tile. */
  picks: { k: number[]; within: number[] }[];
}

/**
 * Plan a section of a tile-compressed image: the tiles it touches and their table rows. Pure: no I/O.
 *
 * @param hdu A `COMPRESSED_IMAGE` HDU.
 * @param spec The selection in numpy order, as for uncompressed images.
 * @returns The result shape, the tile rows and their byte ranges, and the geometry to place pixels.
 * @throws {CloudFitsError} `OUT_OF_RANGE` for indices outside the image; `BAD_HEADER` or `UNSUPPORTED`
 *   for Z keywords that cannot be read.
 *
 * @example A 10×10 cutout touches one 16×16 tile
 * ```ts ignore
 * import { planTileSection } from "./tile_section.ts";
 *
 * const plan = planTileSection(hdu, [[0, 10], [0, 10]]);
 * console.log(plan.shape, plan.rows); // [10, 10] [0]
 * ```
 */
export function planTileSection(hdu: Hdu, spec: SectionSpec): TileSectionPlan {
  const storage = describeTileStorage(hdu);
  const { shape, tileShape } = storage.info;
  if (spec.length > shape.length) {
    throw new CloudFitsError(
      "OUT_OF_RANGE",
      `Cannot select ${spec.length} axes of HDU ${hdu.index}: the image has ${shape.length} (numpy order, 0-based)`,
    );
  }
  const selections = shape.map((n, axis) => selectAxis(spec[axis] ?? null, n, axis, hdu.index));
  const axes = selections.map((s, axis) => axisTiles(s, tileShape[axis]));
  const rows = tileRows(storage.info, axes);
  return {
    shape: selections.filter((s) => s.keep).map((s) => s.count),
    rows,
    rowRanges: rowRanges(hdu, storage, rows),
    storage,
    selections,
    axes,
  };
}

function axisTiles(selection: AxisSelection, tileSize: number): AxisTiles {
  const result: AxisTiles = { tiles: [], picks: [] };
  for (let k = 0; k < selection.count; k++) {
    const index = selection.start + k * selection.step;
    const tile = Math.floor(index / tileSize);
    if (result.tiles.at(-1) !== tile) {
      result.tiles.push(tile);
      result.picks.push({ k: [], within: [] });
    }
    const picks = result.picks[result.picks.length - 1];
    picks.k.push(k);
    picks.within.push(index - tile * tileSize);
  }
  return result;
}

/** Rows of the tiles in the product of the per-axis tile lists; the tile grid is in C order, like rows. */
function tileRows(info: CompressedImageInfo, axes: AxisTiles[]): number[] {
  const grid = info.shape.map((n, axis) => Math.ceil(n / info.tileShape[axis]));
  let rows = [0];
  for (let axis = 0; axis < axes.length; axis++) {
    const next: number[] = [];
    for (const row of rows) for (const tile of axes[axis].tiles) next.push(row * grid[axis] + tile);
    rows = next;
  }
  return axes.some((a) => a.tiles.length === 0) ? [] : rows;
}

function rowRanges(hdu: Hdu, storage: TileStorage, rows: number[]): ByteRange[] {
  const size = storage.table.rowBytes;
  return rows.map((row) => ({ offset: hdu.dataOffset + row * size, length: size }));
}

/** Where one tile's bytes lie in the heap, and what decoding them needs. */
export interface LocatedTile {
  /** Everything about the tile but its bytes. */
  stored: Omit<StoredTile, "bytes">;
  /** Offset of its bytes from the start of the heap. */
  heapOffset: number;
  /** Their length. */
  length: number;
}

/**
 * Read one tile's table row: pick the column that holds its data, check the descriptor against the
 * heap, and bound its length by what its pixels can need, before anything is read or allocated.
 *
 * @param hdu The `COMPRESSED_IMAGE` HDU.
 * @param storage Its tile storage.
 * @param row The tile's row, 0-based.
 * @param bytes The row's bytes.
 * @returns Where the tile's bytes lie and how to decode them.
 * @throws {CloudFitsError} `BAD_HEADER` for a descriptor outside the heap or an implausible length.
 *
 * @example
 * ```ts ignore
 * const tile = locateTile(hdu, plan.storage, plan.rows[0], rowBytes);
 * console.log(tile.heapOffset, tile.length);
 * ```
 */
export function locateTile(hdu: Hdu, storage: TileStorage, row: number, bytes: Uint8Array): LocatedTile {
  const { info, columns, table } = storage;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const rowOffset = hdu.dataOffset + row * table.rowBytes;
  const bad = (message: string, offset: number): CloudFitsError =>
    new CloudFitsError("BAD_HEADER", `Cannot read tile ${row + 1} of HDU ${hdu.index}: ${message}`, {
      offset,
    });

  // The tile's shape: ZTILEn, clipped at the image's far edges.
  const axes: number[] = [];
  let rest = row;
  for (let axis = info.shape.length - 1; axis >= 0; axis--) {
    const perAxis = Math.ceil(info.shape[axis] / info.tileShape[axis]);
    const t = rest % perAxis;
    rest = Math.floor(rest / perAxis);
    axes.push(Math.min(info.tileShape[axis], info.shape[axis] - t * info.tileShape[axis]));
  }
  const pixelCount = axes.reduce((p, n) => p * n, 1);

  const descriptor = (column: Column | null): { count: number; offset: number; width: number } | null => {
    if (column === null) return null;
    const at = column.offset;
    let count: number;
    let offset: number;
    if (column.typeCode === "P") {
      count = view.getInt32(at);
      offset = view.getInt32(at + 4);
    } else {
      count = Number(view.getBigInt64(at));
      offset = Number(view.getBigInt64(at + 8));
    }
    const width = elementWidth(column.elementType ?? "B");
    if (count < 0 || offset < 0 || !Number.isSafeInteger(count * width) || !Number.isSafeInteger(offset)) {
      throw bad(`${column.name} descriptor (${count}, ${offset}) is invalid`, rowOffset + at);
    }
    if (offset + count * width > table.heapSize) {
      throw bad(
        `${column.name} descriptor (${count}, ${offset}) runs past the ${table.heapSize}-byte heap`,
        rowOffset + at,
      );
    }
    return count > 0 ? { count, offset, width } : null;
  };
  const candidates = [
    ["COMPRESSED_DATA", columns.compressed],
    ["GZIP_COMPRESSED_DATA", columns.gzipCompressed],
    ["UNCOMPRESSED_DATA", columns.uncompressed],
  ] as const;
  let chosen: { name: StoredTile["column"]; count: number; offset: number; width: number } | null = null;
  for (const [name, column] of candidates) {
    const found = descriptor(column);
    if (found && !chosen) chosen = { name, ...found };
  }
  if (chosen === null) throw bad("the tile has no data in any tile column", rowOffset);

  const length = chosen.count * chosen.width;
  const pixelBytes = storage.quantize ? 4 : Math.abs(info.zbitpix) / 8;
  const plausible = chosen.name === "UNCOMPRESSED_DATA"
    ? chosen.count === pixelCount
    : chosen.name === "GZIP_COMPRESSED_DATA"
    ? pixelCount * (Math.abs(info.zbitpix) / 8) <= gzipMaxInflated(length)
    : compressedPlausible(storage, pixelCount, pixelBytes, length);
  if (!plausible || length > 2 * pixelCount * pixelBytes + 1024) {
    throw bad(`${length} stored bytes cannot hold a tile of ${pixelCount} pixels`, rowOffset);
  }
  const number = (column: Column | null): number | null => {
    if (column === null) return null;
    const at = column.offset;
    switch (column.typeCode) {
      case "D":
        return view.getFloat64(at);
      case "E":
        return view.getFloat32(at);
      case "J":
        return view.getInt32(at);
      case "I":
        return view.getInt16(at);
      default:
        return view.getUint8(at);
    }
  };
  return {
    stored: {
      row,
      pixelCount,
      axes,
      column: chosen.name,
      zscale: number(columns.zscale),
      zzero: number(columns.zzero),
      zblank: number(columns.zblank),
    },
    heapOffset: chosen.offset,
    length,
  };
}

/** Whether a COMPRESSED_DATA stream of `length` bytes can decode to `pixelCount` pixels. */
function compressedPlausible(
  storage: TileStorage,
  pixelCount: number,
  pixelBytes: number,
  length: number,
): boolean {
  const { info } = storage;
  switch (info.compression) {
    case "RICE_1": {
      const bytePix = info.parameters.BYTEPIX;
      const blockSize = info.parameters.BLOCKSIZE;
      return pixelCount <= riceMaxPixels(
        length,
        typeof bytePix === "number" ? bytePix : 4,
        typeof blockSize === "number" && blockSize > 0 ? blockSize : 32,
      );
    }
    case "GZIP_1":
    case "GZIP_2":
      return pixelCount * pixelBytes <= gzipMaxInflated(length);
    case "PLIO_1":
      return pixelCount <= plioMaxPixels(length / 2);
    case "NOCOMPRESS":
      return length === pixelCount * pixelBytes;
    case "HCOMPRESS_1":
      return true;
  }
}

/**
 * Copy the selected pixels of one decoded tile (FITS order within the tile) into the C-order result.
 *
 * @param plan The section's plan.
 * @param row The tile's row, 0-based.
 * @param values The decoded tile.
 * @param out The result, of the plan's shape.
 *
 * @example
 * ```ts ignore
 * copyTile(plan, tile.stored.row, await decodeTile(plan.storage, { ...tile.stored, bytes }), out);
 * ```
 */
export function copyTile(plan: TileSectionPlan, row: number, values: TypedArray, out: TypedArray): void {
  const { storage, selections, axes } = plan;
  const { shape, tileShape } = storage.info;
  const ndim = shape.length;
  // This tile's position along each axis (numpy order) and its clipped size.
  const grid = shape.map((n, axis) => Math.ceil(n / tileShape[axis]));
  const position = new Array<number>(ndim);
  let rest = row;
  for (let axis = ndim - 1; axis >= 0; axis--) {
    position[axis] = rest % grid[axis];
    rest = Math.floor(rest / grid[axis]);
  }
  const picks = axes.map((a, axis) => a.picks[a.tiles.indexOf(position[axis])]);
  const tileStrides = new Array<number>(ndim);
  const outStrides = new Array<number>(ndim);
  let tileStride = 1;
  let outStride = 1;
  for (let axis = ndim - 1; axis >= 0; axis--) {
    tileStrides[axis] = tileStride;
    outStrides[axis] = outStride;
    tileStride *= Math.min(tileShape[axis], shape[axis] - position[axis] * tileShape[axis]);
    outStride *= selections[axis].count;
  }
  if (ndim === 0) return;
  const last = ndim - 1;
  const innerK = picks[last].k;
  const innerWithin = picks[last].within;
  const counters = new Array<number>(last).fill(0);
  const target = out as Float64Array;
  const source = values as Float64Array;
  while (true) {
    let outBase = 0;
    let tileBase = 0;
    for (let axis = 0; axis < last; axis++) {
      outBase += picks[axis].k[counters[axis]] * outStrides[axis];
      tileBase += picks[axis].within[counters[axis]] * tileStrides[axis];
    }
    for (let j = 0; j < innerK.length; j++) target[outBase + innerK[j]] = source[tileBase + innerWithin[j]];
    let axis = last - 1;
    while (axis >= 0 && ++counters[axis] === picks[axis].k.length) counters[axis--] = 0;
    if (axis < 0) return;
  }
}
