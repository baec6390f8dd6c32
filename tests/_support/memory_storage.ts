/**
 * A file system in memory for library-level indexer tests: the `IndexStorage` the indexer writes
 * through, and an `openFile` that counts the reads reaching each file.
 *
 * @module
 */
import { concatBytes } from "../../src/_bytes.ts";
import { CloudFitsError } from "../../src/errors.ts";
import type { IndexStorage, LocalFileInfo } from "../../src/indexer/types.ts";
import type { TrafficStats } from "../../src/source/counting.ts";
import { memorySource } from "../../src/source/memory.ts";
import type { ByteSource } from "../../src/source/types.ts";

/** One file: its bytes and mtime. */
export interface MemoryFile {
  bytes: Uint8Array;
  mtimeMs: number;
}

/** The storage, its files, and the traffic its `openFile` saw. */
export interface MemoryStorage extends IndexStorage {
  /** Files by absolute path. */
  files: Map<string, MemoryFile>;
  /** Opens a file as a counting source (the `openFile` option). */
  openFile(path: string): Promise<ByteSource>;
  /** Paths opened, in order. */
  opened: string[];
  /** Reads of every opened file, summed. */
  traffic: TrafficStats;
  /** Every atomic write, in order. */
  writes: { path: string; bytes: Uint8Array }[];
  /** Make the next writes of a path fail (`null` clears). */
  failWrites(path: string | null): void;
}

/**
 * A file system in memory. Paths are absolute and `/`-separated; `resolve` keeps them as they are.
 *
 * @param files Initial files by path (bytes, or bytes with an mtime; default mtime 1,000,000 ms).
 * @returns The storage.
 */
export function memoryStorage(files: Record<string, Uint8Array | MemoryFile> = {}): MemoryStorage {
  const map = new Map<string, MemoryFile>();
  for (const [path, file] of Object.entries(files)) {
    map.set(path, file instanceof Uint8Array ? { bytes: file, mtimeMs: 1_000_000 } : file);
  }
  const traffic: TrafficStats = { requests: 0, bytes: 0, ranges: [] };
  const opened: string[] = [];
  const writes: { path: string; bytes: Uint8Array }[] = [];
  let failing: string | null = null;
  const isDirectory = (path: string) =>
    [...map.keys()].some((p) => p.startsWith(`${path.replace(/\/+$/, "")}/`));
  const missing = (path: string) =>
    new CloudFitsError("NOT_FOUND", `Cannot open ${path}: no such file`, { url: path });
  return {
    files: map,
    opened,
    traffic,
    writes,
    failWrites: (path) => void (failing = path),
    resolve: (path) => path,
    stat(path): Promise<LocalFileInfo | undefined> {
      const file = map.get(path);
      if (file) {
        return Promise.resolve({ size: file.bytes.length, mtimeMs: file.mtimeMs, isDirectory: false });
      }
      return Promise.resolve(isDirectory(path) ? { size: 0, mtimeMs: 0, isDirectory: true } : undefined);
    },
    listFiles(dir) {
      const prefix = `${dir.replace(/\/+$/, "")}/`;
      return Promise.resolve(
        [...map.keys()].filter((p) => p.startsWith(prefix)).map((p) => p.slice(prefix.length)).sort(),
      );
    },
    readFile(path) {
      const file = map.get(path);
      return file ? Promise.resolve(file.bytes) : Promise.reject(missing(path));
    },
    async writeFileAtomic(path, content, options = {}) {
      if (path === failing) throw new CloudFitsError("NETWORK", `Cannot write ${path}: disk full`);
      if (map.has(path) && !options.overwrite) {
        throw new CloudFitsError("USAGE", `Cannot write ${path}: the file exists`);
      }
      const chunks = content instanceof Uint8Array ? [content] : await Array.fromAsync(content);
      const bytes = concatBytes(chunks);
      writes.push({ path, bytes });
      map.set(path, { bytes: bytes.slice(), mtimeMs: 2_000_000 });
    },
    removeFile(path) {
      map.delete(path);
      return Promise.resolve();
    },
    openFile(path) {
      const file = map.get(path);
      if (!file) return Promise.reject(missing(path));
      opened.push(path);
      const source = memorySource(file.bytes, path);
      return Promise.resolve({
        name: path,
        size: file.bytes.length,
        async read(offset: number, length: number) {
          const bytes = await source.read(offset, length);
          traffic.requests++;
          traffic.bytes += bytes.length;
          traffic.ranges.push({ offset, length });
          return bytes;
        },
      });
    },
  };
}
