/** Helpers for the index-format tests: a counting source and fixture loading. */
import { readFile } from "node:fs/promises";
import { memorySource } from "../../src/source/memory.ts";
import type { ByteSource, ReadOptions } from "../../src/source/types.ts";
import { walkHdus } from "../../src/fits/walk.ts";
import type { IndexedFile } from "../../src/index_format/types.ts";

/** A source over bytes that records every read. */
export interface CountingSource extends ByteSource {
  reads: { offset: number; length: number }[];
  readonly bytesRead: number;
}

/** Wrap `memorySource` and count reads and bytes. */
export function countingSource(bytes: Uint8Array, name = "index.fci"): CountingSource {
  const inner = memorySource(bytes, name);
  const reads: { offset: number; length: number }[] = [];
  let bytesRead = 0;
  return {
    name,
    size: inner.size,
    reads,
    get bytesRead() {
      return bytesRead;
    },
    async read(offset: number, length: number, options?: ReadOptions): Promise<Uint8Array> {
      reads.push({ offset, length });
      const got = await inner.read(offset, length, options);
      bytesRead += got.length;
      return got;
    },
  };
}

/** Read a fixture from testdata/. */
export async function fixture(name: string): Promise<Uint8Array> {
  return new Uint8Array(await readFile(new URL(`../../testdata/${name}`, import.meta.url)));
}

/** Walk a fixture into an indexed-file record. */
export async function indexedFixture(name: string): Promise<IndexedFile> {
  const bytes = await fixture(name);
  const { hdus } = await walkHdus(memorySource(bytes, name));
  return { path: name, size: bytes.length, hdus };
}
