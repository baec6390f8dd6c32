/**
 * Sorting more records than memory should hold: records gather in memory, are sorted and written to a
 * spool as a run when they pass a byte budget, and come back in order through a k-way merge of the
 * runs. Also the k-way merge itself, which a catalog merge uses over its shards.
 *
 * @module
 */

import { checkedSpool, concatBytes, memorySpool, type SpoolFile } from "../_bytes.ts";
import { ByteReader, ByteWriter } from "./_varint.ts";

/**
 * Merge sequences that are each in order into one in order (ties: the earlier sequence first).
 *
 * @param sources The sequences.
 * @param compare Their order.
 * @returns Every item of every sequence, in order.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mergeSorted } from "./_sorted_runs.ts";
 *
 * const merged = mergeSorted([[1, 4], [2, 3, 5]], (a, b) => a - b);
 * assert.deepEqual(await Array.fromAsync(merged), [1, 2, 3, 4, 5]);
 * ```
 */
export async function* mergeSorted<T>(
  sources: readonly (AsyncIterable<T> | Iterable<T>)[],
  compare: (a: T, b: T) => number,
): AsyncGenerator<T> {
  const heads = await Promise.all(sources.map(async (source) => {
    const items = Symbol.asyncIterator in source
      ? source[Symbol.asyncIterator]()
      : (source as Iterable<T>)[Symbol.iterator]();
    return { items, next: await items.next() };
  }));
  // A linear scan: runs and shards are few.
  for (;;) {
    let least: (typeof heads)[number] | undefined;
    for (const head of heads) {
      if (head.next.done) continue;
      if (!least || compare(head.next.value, least.next.value as T) < 0) least = head;
    }
    if (!least) return;
    yield least.next.value as T;
    least.next = await least.items.next();
  }
}

/** How records of one kind are written to a run and read back. */
export interface RunCodec<T> {
  /** Write one record. */
  write(writer: ByteWriter, record: T): void;
  /** Read one record back (from exactly the bytes `write` wrote). */
  read(reader: ByteReader): T;
  /** Bytes of memory a held record is counted as. */
  size(record: T): number;
}

type Order<T> = (a: T, b: T) => number;

interface Run<T> {
  start: number;
  end: number;
  order: Order<T>;
}

/**
 * Records sorted with memory bounded by a budget: `add` them in any order, then read them back
 * `sorted`. The spool is opened at the first spill; without `open`, runs are kept in memory (as bytes).
 */
export class SortedRuns<T> {
  readonly #codec: RunCodec<T>;
  readonly #open: () => Promise<SpoolFile>;
  readonly #budget: number;
  #held: T[] = [];
  #heldBytes = 0;
  readonly #runs: Run<T>[] = [];
  #spool: SpoolFile | undefined;
  #spills = 0;

  /**
   * @param codec How a record is written and read.
   * @param budget Bytes of held records (by `codec.size`) that make a run.
   * @param open Opens the spool the runs go to (default: memory).
   */
  constructor(codec: RunCodec<T>, budget: number, open?: () => Promise<SpoolFile>) {
    this.#codec = codec;
    this.#budget = budget;
    this.#open = open ?? (() => Promise.resolve(memorySpool()));
  }

  /** Runs spilled so far by `add` (the bytes held passed the budget). */
  get runs(): number {
    return this.#spills;
  }

  /** The spool the runs went to, opened at the first spill (for more data written beside them). */
  async spool(): Promise<SpoolFile> {
    return this.#spool ??= checkedSpool(await this.#open());
  }

  /** Bytes written to the spool so far (by the runs and by whoever appended beside them). */
  get spooled(): number {
    return this.#spool?.size ?? 0;
  }

  /** Append bytes to the spool after the runs, returning where they start. */
  async append(bytes: Uint8Array): Promise<number> {
    const spool = await this.spool();
    const at = spool.size;
    await spool.append(bytes);
    return at;
  }

  /**
   * Hold a record, writing the held ones as a run when they pass the budget.
   *
   * @param record The record.
   * @param order The order to sort a run in (`sorted` sorts again any run sorted in another).
   */
  async add(record: T, order: Order<T>): Promise<void> {
    this.#held.push(record);
    this.#heldBytes += this.#codec.size(record);
    if (this.#heldBytes < this.#budget) return;
    this.#spills++;
    await this.#spill(this.#held, order);
  }

  async #spill(records: T[], order: Order<T>): Promise<void> {
    records.sort(order);
    await this.#write(records, order);
    if (records === this.#held) {
      this.#held = [];
      this.#heldBytes = 0;
    }
  }

  /** Write records, already in order, as a run. */
  async #write(records: Iterable<T> | AsyncIterable<T>, order: Order<T>): Promise<void> {
    const start = this.spooled;
    let writer = new ByteWriter();
    for await (const record of records) {
      const one = new ByteWriter();
      this.#codec.write(one, record);
      const bytes = one.finish();
      writer.varint(bytes.length);
      writer.bytes(bytes);
      if (writer.length >= SPILL_CHUNK) {
        await this.append(writer.finish());
        writer = new ByteWriter();
      }
    }
    if (writer.length > 0) await this.append(writer.finish());
    this.#runs.push({ start, end: this.spooled, order });
  }

  /**
   * Every record added, in order: the runs and the held records merged. Before this returns, runs
   * sorted in another order are read back and written again (each holds at most the budget), and
   * runs beyond `MAX_FAN_IN` are merged into longer ones, so that the final merge reads a bounded
   * number of runs side by side.
   *
   * @param order The order.
   * @returns The records.
   */
  async sorted(order: Order<T>): Promise<AsyncIterable<T>> {
    for (const [i, run] of this.#runs.entries()) {
      if (run.order === order) continue;
      const records = await Array.fromAsync(this.#read(run));
      await this.#spill(records, order);
      this.#runs[i] = this.#runs.pop()!;
    }
    while (this.#runs.length > MAX_FAN_IN) {
      const merged = this.#runs.splice(0, MAX_FAN_IN);
      await this.#write(mergeSorted(merged.map((run) => this.#read(run)), order), order);
    }
    this.#held.sort(order);
    return mergeSorted([...this.#runs.map((run) => this.#read(run)), this.#held], order);
  }

  async *#read(run: Run<T>): AsyncGenerator<T> {
    const spool = await this.spool();
    let buffer: Uint8Array = new Uint8Array(0);
    // Small reads, and records copied out of them: runs read side by side hold little each.
    for (let from = run.start; from < run.end; from += RUN_READ) {
      for await (const chunk of spool.read(Math.min(run.end, from + RUN_READ), from)) {
        buffer = buffer.length === 0 ? chunk : concatBytes([buffer, chunk]);
        let at = 0;
        for (;;) {
          const record = nextRecord(buffer, at);
          if (!record) break;
          yield this.#codec.read(new ByteReader(record.bytes.slice(), "a spilled run", 0));
          at = record.end;
        }
        buffer = buffer.subarray(at);
      }
    }
    if (buffer.length > 0) throw new Error("A spilled run ends inside a record");
  }

  /** Free the spool. */
  async close(): Promise<void> {
    await this.#spool?.close();
  }
}

/** Runs are appended in pieces of about this. */
const SPILL_CHUNK = 1024 * 1024;
/** Bytes of each run read at a time while runs are merged. */
const RUN_READ = 64 * 1024;
/** Runs merged side by side at most (more are first merged in groups of this many). */
const MAX_FAN_IN = 128;

/** The length-prefixed record at `at`, or undefined when the buffer ends first. */
function nextRecord(buffer: Uint8Array, at: number): { bytes: Uint8Array; end: number } | undefined {
  let length = 0;
  let shift = 1;
  let i = at;
  for (;; i++) {
    if (i >= buffer.length) return undefined;
    length += (buffer[i] & 0x7f) * shift;
    shift *= 128;
    if (buffer[i] < 0x80) break;
  }
  const end = i + 1 + length;
  return end <= buffer.length ? { bytes: buffer.subarray(i + 1, end), end } : undefined;
}
