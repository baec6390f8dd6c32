/**
 * `deno task bench:frame`: the cost guard and bounded memory on TESS-geometry cubes (issue: one read
 * layer). Makes two sparse cubes with astropy (2078 × 2136 pixels, 2 planes): one of 1,239 frames
 * (44 GB, the size of a real sector) and a smaller one (200 frames by default, 6.8 GB on disk). Then:
 *
 * 1. `cloudfits plan` of one frame of the 44 GB cube (the figures, without fetching);
 * 2. `cloudfits cutout` of that frame, which must refuse (exit 2) before fetching;
 * 3. `cloudfits cutout --max-read 0` of one frame of the smaller cube, under /usr/bin/time for the peak
 *    RSS, with the values compared to astropy's `section` of the same frame;
 * 4. the plan of a 5×5-pixel light curve of the 44 GB cube through an index.
 *
 * Usage: `deno run -A bench/frame_read.ts [--frames N] [--dir DIR]`; writes bench/results/frame_read.json.
 *
 * @module
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import process from "node:process";

const { values } = parseArgs({
  options: {
    frames: { type: "string", default: "200" },
    dir: { type: "string", default: "/tmp/cloudfits-frame" },
  },
});
const frames = Number(values.frames);
const dir = values.dir!;
mkdirSync(dir, { recursive: true });
const deno = join(import.meta.dirname!, "..", "node_modules", ".bin", "deno");
const cli = join(import.meta.dirname!, "..", "cli.ts");

const MAKE = `
import sys, numpy as np
from astropy.io import fits
def make(path, frames, frame, r0, c0):
    h0 = fits.PrimaryHDU().header
    h1 = fits.ImageHDU(data=np.zeros((1, 1, 1, 2), dtype=">f4")).header
    h1["NAXIS1"], h1["NAXIS2"], h1["NAXIS3"], h1["NAXIS4"] = 2, frames, 2136, 2078
    b0, b1 = h0.tostring().encode(), h1.tostring().encode()
    data = 2 * 2136 * 2078 * frames * 4
    with open(path, "wb") as f:
        f.write(b0); f.write(b1); f.truncate(len(b0) + len(b1) + -(-data // 2880) * 2880)
    cube = np.memmap(path, dtype=">f4", mode="r+", offset=len(b0) + len(b1), shape=(2078, 2136, frames, 2))
    block = np.arange(64 * 64, dtype=np.float32).reshape(64, 64) + 0.5
    cube[r0:r0 + 64, c0:c0 + 64, frame, 0] = block
    cube[r0:r0 + 64, c0:c0 + 64, frame, 1] = -block
    cube.flush()
make(sys.argv[1], 1239, 600, 1000, 1000)
make(sys.argv[2], int(sys.argv[3]), int(sys.argv[3]) // 2, 1000, 1000)
`;
const COMPARE = `
import sys, numpy as np
from astropy.io import fits
with fits.open(sys.argv[1]) as cube, fits.open(sys.argv[2]) as cut:
    expected = cube[1].section[0:2048, 0:2048, int(sys.argv[3]), 0]
    got = cut[0].data.reshape(2048, 2048)
    print(int(np.array_equal(expected, got, equal_nan=True)), int(np.count_nonzero(expected)))
`;

function run(command: string, args: string[]): { status: number; stdout: string; stderr: string } {
  const result = spawnSync(command, args, { encoding: "utf8", maxBuffer: 1 << 26 });
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

const big = join(dir, "cube_1239.fits");
const small = join(dir, `cube_${frames}.fits`);
const made = run("/usr/bin/python3", ["-c", MAKE, big, small, String(frames)]);
if (made.status !== 0) throw new Error(made.stderr);

const frameOf = (path: string, frame: number) => `${path}[1][1:1,${frame + 1}:${frame + 1},1:2048,1:2048]`;
const plan = JSON.parse(run(deno, ["run", "-A", cli, "plan", "--json", frameOf(big, 600)]).stdout)[0];
const refused = run(deno, [
  "run",
  "-A",
  cli,
  "cutout",
  frameOf(big, 600),
  "-o",
  join(dir, "refused.fits"),
  "--force",
]);
const smallPlan = JSON.parse(
  run(deno, ["run", "-A", cli, "plan", "--json", "--max-read", "0", frameOf(small, frames >> 1)]).stdout,
)[0];
const out = join(dir, "frame.fits");
const timed = run("/usr/bin/time", [
  "-f",
  "%M %e",
  deno,
  "run",
  "-A",
  cli,
  "cutout",
  frameOf(small, frames >> 1),
  "--max-read",
  "0",
  "-o",
  out,
  "--force",
]);
const [rssKb, seconds] = timed.stderr.trim().split("\n").at(-1)!.split(" ").map(Number);
const [equal, nonzero] = run("/usr/bin/python3", ["-c", COMPARE, small, out, String(frames >> 1)]).stdout
  .trim().split(" ").map(Number);
const index = join(dir, "cubes.cfidx");
run(deno, ["run", "-A", cli, "index", big, "-o", index]);
const lightCurve = JSON.parse(
  run(deno, ["run", "-A", cli, "plan", "--json", "--index", index, `${big}[1][*,*,1013:1017,540:544]`])
    .stdout,
)[0];

const report = {
  date: new Date().toISOString(),
  frame44: { plan, refusedExit: refused.status, refusal: refused.stderr.trim() },
  frameSmall: {
    frames,
    requests: smallPlan.requests,
    bytesToRead: smallPlan.bytesToRead,
    bytesNeeded: smallPlan.bytesNeeded,
    cutoutExit: timed.status,
    peakRssMB: rssKb / 1024,
    seconds,
    equalToAstropy: equal === 1,
    nonzero,
  },
  lightCurve44Indexed: lightCurve,
};
const results = join(import.meta.dirname!, "results");
mkdirSync(results, { recursive: true });
writeFileSync(join(results, "frame_read.json"), JSON.stringify(report, null, 2) + "\n");
console.log(JSON.stringify(report, null, 2));
process.exit(timed.status === 0 && equal === 1 && refused.status === 2 ? 0 : 1);
