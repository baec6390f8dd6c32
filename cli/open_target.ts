import { CloudFitsError } from "../src/errors.ts";
import { type FitsFile, openFits } from "../src/open.ts";
import { type Location, parseTarget, type Target } from "../src/url.ts";
import { openFileSource } from "../src/source/file.ts";
import type { ByteSource } from "../src/source/types.ts";
import type { CliIo } from "./io.ts";
import { type CommonValues, concurrencyOf } from "./options.ts";
import { openRemoteSource } from "./remote.ts";
import { openCliIndex } from "./index_read.ts";

/** A target opened for reading, with what its brackets selected. */
export interface OpenedTarget {
  /** The parsed target. */
  target: Target;
  /** Display name (path or redacted URL). */
  name: string;
  /** The opened file. */
  fits: FitsFile;
  /** Release file handles. */
  close(): Promise<void>;
}

/**
 * Parse a target string and the `--hdu`, `--section` and `--columns` flags into one target.
 *
 * @param text The positional argument.
 * @param values Parsed flags.
 * @param env Environment variables.
 * @returns The target.
 */
export function targetFrom(text: string, values: Record<string, unknown>, env: CliIo["env"]): Target {
  const target = parseTarget(text, env);
  const hdu = values.hdu as string | undefined;
  if (hdu !== undefined) {
    const [name, version] = hdu.split(",").map((part) => part.trim());
    target.hdu = /^\d+$/.test(name)
      ? Number(name)
      : { extname: name, ...(version !== undefined ? { extver: Number(version) } : {}) };
  }
  if (values.section !== undefined) target.section = String(values.section);
  if (values.columns !== undefined) {
    target.columns = String(values.columns).split(/[;,]/).map((c) => c.trim()).filter(Boolean);
  }
  return target;
}

/**
 * Open the byte source behind a location: a local file or a remote object.
 *
 * @param location Where the bytes live.
 * @param values Parsed cloud options.
 * @param io The process I/O (environment, logging).
 * @param expected Size and ETag recorded in an index, checked against the server's.
 * @returns The source and a close function.
 */
export async function openLocation(
  location: Location,
  values: CommonValues,
  io: CliIo,
  expected: { size?: number; etag?: string } = {},
): Promise<{ source: ByteSource; close(): Promise<void> }> {
  if (location.kind === "file") {
    const source = await openFileSource(location.path);
    if (expected.size !== undefined && expected.size !== source.size) {
      await source.close();
      throw new CloudFitsError(
        "STALE",
        `Index is stale for ${location.path}: indexed size ${expected.size} bytes, file has ${source.size}`,
        { url: location.path },
      );
    }
    return { source, close: () => source.close() };
  }
  const source = await openRemoteSource(location, values, io, expected);
  return { source, close: () => Promise.resolve() };
}

/**
 * Open a target for reading: parse it, open its source, and walk its headers.
 *
 * @param text The target as typed.
 * @param values Parsed flags.
 * @param io The process I/O.
 * @param options `onlyNamedHdu` when the command reads only the HDU the target names.
 * @returns The opened target.
 */
export async function openTarget(
  text: string,
  values: CommonValues,
  io: CliIo,
  options: { onlyNamedHdu?: boolean } = {},
): Promise<OpenedTarget> {
  const target = targetFrom(text, values as Record<string, unknown>, io.env);
  if (values.index !== undefined) {
    // Structure from the index; bytes from the data location it records, checked against its size and ETag.
    const index = await openCliIndex(values.index, values, io);
    const path = text.replace(/(\[[^\]]*\])+$/, "");
    let fits;
    try {
      fits = await index.open(path);
    } finally {
      await index.close();
    }
    const source = fits.source as { close?: () => Promise<void> };
    return { target, name: path, fits, close: async () => await source.close?.() };
  }
  const { source, close } = await openLocation(target.location, values, io);
  try {
    // A command that reads one numbered HDU needs no header beyond it.
    const maxHdus = options.onlyNamedHdu && typeof target.hdu === "number" ? target.hdu + 1 : undefined;
    const fits = await openFits(source, { concurrency: concurrencyOf(values), maxHdus });
    for (const warning of fits.warnings) await io.err(`warning: ${source.name}: ${warning}\n`);
    return { target, name: source.name, fits, close };
  } catch (error) {
    await close();
    throw error;
  }
}
