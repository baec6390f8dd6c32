/**
 * The targets of issue 16 (performance at the physical floor) and issue 13's light-curve line, checked
 * against one benchmark run: each is met, missed by how much, or not measured (and why).
 *
 * @module
 */
import { type BenchReport, median, type TargetCheck, type Tool } from "./report.ts";

/** How the binary ended when its stdout pipe was closed early. */
export interface PipeResult {
  code: number | null;
  signal: string | null;
  stderr: string;
}

/** Measurements made outside the scenario rows. */
export interface TargetInputs {
  /** MiB decoded by scenario 4a (when bench/throughput.ts is missing). */
  decodeMb: number;
  /** Light-curve box side, pixels. */
  lightCurveSize: number;
  /** The closed-pipe check, or null when the binary was not run. */
  pipe: PipeResult | null;
}

const NOT_MEASURED = (why: string): Pick<TargetCheck, "measured" | "met"> => ({
  measured: `not measured: ${why}`,
  met: null,
});

/**
 * Check every target against a run.
 *
 * @param report The run (rows, throughput results, elapsed time).
 * @param inputs What the rows do not hold.
 * @returns One line per target.
 */
export function checkTargets(report: BenchReport, inputs: TargetInputs): TargetCheck[] {
  const get = (id: string, tool: Tool) => report.rows.find((r) => r.id === id && r.tool === tool);
  const targets: TargetCheck[] = [];
  const add = (target: string, check: Pick<TargetCheck, "measured" | "met">) =>
    targets.push({ target, ...check });
  const atMost = (value: number | null | undefined, limit: number, unit: string, digits = 0) =>
    value == null ? NOT_MEASURED("no value") : {
      measured: `${value.toFixed(digits)}${unit}` +
        (value <= limit
          ? ""
          : ` (missed by ${(value - limit).toFixed(digits)}, ${(value / limit).toFixed(2)}× the target)`),
      met: value <= limit,
    };
  const atLeast = (value: number | null | undefined, limit: number, unit: string, digits = 2) =>
    value == null ? NOT_MEASURED("no value") : {
      measured: `${value.toFixed(digits)}${unit}` +
        (value >= limit ? "" : ` (missed: ${(value / limit * 100).toFixed(0)} % of the target)`),
      met: value >= limit,
    };

  // #16.1: round trips at the floor.
  for (const id of ["L1", "I1"]) {
    const cold = get(id, "cloudfits");
    const indexed = get(id, "cloudfits with index");
    add(
      `#16.1 ${id} ${cold?.scenario ?? ""}: 2 round trips cold (library)`,
      atMost(cold?.roundTrips, 2, " round trips"),
    );
    add(`#16.1 ${id}: 1 round trip with an index (library)`, atMost(indexed?.roundTrips, 1, " round trips"));
    const binary = get(id, "cloudfits binary");
    if (binary) add(`#16.1 ${id}: 2 round trips cold (binary)`, atMost(binary.roundTrips, 2, " round trips"));
  }
  // #16.2: start-up.
  const first = report.rows.filter((r) => r.tool === "cloudfits binary" && r.firstRequestMs !== null)
    .map((r) => r.firstRequestMs!);
  add(
    "#16.2 the binary's first request within 30 ms of exec (median over its HTTP scenarios)",
    first.length && report.machine.binary
      ? atMost(median(first), 30, " ms", 1)
      : NOT_MEASURED("compiled binary not run"),
  );
  const version = get("6", "cloudfits binary");
  add("#7 `cloudfits --version` (binary) ≤ 50 ms", atMost(version?.coldMs, 50, " ms", 1));

  // #16.3: bytes at memory speed (bench/throughput.ts), or the 4a fallback for the decode.
  const folded = (report.throughput?.targets ?? []) as TargetCheck[];
  if (folded.length) {
    targets.push(...folded.map((t) => ({ ...t, target: `#16.3/4 ${t.target}` })));
  } else {
    const decode = get("4a", "cloudfits");
    const numpy = get("4a", "astropy");
    add(
      "#16.3 decode ≥ the faster of numpy's byteswap and astype (4a: numpy in-place byteswap only)",
      decode?.coldMs && numpy?.coldMs
        ? atLeast(numpy.coldMs / decode.coldMs, 1, "× numpy's speed")
        : NOT_MEASURED("needs bench/throughput.ts"),
    );
    add("#16.3 FITS output ≥ 1 GB/s to a file", NOT_MEASURED("bench/throughput.ts missing"));
    add("#16.3 JSON and CSV ≥ 5 M values/s", NOT_MEASURED("bench/throughput.ts missing"));
    add(
      "#16.4 a whole column locally ≥ astropy (whole processes)",
      NOT_MEASURED("bench/throughput.ts missing"),
    );
  }
  add(
    "#16.3 a closed stdout pipe ends the process quietly (binary, cutout to a pipe closed after one chunk)",
    inputs.pipe === null ? NOT_MEASURED("binary not run") : {
      measured: `exit ${inputs.pipe.code ?? inputs.pipe.signal}, stderr ${
        inputs.pipe.stderr ? `'${inputs.pipe.stderr.split("\n")[0].slice(0, 80)}'` : "empty"
      }`,
      met: inputs.pipe.stderr === "",
    },
  );

  // #16.4: a whole column over HTTP ≥ 1.5 × astropy.
  const column = get("3b", "cloudfits");
  for (const peer of ["astropy", "astropy small blocks"] as const) {
    const theirs = get("3b", peer);
    add(
      `#16.4 3b whole column over HTTP ≥ 1.5× ${peer}'s speed (cold)`,
      column?.coldMs && theirs?.coldMs
        ? atLeast(theirs.coldMs / column.coldMs, 1.5, "×")
        : NOT_MEASURED("no peer"),
    );
  }

  // #16.5: one pool.
  const many = get("L100", "cloudfits");
  add(
    `#16.5 ≤ 64 TCP connections for 100 parallel reads (L100: ${many?.requests ?? "?"} requests, library)`,
    atMost(many?.connections, 64, " connections"),
  );
  add(
    "#16.5 ≤ 32 requests in flight per host (default limit; L100, library)",
    atMost(many?.maxInFlight, 32, ""),
  );

  // #16.6: honest benchmarks.
  add("#16.6 the bench runs in under 10 minutes", atMost(report.elapsedS ?? null, 600, " s"));
  const wrong = report.rows.filter((r) => r.valuesOk === false && r.tool.startsWith("cloudfits"));
  add("#16.6 every cloudfits value checked against astropy's", {
    measured: wrong.length
      ? `wrong or failed: ${wrong.map((r) => `${r.id} ${r.tool}`).join(", ")}`
      : "all ok",
    met: wrong.length === 0,
  });

  // #13: the light curve over HTTP with 20 ms latency, by the CLI.
  const curve = get("L1", "cloudfits binary") ?? get("L1", "cloudfits");
  const size = inputs.lightCurveSize;
  add(
    `#13 \`cloudfits lightcurve\` ≤ 1 + size = ${1 + size} requests`,
    atMost(curve?.requests, 1 + size, " requests"),
  );
  add(
    "#13 `cloudfits lightcurve` ≤ 1.05 × the bytes needed",
    curve?.bytes != null && curve.needed
      ? atMost(curve.bytes / curve.needed, 1.05, "×", 2)
      : NOT_MEASURED("no value"),
  );
  add("#13 the PNG is a readable plot", {
    measured: curve?.tool === "cloudfits binary" && curve.valuesOk === null
      ? "written (results/lightcurve.png); looked at by whoever commits the run"
      : curve?.note ?? "not written",
    met: null,
  });
  return targets;
}
