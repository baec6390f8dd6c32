/**
 * `deno run -A bench/lightcurve_cube.ts`: a 5×5 light curve of a 44 GB TESS cube over HTTP with 20 ms
 * per request (issue 13). Makes, with astropy, a sparse cube of sector 22's geometry (2078 × 2136 pixels ×
 * 1,239 frames × 2 planes, 44 GB apparent) whose frame table is as wide as a real one: the 107 FFI-keyword
 * columns of `testdata/tess_cube.fits` (a real SPOC FFI header's, WCS and SIP included) plus 60 more,
 * 1,239 rows, with 30-minute TSTART/TSTOP, BARYCORR, quality flags, full FFI names and momentum-dump rows
 * without a WCS (the middle one among them, so astrocut's search steps on). A 30 × 30 block of pixels around
 * the target holds a star (a slow wave, a 3 % transit, noise); the rest is a hole.
 *
 * Then, against the loopback range server (20 ms before every response), with the CLI in fresh processes:
 * `cloudfits index` of the cube over HTTP (the index is served beside it), and
 * `cloudfits lightcurve … --size 5` to CSV and to PNG three ways: through the index (with its frame
 * summary), through an index without it (what older indexes hold: the frame table is read), and without an
 * index. Requests, bytes, round trips, and bytes needed (5 rows × 5 pixels × frames × 8 B) for each; the
 * CSV's flux is checked against numpy's sum over the same box. Writes bench/results/lightcurve_cube.json
 * and keeps the PNG at bench/results/lightcurve_cube.png.
 *
 * Usage: `deno run -A bench/lightcurve_cube.ts [--dir DIR] [--latency MS] [--frames N]`.
 *
 * @module
 */
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import process from "node:process";
import { roundTrips, startRangeServer } from "../tests/_support/range_server.ts";
import { decodeIndex } from "../src/read/index.ts";
import { encodeIndex } from "../src/index_format/encode.ts";
import { lightCurve } from "../src/light_curve.ts";
import { openIndex } from "../src/open_index.ts";
import { openFileSource } from "../src/source/file.ts";

const { values } = parseArgs({
  options: {
    dir: { type: "string", default: "/tmp/cloudfits-lightcurve" },
    latency: { type: "string", default: "20" },
    frames: { type: "string", default: "1239" },
  },
});
const dir = values.dir!;
const frames = Number(values.frames);
mkdirSync(dir, { recursive: true });
const root = join(import.meta.dirname!, "..");
const deno = join(root, "node_modules", ".bin", "deno");
const cli = join(root, "cli.ts");
const SIZE = 5;

const MAKE = `
import json, sys, numpy as np
from astropy.io import fits
from astropy.wcs import WCS
path, frames, template = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rows, cols, row0, col0, n = 2078, 2136, 1000, 1000, 30
with fits.open(template) as t:
    table = t[2]
    row = table.data[4]
    columns = table.columns
    primary = t[0].header.copy()
t = np.arange(frames, dtype=np.float64)
jitter = np.random.default_rng(22)
# Real times are derived values, noisy in their last bits: regular ones would compress unrealistically well.
start = 1900.0 + t * (30 / 1440) + jitter.normal(0, 2e-7, frames)
dumps = set(range(0, frames, 160)) | {frames // 2}  # momentum dumps: no WCS in those rows
out = []
for c in columns:
    name, fmt = c.name, c.format
    if name == "TSTART": array = start
    elif name == "TSTOP": array = start + 29.9 / 1440 + jitter.normal(0, 2e-8, frames)
    elif name == "BARYCORR": array = 0.0021 + 1e-6 * t + jitter.normal(0, 1e-9, frames)
    elif name == "DQUALITY": array = np.array([32 if i in dumps else (128 if i % 97 == 5 else 0) for i in range(frames)], dtype=np.int32)
    elif name == "FFI_FILE":
        fmt = "60A"
        array = np.array([f"tess2020{78 + i // 48:03d}{(i % 48) // 2:02d}{(i % 2) * 30:02d}{i % 60:02d}-s0022-4-4-0174-s_ffic.fits" for i in range(frames)])
    elif name in ("CTYPE1", "CTYPE2"):
        array = np.array(["" if i in dumps else row[name] for i in range(frames)])
    else:
        array = np.array([row[name]] * frames)
    out.append(fits.Column(name=name, format=fmt, array=array))
for i in range(60):  # real cubes carry ~150+ keyword columns
    out.append(fits.Column(name=f"XKEY{i:03d}", format="D", array=np.sin(t + i)))
hdu2 = fits.BinTableHDU.from_columns(out)
primary["SECTOR"], primary["CAMERA"], primary["CCD"] = 22, 4, 4
image = fits.Header()
image["XTENSION"] = "IMAGE"
image["BITPIX"] = -32
image["NAXIS"] = 4
image["NAXIS1"], image["NAXIS2"], image["NAXIS3"], image["NAXIS4"] = 2, frames, cols, rows
image["PCOUNT"], image["GCOUNT"] = 0, 1
b0 = fits.PrimaryHDU(header=primary).header.tostring().encode()
b1 = image.tostring().encode()
data = rows * cols * frames * 2 * 4
block = np.empty((n, n, frames, 2), dtype=">f4")
# A star: a slow wave, a 3 % transit over 20 frames and seeded noise; exact float32 values.
rng = np.random.default_rng(13)
weight = np.exp(-((np.arange(n)[:, None] - 12.2) ** 2 + (np.arange(n)[None, :] - 12.3) ** 2) / 4.0)
shape = 1 + 0.01 * np.sin(2 * np.pi * t / 300) - 0.03 * ((t >= 600) & (t < 620))
block[..., 0] = 20 + 5000 * weight[:, :, None] * shape[None, None, :] + rng.normal(0, 2, (n, n, frames))
block[..., 1] = np.sqrt(np.abs(block[..., 0]))
import io
buf = io.BytesIO()
fits.HDUList([fits.PrimaryHDU(), hdu2]).writeto(buf)
table_bytes = buf.getvalue()[2880:]
with open(path, "wb") as f:
    f.write(b0); f.write(b1)
    offset = len(b0) + len(b1)
    for i in range(n):
        f.seek(offset + ((row0 + i) * cols + col0) * frames * 8)
        f.write(block[i].tobytes())
    f.seek(offset + -(-data // 2880) * 2880)
    f.write(table_bytes)
header = fits.Header()
for name in columns.names:
    if name.startswith(("CTYPE", "CRVAL", "CRPIX", "CD", "A_", "B_", "AP_", "BP_", "CUNIT", "RADESYS", "WCSAXES")) and not name.endswith("P"):
        header[name] = row[name]
ra, dec = WCS(header).all_pix2world([[col0 + 12.3, row0 + 12.2]], 0)[0]
print(json.dumps({"ra": float(ra), "dec": float(dec), "hdu2Rows": frames, "hdu2RowBytes": hdu2.header["NAXIS1"],
                  "hdu2Columns": len(out), "hdu2Bytes": len(table_bytes)}))
`;

const CHECK = `
import json, sys, numpy as np
from astropy.io import fits
path, csv, lo_x, lo_y, size = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
with fits.open(path, memmap=True) as f:
    box = f[1].section[lo_y:lo_y + size, lo_x:lo_x + size, :, 0]
want = np.nansum(box.astype(np.float64), axis=(0, 1))  # numpy, NaN skipped, in float64 as cloudfits sums
got = np.loadtxt(csv, delimiter=",", comments="#", skiprows=2)[:, 1]
print(json.dumps({"equal": bool(np.allclose(got, want, rtol=1e-12, atol=0)), "frames": int(len(got))}))
`;

function run(command: string, args: string[]): { status: number; stdout: string; stderr: string } {
  const result = spawnSync(command, args, { encoding: "utf8", maxBuffer: 1 << 26 });
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** The CLI in a fresh process, asynchronously: the range server answers in this one. */
function cloudfits(args: string[]): Promise<{ status: number; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(deno, ["run", "-A", cli, ...args], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk) => stderr += chunk);
    child.on("close", (status) => resolve({ status: status ?? -1, stderr }));
  });
}

const cubePath = join(dir, "tess_cube.fits");
const made = run("/usr/bin/python3", [
  "-c",
  MAKE,
  cubePath,
  String(frames),
  join(root, "testdata/tess_cube.fits"),
]);
if (made.status !== 0) throw new Error(made.stderr);
const target = JSON.parse(made.stdout);

const server = await startRangeServer({ root: dir, latency: Number(values.latency) });
const url = `${server.url}/tess_cube.fits`;
const index = join(dir, "cube.cfidx");
const traffic = (path: string) => {
  const entries = server.log.filter((entry) => entry.path === path);
  return { requests: entries.length, bytes: entries.reduce((sum, entry) => sum + entry.bytes, 0) };
};

server.log.length = 0;
rmSync(index, { force: true });
const indexed = await cloudfits(["index", url, "-o", index]);
if (indexed.status !== 0) throw new Error(indexed.stderr);
const indexing = traffic("/tess_cube.fits");
const indexBytes = readFileSync(index);
// The index an older cloudfits wrote: the same records without the FRAMES section.
const oldIndex = join(dir, "cube_old.cfidx");
const records = [];
for await (const file of (await decodeIndex(indexBytes)).files()) records.push(file);
writeFileSync(oldIndex, await encodeIndex(records, { dataUrl: (await decodeIndex(indexBytes)).dataUrl }));

const needed = SIZE * SIZE * frames * 8;
const results: Record<string, unknown> = {};
for (
  const [label, via] of [
    ["index with frame summary", ["--index", `${server.url}/cube.cfidx`, "tess_cube.fits"]],
    ["index without frame summary (older indexes)", [
      "--index",
      `${server.url}/cube_old.cfidx`,
      "tess_cube.fits",
    ]],
    ["no index", [url]],
  ] as const
) {
  for (const format of ["csv", "png"]) {
    const output = join(
      dir,
      `lc_${label.split(" ")[0]}_${label.includes("without") ? "old" : "new"}.${format}`,
    );
    server.log.length = 0;
    const args = ["lightcurve", ...via, "--ra", String(target.ra), "--dec", String(target.dec)];
    const done = await cloudfits([...args, "--size", String(SIZE), "-o", output, "--force"]);
    if (done.status !== 0) throw new Error(`${label}: ${done.stderr}`);
    await server.idle();
    const cube = traffic("/tess_cube.fits");
    const indexTraffic = server.log.filter((entry) => entry.path.endsWith(".cfidx"));
    results[`${label}, ${format}`] = {
      cubeRequests: cube.requests,
      cubeBytes: cube.bytes,
      bytesNeeded: needed,
      cubeBytesOverNeeded: Math.round(cube.bytes / needed * 1000) / 1000,
      indexRequests: indexTraffic.length,
      indexBytes: indexTraffic.reduce((sum, entry) => sum + entry.bytes, 0),
      roundTrips: roundTrips(server.log),
    };
    if (format === "png" && label.startsWith("index with")) {
      copyFileSync(output, join(root, "bench", "results", "lightcurve_cube.png"));
    }
    if (format === "csv" && label.startsWith("index with")) {
      results.csvFile = output;
    }
  }
}
await server.close();

// The box the light curve summed, from the library through the same index on the local file.
const handle = await openIndex(new Uint8Array(indexBytes), { dataRoot: dir, openFile: openFileSource });
const { box } = await lightCurve(await handle.open("tess_cube.fits"), {
  ra: target.ra,
  dec: target.dec,
  size: SIZE,
});
const check = JSON.parse(
  run("/usr/bin/python3", [
    "-c",
    CHECK,
    cubePath,
    String(results.csvFile),
    String(box.lo[0]),
    String(box.lo[1]),
    String(SIZE),
  ]).stdout,
);

const report = {
  date: new Date().toISOString(),
  latencyMs: Number(values.latency),
  cube: { frames, bytes: statSync(cubePath).size, ...target },
  indexing: { ...indexing, indexBytes: indexBytes.length, oldIndexBytes: readFileSync(oldIndex).length },
  lightCurves: results,
  box,
  fluxEqualsNumpy: check,
};
delete (report.lightCurves as Record<string, unknown>).csvFile;
const out = join(root, "bench", "results");
mkdirSync(out, { recursive: true });
writeFileSync(join(out, "lightcurve_cube.json"), JSON.stringify(report, null, 2) + "\n");
console.log(JSON.stringify(report, null, 2));
process.exit(check.equal ? 0 : 1);
