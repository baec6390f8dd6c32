/**
 * The indexer's hook for TESS FFI cubes: read the frame table once and keep the summary light curves
 * and target pixel files need, so that readers through the index read only pixels.
 *
 * @module
 */
import type { Hdu } from "../fits/layout.ts";
import { encodeFrameBlock } from "../index_format/frames.ts";
import { FitsFile } from "../open.ts";
import type { ByteSource } from "../source/types.ts";
import { isTessCube, readFrameSummary } from "../tess_cube.ts";

/**
 * The stored frame summary of a TESS cube (one read of its frame table), or undefined for any other file.
 *
 * @param source The file, as the indexer reads it.
 * @param hdus Its HDUs, as walked.
 * @param size Its size in bytes.
 * @param signal Aborts the read.
 * @returns The block for `IndexedFile.frames`, or undefined.
 */
export async function frameBlockOf(
  source: ByteSource,
  hdus: readonly Hdu[],
  size: number,
  signal?: AbortSignal,
): Promise<Uint8Array | undefined> {
  if (!isTessCube(hdus)) return undefined;
  const summary = await readFrameSummary(new FitsFile(source, hdus, []), { signal });
  return await encodeFrameBlock(summary, size);
}
