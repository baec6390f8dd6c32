/**
 * Encode a cloudfits binary index (FCI v1, docs/index-format.md).
 *
 * @module
 */

import { compareBytes } from "./_layout.ts";
import type { EncodeIndexOptions, IndexedFile } from "./types.ts";
import { collectIndex, IndexWriter, SkySink } from "./writer.ts";

const UTF8 = new TextEncoder();

/**
 * Encode indexed files as a cloudfits binary index (FCI v1).
 *
 * Files are sorted by path (UTF-8 byte order) and grouped into leaves of at most 64 KiB (but for a
 * file larger than that on its own); the fixed header, the section table, META and the DIRECTORY come
 * within the first 16,384 bytes so a reader opens the index with one read. When the DIRECTORY would not
 * fit, the index is a catalog: a ROOT of directory pages there instead, so any file is three reads away.
 * `IndexWriter` writes the same bytes from files added in order, without holding them. Each leaf's header text is one deflate-raw stream, so finding a file inflates only its
 * leaf's text and parses only its own headers.
 *
 * @param files The files, each with the HDUs `walkHdus` produced (headers included).
 * @param options Data root, creation time, indexer name, and `headerText: false` to keep only the
 * structural cards.
 * @returns The index bytes.
 * @throws {TypeError} For duplicate or unsafe paths, a data URL with credentials or a query string, or
 * HDU records whose header bytes disagree with their sizes.
 *
 * @example Indexing two local files, with and without their full header text
 * ```ts
 * import assert from "node:assert/strict";
 * import { decodeIndex, encodeIndex, type IndexedFile, walkHdus } from "@cloudfits/core";
 * import { openFileSource } from "@cloudfits/core/file";
 *
 * const files: IndexedFile[] = [];
 * for (const path of ["tess_cube.fits", "mef_images.fits"]) {
 *   await using source = await openFileSource(`testdata/${path}`);
 *   files.push({ path, size: source.size, hdus: (await walkHdus(source)).hdus });
 * }
 * const full = await encodeIndex(files, { dataUrl: "s3://my-bucket/fits", indexer: "demo" });
 * const lean = await encodeIndex(files, { headerText: false });
 * assert.ok(lean.length < full.length);
 *
 * const index = await decodeIndex(full);
 * assert.deepEqual([index.fileCount, index.dataUrl, index.indexer], [2, "s3://my-bucket/fits", "demo"]);
 * const cube = await index.findFile("tess_cube.fits");
 * assert.equal(cube?.hdus[1].dataOffset, 5760);
 * assert.deepEqual(cube?.hdus[2].header.bytes, files[0].hdus[2].header.bytes, "byte-exact headers");
 * ```
 */
export async function encodeIndex(
  files: readonly IndexedFile[],
  options: EncodeIndexOptions = {},
): Promise<Uint8Array> {
  const sorted = files.map((file) => ({ file, key: UTF8.encode(file.path) })).sort((a, b) =>
    compareBytes(a.key, b.key)
  );
  const { footprints, ...rest } = options;
  const sky = footprints ? new SkySink() : undefined;
  const writer = new IndexWriter({ ...rest, ...(sky ? { sinks: [sky] } : {}) });
  try {
    if (sky) await sky.footprints(footprints!);
    for (const { file } of sorted) await writer.add(file);
    return await collectIndex(await writer.finish());
  } finally {
    await writer.close();
  }
}
