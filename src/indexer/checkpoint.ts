/**
 * Checkpoints of an index run: its finished records, saved every few seconds as a valid index in a
 * sidecar file, so that an interrupted run resumes without reading finished files again.
 *
 * @module
 */
import type { IndexedFile } from "../index_format/types.ts";
import { decodeIndex } from "../read/index.ts";
import { type Location, redactUrl } from "../url.ts";
import { join } from "./_path.ts";
import type { IndexStorage } from "./types.ts";

/**
 * Checkpoint after this many newly indexed files, or after this long, whichever comes first. Each
 * checkpoint re-encodes every pending record, so both thresholds grow with its cost (the count doubles,
 * the interval stays ≥ 10× the last encoding time) to keep the overhead a small fraction of the run.
 */
const CHECKPOINT_FILES = 32;
const CHECKPOINT_MS = 2000;

/**
 * Where an interrupted run writing `output` keeps its finished records: beside a local index
 * (`INDEX.partial`), or for a bucket, in `$XDG_CACHE_HOME/cloudfits/checkpoints/` (or `~/.cache/…`)
 * under a hash of the output URL (without its query) and endpoint.
 *
 * @param output The index's location string.
 * @param location The same, parsed.
 * @param env Environment variables (`XDG_CACHE_HOME`, `HOME`).
 * @param endpoint The S3-compatible endpoint, which tells apart same-named buckets.
 * @returns The checkpoint's local path, or undefined when there is no cache directory.
 */
export async function checkpointPath(
  output: string,
  location: Location,
  env: Record<string, string | undefined>,
  endpoint: string | undefined,
): Promise<string | undefined> {
  if (location.kind === "file") return `${location.path}.partial`;
  const cache = env.XDG_CACHE_HOME || (env.HOME ? join(env.HOME, ".cache") : undefined);
  if (!cache) return undefined;
  const digest = await crypto.subtle.digest(
    "SHA-256",
    new TextEncoder().encode(`${redactUrl(output)}\n${endpoint ?? ""}`),
  );
  const key = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("").slice(
    0,
    32,
  );
  return join(cache.replace(/\/+$/, ""), "cloudfits", "checkpoints", `${key}.cfidx.partial`);
}

/**
 * Read the records of a checkpoint with the same data root. A missing checkpoint gives none; a damaged
 * one gives none with a warning, and is never trusted.
 *
 * @param storage The local file system.
 * @param path The checkpoint.
 * @param dataUrl The data root of the run.
 * @param onWarning Told why a checkpoint is ignored.
 * @returns The records.
 */
export async function loadCheckpoint(
  storage: IndexStorage,
  path: string,
  dataUrl: string | undefined,
  onWarning?: (message: string) => void | Promise<void>,
): Promise<IndexedFile[]> {
  if (!(await storage.stat(path))) return [];
  try {
    const index = await decodeIndex(await storage.readFile(path));
    if ((index.dataUrl ?? undefined) !== dataUrl) return [];
    const records: IndexedFile[] = [];
    for await (const file of index.files({ frames: true })) records.push(file);
    return records;
  } catch (error) {
    await onWarning?.(`ignoring the checkpoint ${path}: ${(error as Error).message}`);
    return [];
  }
}

/**
 * The checkpoint writer of one run: it holds the records to keep (read in this run, or resumed from
 * the last checkpoint) and saves them when enough new ones have come, one save at a time.
 */
export class Checkpointer {
  /** The checkpoint's path. */
  readonly path: string;
  readonly #storage: IndexStorage;
  readonly #encode: (records: IndexedFile[]) => Promise<Uint8Array>;
  readonly #now: () => number;
  readonly #onWarning: ((message: string) => void | Promise<void>) | undefined;
  readonly #pending: IndexedFile[] = [];
  #resumed = 0;
  #saved = { fresh: 0, records: 0, at: 0, costMs: 0 };
  #saving = false;

  /**
   * Start with no records; the interval counts from now.
   *
   * @param path The checkpoint's path.
   * @param storage The local file system.
   * @param encode Encodes records as an index.
   * @param now The clock, in milliseconds.
   * @param onWarning Told when a save fails (the run goes on).
   */
  constructor(
    path: string,
    storage: IndexStorage,
    encode: (records: IndexedFile[]) => Promise<Uint8Array>,
    now: () => number,
    onWarning?: (message: string) => void | Promise<void>,
  ) {
    this.path = path;
    this.#storage = storage;
    this.#encode = encode;
    this.#now = now;
    this.#onWarning = onWarning;
    this.#saved.at = now();
  }

  /**
   * Keep a record in the next checkpoint.
   *
   * @param record The record.
   * @param resumed True when it came from the previous checkpoint (it does not count as new).
   */
  add(record: IndexedFile, resumed = false): void {
    this.#pending.push(record);
    if (resumed) this.#resumed++;
  }

  /** Save when enough new records have come since the last save, or enough time has passed. */
  async maybeSave(): Promise<void> {
    const fresh = this.#pending.length - this.#resumed;
    const now = this.#now();
    const saved = this.#saved;
    const due = fresh - saved.fresh >= Math.max(CHECKPOINT_FILES, saved.records) ||
      (fresh > saved.fresh && now - saved.at >= Math.max(CHECKPOINT_MS, 10 * saved.costMs));
    // One checkpoint at a time; the other workers go on meanwhile.
    if (!due || this.#saving) return;
    this.#saving = true;
    const records = [...this.#pending];
    try {
      await this.save(records);
    } catch (error) {
      await this.#onWarning?.(`cannot write the checkpoint ${this.path}: ${(error as Error).message}`);
    } finally {
      const end = this.#now();
      this.#saved = { fresh, records: records.length, at: end, costMs: end - now };
      this.#saving = false;
    }
  }

  /**
   * Save records now.
   *
   * @param records The records (default: every record kept so far).
   */
  async save(records: IndexedFile[] = [...this.#pending]): Promise<void> {
    await this.#storage.writeFileAtomic(this.path, await this.#encode(records), { overwrite: true });
  }

  /** Delete the checkpoint (and the temporaries of killed saves): the index it served is written. */
  async remove(): Promise<void> {
    await this.#storage.removeFile(this.path);
  }
}
