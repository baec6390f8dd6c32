/**
 * The benchmark's scenarios: what each tool runs, the bytes and round trips each needs at the least, and
 * the expected checksums (from make_data.py's manifest).
 *
 * @module
 */
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { BenchOptions } from "./common.ts";
import {
  csvFluxSum,
  csvTextFluxSum,
  float32FitsSum,
  lsCount,
  pngCheck,
  rowsSum,
  runCloudfits,
  runPython,
} from "./children.ts";
import { type Scenario, type ScenarioContext, scenarioTools } from "./scenario_tools.ts";

export type { Manifest, Scenario, ScenarioContext } from "./scenario_tools.ts";

/** Light-curve box, pixels (issue 13's "5×5 light curve"). */
export const LIGHT_CURVE_SIZE = 5;

/** Sizes per profile. */
export const PROFILES = {
  full: {
    cube: { rows: 2078, cols: 2136, frames: 1239, row0: 1000, col0: 1000, block: 30 },
    smallFiles: 500,
    tableRows: 1_000_000,
    decodeMb: 200,
    lightCurves: 100,
    imageSide: 4096,
    imageSelection: [[2000, 2100], [1500, 1600]],
    compressedSide: 2048,
    compressedSelection: [[1000, 1100], [700, 800]],
  },
  smoke: {
    cube: { rows: 64, cols: 48, frames: 20, row0: 10, col0: 8, block: 30 },
    smallFiles: 12,
    tableRows: 2000,
    decodeMb: 2,
    lightCurves: 4,
    imageSide: 256,
    imageSelection: [[100, 200], [50, 150]],
    compressedSide: 256,
    compressedSelection: [[100, 200], [50, 150]],
  },
} as const;

/**
 * Every remote scenario of a run.
 *
 * @param context The server, settings, manifest and tools of the run.
 * @returns The scenarios, in the order they run.
 */
export function defineScenarios(context: ScenarioContext): Scenario[] {
  const { options, manifest, selections, tableSlice } = context;
  const sizes = PROFILES[options.profile];
  const frames = sizes.cube.frames;
  const cubeHeaders = 2 * 2880;
  const tableHeader = manifest.headerBytes.cubeTable;
  const scenarios: Scenario[] = [];

  const { url, withPeer, binary, binaryWithIndex, cfitsioRun, cappedCfitsio } = scenarioTools(context);

  // L: issue 13's light curve, the 5×5 box around a sky position on every cadence of the 44 GB cube.
  const [first] = manifest.targets;
  const lightCurveBytes = LIGHT_CURVE_SIZE * LIGHT_CURVE_SIZE * frames * 8;
  const position = ["--ra", String(first.ra), `--dec=${first.dec}`, "--size", String(LIGHT_CURVE_SIZE)];
  // What a light curve needs besides pixels: TSTART, TSTOP, DQUALITY of every frame (8 + 8 + 4 B), one
  // frame row for the WCS, and the three headers.
  const frameBytes = frames * 20 + tableHeader + manifest.headerBytes.cubeTableRow;
  {
    const task = { kind: "lightcurve", targets: [first], size: LIGHT_CURVE_SIZE } as const;
    const run = withPeer(task, task, "tess_cube.fits", true);
    const png = join(
      options.resultsDir,
      options.profile === "full" ? "lightcurve.png" : "lightcurve-smoke.png",
    );
    binary(
      run,
      (client) => ["lightcurve", url(client, "tess_cube.fits"), ...position, "-o", png, "--force"],
      () => pngCheck(png),
    );
    // Issue 13's path: `cloudfits index`, then `lightcurve --index` (frame summary and WCS from the index).
    binaryWithIndex(
      run,
      ["lightcurve", "tess_cube.fits", ...position, "-o", "-", "--format", "csv"],
      (out) => csvTextFluxSum(out),
    );
    scenarios.push({
      id: "L1",
      title:
        `light curve ${LIGHT_CURVE_SIZE}×${LIGHT_CURVE_SIZE} px × all frames (sky position; CLI: PNG, with index: CSV)`,
      needed: lightCurveBytes + cubeHeaders + frameBytes,
      indexedNeeded: lightCurveBytes,
      floorRoundTrips: { cold: 2, indexed: 1 },
      check: manifest.checks.lightCurve,
      tolerance: 1e-9,
      run,
    });
  }
  {
    const targets = manifest.targets;
    const task = { kind: "lightcurve", targets, size: LIGHT_CURVE_SIZE, warm: false } as const;
    const run = withPeer(task, task, "tess_cube.fits", true);
    delete run.astropy;
    const dir = join(options.dataDir, "curves");
    binary(run, (client) => {
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      return [
        "lightcurve",
        url(client, "tess_cube.fits"),
        "--targets",
        join(options.dataDir, "targets.csv"),
        "--size",
        String(LIGHT_CURVE_SIZE),
        "-o",
        `${dir}/`,
      ];
    }, () => csvFluxSum(dir));
    scenarios.push({
      id: "L100",
      title: `${targets.length} light curves ${LIGHT_CURVE_SIZE}×${LIGHT_CURVE_SIZE} px (one process)`,
      needed: targets.length * lightCurveBytes + cubeHeaders + frameBytes,
      indexedNeeded: targets.length * lightCurveBytes,
      floorRoundTrips: { cold: 2, indexed: 1 },
      check: manifest.checks.lightCurves,
      tolerance: 1e-9,
      // astropy with 64 KiB blocks, once, no warm repeat (~15 s). With fsspec's default 5 MiB blocks it
      // fetches 2.7 GB in ~40–55 s: left out to keep the run under 10 minutes (L1 shows that peer).
      reps: { "astropy small blocks": 1 },
      run,
    });
  }
  {
    const [[r0, r1], [c0, c1]] = sizes.imageSelection;
    const selection = [[r0, r1], [c0, c1]];
    const task = { kind: "section", hdu: 0, selection } as const;
    const run = withPeer(task, task, "image.fits", true);
    binary(
      run,
      (client) => [
        "cutout",
        `${url(client, "image.fits")}[0][${fitsSection(selection)}]`,
        "-o",
        "-",
        "--format",
        "fits",
      ],
      (_, bytes) => float32FitsSum(bytes),
    );
    binaryWithIndex(
      run,
      ["cutout", `image.fits[0][${fitsSection(selection)}]`, "-o", "-", "--format", "fits"],
      (_, bytes) => float32FitsSum(bytes),
    );
    cfitsioRun(
      run,
      { tool: "imcopy", filter: `[0][${fitsSection(selection)}]`, kind: "image" },
      "image.fits",
    );
    scenarios.push({
      id: "I1",
      title: `image cutout ${r1 - r0}×${c1 - c0} px of ${sizes.imageSide}×${sizes.imageSide} float32`,
      needed: (r1 - r0) * (c1 - c0) * 4 + 2880,
      indexedNeeded: (r1 - r0) * (c1 - c0) * 4,
      floorRoundTrips: { cold: 2, indexed: 1 },
      check: manifest.checks.imageCutout,
      tolerance: 0,
      run,
    });
  }

  // 5: a section of a tile-compressed image (RICE_1, row tiles, dithered float32, as fpack writes).
  {
    const selection = sizes.compressedSelection.map(([lo, hi]) => [lo, hi]);
    const task = { kind: "section", hdu: 1, selection } as const;
    const run = withPeer(task, task, "compressed.fits", true);
    const cutoutArgs = (target: string) => [
      "cutout",
      `${target}[1][${fitsSection(selection)}]`,
      "-o",
      "-",
      "--format",
      "fits",
    ];
    binary(run, (client) => cutoutArgs(url(client, "compressed.fits")), (_, bytes) => float32FitsSum(bytes));
    cfitsioRun(
      run,
      { tool: "imcopy", filter: `[1][${fitsSection(selection)}]`, kind: "image" },
      "compressed.fits",
    );
    const side = sizes.compressedSide;
    const { headers, tiles } = manifest.compressedBytes;
    scenarios.push({
      id: "5",
      title: `compressed image section 100×100 px of ${side}×${side} float32 (RICE_1, row tiles)`,
      needed: tiles + headers,
      indexedNeeded: tiles,
      floorRoundTrips: { cold: 2, indexed: 1 },
      check: manifest.checks.compressedCutout,
      tolerance: 1e-12,
      // astropy 5.2 decompresses the whole image (no section on compressed HDUs): 64 KiB blocks once.
      reps: { "astropy small blocks": 1 },
      run,
    });
  }

  const cutouts: [string, string, keyof typeof selections, number][] = [
    ["1a", "TESS cube cutout 5×5 px × all frames (pixel indices)", "cut5", 5 * 5 * frames * 8],
    ["1b", "TESS cube cutout 30×30 px × all frames", "cut30", 30 * 30 * frames * 8],
    ["1c", "TESS cube cutout 10×10 px × 1 frame", "cut10x1", 10 * 10 * 4],
  ];
  for (const [id, title, key, dataBytes] of cutouts) {
    const selection = selections[key];
    const task = { kind: "section", hdu: 1, selection } as const;
    const run = withPeer(task, task, "tess_cube.fits", true);
    binary(run, (client) => [
      "cutout",
      `${url(client, "tess_cube.fits")}[1][${fitsSection(selection)}]`,
      "-o",
      "-",
      "--format",
      "fits",
    ], (_, bytes) => float32FitsSum(bytes));
    if (id === "1a") cappedCfitsio(run, `[1][${fitsSection(selection)}]`);
    scenarios.push({
      id,
      title,
      needed: dataBytes + cubeHeaders,
      indexedNeeded: dataBytes,
      floorRoundTrips: { cold: 2, indexed: 1 },
      check: manifest.checks[key],
      tolerance: 0,
      // cfitsio once (its cube run is stopped after 10 s); astropy once where it takes seconds (1b, 1c).
      reps: id === "1a" ? { cfitsio: 1 } : { astropy: 1, "astropy small blocks": 1 },
      run,
    });
  }

  const cubeColumns = ["TSTART", "TSTOP", "DQUALITY", "FFI_FILE"];
  {
    const task = { kind: "rows", hdu: 2, start: 0, stop: 10, columns: cubeColumns } as const;
    const run = withPeer(task, task, "tess_cube.fits", true);
    binary(run, (client) => [
      "table",
      `${url(client, "tess_cube.fits")}[2][col ${cubeColumns.join(";")}]`,
      "--rows",
      "1:10",
      "--json",
    ], (out) => rowsSum(JSON.parse(out)));
    scenarios.push({
      id: "1d",
      title: "TESS cube HDU 2 rows 1–10 × 4 columns",
      needed: 10 * (8 + 8 + 4 + 38) + cubeHeaders + tableHeader,
      indexedNeeded: 10 * (8 + 8 + 4 + 38),
      floorRoundTrips: { cold: 2, indexed: 1 },
      check: manifest.checks.cubeRows,
      tolerance: 1e-12,
      run,
    });
  }

  {
    const task = { kind: "walk", urls: ["tess_cube.fits"] } as const;
    const run = withPeer(task, task, "");
    binary(run, (client) => ["ls", url(client, "tess_cube.fits"), "--json"], lsCount);
    scenarios.push({
      id: "2a",
      title: "remote index of one TESS cube (all headers)",
      needed: cubeHeaders + tableHeader,
      check: manifest.checks.cubeHdus,
      tolerance: 0,
      run,
    });
  }
  {
    const files = manifest.smallFiles;
    const task = { kind: "walk", urls: files } as const;
    const run = withPeer(task, task, "");
    // Every file is smaller than both block sizes: the small-block run would repeat the default one.
    delete run["astropy small blocks"];
    // The library walks 32 files at a time here; the CLI's default is 8.
    binary(
      run,
      (
        client,
      ) => ["ls", ...files.map((f) => url(client, f)), "--json", "--concurrency", String(WALK_CONCURRENCY)],
      lsCount,
    );
    scenarios.push({
      id: "2b",
      title: `remote index of ${files.length} small MEF files (headers only)`,
      needed: files.length * 4 * 2880,
      check: manifest.checks.smallHdus,
      tolerance: 0,
      // astropy opens 500 files one after another (~25 s): one repetition.
      reps: { astropy: 1 },
      run,
    });
  }

  {
    const [start, stop] = tableSlice;
    const task = { kind: "rows", hdu: 1, start, stop, columns: ["ID", "RA", "MAG"] } as const;
    const run = withPeer(task, task, "big_table.fits");
    binary(run, (client) => [
      "table",
      `${url(client, "big_table.fits")}[1][col ID;RA;MAG]`,
      "--rows",
      `${start + 1}:${stop}`,
      "--json",
    ], (out) => rowsSum(JSON.parse(out)));
    scenarios.push({
      id: "3a",
      title: `${sizes.tableRows.toLocaleString("en")}-row table: 10 rows × 3 columns`,
      needed: 10 * (8 + 8 + 4) + 2 * 2880,
      floorRoundTrips: { cold: 2, indexed: 1 },
      check: manifest.checks.tableSlice,
      tolerance: 1e-12,
      run,
    });
  }
  {
    const task = { kind: "column", hdu: 1, column: "RA" } as const;
    const run = withPeer(task, task, "big_table.fits");
    cfitsioRun(
      run,
      { tool: "fitscopy", filter: "[1][col RA]", kind: "column", column: "RA" },
      "big_table.fits",
    );
    scenarios.push({
      id: "3b",
      title: `${sizes.tableRows.toLocaleString("en")}-row table: one whole column (RA, float64)`,
      needed: sizes.tableRows * 8 + 2 * 2880,
      floorRoundTrips: { cold: 2, indexed: 1 },
      check: manifest.checks.tableColumn,
      tolerance: 1e-9,
      run,
    });
  }
  return scenarios;
}

/** Decode micro-benchmarks, run only when bench/throughput.ts is missing (it measures them better). */
export function decodeScenarios(options: BenchOptions, peer: boolean): Scenario[] {
  const sizes = PROFILES[options.profile];
  const decodeCheck = localCheck();
  const local = (kind: "decode" | "memory-section"): Scenario["run"] => {
    const task = { kind, mb: sizes.decodeMb } as const;
    const run: Scenario["run"] = { cloudfits: () => runCloudfits(task, options) };
    if (peer) run.astropy = () => runPython("peer_astropy.py", task, options);
    return run;
  };
  return [{
    id: "4a",
    reps: { cloudfits: 1, astropy: 1 }, // each run is already the median of 5 loops
    title: `decode ${sizes.decodeMb} MiB float32 big-endian → host (numpy: byteswap in place)`,
    needed: null,
    check: decodeCheck,
    tolerance: 0,
    run: local("decode"),
  }, {
    id: "4b",
    reps: { cloudfits: 1, astropy: 1 },
    title:
      `${sizes.decodeMb} MiB float32 image section from memory, host order (astropy: .section[:].astype)`,
    needed: null,
    check: decodeCheck,
    tolerance: 0,
    run: local("memory-section"),
  }];
}

/** Files walked at once by both cloudfits rows of 2b (the runner's default). */
const WALK_CONCURRENCY = 32;

/** Sum of the first 1024 values of the decode pattern, (i % 65536) × 0.5. */
function localCheck(): number {
  let total = 0;
  for (let i = 0; i < 1024; i++) total += i * 0.5;
  return total;
}

/** A numpy-order selection as a cfitsio section: FITS axis order, 1-based, inclusive. */
export function fitsSection(selection: readonly (number | readonly number[] | null)[]): string {
  return selection.map((entry) =>
    entry === null
      ? "*"
      : typeof entry === "number"
      ? `${entry + 1}:${entry + 1}`
      : `${entry[0] + 1}:${entry[1]}`
  ).toReversed().join(",");
}
