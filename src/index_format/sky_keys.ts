/**
 * Which keys of a sky directory (version 2) a lookup asks for, and which blocks and pages hold them.
 * See docs/index-format.md.
 *
 * @module
 */
import { cellOf, cellsInCone, orderForRadius } from "./healpix.ts";
import { blockSpan, cellKey, type SkyChild } from "./sky_cells.ts";

/**
 * The ranges of cell keys a cone asks for: for each order some footprint is filed at, the cells the
 * cone may touch, found at an order no finer than the cone needs (a point: its one cell), each as the
 * keys its descendants take at the filed order, cut at block boundaries.
 *
 * @param orders The orders present.
 * @param blockOrder The directory's block order.
 * @param ra Cone centre RA, degrees.
 * @param dec Cone centre Dec, degrees.
 * @param radius Cone radius, degrees.
 * @returns Half-open [first, end) key ranges, ascending and disjoint.
 *
 * @example A point asks for one key per order
 * ```ts
 * import assert from "node:assert/strict";
 * import { keyRangesForCone } from "./sky_keys.ts";
 *
 * const ranges = keyRangesForCone([3, 7], 3, 10, 20, 0);
 * assert.equal(ranges.length, 2);
 * assert.ok(ranges.every(([first, end]) => end === first + 1));
 * ```
 */
export function keyRangesForCone(
  orders: readonly number[],
  blockOrder: number,
  ra: number,
  dec: number,
  radius: number,
): [number, number][] {
  const ranges = orders.flatMap((order): [number, number][] => {
    if (radius === 0) {
      const key = cellKey(blockOrder, order, cellOf(order, ra, dec));
      return [[key, key + 1]];
    }
    const coarse = Math.min(order, orderForRadius(radius) + 1);
    const scale = 4 ** (order - coarse);
    const perBlock = 4 ** (order - blockOrder);
    return cellsInCone(coarse, ra, dec, radius).flatMap((cell) => {
      const [first, end] = [cell * scale, (cell + 1) * scale];
      const cut: [number, number][] = [];
      for (let block = Math.floor(first / perBlock); block * perBlock < end; block++) {
        const from = Math.max(first, block * perBlock);
        const to = Math.min(end, (block + 1) * perBlock);
        cut.push([cellKey(blockOrder, order, from), cellKey(blockOrder, order, to - 1) + 1]);
      }
      return cut;
    });
  });
  return ranges.sort((a, b) => a[0] - b[0]);
}

/**
 * Whether a key lies in one of the ranges.
 *
 * @param ranges Half-open ranges, ascending and disjoint.
 * @param key The key.
 * @returns True when some range holds it.
 */
export function inRanges(ranges: readonly [number, number][], key: number): boolean {
  let lo = 0, hi = ranges.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ranges[mid][1] <= key) lo = mid + 1;
    else hi = mid;
  }
  return lo < ranges.length && ranges[lo][0] <= key;
}

/**
 * The blocks whose keys the ranges reach: indices into the root's children (keyed by block number).
 *
 * @param blocks The root's children.
 * @param blockOrder The directory's block order.
 * @param ranges Half-open key ranges.
 * @returns Indices of the blocks to read, ascending.
 */
export function blocksFor(
  blocks: readonly SkyChild[],
  blockOrder: number,
  ranges: readonly [number, number][],
): number[] {
  const span = blockSpan(blockOrder);
  const wanted = new Set<number>();
  for (const [first, end] of ranges) {
    for (let block = Math.floor(first / span); block * span < end; block++) wanted.add(block);
  }
  return blocks.flatMap((child, i) => wanted.has(child.firstKey) ? [i] : []);
}

/**
 * Which pages of a block may hold keys of the ranges. A page holds keys from its first key up to the
 * next page's first key; a key runs across pages only when its entries alone overflow a page, and
 * then every page holding it starts with it.
 *
 * @param pages A block's pages, by first key.
 * @param ranges Half-open key ranges, ascending.
 * @returns Indices of the pages to read, ascending.
 */
export function pagesFor(pages: readonly SkyChild[], ranges: readonly [number, number][]): number[] {
  const before = (key: number): number => {
    let lo = 0, hi = pages.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (pages[mid].firstKey < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const wanted = new Set<number>();
  for (const [first, end] of ranges) {
    const at = before(first);
    const from = at < pages.length && pages[at].firstKey === first ? at : Math.max(0, at - 1);
    for (let i = from; i < before(end); i++) wanted.add(i);
  }
  return [...wanted].sort((a, b) => a - b);
}
