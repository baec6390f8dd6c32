/** Helpers for the index-format tests: index bytes behind a counting source, and walked fixtures. */
import { walkHdus } from "../../src/read/walk.ts";
import type { IndexedFile } from "../../src/index_format/types.ts";
import { type CountingSource, countingSource } from "../../src/source/counting.ts";
import { memorySource } from "../../src/source/memory.ts";
import { testdataFile } from "../_support/fixtures.ts";

/** Index bytes as a source named `index.fci` that counts its reads. */
export function countedIndex(bytes: Uint8Array): CountingSource {
  return countingSource(memorySource(bytes, "index.fci"));
}

/** Walk a fixture (file name with `.fits`) into an indexed-file record. */
export async function indexedFixture(name: string): Promise<IndexedFile> {
  const bytes = testdataFile(name);
  const { hdus } = await walkHdus(memorySource(bytes, name));
  return { path: name, size: bytes.length, hdus };
}
