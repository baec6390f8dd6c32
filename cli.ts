/**
 * The `cloudfits` command line: list, print headers, cut out image sections and table rows, index and
 * verify FITS files on local disks and object storage.
 *
 * Targets use cfitsio's extended filename syntax: `FILE[HDU][section]` or `FILE[HDU][col A;B]`.
 *
 * @example Run it as a library function, with its output captured
 * ```ts
 * import assert from "node:assert/strict";
 * import { type CliIo, main } from "@cloudfits/core/cli";
 * import { fileStorage } from "@cloudfits/core/file";
 *
 * const decoder = new TextDecoder();
 * let out = "";
 * const io: CliIo = {
 *   ...fileStorage(),
 *   out: (text) => Promise.resolve(void (out += typeof text === "string" ? text : decoder.decode(text))),
 *   err: () => Promise.resolve(),
 *   isTTY: false,
 *   env: {},
 * };
 * // Columns 1-3 of rows 1-2, in FITS order (1-based, inclusive).
 * const args = ["cutout", "testdata/primary_only.fits[0][1:3,1:2]", "--format", "json", "-o", "-"];
 * assert.equal(await main(args, io), 0);
 * assert.deepEqual(JSON.parse(out), {
 *   shape: [3, 2], // FITS order, NAXIS1 first
 *   numpyShape: [2, 3],
 *   dtype: "int16",
 *   data: [-1000, -999, -998, -900, -899, -898],
 * });
 * ```
 *
 * @module
 */
export { main } from "./cli/main.ts";
export type { CliIo } from "./cli/io.ts";

// Run as a program (`deno run cli.ts`, `bun cli.ts`): as the binaries do, through their process entry, though
// `main` has loaded by then; the binaries are built from cli/bin.ts, which sends the first request first.
if (import.meta.main) import("./cli/bin.ts");
