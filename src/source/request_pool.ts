/**
 * One limit on requests in flight per host, shared by every source of a process, so that many
 * concurrent reads (100 cutouts started at once) queue instead of opening hundreds of connections.
 *
 * @module
 */

/** Requests in flight per host when nothing else is said. */
export const DEFAULT_REQUESTS_PER_HOST = 32;

/** Settings of a {@linkcode RequestPool}. */
export interface RequestPoolOptions {
  /** Requests in flight per host (default 32). */
  perHost?: number;
}

interface HostQueue {
  running: number;
  waiting: (() => void)[];
}

/**
 * A counting semaphore per host. A request holds its slot from sending until its body is read, so
 * the limit bounds both requests in flight and the connections they need.
 *
 * @example Two slots for one host: the third task waits for one to finish
 * ```ts
 * import assert from "node:assert/strict";
 * import { RequestPool } from "@cloudfits/core";
 *
 * const pool = new RequestPool({ perHost: 2 });
 * const gates: (() => void)[] = [];
 * const task = () => new Promise<void>((resolve) => gates.push(resolve));
 * const runs = [pool.run("a.example", task), pool.run("a.example", task), pool.run("a.example", task)];
 * await Promise.resolve();
 * assert.deepEqual([pool.inFlight("a.example"), gates.length], [2, 2]);
 * assert.equal(pool.inFlight("b.example"), 0, "hosts are counted apart");
 * gates[0]();
 * await runs[0];
 * await Promise.resolve();
 * assert.deepEqual([pool.inFlight("a.example"), gates.length], [2, 3]);
 * gates[1]();
 * gates[2]();
 * await Promise.all(runs);
 * assert.deepEqual([pool.inFlight("a.example"), pool.peak], [0, 2]);
 * ```
 */
export class RequestPool {
  /** Requests allowed in flight per host. */
  readonly perHost: number;
  readonly #hosts = new Map<string, HostQueue>();
  #peak = 0;

  /**
   * Make a pool.
   *
   * @param options The per-host limit.
   */
  constructor(options: RequestPoolOptions = {}) {
    const perHost = options.perHost ?? DEFAULT_REQUESTS_PER_HOST;
    if (!Number.isSafeInteger(perHost) || perHost < 1) {
      throw new RangeError(`Cannot use ${perHost} requests per host: it must be a positive integer`);
    }
    this.perHost = perHost;
  }

  /** Most requests seen in flight for any one host. */
  get peak(): number {
    return this.#peak;
  }

  /**
   * Requests now in flight for a host.
   *
   * @param host The host (`name:port`).
   * @returns How many hold a slot.
   */
  inFlight(host: string): number {
    return this.#hosts.get(host)?.running ?? 0;
  }

  /**
   * Run a task once the host has a free slot, and free it when the task settles.
   *
   * @param host The host the task sends to.
   * @param task The request, body included.
   * @returns What the task returns.
   */
  async run<T>(host: string, task: () => Promise<T>): Promise<T> {
    const queue = this.#hosts.get(host) ?? { running: 0, waiting: [] };
    this.#hosts.set(host, queue);
    // A finishing task hands its slot straight to the next waiter, so a newcomer cannot slip in between.
    if (queue.running >= this.perHost) await new Promise<void>((wake) => queue.waiting.push(wake));
    else queue.running++;
    this.#peak = Math.max(this.#peak, queue.running);
    try {
      return await task();
    } finally {
      const next = queue.waiting.shift();
      if (next !== undefined) next();
      else if (--queue.running === 0) this.#hosts.delete(host);
    }
  }
}

/** The pool every source shares unless given its own. */
export const sharedRequestPool: RequestPool = new RequestPool();
