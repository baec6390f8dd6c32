/**
 * The targets of issue 16 (performance at the physical floor) and issue 13's light-curve line, checked
 * against one benchmark run: each is met, missed by how much, or not measured (and why).
 *
 * @module
 */
import { type BenchReport, median, type TargetCheck, type Tool } from "./report.ts";
import { type DecodeResult, TEXT_MEASURES, type ThroughputResults } from "./throughput_report.ts";

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

type Verdict = Pick<TargetCheck, "measured" | "met">;

const NOT_MEASURED = (why: string): Verdict => ({ measured: `not measured: ${why}`, met: null });

/** A verdict with more said after its figure. */
function appendNote(verdict: Verdict, note: string): Verdict {
  return { ...verdict, measured: verdict.measured + note };
}

/** A value against an upper limit: met, or missed by how much. */
function atMost(value: number | null | undefined, limit: number, unit: string, digits = 0): Verdict {
  return value == null ? NOT_MEASURED("no value") : {
    measured: `${value.toFixed(digits)}${unit}` +
      (value <= limit
        ? ""
        : ` (missed by ${(value - limit).toFixed(digits)}, ${(value / limit).toFixed(2)}× the target)`),
    met: value <= limit,
  };
}

/** A value against a lower limit: met, or missed (the share of the target reached); `why` follows. */
function atLeast(
  value: number | null | undefined,
  limit: number,
  unit: string,
  digits = 2,
  why = "",
): Verdict {
  return value == null ? NOT_MEASURED("no value") : {
    measured: `${value >= 0.1 ? value.toFixed(digits) : value.toPrecision(2)}${unit}` +
      (value >= limit ? "" : ` (missed: ${(value / limit * 100).toFixed(0)} % of the target)`) + why,
    met: value >= limit,
  };
}

/** Round trips, in words. */
const roundTrips = (n: number | null | undefined) => plural(n, "round trip");

/** ` word` or ` words` after a count. */
const plural = (n: number | null | undefined, word: string) => n === 1 ? ` ${word}` : ` ${word}s`;

/**
 * Issue 16's throughput targets (items 3 and 4), each defined once and measured by bench/throughput.ts:
 * the harness's target table and results/throughput.md both list these.
 */
const THROUGHPUT_TARGETS: { target: string; check: (r: ThroughputResults) => Verdict | null }[] = [
  ...(["float32", "int16"] as const).flatMap((dtype) => {
    /** One decode target: a ratio to the faster numpy, with its figures. */
    const decodeTarget = (
      target: string,
      ratio: (x: DecodeResult) => number,
      figures: (x: DecodeResult, r: ThroughputResults) => string,
    ) => ({
      target,
      check: (r: ThroughputResults) => {
        const x = r.decode?.[dtype];
        return x ? atLeast(ratio(x), 1, "× numpy", 2, figures(x, r)) : null;
      },
    });
    return [
      decodeTarget(
        `#16.3 decode ${dtype} big-endian → host in place (the decoder section() runs after the fetch) ≥ the faster of numpy's copying .byteswap() and .astype() on the same bytes`,
        (x) => x.ratioInPlaceToBestNumpy,
        (x) =>
          `; ${x.inPlaceGBps} GB/s against byteswap ${x.numpyByteswapGBps}, astype ${x.numpyAstypeGBps} GB/s`,
      ),
      decodeTarget(
        `#16.3 decode ${dtype}: section() as a whole (copy into new memory + decode, from memory) ≥ the same`,
        (x) => x.ratioSectionToBestNumpy,
        (x, r) =>
          `; ${x.sectionFromMemoryGBps} GB/s; allocating and filling a new buffer of that size alone runs at ${
            r.decode!.freshMemoryGBps
          } GB/s here`,
      ),
    ];
  }),
  {
    target:
      "#16.3 FITS output ≥ 1 GB/s to a file, big-endian bytes passed through untouched (write and close, as astropy's writeto)",
    check: ({ fitsOutput: f }) =>
      f
        ? f.dataUnitUntouched
          ? atLeast(f.writeGBps, 1, " GB/s", 2, `; astropy writeto ${f.astropyWritetoGBps} GB/s`)
          : { measured: "the data unit differs from the source's bytes", met: false }
        : null,
  },
  {
    target: "#16.3 FITS output ≥ 1 GB/s as the CLI writes a file (temporary file, fsync, rename)",
    check: ({ fitsOutput: f }) =>
      f ? atLeast(f.atomicWriteGBps, 1, " GB/s", 2, "; fsync waits for the disk") : null,
  },
  ...TEXT_MEASURES.map(([key, what]) => ({
    target: `#16.3 JSON and CSV ≥ 5 M values/s: ${what}`,
    check: ({ textOutput: t }: ThroughputResults) => t ? atLeast(t[key], 5, " M values/s") : null,
  })),
  ...([
    ["astropy memmap", "speedupLocalVsAstropyMemmap"],
    ["astropy memmap=False", "speedupLocalVsAstropyNoMemmap"],
  ] as const).map(([peer, key]) => ({
    target: `#16.4 a whole column of a 10⁶-row table locally ≥ ${peer}'s speed (whole processes)`,
    check: ({ tableColumn: c }: ThroughputResults) =>
      c
        ? c.sameSums
          ? atLeast(
            c[key],
            1,
            "×",
            2,
            `; ${c["cloudfits local"].processSeconds} s against ${c[peer].processSeconds} s`,
          )
          : { measured: "the tools' column sums differ", met: false }
        : null,
  })),
  {
    target: "#16.4 a whole column over HTTP ≥ 1.5× astropy+fsspec's speed (whole processes)",
    check: ({ tableColumn: c }) =>
      c
        ? atLeast(
          c.speedupHttpVsAstropyFsspec,
          1.5,
          "×",
          2,
          `; ${c["cloudfits http"].processSeconds} s against ${c["astropy+fsspec http"].processSeconds} s`,
        )
        : null,
  },
];

/**
 * The throughput targets against bench/throughput.ts's results; each one not measured when its part
 * did not run.
 *
 * @param results What bench/throughput.ts wrote, or null when it did not run.
 * @returns One line per target.
 */
export function throughputTargets(results: ThroughputResults | null | undefined): TargetCheck[] {
  return THROUGHPUT_TARGETS.map(({ target, check }) => ({
    target,
    ...(results
      ? check(results) ?? NOT_MEASURED("this part of bench/throughput.ts did not run")
      : NOT_MEASURED("bench/throughput.ts not run")),
  }));
}

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
  const add = (target: string, check: Verdict) => targets.push({ target, ...check });

  // #16.1: round trips at the floor, cold and through the bench's index (made by the indexer).
  for (const id of ["L1", "I1"]) {
    const floors: [Tool, string, number][] = [
      ["cloudfits", "cold (library)", 2],
      ["cloudfits with index", "with an index (library)", 1],
      ["cloudfits binary", "cold (binary)", 2],
      ["cloudfits binary with index", "with an index (binary, --index)", 1],
    ];
    for (const [tool, how, limit] of floors) {
      const row = get(id, tool);
      if (!row && tool.startsWith("cloudfits binary")) continue;
      const title = tool === "cloudfits" ? `${id} ${row?.scenario ?? ""}` : id;
      add(
        `#16.1 ${title}: ${limit}${roundTrips(limit)} ${how}`,
        atMost(row?.roundTrips, limit, roundTrips(row?.roundTrips)),
      );
    }
  }
  // #16.2: start-up, measured by bench/startup.ts beside the floor; the scenarios' figures come after
  // their peers' runs, on a machine the run itself loads.
  const first = median(
    report.rows.filter((r) => r.tool === "cloudfits binary" && r.firstRequestMs !== null)
      .map((r) => r.firstRequestMs!),
  );
  const startup = report.startup?.results;
  const binary = startup?.find((r) => r.tool.startsWith("binary"));
  const floor = startup?.find((r) => r.tool.startsWith("floor"));
  const inScenarios = first === null
    ? ""
    : `; across this run's HTTP scenarios ${first.toFixed(1)} ms (median)`;
  add(
    "#16.2 the binary's first request within 30 ms of exec (bench/startup.ts: median of spawns taken in turn " +
      "with a Bun binary that only fetches)",
    binary && floor
      ? appendNote(
        atMost(binary.firstRequestMs, 30, " ms", 1),
        `; the fetch-only binary ${floor.firstRequestMs.toFixed(1)} ms in the same spawns${inScenarios}`,
      )
      : first !== null && report.machine.binary
      ? atMost(first, 30, " ms (median over its HTTP scenarios)", 1)
      : NOT_MEASURED("compiled binary not run"),
  );
  const version = get("6", "cloudfits binary");
  add("#7 `cloudfits --version` (binary) ≤ 50 ms", atMost(version?.coldMs, 50, " ms", 1));

  // #16.3 and #16.4: bytes at memory speed and local columns, measured by bench/throughput.ts; without
  // it, scenario 4a stands in for the decode.
  const decode = get("4a", "cloudfits");
  const numpy = get("4a", "astropy");
  if (!report.throughput && decode?.coldMs && numpy?.coldMs) {
    add(
      "#16.3 decode in place ≥ numpy (4a, bench/throughput.ts not run: numpy's in-place byteswap only)",
      atLeast(numpy.coldMs / decode.coldMs, 1, "× numpy's speed"),
    );
  }
  targets.push(...throughputTargets(report.throughput));
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
      `#16.4 3b whole column over HTTP ≥ 1.5× ${peer}'s speed (cold open + read, in process)`,
      column?.coldMs && theirs?.coldMs
        ? atLeast(theirs.coldMs / column.coldMs, 1.5, "×")
        : NOT_MEASURED("no peer"),
    );
  }

  // #16.5: one pool.
  const many = get("L100", "cloudfits");
  add(
    `#16.5 ≤ 64 TCP connections for 100 parallel reads (L100: ${many?.requests ?? "?"} requests, library)`,
    atMost(many?.connections, 64, plural(many?.connections, "connection")),
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

  // #13: `cloudfits lightcurve` over HTTP with 20 ms latency, on the path issue 13 sets it for: through
  // an index made by `cloudfits index` (frame summary and WCS from the index, the cube's pixels fetched).
  // Without the binary, the library through the same index stands in.
  const curve = get("L1", "cloudfits binary with index") ?? get("L1", "cloudfits with index");
  const path = curve?.tool === "cloudfits binary with index"
    ? "the binary's `lightcurve --index`, a local index with the frame summary"
    : "library through the index, binary not run";
  const size = inputs.lightCurveSize;
  add(
    `#13 \`cloudfits lightcurve\` with an index ≤ 1 + size = ${1 + size} requests (L1: ${path})`,
    atMost(curve?.requests, 1 + size, plural(curve?.requests, "request")),
  );
  add(
    "#13 `cloudfits lightcurve` with an index ≤ 1.05 × the bytes needed (the box's pixels on every frame)",
    curve?.bytes != null && curve.needed
      ? atMost(curve.bytes / curve.needed, 1.05, "×", 2)
      : NOT_MEASURED("no value"),
  );
  const plotted = get("L1", "cloudfits binary");
  add("#13 the PNG is a readable plot", {
    measured: plotted?.valuesOk === null && !plotted.note
      ? "written by the binary (results/lightcurve.png); looked at by whoever commits the run"
      : plotted?.note ?? "not written",
    met: null,
  });
  return targets;
}
