/**
 * A bounded number of jobs at once, for commands that work on many files or targets.
 *
 * @module
 */

/**
 * Run `work` on every item, `inFlight` at a time. After a failure no more start, and the first failure
 * is thrown once those running have ended (so that nothing runs on after the caller cleans up).
 *
 * @param items The items.
 * @param inFlight How many at once (≥ 1).
 * @param work The work for one item.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { forEachAtOnce } from "./at_once.ts";
 *
 * let running = 0, most = 0;
 * await forEachAtOnce([1, 2, 3, 4, 5], 2, async () => {
 *   most = Math.max(most, ++running);
 *   await new Promise((resolve) => setTimeout(resolve, 1));
 *   running--;
 * });
 * assert.equal(most, 2);
 * await assert.rejects(forEachAtOnce([1, 2, 3], 1, (n) => n === 2 ? Promise.reject(new Error("two")) : Promise.resolve()), /two/);
 * ```
 */
export async function forEachAtOnce<T>(
  items: readonly T[],
  inFlight: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (failure === undefined && next < items.length) {
      const item = items[next++];
      await Promise.resolve().then(() => work(item)).catch((error) => void (failure ??= { error }));
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, items.length) }, worker));
  if (failure !== undefined) throw failure.error;
}
