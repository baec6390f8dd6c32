/**
 * The benchmark's results: rows per scenario and tool, target checks, and the Markdown table.
 *
 * @module
 */
import { type ThroughputResults, throughputTable } from "./throughput_report.ts";

/** The tools compared. */
export type Tool =
  | "cloudfits"
  | "cloudfits Bun"
  | "cloudfits with index"
  | "cloudfits binary"
  | "cloudfits binary with index"
  | "astropy"
  | "astropy small blocks"
  | "cfitsio";

/**
 * Whether a tool reads through the bench's cloudfits index (its floor: 1 round trip, the data alone).
 *
 * @param tool The tool.
 * @returns True for the library and the binary with an index.
 */
export function isIndexed(tool: Tool): boolean {
  return tool.endsWith("with index");
}

/** Medians over the repetitions of one scenario run by one tool. */
export interface ResultRow {
  /** Scenario id, e.g. `1a`. */
  id: string;
  /** Scenario title. */
  scenario: string;
  /** Who ran it. */
  tool: Tool;
  /** HTTP requests seen by the server (GET + HEAD), or null for local scenarios. */
  requests: number | null;
  /** Of those, the requests made while opening (cloudfits library only). */
  openRequests: number | null;
  /** Body bytes sent by the server. */
  bytes: number | null;
  /** Bytes the selection needs: its data plus the headers in front of it (with an index: the data alone). */
  needed: number | null;
  /** Sequential round trips seen by the server (see bench/server.ts). */
  roundTrips: number | null;
  /** The physical floor: the least round trips × latency, ms (null where not defined). */
  floorMs: number | null;
  /** TCP connections opened. */
  connections: number | null;
  /** Most requests in flight at once. */
  maxInFlight: number | null;
  /** Requests with a Range header. */
  ranged: number | null;
  /** Binary only: ms from spawning the process to the server seeing its first request. */
  firstRequestMs: number | null;
  /** Open + read in a fresh process, ms (binary: whole process wall time). */
  coldMs: number | null;
  /** The read again on the opened file, ms. */
  warmMs: number | null;
  /** Peak resident set size of the process, KiB. */
  rssKb: number | null;
  /** Whether the values read matched the data set's manifest (null: not checked). */
  valuesOk: boolean | null;
  /** Why a number is missing, or how to read the row. */
  note?: string;
}

/** One stated target and whether it was met. */
export interface TargetCheck {
  /** What the issue asks for. */
  target: string;
  /** What was measured. */
  measured: string;
  /** Null when it could not be measured. */
  met: boolean | null;
}

/** Everything one benchmark run produced. */
export interface BenchReport {
  /** ISO date and time of the run. */
  date: string;
  /** Machine and software versions. */
  machine: Record<string, string>;
  /** The settings used. */
  settings: Record<string, unknown>;
  /** How the numbers are made. */
  method: string[];
  /** What bench/throughput.ts wrote (decode and output throughput), when it ran. */
  throughput?: ThroughputResults;
  /** What bench/startup.ts wrote (spawn → first request, beside a binary that only fetches), when it ran. */
  startup?: StartupResults;
  /** Wall time of the whole run, seconds. */
  elapsedS?: number;
  /** One row per scenario and tool. */
  rows: ResultRow[];
  /** Target checks. */
  targets: TargetCheck[];
}

/** bench/startup.ts's results/startup.json: medians over interleaved spawns of each tool. */
export interface StartupResults {
  /** How the figures were made. */
  method: string;
  /** One row per tool: `floor: …`, `binary (dist/cloudfits)`, `deno run …`, `bun …`. */
  results: {
    tool: string;
    runs: number;
    firstRequestMs: number;
    exitMs: number;
    firstRequestRangeMs: number[];
  }[];
  /** The load average at the start. */
  machine: { loadAverageAtStart: number[] };
}

/**
 * Median of numbers, ignoring nulls.
 *
 * @param values The samples.
 * @returns The median, or null when there are none.
 */
export function median(values: readonly (number | null)[]): number | null {
  const sorted = values.filter((v): v is number => v !== null && Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/**
 * Human-readable byte count (B, KB, MB, GB; decimal units).
 *
 * @param bytes The count.
 * @returns E.g. `247.8 KB`.
 */
export function formatBytes(bytes: number | null): string {
  if (bytes === null) return "–";
  if (bytes < 1000) return `${bytes} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
}

function formatMs(ms: number | null): string {
  if (ms === null) return "–";
  return ms < 10
    ? `${ms.toFixed(2)} ms`
    : ms < 10_000
    ? `${ms.toFixed(0)} ms`
    : `${(ms / 1000).toFixed(1)} s`;
}

function ratio(ours: number | null, theirs: number | null): string {
  if (ours === null || theirs === null || theirs === 0) return "–";
  const r = ours / theirs;
  return r >= 100 ? r.toFixed(0) : r >= 10 ? r.toFixed(1) : r >= 0.01 ? r.toFixed(2) : r.toExponential(1);
}

/**
 * The comparison as one Markdown table, then the throughput measures and the target checks. Ratios `cf/x` are
 * cloudfits (the library under Deno) / that row's tool, so below 1 means cloudfits needed less; `×needed`
 * and `×floor` compare each row with the physical floor (bytes needed; round trips × latency).
 *
 * @param report The run's results.
 * @returns Markdown text.
 */
export function renderMarkdown(report: BenchReport): string {
  const lines: string[] = [];
  const m = report.machine;
  lines.push(
    `Run ${report.date}${report.elapsedS ? ` (${report.elapsedS.toFixed(0)} s)` : ""} on ${m.cpu ?? "?"} ` +
      `(${m.cores ?? "?"} cores, ${m.memory ?? "?"}, load ${m.load ?? "?"}), ${m.os ?? ""}.`,
  );
  lines.push("");
  lines.push(
    `Versions: ${[m.runtime, m.bun, m.binary, m.peer, m.cfitsio].filter(Boolean).join("; ")}. ` +
      `Latency ${report.settings.latencyMs} ms per request, ${report.settings.reps} repetitions (medians), ` +
      `astropy small blocks = ${(report.settings.smallBlockSize as number) / 1024} KiB ` +
      `(fsspec_kwargs block_size); cube ${report.settings.cube}; image ${report.settings.image}` +
      (report.settings.compressed ? `; compressed image ${report.settings.compressed}.` : "."),
  );
  lines.push("");
  for (const line of report.method) lines.push(`- ${line}`);
  lines.push("");
  lines.push(
    "| # | scenario | tool | requests | round trips | conns | bytes | ×needed | cold | floor | ×floor | warm | peak RSS | values | cf/x bytes | cf/x cold |",
  );
  lines.push("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|");
  for (const row of report.rows) {
    const ours = report.rows.find((r) => r.id === row.id && r.tool === "cloudfits");
    const isOurs = row.tool === "cloudfits";
    const requests = row.requests === null
      ? "–"
      : row.openRequests !== null
      ? `${row.requests} (${row.openRequests} open)`
      : String(row.requests) + (row.ranged === 0 ? ", none ranged" : "");
    lines.push(
      "| " + [
        row.id,
        row.scenario,
        row.tool + (row.note ? ` (${row.note})` : ""),
        requests,
        row.roundTrips === null ? "–" : String(row.roundTrips),
        row.connections === null ? "–" : String(row.connections),
        formatBytes(row.bytes),
        ratio(row.bytes, row.needed),
        formatMs(row.coldMs),
        formatMs(row.floorMs),
        ratio(row.coldMs, row.floorMs),
        formatMs(row.warmMs),
        row.rssKb === null ? "–" : `${(row.rssKb / 1024).toFixed(0)} MB`,
        row.valuesOk === null ? "–" : row.valuesOk ? "ok" : "WRONG",
        isOurs || !ours ? "" : ratio(ours.bytes, row.bytes),
        isOurs || !ours ? "" : ratio(ours.coldMs, row.coldMs),
      ].join(" | ") + " |",
    );
  }
  if (report.throughput) {
    lines.push("");
    const t = report.throughput;
    lines.push(
      `Throughput (bench/throughput.ts, results/throughput.json; ${t.runtime}, ${t.method}; its targets are in the table below):`,
    );
    lines.push("");
    lines.push(...throughputTable(t));
  }
  if (report.startup) {
    const { method, machine, results } = report.startup;
    lines.push("");
    lines.push(
      `Start-up (bench/startup.ts, results/startup.json; ${method}; load ${
        machine.loadAverageAtStart[0]
      }): ` +
        results.map((r) => `${r.tool}: first request ${r.firstRequestMs} ms, exit ${r.exitMs} ms`).join(
          "; ",
        ) +
        ".",
    );
  }
  lines.push("");
  lines.push(...targetTable(report.targets));
  return lines.join("\n") + "\n";
}

/**
 * Target checks as a Markdown table.
 *
 * @param targets The checks.
 * @returns Markdown lines: target, what was measured, met (yes, **MISSED**, or – when not measured).
 */
export function targetTable(targets: readonly TargetCheck[]): string[] {
  return [
    "| target | measured | met |",
    "|---|---|---|",
    ...targets.map((t) =>
      `| ${t.target} | ${t.measured} | ${t.met === null ? "–" : t.met ? "yes" : "**MISSED**"} |`
    ),
  ];
}

/** Re-export of the formatting helpers the runner prints with. */
export const format = { bytes: formatBytes, ms: formatMs, ratio };
