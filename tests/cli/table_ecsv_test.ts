/** `table -o X.ecsv`: astropy reads the ECSV file back to the values it reads from the FITS table. */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../_support/cli_io.ts";

const scratch = await mkdtemp(join(tmpdir(), "cloudfits-ecsv-"));
after(() => rm(scratch, { recursive: true, force: true }));

const python = "/usr/bin/python3";
const hasAstropy = existsSync(python) &&
  await new Promise<boolean>((resolve) =>
    execFile(python, ["-c", "import astropy"], (error) => resolve(!error))
  );

// Every cell of the ECSV file as astropy reads it, against the FITS table as astropy reads it; complex
// cells are [re, im] pairs in ECSV. Masked cells (nulls) are left to the JSON tests.
const COMPARE = `import sys, json, warnings
import numpy as np
from astropy.table import Table
from astropy.io import fits
warnings.simplefilter("ignore")
t = Table.read(sys.argv[1], format="ascii.ecsv")
d = fits.getdata(sys.argv[2], int(sys.argv[3]))
bad = []
def plain(v):
    v = v.tolist() if hasattr(v, "tolist") else v
    if isinstance(v, bytes): v = v.decode()
    if isinstance(v, str): return v.rstrip()
    if isinstance(v, complex): return [v.real, v.imag]
    if isinstance(v, list): return [plain(x) for x in v]
    return v
for name in t.colnames:
    if np.asarray(d[name]).size == 0: continue
    for i in range(len(t)):
        if np.ma.is_masked(t[name][i]): continue
        a, b = plain(t[name][i]), plain(d[name][i])
        try: same = np.array_equal(np.asarray(a, dtype=float), np.asarray(b, dtype=float), equal_nan=True)
        except (TypeError, ValueError): same = a == b
        if not same: bad.append(f"{name}[{i}]")
print(json.dumps({"columns": t.colnames, "rows": len(t), "bad": bad}))`;

function compare(
  ecsv: string,
  fitsFile: string,
  hdu: number,
): Promise<{ columns: string[]; rows: number; bad: string[] }> {
  return new Promise((resolve, reject) =>
    execFile(
      python,
      ["-c", COMPARE, ecsv, fitsFile, String(hdu)],
      (error, stdout, stderr) => error ? reject(new Error(stderr)) : resolve(JSON.parse(stdout)),
    )
  );
}

test("astropy reads table -o X.ecsv to the values of the FITS table", {
  skip: hasAstropy ? false : "needs Debian's python3-astropy (.ci/run installs it)",
}, async () => {
  const tess = join(scratch, "frames.ECSV");
  assert.equal((await runCli(["table", "testdata/tess_cube.fits[2]", "-o", tess])).code, 0);
  const frames = await compare(tess, "testdata/tess_cube.fits", 2);
  assert.equal(frames.rows, 8);
  assert.ok(frames.columns.length > 100);
  assert.deepEqual(frames.bad, []);

  const all = join(scratch, "all.ecsv");
  const run = await runCli(["table", "testdata/table_all.fits[1]", "-o", all]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(await readFile(all, "utf8"), /^# %ECSV 1\.0\n# ---\n# delimiter: ','\n# datatype:\n/);
  const types = await compare(all, "testdata/table_all.fits", 1);
  assert.equal(types.rows, 5);
  // astropy strips a string's leading spaces when reading any CSV field, quoted or not, and reads a
  // variable-length string column from FITS as a list of characters.
  assert.deepEqual(types.bad, ["NAME[3]", "VLA_S[0]", "VLA_S[2]", "VLA_S[3]", "VLA_S[4]"]);
});
