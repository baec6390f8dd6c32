import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import process from "node:process";
import { CloudFitsError } from "../src/errors.ts";
import { EXIT } from "../src/exit_codes.ts";
import type { CliIo } from "./io.ts";
import { parseCommand } from "./options.ts";

/**
 * `cloudfits demo`: the Python cloud-fits tutorial, on the bundled test files and with no cloud
 * account: index a directory of FITS files, list it from the index, print the cube's table rows and a
 * cube cutout — every read planned from the index.
 *
 * @param args Arguments after `demo` (none).
 * @param io The process I/O.
 * @param runCommand Runs each step (the command dispatcher, passed in so that it need not be imported).
 * @returns The exit code of the first step that fails, or 0.
 */
export async function runDemo(
  args: string[],
  io: CliIo,
  runCommand: (command: string, args: string[], io: CliIo) => Promise<number>,
): Promise<number> {
  parseCommand(args, {});
  const testdata = await findTestdata();
  const work = await mkdtemp(join(tmpdir(), "cloudfits-demo-"));
  const index = join(work, "testdata.cfidx");
  const steps: [string, string[]][] = [
    ["Index the directory: a few KB of offsets, structure and header text", ["index", testdata, "-o", index]],
    ["List one file's HDUs from the index alone", ["ls", "--index", index, "tess_cube.fits"]],
    ["Header keywords of the cube, from the index", [
      "header",
      "--index",
      index,
      "tess_cube.fits[1]",
      "-k",
      "NAXIS1,NAXIS2,NAXIS3,NAXIS4",
    ]],
    ["Table rows 1-8 of HDU 2 (astropy's hdul[2].data[0:8])", [
      "table",
      "--index",
      index,
      "tess_cube.fits[2][col TSTART;TSTOP;DQUALITY;FFI_FILE]",
      "--rows",
      "1:8",
    ]],
    [
      "A 3×3-pixel cutout of cadence 6 (astropy's hdul[1].section[0:3, 0:3, 5, 0]): FITS order, 1-based, every axis kept",
      [
        "cutout",
        "--index",
        index,
        "tess_cube.fits[1][1:1,6:6,1:3,1:3]",
        "-o",
        "-",
        "--json",
      ],
    ],
  ];
  try {
    for (const [title, argv] of steps) {
      await io.out(
        `\n# ${title}\n$ cloudfits ${argv.map((a) => (/[\s[\];]/.test(a) ? `'${a}'` : a)).join(" ")}\n`,
      );
      const code = await runCommand(argv[0], argv.slice(1), io);
      if (code !== EXIT.ok) return code;
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return EXIT.ok;
}

async function findTestdata(): Promise<string> {
  const candidates: string[] = ["testdata"];
  if (import.meta.url.startsWith("file:")) {
    candidates.unshift(fileURLToPath(new URL("../testdata", import.meta.url)));
  }
  for (const candidate of candidates) {
    const found = await stat(join(candidate, "tess_cube.fits")).then(() => true, () => false);
    if (found) return relative(process.cwd(), candidate) || ".";
  }
  throw new CloudFitsError(
    "NOT_FOUND",
    "Cannot find the bundled testdata directory: run the demo from a cloudfits checkout",
  );
}
