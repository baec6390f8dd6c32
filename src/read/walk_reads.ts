/**
 * The reads of a header walk: a header found in the bytes already read, or read with as few and as
 * small reads as hold it.
 *
 * @module
 */
import { CloudFitsError } from "../errors.ts";
import type { ByteSource } from "../source/types.ts";
import { findEnd } from "../fits/header.ts";
import { BLOCK_SIZE } from "../fits/layout.ts";
import { concatBytes } from "../_bytes.ts";
import { ASCII_XTENSION } from "./walk_checks.ts";

/** Largest single extension of a header read, so that a huge header grows in bounded steps. */
const MAX_HEADER_STEP = 256 * BLOCK_SIZE;

/** Bytes read so far, and where they start. */
export interface Window {
  offset: number;
  bytes: Uint8Array;
}

/** How a walk reads headers (see WalkOptions). */
export interface HeaderReadSettings {
  headerRead: number;
  targetRead: number;
  tailRead: number;
  maxHeaderBytes: number;
  signal?: AbortSignal;
}

/**
 * Make sure `window` holds the whole header at `offset`, reading as little as possible: `firstRead` bytes
 * when it holds none of it.
 */
export async function locateHeader(
  source: ByteSource,
  window: Window,
  offset: number,
  firstRead: number,
  settings: HeaderReadSettings,
): Promise<{ window: Window; length: number }> {
  let current = covers(window, offset) ? window : {
    offset,
    bytes: await read(source, offset, headerReadLength(source, offset, firstRead, settings), settings.signal),
  };
  let step = Math.max(settings.headerRead, BLOCK_SIZE);
  for (;;) {
    const available = current.bytes.subarray(offset - current.offset);
    const length = findEnd(available);
    // END may sit in a final block that the object cuts short: that header is truncated, not complete.
    if (length >= 0 && length <= available.length) return { window: current, length };
    const end = current.offset + current.bytes.length;
    const atEnd = source.size !== undefined && end >= source.size;
    if (atEnd || available.length === 0) {
      throw new CloudFitsError(
        "TRUNCATED",
        `Cannot read the header at offset ${offset} of ${source.name}: no END card before the object ends at offset ${end}`,
        { url: source.name, offset: end },
      );
    }
    if (available.length >= settings.maxHeaderBytes) {
      throw new CloudFitsError(
        "BAD_HEADER",
        `Cannot read the header at offset ${offset} of ${source.name}: no END card in the first ${available.length} bytes`,
        { url: source.name, offset },
      );
    }
    // Extend only by the missing bytes, in whole blocks, doubling the step each time.
    const wanted = Math.min(step, remaining(source, end) ?? step);
    const more = await read(source, end, wanted, settings.signal);
    if (more.length === 0) {
      throw new CloudFitsError(
        "TRUNCATED",
        `Cannot read the header at offset ${offset} of ${source.name}: no END card before the object ends at offset ${end}`,
        { url: source.name, offset: end },
      );
    }
    current = { offset, bytes: concatBytes([available, more]) };
    step = Math.min(step * 2, MAX_HEADER_STEP);
  }
}

/**
 * The bytes at `offset` that show whether an extension starts there, from the window when it holds them,
 * else from one read of `firstRead` bytes.
 */
export async function peek(
  source: ByteSource,
  window: Window,
  offset: number,
  firstRead: number,
  settings: HeaderReadSettings,
): Promise<{ window: Window; bytes: Uint8Array }> {
  const length = ASCII_XTENSION.length;
  const start = offset - window.offset;
  if (start >= 0 && start + length <= window.bytes.length) {
    return { window, bytes: window.bytes.subarray(start, start + length) };
  }
  // Read the first chunk of the header we expect, not just the peeked bytes: it is needed next anyway.
  const readLength = headerReadLength(source, offset, firstRead, settings);
  const bytes = await read(source, offset, readLength, settings.signal);
  return { window: { offset, bytes }, bytes: bytes.subarray(0, length) };
}

/** The first read of a header at `offset`: `firstRead` bytes, or the rest of the object when `tailRead` holds it. */
function headerReadLength(
  source: ByteSource,
  offset: number,
  firstRead: number,
  settings: HeaderReadSettings,
): number {
  const rest = remaining(source, offset);
  if (rest !== undefined && rest <= settings.tailRead) return rest;
  return clamp(firstRead, rest);
}

function covers(window: Window, offset: number): boolean {
  return offset >= window.offset && offset < window.offset + window.bytes.length;
}

function remaining(source: ByteSource, offset: number): number | undefined {
  return source.size === undefined ? undefined : Math.max(0, source.size - offset);
}

/** `length`, cut to `limit` when there is one. */
export function clamp(length: number, limit: number | undefined): number {
  return limit === undefined ? length : Math.min(length, limit);
}

/** One read of the walk: `ABORTED` when the signal has fired. */
export async function read(
  source: ByteSource,
  offset: number,
  length: number,
  signal: AbortSignal | undefined,
): Promise<Uint8Array> {
  if (signal?.aborted) {
    throw new CloudFitsError("ABORTED", `Cannot read ${source.name}: the walk was aborted`, {
      url: source.name,
      cause: signal.reason,
    });
  }
  return await source.read(offset, length, { signal });
}
