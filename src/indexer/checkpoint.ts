/**
 * Checkpoints of an index run: the index written so far, saved every few seconds as a valid index in
 * a sidecar file, so that an interrupted run resumes without reading finished files again.
 *
 * @module
 */
import type { WrittenIndex } from "../index_format/writer.ts";
import { decodeIndex } from "../read/index.ts";
import { RecordCursor } from "./incremental.ts";
import { type Location, redactUrl } from "../url.ts";
import { join } from "./_path.ts";
import type { IndexStorage } from "./types.ts";

/**
 * Checkpoint after this many newly indexed files, or after this long, whichever comes first. Each
 * checkpoint writes the whole index so far, so both thresholds grow with its cost (the count doubles,
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
 * The records of a checkpoint with the same data root, as a cursor in path order. A missing checkpoint
 * gives none; a damaged one gives none with a warning, and is never trusted.
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
): Promise<RecordCursor> {
  const warn = (error: unknown) =>
    onWarning?.(`ignoring the checkpoint ${path}: ${(error as Error).message}`);
  if (!(await storage.stat(path))) return new RecordCursor();
  try {
    const index = await decodeIndex(await storage.readFile(path));
    const same = (index.dataUrl ?? undefined) === dataUrl;
    return new RecordCursor(same ? index.files({ frames: true }) : undefined, warn);
  } catch (error) {
    await warn(error);
    return new RecordCursor();
  }
}

/**
 * The checkpoint writer of one run: it saves the index written so far (every file added, in path
 * order) when enough new files have been read, or enough time has passed, one save at a time.
 */
export class Checkpointer {
  /** The checkpoint's path. */
  readonly path: string;
  readonly #storage: IndexStorage;
  readonly #snapshot: () => Promise<WrittenIndex>;
  readonly #now: () => number;
  readonly #onWarning: ((message: string) => void | Promise<void>) | undefined;
  #fresh = 0;
  #saved = { fresh: 0, records: 0, at: 0, costMs: 0 };
  #saving = false;

  /**
   * Start with no records; the interval counts from now.
   *
   * @param path The checkpoint's path.
   * @param storage The local file system.
   * @param snapshot The index written so far.
   * @param now The clock, in milliseconds.
   * @param onWarning Told when a save fails (the run goes on).
   */
  constructor(
    path: string,
    storage: IndexStorage,
    snapshot: () => Promise<WrittenIndex>,
    now: () => number,
    onWarning?: (message: string) => void | Promise<void>,
  ) {
    this.path = path;
    this.#storage = storage;
    this.#snapshot = snapshot;
    this.#now = now;
    this.#onWarning = onWarning;
    this.#saved.at = now();
  }

  /** Count a file read in this run (records kept from before do not make a checkpoint due). */
  addFresh(): void {
    this.#fresh++;
  }

  /**
   * Save when enough new records have come since the last save, or enough time has passed.
   *
   * @param records Records written so far (what a save costs).
   */
  async maybeSave(records: number): Promise<void> {
    const fresh = this.#fresh;
    const now = this.#now();
    const saved = this.#saved;
    const due = fresh - saved.fresh >= Math.max(CHECKPOINT_FILES, saved.records) ||
      (fresh > saved.fresh && now - saved.at >= Math.max(CHECKPOINT_MS, 10 * saved.costMs));
    // One checkpoint at a time; the other workers go on meanwhile.
    if (!due || this.#saving) return;
    this.#saving = true;
    try {
      await this.save();
    } catch (error) {
      await this.#onWarning?.(`cannot write the checkpoint ${this.path}: ${(error as Error).message}`);
    } finally {
      const end = this.#now();
      this.#saved = { fresh, records, at: end, costMs: end - now };
      this.#saving = false;
    }
  }

  /** Save the index written so far now. */
  async save(): Promise<void> {
    const written = await this.#snapshot();
    await this.#storage.writeFileAtomic(this.path, written.chunks(), { overwrite: true });
  }

  /** Delete the checkpoint (and the temporaries of killed saves): the index it served is written. */
  async remove(): Promise<void> {
    await this.#storage.removeFile(this.path);
  }
}
