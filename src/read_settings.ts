/**
 * Settings shared by the reads of an opened file, and what a planned read would cost.
 *
 * @module
 */
import {
  type CostEstimate,
  estimateCost,
  exceededLimits,
  type LimitExcess,
  type PlanFigures,
} from "./plan/cost.ts";
import type { ReadRangesOptions } from "./read/read_ranges.ts";

/**
 * Settings shared by every read of an opened file: abort signal, concurrency, the request cost
 * (`maxGap`), the span cap, the window of bytes held in flight, and the cost limits every read is
 * checked against before it fetches.
 */
export type ReadSettings = Omit<ReadRangesOptions, "what">;

/** Settings of a table read: which columns (names, case-insensitive, or 1-based numbers), and how to fetch. */
export type RowReadSettings = ReadSettings & { columns?: readonly (string | number)[] };

/** What a read would cost, computed without fetching anything. */
export interface ReadPlanSummary extends PlanFigures {
  /** Shape of the result in numpy order (for table rows: rows, columns). */
  shape: number[];
  /** Estimated cost at the prices of the settings' limits (default: S3 list prices). */
  cost: CostEstimate;
  /**
   * False when part of the read can only be planned after a first read: the tiles of a compressed
   * image, whose byte ranges are in their table rows, or the heap of variable-length arrays. The
   * figures then cover the first read only.
   */
  complete: boolean;
  /** Whether the settings' cost limits allow the read (what `section` or `rows` would do). */
  allowed: boolean;
  /** When not allowed: each limit exceeded, and the settings that would allow it. */
  excess?: LimitExcess;
}

/**
 * The figures of a planned read, its cost, and whether the settings' limits allow it.
 *
 * @param figures What the plan sends and reads.
 * @param shape The result's shape, numpy order.
 * @param complete Whether the figures cover the whole read.
 * @param settings The limits and prices.
 * @returns The summary.
 */
export function summarize(
  figures: PlanFigures,
  shape: number[],
  complete: boolean,
  settings: ReadSettings,
): ReadPlanSummary {
  const excess = exceededLimits(figures, settings.limits);
  return {
    ...figures,
    shape,
    cost: estimateCost(figures, settings.limits?.prices),
    complete,
    allowed: excess === undefined,
    ...(excess === undefined ? {} : { excess }),
  };
}
