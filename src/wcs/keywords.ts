/**
 * Typed lookups of one WCS description's keywords: the alternate letter appended, values checked, and
 * every failure a {@linkcode CloudFitsError} that names the keyword.
 *
 * @module
 */
import type { HeaderValue } from "../fits/card.ts";
import { CloudFitsError } from "../errors.ts";

/** Anything with FITS-header lookups: a parsed `Header`, or keywords gathered from a table row. */
export interface KeywordSource {
  /** The value of a keyword (any case), or `undefined` when absent. */
  get(keyword: string): HeaderValue | undefined;
}

/** A refusal to interpret a header, naming what is wrong. */
export function wcsError(code: "UNSUPPORTED" | "BAD_HEADER", message: string): CloudFitsError {
  return new CloudFitsError(code, `Cannot interpret the WCS: ${message}`);
}

/** The keywords of one description (primary or alternate `alt`). */
export class WcsKeywords {
  readonly #source: KeywordSource;
  readonly #suffix: string;

  constructor(source: KeywordSource, alt: string) {
    this.#source = source;
    this.#suffix = alt.trim();
  }

  /** True for the primary description (no letter). */
  get primary(): boolean {
    return this.#suffix === "";
  }

  /** The keyword with the description's letter, e.g. CTYPE1 → CTYPE1A. */
  name(base: string): string {
    return base + this.#suffix;
  }

  /** Tell whether the description has this keyword. */
  has(base: string): boolean {
    return this.#source.get(this.name(base)) !== undefined;
  }

  /** A number of the description, `fallback` when absent; a non-number names the keyword. */
  number(base: string, fallback?: number): number | undefined {
    return this.plainNumber(this.name(base), fallback);
  }

  /** A number of a keyword that has no alternate form (A_ORDER, A_1_2 …). */
  plainNumber(keyword: string, fallback?: number): number | undefined {
    const value = this.#source.get(keyword);
    if (value === undefined || value === null) return fallback;
    if (typeof value === "bigint") return Number(value);
    if (typeof value === "number" && Number.isFinite(value)) return value;
    throw wcsError("BAD_HEADER", `${keyword} must be a finite number: got ${JSON.stringify(String(value))}`);
  }

  /** A string, upper-cased and trimmed; `undefined` when absent or blank. */
  string(base: string): string | undefined {
    const keyword = this.name(base);
    const value = this.#source.get(keyword);
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "string") {
      throw wcsError("BAD_HEADER", `${keyword} must be a string: got ${JSON.stringify(String(value))}`);
    }
    const trimmed = value.trim().toUpperCase();
    return trimmed === "" ? undefined : trimmed;
  }
}
