/**
 * Shared pieces of the network-fault suites: fixtures, a retrying HTTP source that records its
 * traffic, numpy-style slicing of the golden cube, and the checks that failures are typed, name the
 * URL and never leak a secret.
 *
 * @module
 */
import assert from "node:assert/strict";
import { inspect } from "node:util";
import type { CloudFitsError, CloudFitsErrorCode } from "../../src/errors.ts";
import type { ImageArray } from "../../src/fits/image.ts";
import type { SectionSpec } from "../../src/plan/image_section.ts";
import {
  type HttpSource,
  httpSource,
  type HttpSourceOptions,
  type RequestEvent,
} from "../../src/source/http.ts";
import { type RetryEvent, type RetryOptions, withRetry } from "../../src/source/retry.ts";
import type { ByteSource } from "../../src/source/types.ts";
import { seededRandom } from "../_support/range_server.ts";
import { expected, type ExpectedSection } from "../_support/fixtures.ts";
import { rejectsWith } from "../_support/expect_error.ts";

/** Bytes of a file in `testdata/`, by its full name. */
export { testdataFile as fixture } from "../_support/fixtures.ts";

const cubeExpected = expected("tess_cube");

/** The golden sections of the TESS cube's image HDU (HDU 1), as astropy read them; the first is the whole cube. */
export const goldenSections: ExpectedSection[] = cubeExpected.hdus[1].sections ?? [];

/** Shape of the cube in numpy order, [5, 6, 8, 2]. */
export const cubeShape: number[] = cubeExpected.hdus[1].shape;

/** Secrets that must never surface in an error or a traffic event. */
export const SENTINELS = ["SENTINELSECRET", "SENTINELSAS"] as const;
/** A presigned-S3-style query string. */
export const S3_QUERY = "?X-Amz-Expires=300&X-Amz-Signature=SENTINELSECRET";
/** An Azure-SAS-style query string. */
export const SAS_QUERY = "?sv=2022-11-02&sp=r&sig=SENTINELSAS";

/** The seed of every retry wrapper's jitter, so that backoff delays are predictable. */
export const JITTER_SEED = 42;

/** A retrying HTTP source with its traffic. */
export interface Remote {
  /** `withRetry(httpSource(url))`: what the reader gets. */
  source: ByteSource;
  /** The HTTP source under the retry wrapper. */
  http: HttpSource;
  /** Every request the HTTP source made. */
  events: RequestEvent[];
  /** Every retry decision. */
  retries: RetryEvent[];
  /** The URL as errors must name it: without the query string. */
  redacted: string;
}

/** Options for {@linkcode remote}. */
export interface RemoteOptions {
  /** Query string carrying a sentinel secret (default {@linkcode S3_QUERY}). */
  query?: string;
  /** HTTP source settings (default timeout 5 s). */
  http?: HttpSourceOptions;
  /** Retry settings (default: 4 retries, no waiting, seeded jitter). */
  retry?: RetryOptions;
}

/** A sleep that does not wait but still honours the signal, so backoff costs no time in tests. */
export function noSleep(_ms: number, signal?: AbortSignal): Promise<void> {
  return signal?.aborted ? Promise.reject(signal.reason) : Promise.resolve();
}

/**
 * `withRetry(httpSource(base/path?secret))` recording requests and retries.
 *
 * @param base Server URL.
 * @param path Object path.
 * @param options Query string and settings.
 * @returns The source and its traffic.
 */
export function remote(base: string, path: string, options: RemoteOptions = {}): Remote {
  const events: RequestEvent[] = [];
  const retries: RetryEvent[] = [];
  const http = httpSource(`${base}/${path}${options.query ?? S3_QUERY}`, {
    timeoutMs: 5_000,
    ...options.http,
    onRequest: (event) => {
      events.push(event);
      options.http?.onRequest?.(event);
    },
  });
  const source = withRetry(http, {
    sleep: noSleep,
    random: seededRandom(JITTER_SEED),
    ...options.retry,
    onRetry: (event) => {
      retries.push(event);
      options.retry?.onRetry?.(event);
    },
  });
  return { source, http, events, retries, redacted: `${base}/${path}` };
}

/** The backoff delays the retry wrapper must choose for `count` retries: full jitter, base 200 ms. */
export function jitteredDelays(count: number, baseDelayMs = 200): number[] {
  const random = seededRandom(JITTER_SEED);
  return Array.from({ length: count }, (_, n) => random() * baseDelayMs * 2 ** n);
}

/**
 * Slice the flat C-order `data` of shape `shape` as numpy would with `spec` (non-negative bounds only).
 *
 * @param data Flat values.
 * @param shape Their shape, slowest axis first.
 * @param spec One entry per axis.
 * @returns The section's shape and values.
 */
export function sliceArray<T>(data: readonly T[], shape: readonly number[], spec: SectionSpec): {
  shape: number[];
  data: T[];
} {
  const axes = shape.map((length, axis) => {
    const entry = spec[axis] ?? null;
    if (entry === null) return { keep: true, indices: range(0, length, 1) };
    if (typeof entry === "number") return { keep: false, indices: [entry] };
    const [start, stop, step = 1] = entry;
    return { keep: true, indices: range(start, Math.min(stop, length), step) };
  });
  const strides = shape.map((_, axis) => shape.slice(axis + 1).reduce((a, b) => a * b, 1));
  const out: T[] = [];
  const visit = (axis: number, base: number): void => {
    if (axis === shape.length) {
      out.push(data[base]);
      return;
    }
    for (const index of axes[axis].indices) visit(axis + 1, base + index * strides[axis]);
  };
  visit(0, 0);
  return { shape: axes.filter((a) => a.keep).map((a) => a.indices.length), data: out };
}

function range(start: number, stop: number, step: number): number[] {
  const values: number[] = [];
  for (let i = start; i < stop; i += step) values.push(i);
  return values;
}

/** Golden values as float32 numbers, NaN and infinities spelled as in the expected JSON. */
export function goldenValues(values: readonly (number | string)[]): (number | string)[] {
  return values.map((v) => typeof v === "string" ? v : Math.fround(v));
}

/** Values of a section in the golden JSON spelling (NaN and infinities as strings). */
export function sectionValues(section: ImageArray): (number | string)[] {
  return Array.from(section.data as ArrayLike<number>, (v) => {
    if (Number.isNaN(v)) return "NaN";
    if (v === Infinity) return "Infinity";
    if (v === -Infinity) return "-Infinity";
    return v;
  });
}

/** The expected section of the cube, sliced from astropy's whole-cube read. */
export function expectedCubeSection(spec: SectionSpec): { shape: number[]; data: (number | string)[] } {
  const sliced = sliceArray(goldenSections[0].data, cubeShape, spec);
  return { shape: sliced.shape, data: goldenValues(sliced.data) };
}

/** Assert that a section equals astropy's values for `spec`: shape, dtype and every element. */
export function assertCubeSection(section: ImageArray, spec: SectionSpec): void {
  const expected = expectedCubeSection(spec);
  assert.equal(section.dtype, "float32");
  assert.deepEqual(section.shape, expected.shape);
  assert.deepEqual(sectionValues(section), expected.data);
}

/**
 * Assert that no sentinel secret appears anywhere in `value`: for errors, their message, stack,
 * string form, JSON form and inspection, along the whole cause chain.
 */
export function assertNoSecrets(value: unknown, what = "value"): void {
  const texts: string[] = [inspect(value, { depth: 12 }), safeJson(value)];
  for (let e: unknown = value, depth = 0; e instanceof Error && depth < 12; depth++, e = e.cause) {
    texts.push(e.message, e.stack ?? "", String(e), safeJson(e), inspect(e, { depth: 12 }));
  }
  for (const text of texts) {
    for (const sentinel of SENTINELS) {
      assert.ok(!text.includes(sentinel), `${what} leaks ${sentinel}: ${text.slice(0, 400)}`);
    }
  }
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? "";
  } catch {
    return "";
  }
}

/**
 * Await a read that must fail: a {@linkcode CloudFitsError} with `code`, naming `url` (without its
 * query) in its `url` field and its message, and leaking no secret. The traffic is checked too.
 *
 * @returns The error, for further checks of cause and status.
 */
export async function expectFailure(
  promise: Promise<unknown>,
  code: CloudFitsErrorCode,
  target: Remote | string,
): Promise<CloudFitsError> {
  const caught = await rejectsWith(promise, code, undefined, { secrets: SENTINELS });
  const url = typeof target === "string" ? target : target.redacted;
  assert.equal(caught.url, url);
  assert.ok(caught.message.includes(url), `the message names the URL: ${caught.message}`);
  assertNoSecrets(caught, `${code} error`);
  if (typeof target !== "string") {
    assertNoSecrets(target.events, "request events");
    assertNoSecrets(target.retries, "retry events");
  }
  return caught;
}

/** A deterministic pool: run `tasks` with at most `concurrency` in flight, results in order. */
export async function pool<T>(
  count: number,
  concurrency: number,
  task: (i: number) => Promise<T>,
): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      results[i] = await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return results;
}
