/**
 * Work on a sorted list with several workers, and hand the results on in list order: a reorder window
 * bounds how far the workers may run ahead of the first unfinished item, so memory stays bounded
 * however long the list.
 *
 * @module
 */

/** Options of {@linkcode runInOrder}. */
export interface InOrderOptions {
  /** Workers at once (≥ 1). */
  concurrency: number;
  /** Items started but not yet handed on, at most (≥ concurrency). */
  window: number;
}

/**
 * Run `work` over items `0 … count − 1` with `concurrency` workers and pass each result to `emit` in
 * item order.
 * An item is started only while fewer than `window` items wait to be handed on. An error from `emit`
 * stops the run and is thrown; `work` should report its own failures through its result.
 *
 * @param count How many items: the caller keeps them (compactly) and `work` is given each one's number.
 * @param options Workers and window.
 * @param work Produces an item's result.
 * @param emit Receives results in order, one at a time.
 * @returns When every result has been emitted.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runInOrder } from "./in_order.ts";
 *
 * const seen: number[] = [];
 * const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
 * const delays = [30, 0, 10, 0];
 * await runInOrder(delays.length, { concurrency: 3, window: 3 }, async (i) => {
 *   await delay(delays[i]);
 *   return delays[i];
 * }, (ms) => Promise.resolve(void seen.push(ms)));
 * assert.deepEqual(seen, [30, 0, 10, 0]);
 * ```
 */
export async function runInOrder<R>(
  count: number,
  options: InOrderOptions,
  work: (i: number) => Promise<R>,
  emit: (result: R, i: number) => Promise<void>,
): Promise<void> {
  const window = Math.max(options.window, options.concurrency);
  const finished = new Map<number, R>();
  let waiting: (() => void)[] = [];
  const wakeAll = () => {
    const woken = waiting;
    waiting = [];
    for (const wake of woken) wake();
  };
  let next = 0;
  let emitted = 0;
  let failure: { error: unknown } | undefined;
  let emitting: Promise<void> = Promise.resolve();
  const drain = async () => {
    while (failure === undefined && finished.has(emitted)) {
      const result = finished.get(emitted)!;
      finished.delete(emitted);
      await emit(result, emitted);
      emitted++;
      wakeAll();
    }
  };
  const worker = async () => {
    while (next < count && failure === undefined) {
      if (next - emitted >= window) {
        await new Promise<void>((resolve) => waiting.push(resolve));
        continue;
      }
      const i = next++;
      finished.set(i, await work(i));
      emitting = emitting.then(drain).catch((error) => {
        failure ??= { error };
        wakeAll();
      });
    }
  };
  const workers = Math.max(1, Math.min(options.concurrency, count));
  await Promise.all(Array.from({ length: workers }, worker));
  await emitting;
  if (failure) throw failure.error;
}
