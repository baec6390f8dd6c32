/**
 * A byte source over a whole-file gzip object (`.fits.gz`): reads take uncompressed offsets, so the
 * walk, the planners and the readers work on it unchanged. Bytes come from streaming inflate — from the
 * start of the file, or from the nearest access point (an index's, or one recorded while inflating) —
 * never from a copy of the whole file.
 *
 * @module
 */
import { CloudFitsError } from "../errors.ts";
import { type AccessPoint, Inflater } from "../gzip/inflate.ts";
import type { ByteSource, ReadOptions } from "./types.ts";
import { withClose } from "./_wrap.ts";
import { type CompressedTraffic, type GzipSource, markGzipSource } from "./gzip_kind.ts";

export { type CompressedTraffic, type GzipSource, isGzipSource } from "./gzip_kind.ts";

/** Options of {@linkcode gzipSource}. */
export interface GzipSourceOptions {
  /** Access points to start reads at (from an index), ascending by `out`. */
  points?: readonly AccessPoint[];
  /** The uncompressed size, when known (from an index). */
  size?: number;
  /** Record an access point every this many bytes of output while inflating (default 4 MiB). */
  spacing?: number;
  /** The first compressed bytes, already read (they are not read again). */
  head?: Uint8Array;
}

/** Default distance between access points: 4 MiB of output. */
export const DEFAULT_POINT_SPACING: number = 4 * 2 ** 20;
const MAX_POINTS = 1024;
const FIRST_READ = 64 * 1024;
const MAX_STREAM_READ = 4 * 2 ** 20;
const MAX_BOUNDED_READ = 8 * 2 ** 20;

interface Cursor {
  inflater: Inflater;
  /** Compressed offset where this run must stop reading (the byte holding the next access point's bit). */
  bound: number | undefined;
  /** Size of the next unbounded read; doubles up to 4 MiB. */
  step: number;
}

/**
 * Read a gzip object by uncompressed offsets.
 *
 * A read continues the current inflate when it lies ahead of it; otherwise it starts at the nearest
 * access point (or the start of the file) and inflates, discarding, up to the offset. Reads are served
 * one at a time. Memory: a 32 KiB window per access point held, the current chunk of input (≤ 8 MiB) and
 * of output (256 KiB), and the last read.
 *
 * @param compressed The gzip object.
 * @param options Access points and size from an index; the spacing of recorded points.
 * @returns The uncompressed source.
 *
 * @example Random reads of a gzip file in memory
 * ```ts
 * import assert from "node:assert/strict";
 * import { memorySource } from "@cloudfits/core";
 * import { gzipSource } from "./gzip.ts";
 *
 * const text = new TextEncoder().encode(Array.from({ length: 150_000 }, (_, i) => i).join(" "));
 * const gz = new Uint8Array(await new Response(
 *   new Blob([text]).stream().pipeThrough(new CompressionStream("gzip")),
 * ).arrayBuffer());
 * const source = gzipSource(memorySource(gz), { spacing: 100_000 });
 * assert.equal(new TextDecoder().decode(await source.read(text.length - 6, 10)), "149999", "fewer at the end");
 * assert.equal(source.size, text.length, "known once the end was inflated");
 * assert.ok(source.points.length >= 5, "access points recorded on the way");
 * assert.deepEqual(await source.read(500_000, 4), text.subarray(500_000, 500_004));
 * assert.ok(source.transferOf(500_000, 500_004).bytes < gz.length / 5, "from the nearest point");
 * ```
 */
export function gzipSource(compressed: ByteSource, options: GzipSourceOptions = {}): GzipSource {
  const source = new GzipReader(compressed, options);
  markGzipSource(source);
  return compressed.close === undefined ? source : withClose(source, () => compressed.close!());
}

class GzipReader implements GzipSource {
  readonly compressed: ByteSource;
  readonly points: AccessPoint[];
  readonly stats: CompressedTraffic = { requests: 0, bytes: 0 };
  #size: number | undefined;
  #spacing: number;
  #head: Uint8Array | undefined;
  #cursor: Cursor | undefined;
  /** The last read, and the chunk of output it ended in: later reads that overlap them are served from them. */
  #held: { offset: number; bytes: Uint8Array }[] = [];
  #queue: Promise<unknown> = Promise.resolve();
  #maxBytes: number | undefined;

  constructor(compressed: ByteSource, options: GzipSourceOptions) {
    this.compressed = compressed;
    this.points = [...options.points ?? []];
    this.#size = options.size;
    this.#spacing = options.spacing ?? DEFAULT_POINT_SPACING;
    this.#head = options.head;
  }

  get name(): string {
    return this.compressed.name;
  }

  get size(): number | undefined {
    return this.#size;
  }

  get etag(): string | undefined {
    return this.compressed.etag;
  }

  read(offset: number, length: number, options: ReadOptions = {}): Promise<Uint8Array> {
    const result = this.#queue.then(() => this.#read(offset, length, options));
    this.#queue = result.catch(() => {});
    return result;
  }

  limitReads(maxBytes: number | undefined): void {
    this.#maxBytes = maxBytes;
  }

  async inflateToEnd(options: ReadOptions = {}): Promise<number> {
    if (this.#size === undefined) await this.read(Number.MAX_SAFE_INTEGER - 1, 1, options);
    return this.#size!;
  }

  transferOf(start: number, end: number): CompressedTraffic {
    const from = this.#pointBefore(start);
    const to = this.points.find((p) => p.out >= end);
    const first = from === undefined ? 0 : Math.floor(from.bit / 8);
    if (to !== undefined) {
      const bytes = Math.ceil(to.bit / 8) - first;
      return { requests: Math.ceil(bytes / MAX_BOUNDED_READ), bytes };
    }
    // Before the stored size is known, count the inflated bytes instead (deflate rarely expands data).
    const total = this.compressed.size;
    const bytes = total === undefined ? end - (from?.out ?? 0) : total - first;
    let requests = 0;
    for (
      let left = bytes, step = FIRST_READ;
      left > 0;
      left -= step, step = Math.min(2 * step, MAX_STREAM_READ)
    ) {
      requests++;
    }
    return { requests, bytes };
  }

  #pointBefore(offset: number): AccessPoint | undefined {
    let best: AccessPoint | undefined;
    for (const point of this.points) if (point.out <= offset) best = point;
    return best;
  }

  async #read(offset: number, length: number, options: ReadOptions): Promise<Uint8Array> {
    if (this.#size !== undefined) length = Math.max(0, Math.min(length, this.#size - offset));
    const out = new Uint8Array(length);
    let filled = this.#fromHeld(offset, out);
    if (filled === length) return out;
    const end = offset + length;
    const cursor = this.#cursorFor(offset + filled, end);
    try {
      while (filled < length) {
        const chunk = cursor.inflater.next();
        if (chunk !== undefined) {
          const chunkStart = cursor.inflater.outputOffset - chunk.length;
          const from = offset + filled - chunkStart;
          if (from < chunk.length) {
            const n = Math.min(chunk.length - from, length - filled);
            out.set(chunk.subarray(from, from + n), filled);
            filled += n;
          }
          if (filled === length) this.#held = [{ offset: chunkStart, bytes: chunk.slice() }];
          continue;
        }
        if (cursor.inflater.done) {
          this.#size = cursor.inflater.outputOffset;
          break;
        }
        await this.#feed(cursor, options);
      }
    } catch (error) {
      this.#cursor = undefined;
      throw error;
    }
    const result = out.subarray(0, filled);
    this.#held = [{ offset, bytes: result }, ...this.#held.slice(-1)];
    return result;
  }

  /** Copy the start of a read from the output held from earlier reads; the bytes copied. */
  #fromHeld(offset: number, out: Uint8Array): number {
    let filled = 0;
    for (let progress = true; progress && filled < out.length;) {
      progress = false;
      for (const held of this.#held) {
        const from = offset + filled - held.offset;
        if (from >= 0 && from < held.bytes.length) {
          const n = Math.min(held.bytes.length - from, out.length - filled);
          out.set(held.bytes.subarray(from, from + n), filled);
          filled += n;
          progress = true;
        }
      }
    }
    return filled;
  }

  /** The inflate to continue for a read at `offset`: the current one when no access point is nearer. */
  #cursorFor(offset: number, end: number): Cursor {
    const point = this.#pointBefore(offset);
    const current = this.#cursor?.inflater.outputOffset;
    if (current === undefined || current > offset || (point !== undefined && point.out > current)) {
      const inflater = new Inflater({
        start: point,
        spacing: this.#spacing,
        onPoint: (p) => this.#record(p),
        name: this.compressed.name,
      });
      this.#cursor = { inflater, bound: undefined, step: FIRST_READ };
    }
    const next = this.points.find((p) => p.out >= end);
    this.#cursor!.bound = next === undefined ? undefined : Math.ceil(next.bit / 8);
    return this.#cursor!;
  }

  async #feed(cursor: Cursor, options: ReadOptions): Promise<void> {
    const at = cursor.inflater.inputOffset;
    const total = this.compressed.size;
    let bytes: Uint8Array;
    if (at === 0 && this.#head !== undefined) {
      bytes = this.#head;
    } else {
      const bounded = cursor.bound !== undefined && cursor.bound > at;
      const length = bounded ? Math.min(cursor.bound! - at, MAX_BOUNDED_READ) : cursor.step;
      if (!bounded) cursor.step = Math.min(2 * cursor.step, MAX_STREAM_READ);
      // The head was read once by the opener: it counts too.
      const spent = this.stats.bytes + (this.#head?.length ?? 0);
      if (this.#maxBytes !== undefined && spent + length > this.#maxBytes) {
        throw new CloudFitsError(
          "COST_LIMIT",
          `Refusing to inflate ${this.compressed.name} further: its headers need more than the ${this.#maxBytes}-byte read limit of compressed bytes (it is not indexed, so it is read from its start). Index it (cloudfits index), or raise the limit (--max-read, maxRead; 0 for none)`,
          { url: this.compressed.name },
        );
      }
      bytes = await this.compressed.read(at, length, options);
      this.stats.requests++;
      this.stats.bytes += bytes.length;
      if (bytes.length < length && (total === undefined || at + bytes.length < total)) {
        throw new CloudFitsError(
          "TRUNCATED",
          `Cannot read ${length} compressed bytes at offset ${at} of ${this.compressed.name}: got ${bytes.length}`,
          { url: this.compressed.name, offset: at + bytes.length },
        );
      }
    }
    const size = this.compressed.size;
    cursor.inflater.feed(bytes, bytes.length === 0 || (size !== undefined && at + bytes.length >= size));
  }

  #record(point: AccessPoint): void {
    const last = this.points.at(-1);
    if (last !== undefined && point.out < last.out + this.#spacing) return;
    this.points.push(point);
    if (this.points.length > MAX_POINTS) {
      // Keep memory bounded on huge files: every other point, twice as far apart.
      const kept = this.points.filter((_, i) => i % 2 === 1);
      this.points.splice(0, this.points.length, ...kept);
      this.#spacing *= 2;
    }
  }
}
