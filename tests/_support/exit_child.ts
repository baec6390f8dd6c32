/**
 * A child process for tests/source/close_test.ts: open an index of local files and a data file through
 * it, read an image, and either close both or drop them, then force garbage collection so that whatever
 * the runtime does with dropped file handles happens before exit.
 *
 * Usage: `exit_child.ts INDEX close|leave` (Deno needs `--v8-flags=--expose-gc`). Prints the file count
 * and the image shape.
 *
 * @module
 */
import process from "node:process";
import { openIndex } from "../../src/open_index.ts";
import { openFileSource } from "../../src/source/file.ts";

const [indexPath, mode] = process.argv.slice(2);

/** Open, read, and close or not; nothing opened here stays reachable after it returns. */
async function readOnce(): Promise<string> {
  const index = await openIndex(indexPath, { openFile: openFileSource });
  const fits = await index.open("mef_images.fits");
  const image = await fits.hdu(1).section([]);
  if (mode === "close") {
    await fits.source.close?.();
    await index.close();
  }
  return `${index.fileCount} files, HDU 1 shape ${image.shape.join("x")}`;
}

console.log(await readOnce());

// Collect the dropped handles now, then give finalizers a turn: Bun fails the process when its garbage
// collector meets a FileHandle that is still open.
const runtime = globalThis as { Bun?: { gc(force: boolean): void }; gc?: () => void };
for (let round = 0; round < 3; round++) {
  runtime.Bun?.gc(true);
  runtime.gc?.();
  await new Promise((resolve) => setTimeout(resolve, 20));
}
