import { CloudFitsError } from "../errors.ts";
import { type CoalesceOptions, coalesceRanges } from "../plan/coalesce.ts";
import type { ByteRange } from "../plan/types.ts";
import type { ByteSource } from "../source/types.ts";

/** Settings for {@linkcode readRanges}. */
export interface ReadRangesOptions extends CoalesceOptions {
  /** Requests in flight at once (default 16). */
  concurrency?: number;
  /** Abort every request of the plan. */
  signal?: AbortSignal;
}

/**
 * Fetch a set of byte ranges: coalesce them, issue the spans in parallel with bounded concurrency,
 * and hand back one array per requested range, in the order requested.
 *
 * Every requested byte must exist: a range that runs past the end of the object is a `TRUNCATED`
 * error naming the offset, never a short array.
 *
 * @param source Where the bytes live.
 * @param ranges The ranges the caller needs.
 * @param options Gap budget, span cap, concurrency and abort signal.
 * @returns The bytes of each requested range (views into the fetched spans where possible).
 *
 * @example
 * ```ts
 * import { memorySource, readRanges } from "@cloudfits/core";
 *
 * const source = memorySource(new Uint8Array([0, 1, 2, 3, 4, 5, 6, 7]));
 * const [a, b] = await readRanges(source, [{ offset: 6, length: 2 }, { offset: 1, length: 2 }]);
 * console.log(a, b); // Uint8Array(2) [ 6, 7 ] Uint8Array(2) [ 1, 2 ]
 * ```
 */
export async function readRanges(
  source: ByteSource,
  ranges: readonly ByteRange[],
  options: ReadRangesOptions = {},
): Promise<Uint8Array[]> {
  const spans = coalesceRanges(ranges, options);
  const fetched: Uint8Array[] = new Array(spans.length);
  const concurrency = Math.max(1, options.concurrency ?? 16);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < spans.length) {
      const i = next++;
      const span = spans[i];
      const bytes = await source.read(span.offset, span.length, { signal: options.signal });
      if (bytes.length !== span.length) {
        throw new CloudFitsError(
          "TRUNCATED",
          `Cannot read ${span.length} bytes at offset ${span.offset} of ${source.name}: the object ends after ${
            span.offset + bytes.length
          } bytes`,
          { url: source.name, offset: span.offset + bytes.length },
        );
      }
      fetched[i] = bytes;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, spans.length) }, worker));
  return ranges.map((range) => assemble(range, spans, fetched));
}

function assemble(range: ByteRange, spans: readonly ByteRange[], fetched: readonly Uint8Array[]): Uint8Array {
  if (range.length === 0) return new Uint8Array(0);
  // Binary search for the last span starting at or before the range.
  let lo = 0;
  let hi = spans.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (spans[mid].offset <= range.offset) lo = mid;
    else hi = mid - 1;
  }
  const first = spans[lo];
  const end = range.offset + range.length;
  if (end <= first.offset + first.length) {
    const start = range.offset - first.offset;
    return fetched[lo].subarray(start, start + range.length);
  }
  // The range was split across consecutive spans (longer than maxSpan): copy the pieces together.
  const out = new Uint8Array(range.length);
  for (let i = lo; i < spans.length && spans[i].offset < end; i++) {
    const from = Math.max(range.offset, spans[i].offset);
    const to = Math.min(end, spans[i].offset + spans[i].length);
    out.set(fetched[i].subarray(from - spans[i].offset, to - spans[i].offset), from - range.offset);
  }
  return out;
}
