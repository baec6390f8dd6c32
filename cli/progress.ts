import { humanBytes } from "../src/_bytes.ts";
import type { CliIo } from "./io.ts";
import type { CommonValues } from "./options.ts";

/** Progress on stderr: one line redrawn in place on a terminal, or whole lines with `--progress`. */
export interface ProgressLine {
  /** Offer the current state; it is drawn when enough time has passed since the last drawing. */
  update(text: () => string): void;
  /** Draw the final state (lines mode) or clear the line (terminal), once. */
  end(text?: () => string): Promise<void>;
}

/** A terminal redraws at most this often. */
const REDRAW_MS = 100;
/** Lines written to a file or pipe (with --progress) come at most this often. */
const LINE_MS = 1000;
/** On a terminal without --progress, reads that end sooner show nothing. */
const QUIET_START_MS = 500;

/**
 * The progress line of a command, or undefined when none is wanted: shown when stderr is a terminal,
 * or with `--progress`; never with `--quiet` (or `--json`-style machine output, when the caller says).
 *
 * @param io The process I/O.
 * @param values Parsed flags (`quiet`, `progress`).
 * @returns The progress line, or undefined.
 */
export function progressLine(io: CliIo, values: CommonValues): ProgressLine | undefined {
  if (values.quiet || (!values.progress && !io.errIsTTY)) return undefined;
  const inPlace = Boolean(io.errIsTTY);
  const started = performance.now();
  // Lines come once a second from the start; a terminal line is drawn as soon as it may be.
  let last = inPlace ? -Infinity : started;
  let drawn = 0;
  let pending = Promise.resolve();
  const write = (text: string) => {
    drawn++;
    pending = pending.then(() => io.err(text)).catch(() => {});
  };
  let width = 0;
  const draw = (text: string) => {
    if (inPlace) {
      write(`\r${text.padEnd(width)}`);
      width = text.length;
    } else {
      write(`${text}\n`);
    }
  };
  let ended = false;
  return {
    update(text) {
      const now = performance.now();
      if (!values.progress && now - started < QUIET_START_MS) return;
      if (now - last < (inPlace ? REDRAW_MS : LINE_MS)) return;
      last = now;
      draw(text());
    },
    async end(text) {
      if (ended) return;
      ended = true;
      if (!inPlace && text) draw(text());
      else if (inPlace && drawn > 0) write(`\r${"".padEnd(width)}\r`);
      await pending;
    },
  };
}

/**
 * Progress of a read of known size: bytes so far and in all, rate and time left.
 */
export class ReadProgress {
  #line: ProgressLine;
  #label: string;
  #total = 0;
  #bytes = 0;
  #started = 0;
  #counting = false;

  /**
   * @param line Where to draw.
   * @param label What is being read, e.g. `cutout`.
   */
  constructor(line: ProgressLine, label: string) {
    this.#line = line;
    this.#label = label;
  }

  /**
   * Start counting: bytes received before this (header reads) are not part of the read.
   *
   * @param total The bytes the read will fetch (its plan's bytesToRead).
   */
  start(total: number): void {
    [this.#total, this.#bytes, this.#started, this.#counting] = [total, 0, performance.now(), true];
  }

  /**
   * Count bytes received.
   *
   * @param bytes Bytes of one response.
   */
  add(bytes: number): void {
    if (!this.#counting) return;
    this.#bytes += bytes;
    this.#line.update(() => this.#text());
  }

  /**
   * The read is complete: what it did not receive came from bytes a header read already held, so count
   * it whole, then draw the final figures (or clear the line).
   *
   * @returns When the line is drawn.
   */
  finish(): Promise<void> {
    if (this.#counting) this.add(Math.max(0, this.#total - this.#bytes));
    return this.end();
  }

  /** Draw the final figures (or clear the line). */
  end(): Promise<void> {
    return this.#line.end(() => this.#text());
  }

  #text(): string {
    const seconds = Math.max((performance.now() - this.#started) / 1000, 1e-3);
    const rate = this.#bytes / seconds;
    const left = rate > 0 ? Math.max(0, this.#total - this.#bytes) / rate : 0;
    const percent = this.#total > 0 ? Math.min(100, Math.floor(100 * this.#bytes / this.#total)) : 100;
    return `${this.#label}: ${humanBytes(this.#bytes)} of ${humanBytes(this.#total)} (${percent}%), ${
      humanBytes(Math.round(rate))
    }/s, ETA ${left.toFixed(0)} s`;
  }
}
