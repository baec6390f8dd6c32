/**
 * The benchmark's scenario shape and the tools that run a scenario: the library (Deno, Bun, through the
 * index), the binary (cold and through the index), astropy (both block sizes) and cfitsio.
 *
 * @module
 */
import { join } from "node:path";
import type { RangeServer } from "./server.ts";
import type { Tool } from "./report.ts";
import { type BenchOptions, BUN, type Outcome } from "./common.ts";
import { runBinary, runCloudfits, runPython } from "./children.ts";

/** One scenario: its figures at the floor, its expected values and how each tool runs it. */
export interface Scenario {
  id: string;
  title: string;
  /** Data bytes needed plus the headers in front of them; null for local scenarios. */
  needed: number | null;
  /** Bytes needed when an index holds the headers (and a cube's frame summary): the data alone. */
  indexedNeeded?: number;
  /** Expected checksum from the manifest. */
  check: number | null;
  /** Relative tolerance of the checksum comparison. */
  tolerance: number;
  /** Round trips a reader needs at the least: cold without an index, and with one. */
  floorRoundTrips?: { cold: number; indexed: number };
  /** Repetitions for some tools, where the scenario's default would blow the time budget. */
  reps?: Partial<Record<Tool, number>>;
  /** Run by one tool with one client id; null when the tool does not take part. */
  run: Partial<Record<Tool, (client: string) => Promise<Outcome>>>;
}

/** What make_data.py recorded. */
export interface Manifest {
  checks: Record<string, number>;
  smallFiles: string[];
  sizes: Record<string, number>;
  targets: { name: string; ra: number; dec: number }[];
  headerBytes: { cubeTable: number; cubeTableRow: number };
  /** compressed.fits: its headers, and the tile-table rows plus compressed bytes of the section's tiles. */
  compressedBytes: { headers: number; tiles: number };
}

/** What the scenarios are built from. */
export interface ScenarioContext {
  server: RangeServer;
  options: BenchOptions;
  manifest: Manifest;
  selections: Record<string, (number | number[] | null)[]>;
  tableSlice: number[];
  binaryPath: string[] | null;
  peer: boolean;
  cfitsio: boolean;
  /** The local cloudfits index of the cube and the image (see {@linkcode writeIndex}). */
  index: string;
}

/** Seconds cfitsio may spend on the 44 GB cube before it is stopped. */
const CFITSIO_CAP_S = 10;

/**
 * The ways a scenario is run, bound to one run's server, settings and tools.
 *
 * @param context The run.
 * @returns Builders that add tools to a scenario's `run`.
 */
export function scenarioTools(context: ScenarioContext) {
  const { server, options, binaryPath, peer, index } = context;
  const url = (client: string, file: string) => server.urlFor(client, file);
  /** The library under Deno and Bun, astropy with both block sizes; `indexed` adds the index run. */
  const withPeer = (
    cloudfits: Record<string, unknown>,
    python: Record<string, unknown>,
    file: string | null,
    indexed = false,
  ): Scenario["run"] => {
    const run: Scenario["run"] = {
      cloudfits: (client) => runCloudfits(withUrl(cloudfits, client, file), options),
    };
    if (options.bun) {
      run["cloudfits Bun"] = (client) => runCloudfits(withUrl(cloudfits, client, file), options, BUN);
    }
    if (indexed) {
      run["cloudfits with index"] = (client) =>
        runCloudfits({ ...withUrl(cloudfits, client, file), index }, options);
    }
    if (peer) {
      run.astropy = (client) => runPython("peer_astropy.py", withUrl(python, client, file), options);
      if (!options.peerSmallBlocks) return run;
      run["astropy small blocks"] = (client) =>
        runPython(
          "peer_astropy.py",
          { ...withUrl(python, client, file), blockSize: options.smallBlockSize },
          options,
        );
    }
    return run;
  };
  const withUrl = <T extends Record<string, unknown>>(task: T, client: string, file: string | null): T =>
    file === null
      ? task
      : "urls" in task
      ? { ...task, urls: (task.urls as string[]).map((f) => url(client, f)) }
      : { ...task, url: url(client, file) };
  const binary = (
    run: Scenario["run"],
    args: (client: string) => string[],
    check: (stdout: string, bytes: Uint8Array) => number | null,
  ) => {
    if (binaryPath) run["cloudfits binary"] = (client) => runBinary(binaryPath, args(client), check, options);
  };
  /** The CLI through the local index, its data files under this client's URL (`--data-root`). */
  const binaryWithIndex = (
    run: Scenario["run"],
    args: string[],
    check: (stdout: string, bytes: Uint8Array) => number | null,
  ) => {
    if (!binaryPath) return;
    run["cloudfits binary with index"] = (client) =>
      runBinary(binaryPath, [...args, "--index", index, "--data-root", url(client, "")], check, options);
  };
  const cfitsioRun = (
    run: Scenario["run"],
    task: Record<string, unknown>,
    file: string,
  ) => {
    if (!context.cfitsio) return;
    run.cfitsio = (client) =>
      runPython("peer_cfitsio.py", {
        ...task,
        url: url(client, file),
        out: join(options.dataDir, `cfitsio-${client}.fits`),
      }, options);
  };
  // cfitsio copies a whole http:// file before it filters it (measured: two full GETs, no Range header);
  // on the cube that is 2 × 44 GB, so it runs once with a cap to show what it fetches.
  const cappedCfitsio = (run: Scenario["run"], filter: string) =>
    cfitsioRun(run, { tool: "imcopy", filter, kind: "image", capSeconds: CFITSIO_CAP_S }, "tess_cube.fits");
  return { url, withPeer, binary, binaryWithIndex, cfitsioRun, cappedCfitsio };
}
