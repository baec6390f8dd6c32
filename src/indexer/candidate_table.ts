/**
 * The listing of an index run, kept compactly: a run holds it from start to end, so instead of one
 * object per file it keeps one buffer of UTF-8 paths and a few typed arrays (≈ path length + 30 bytes
 * per file), and makes a file's {@linkcode IndexCandidate} only while the file is being read.
 *
 * @module
 */
import { CloudFitsError } from "../errors.ts";
import { compareBytes } from "../index_format/_layout.ts";
import type { ByteSource } from "../source/types.ts";
import type { IndexCandidate } from "./types.ts";

/**
 * What files listed from one place share: how a file's path becomes a name for messages, and how the
 * file is opened. Few per run (one per source or data root), so each may hold what it needs.
 */
export interface CandidateOrigin {
  /** A name for messages (an absolute path or a redacted URL). */
  display(path: string): string;
  /** Open the file at `path`, listed with `size` and `etag`. */
  open(path: string, size: number | undefined, etag: string | undefined): Promise<ByteSource>;
}

/** One listed file, as given to {@linkcode CandidateTableBuilder.add}. */
export interface ListedFile {
  /** Path relative to the data root. */
  path: string;
  /** Size from the listing. */
  size?: number;
  /** ETag from the listing. */
  etag?: string;
  /** Modification time from the listing, in Unix milliseconds. */
  lastModified?: number;
}

const UTF8 = new TextEncoder();
const TEXT = new TextDecoder();

/** A growable byte buffer of strings, each at `starts[i]..starts[i + 1]`. */
class PackedStrings {
  bytes: Uint8Array;
  starts: Uint32Array;
  length = 0;

  /** Room for `count` strings of `bytes` UTF-8 bytes in all (it grows beyond). */
  constructor(count = 64, bytes = 1024) {
    this.starts = new Uint32Array(count + 1);
    this.bytes = new Uint8Array(bytes);
  }

  push(text: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    const at = this.#reserve(3 * text.length);
    this.#end(at + UTF8.encodeInto(text, this.bytes.subarray(at)).written);
  }

  pushBytes(bytes: Uint8Array): void {
    const at = this.#reserve(bytes.length);
    this.bytes.set(bytes, at);
    this.#end(at + bytes.length);
  }

  #reserve(bytes: number): number {
    const at = this.starts[this.length];
    if (at + bytes > this.bytes.length) this.bytes = grown(this.bytes, at + bytes);
    if (this.length + 2 > this.starts.length) this.starts = grown(this.starts, this.length + 2);
    return at;
  }

  #end(end: number): void {
    this.starts[++this.length] = end;
  }

  view(i: number): Uint8Array {
    return this.bytes.subarray(this.starts[i], this.starts[i + 1]);
  }

  get(i: number): string {
    return TEXT.decode(this.view(i));
  }
}

/** A copy of `array` with room for at least `needed` elements (doubling). */
function grown<T extends Uint8Array | Uint32Array | Float64Array>(array: T, needed: number): T {
  const larger = new (array.constructor as new (length: number) => T)(Math.max(needed, 2 * array.length));
  larger.set(array);
  return larger;
}

/**
 * Collects listed files, each with the number of its origin; {@linkcode CandidateTableBuilder.sorted}
 * gives the table in path order.
 */
export class CandidateTableBuilder {
  readonly #paths = new PackedStrings();
  readonly #etags = new PackedStrings();
  #sizes = new Float64Array(64);
  #times = new Float64Array(64);
  #originOf = new Uint32Array(64);

  /** Files added so far. */
  get length(): number {
    return this.#paths.length;
  }

  /**
   * Add one listed file.
   *
   * @param origin Its origin's position in the origins given to {@linkcode CandidateTableBuilder.sorted}.
   * @param file Its path and what the listing knew of it.
   */
  add(origin: number, file: ListedFile): void {
    const i = this.#paths.length;
    if (i + 1 > this.#sizes.length) {
      this.#sizes = grown(this.#sizes, i + 1);
      this.#times = grown(this.#times, i + 1);
      this.#originOf = grown(this.#originOf, i + 1);
    }
    this.#paths.push(file.path);
    this.#etags.push(file.etag ?? "");
    this.#sizes[i] = file.size ?? NaN;
    this.#times[i] = file.lastModified ?? NaN;
    this.#originOf[i] = origin;
  }

  /**
   * The files whose paths `keep` accepts, sorted by the UTF-8 bytes of their paths (index order).
   *
   * @param origins Where the files come from, by number.
   * @param keep Which paths to keep (default: all).
   * @returns The table.
   * @throws {CloudFitsError} `USAGE` when two files have the same path.
   */
  sorted(origins: readonly CandidateOrigin[], keep?: (path: string) => boolean): CandidateTable {
    const paths = this.#paths;
    const kept = new Uint32Array(paths.length);
    let count = 0;
    for (let i = 0; i < paths.length; i++) if (!keep || keep(paths.get(i))) kept[count++] = i;
    const order = kept.subarray(0, count).sort((a, b) => compareBytes(paths.view(a), paths.view(b)) || a - b);
    const bytesOf = (strings: PackedStrings) => order.reduce((sum, i) => sum + strings.view(i).length, 0);
    const table = new PackedCandidates(
      origins,
      new PackedStrings(order.length, bytesOf(paths)),
      new PackedStrings(order.length, bytesOf(this.#etags)),
    );
    for (const [n, i] of order.entries()) {
      if (n > 0 && compareBytes(paths.view(order[n - 1]), paths.view(i)) === 0) {
        const path = paths.get(i);
        const first = origins[this.#originOf[order[n - 1]]].display(path);
        throw new CloudFitsError(
          "USAGE",
          `Two sources give the same path '${path}': ${first} and ${
            origins[this.#originOf[i]].display(path)
          }; index them separately or with distinct roots`,
        );
      }
      table.copy(n, paths.view(i), this.#etags.view(i), this.#sizes[i], this.#times[i], this.#originOf[i]);
    }
    return table;
  }
}

/**
 * The files of an index run in path order, kept compactly; `at` makes one file's candidate when it is
 * needed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CandidateTableBuilder } from "./candidate_table.ts";
 * import { memorySource } from "../source/memory.ts";
 *
 * const builder = new CandidateTableBuilder();
 * for (const path of ["é.fits", "b.fits", "a.fits"]) builder.add(0, { path, size: 2880 });
 * const origin = {
 *   display: (path: string) => `/data/${path}`,
 *   open: (path: string) => Promise.resolve(memorySource(new Uint8Array(2880), path)),
 * };
 * const table = builder.sorted([origin], (path) => path !== "a.fits");
 * assert.deepEqual([table.path(0), table.path(1)], ["b.fits", "é.fits"]);
 * assert.equal(table.at(1).display, "/data/é.fits");
 * assert.equal(table.at(1).size, 2880);
 * ```
 */
export interface CandidateTable {
  /** Files in the table. */
  readonly length: number;
  /**
   * The path of file `i`.
   *
   * @param i Its position.
   * @returns Its path relative to the data root.
   */
  path(i: number): string;
  /**
   * File `i` as a candidate (a new object each time: keep it only while it is read).
   *
   * @param i Its position.
   * @returns The candidate.
   */
  at(i: number): IndexCandidate;
}

/** The table in typed arrays: one buffer of paths, one of ETags, and numbers. */
class PackedCandidates implements CandidateTable {
  readonly #origins: readonly CandidateOrigin[];
  readonly #paths: PackedStrings;
  readonly #etags: PackedStrings;
  readonly #sizes: Float64Array;
  readonly #times: Float64Array;
  readonly #originOf: Uint32Array;

  /** Empty, with exactly the room its files need (filled in order by `copy`). */
  constructor(origins: readonly CandidateOrigin[], paths: PackedStrings, etags: PackedStrings) {
    const length = paths.starts.length - 1;
    this.#origins = origins;
    this.#paths = paths;
    this.#etags = etags;
    this.#sizes = new Float64Array(length);
    this.#times = new Float64Array(length);
    this.#originOf = new Uint32Array(length);
  }

  get length(): number {
    return this.#sizes.length;
  }

  /** Set file `i` (in order, from 0); NaN for an unknown size or time, an empty ETag for none. */
  copy(i: number, path: Uint8Array, etag: Uint8Array, size: number, time: number, origin: number): void {
    this.#paths.pushBytes(path);
    this.#etags.pushBytes(etag);
    this.#sizes[i] = size;
    this.#times[i] = time;
    this.#originOf[i] = origin;
  }

  path(i: number): string {
    return this.#paths.get(i);
  }

  at(i: number): IndexCandidate {
    const path = this.#paths.get(i);
    const origin = this.#origins[this.#originOf[i]];
    const size = Number.isNaN(this.#sizes[i]) ? undefined : this.#sizes[i];
    const etag = this.#etags.get(i) || undefined;
    const lastModified = Number.isNaN(this.#times[i]) ? undefined : this.#times[i];
    return {
      path,
      display: origin.display(path),
      ...(size !== undefined ? { size } : {}),
      ...(etag !== undefined ? { etag } : {}),
      ...(lastModified !== undefined ? { lastModified } : {}),
      open: () => origin.open(path, size, etag),
    };
  }
}
