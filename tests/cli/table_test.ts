import { asGolden } from "../_support/float32_golden.ts";
import { concatBytes } from "../../src/_bytes.ts";
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { main } from "../../cli.ts";
import type { CliIo } from "../../cli/io.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const TABLE_ALL = join(ROOT, "testdata/table_all.fits");
const TESS_CUBE = join(ROOT, "testdata/tess_cube.fits");
const ASCII_TABLE = join(ROOT, "testdata/ascii_table.fits");

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
interface ExpectedRows {
  start: number;
  stop: number;
  columns: Record<string, Json[]>;
}

const scratch = await mkdtemp(join(tmpdir(), "cloudfits-table-"));
after(() => rm(scratch, { recursive: true, force: true }));

/** A CliIo that keeps stdout, stderr and written files in memory. */
function fakeIo(files = new Map<string, Uint8Array>()) {
  const outs: string[] = [];
  /** For each file written, how many chunks it arrived in. */
  const writes: number[] = [];
  let stderr = "";
  const io: CliIo = {
    out: (text) => {
      outs.push(typeof text === "string" ? text : new TextDecoder().decode(text));
      return Promise.resolve();
    },
    err: (text) => {
      stderr += text;
      return Promise.resolve();
    },
    isTTY: false,
    env: {},
    readFile: async (path) => files.get(path) ?? new Uint8Array(await readFile(path)),
    writeFileAtomic: async (path, content, options = {}) => {
      if (files.has(path) && !options.overwrite) throw new Error(`refused to overwrite ${path}`);
      const chunks = content instanceof Uint8Array ? [content] : await Array.fromAsync(content);
      writes.push(chunks.length);
      files.set(path, concatBytes(chunks));
    },
    stat: async (path) => {
      const file = files.get(path);
      if (file) return { size: file.length, mtimeMs: 0, isDirectory: false };
      try {
        const s = await stat(path);
        return { size: s.size, mtimeMs: s.mtimeMs, isDirectory: s.isDirectory() };
      } catch {
        return undefined;
      }
    },
    listFiles: () => Promise.resolve([...files.keys()].sort()),
  };
  return { io, files, outs, writes, stdout: () => outs.join(""), stderr: () => stderr };
}

async function run(args: string[], files?: Map<string, Uint8Array>) {
  const fake = fakeIo(files);
  const code = await main(["table", ...args], fake.io);
  return {
    code,
    stdout: fake.stdout(),
    stderr: fake.stderr(),
    outs: fake.outs,
    files: fake.files,
    writes: fake.writes,
  };
}

async function expectedRanges(name: string, hdu: number): Promise<ExpectedRows[]> {
  const expected = JSON.parse(await readFile(join(ROOT, "testdata", `${name}.expected.json`), "utf8"));
  return expected.hdus[hdu].rows;
}

/** Row objects from the golden columnar ranges, in file order. */
function rowObjects(ranges: ExpectedRows[], columns?: string[]): Record<string, Json>[] {
  return ranges.flatMap((range) => {
    const names = columns ?? Object.keys(range.columns);
    return Array.from(
      { length: range.stop - range.start },
      (_, row) => Object.fromEntries(names.map((name) => [name, range.columns[name][row]])),
    );
  });
}

/** Split RFC 4180 CSV into records of fields; a field is `null` when it was empty and unquoted. */
function parseCsv(text: string): (string | null)[][] {
  const records: (string | null)[][] = [];
  let record: (string | null)[] = [];
  let i = 0;
  while (i < text.length) {
    let field: string | null;
    if (text[i] === '"') {
      let value = "";
      i++;
      for (;;) {
        const close = text.indexOf('"', i);
        assert.notEqual(close, -1, "unterminated quoted field");
        value += text.slice(i, close);
        i = close + 1;
        if (text[i] !== '"') break;
        value += '"';
        i++;
      }
      field = value;
    } else {
      const end = text.slice(i).search(/[,\n]/);
      const raw = end === -1 ? text.slice(i) : text.slice(i, i + end);
      assert.ok(!/["\r]/.test(raw), `unquoted field with a quote or CR: ${raw}`);
      field = raw === "" ? null : raw;
      i += raw.length;
    }
    record.push(field);
    if (text[i] === ",") {
      i++;
    } else {
      assert.equal(text[i], "\n", `expected a line end at ${i}`);
      i++;
      records.push(record);
      record = [];
    }
  }
  return records;
}

/** The JSON value a CSV field stands for, read with the golden value's type. */
function csvValue(field: string | null, expected: Json): Json {
  if (field === null) return null;
  return typeof expected === "string" ? field : JSON.parse(field);
}

function assertCsvMatches(text: string, expected: Record<string, Json>[], columns: string[]): void {
  const [heading, ...records] = parseCsv(text);
  assert.deepEqual(heading, columns);
  assert.equal(records.length, expected.length);
  records.forEach((record, row) => {
    assert.deepEqual(
      asGolden(
        Object.fromEntries(columns.map((name, i) => [name, csvValue(record[i], expected[row][name])])),
        expected[row],
      ),
      expected[row],
      `row ${row + 1}`,
    );
  });
}

/** A BINTABLE file with one J column ROW holding 1..rows. */
async function writeCountingTable(path: string, rows: number): Promise<void> {
  const cards = [
    "SIMPLE  =                    T",
    "BITPIX  =                    8",
    "NAXIS   =                    0",
    "EXTEND  =                    T",
    "END",
  ];
  const extension = [
    "XTENSION= 'BINTABLE'",
    "BITPIX  =                    8",
    "NAXIS   =                    2",
    "NAXIS1  =                    4",
    `NAXIS2  = ${String(rows).padStart(20)}`,
    "PCOUNT  =                    0",
    "GCOUNT  =                    1",
    "TFIELDS =                    1",
    "TTYPE1  = 'ROW     '",
    "TFORM1  = 'J       '",
    "END",
  ];
  const header = (lines: string[]) => {
    const text = lines.map((line) => line.padEnd(80)).join("");
    return new TextEncoder().encode(text.padEnd(Math.ceil(text.length / 2880) * 2880));
  };
  const data = new Uint8Array(Math.ceil((4 * rows) / 2880) * 2880);
  const view = new DataView(data.buffer);
  for (let row = 0; row < rows; row++) view.setInt32(4 * row, row + 1);
  const primary = header(cards);
  const second = header(extension);
  const bytes = new Uint8Array(primary.length + second.length + data.length);
  bytes.set(primary);
  bytes.set(second, primary.length);
  bytes.set(data, primary.length + second.length);
  await writeFile(path, bytes);
}

test("table --json gives row objects equal to astropy's rows of every column type", async () => {
  const ranges = await expectedRanges("table_all", 1);
  for (const range of ranges) {
    const result = await run([`${TABLE_ALL}[1]`, "--rows", `${range.start + 1}:${range.stop}`, "--json"]);
    assert.equal(result.code, 0, result.stderr);
    const rows = JSON.parse(result.stdout);
    assert.deepEqual(asGolden(rows, rowObjects([range])), rowObjects([range]));
    for (const row of rows) assert.deepEqual(Object.keys(row), Object.keys(range.columns));
  }
});

test("table --json on a tile-compressed table (fpack -table) gives funpack's rows, by ZNAXIS2 row numbers", async () => {
  for (
    const [name, hdu] of [["ztable_fixed", 1], ["ztable_fixed", 2], ["ztable_vla", 1], [
      "ztable_complex",
      1,
    ]] as const
  ) {
    for (const range of await expectedRanges(name, hdu)) {
      const path = join(ROOT, `testdata/${name}.fits`);
      const result = await run([`${path}[${hdu}]`, "--rows", `${range.start + 1}:${range.stop}`, "--json"]);
      assert.equal(result.code, 0, result.stderr);
      const want = rowObjects([range]);
      assert.deepEqual(asGolden(JSON.parse(result.stdout), want), want, `${name}[${hdu}] ${range.start}`);
    }
  }
});

test("table --format ndjson without --rows prints every row, one object per line", async () => {
  const ranges = await expectedRanges("table_all", 1);
  const result = await run([TABLE_ALL, "--format", "ndjson"]);
  assert.equal(result.code, 0, result.stderr);
  assert.ok(result.stdout.endsWith("}\n"));
  const lines = result.stdout.trimEnd().split("\n");
  assert.deepEqual(asGolden(lines.map((line) => JSON.parse(line)), rowObjects(ranges)), rowObjects(ranges));
});

test("table keeps the sign of -0.0 and writes 64-bit integers as strings", async () => {
  const result = await run([`${TABLE_ALL}[ALLTYPES][col FLOAT;LONG;U64]`, "--rows", "4:4", "--json"]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, '[\n{"FLOAT":-0.0,"LONG":0,"U64":"9223372036854775808"}\n]\n');
});

test("table CSV (the default) holds the same values as the golden rows", async () => {
  const ranges = await expectedRanges("table_all", 1);
  const result = await run([TABLE_ALL]);
  assert.equal(result.code, 0, result.stderr);
  assertCsvMatches(result.stdout, rowObjects(ranges), Object.keys(ranges[0].columns));
});

test("table CSV quotes per RFC 4180, JSON-encodes arrays and leaves nulls empty", async () => {
  const result = await run([`${TABLE_ALL}[1][col NAME;CODES;FLAG;WITHNULL;LONG;CPLX]`, "--rows", "2:4"]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(
    result.stdout,
    [
      "NAME,CODES,FLAG,WITHNULL,LONG,CPLX",
      'be ta,"["""",""x"",""yy""]",false,,-9007199254740993,"[-0.5,-1.25]"',
      '"","[""1234"",""5"",""6 7""]",,3,9007199254740993,"[""NaN"",0]"',
      '  lead,"[""a"",""b"",""c""]",true,,0,"[0,0]"',
      "",
    ].join("\n"),
  );
});

test("table reads an ASCII table, blank fields as astropy reads them (0)", async () => {
  const ranges = await expectedRanges("ascii_table", 1);
  const result = await run([ASCII_TABLE, "--json"]);
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(asGolden(JSON.parse(result.stdout), rowObjects(ranges)), rowObjects(ranges));
});

test("table without [HDU] picks the first table with data: the TESS cube's HDU 2", async () => {
  const ranges = await expectedRanges("tess_cube", 2);
  const columns = Object.keys(ranges[0].columns);
  const first = await run([TESS_CUBE, "--rows", "1:3", "--json"]);
  assert.equal(first.code, 0, first.stderr);
  assert.deepEqual(asGolden(JSON.parse(first.stdout), rowObjects([ranges[0]])), rowObjects([ranges[0]]));
  const rest = await run([`${TESS_CUBE}[2]`, "--rows", "4:8"]);
  assert.equal(rest.code, 0, rest.stderr);
  assertCsvMatches(rest.stdout, rowObjects([ranges[1]]), columns);
});

test("table columns come in the order asked, by brackets, --columns or --hdu", async () => {
  const expected = [
    "TSTOP,TSTART,EXTNAME",
    "1325.3593999,1325.3385666,CAMERA.CCD 1.1 cal",
    "1325.3802332,1325.3593999,CAMERA.CCD 1.1 cal",
    "",
  ].join("\n");
  const variants = [
    [`${TESS_CUBE}[2][col TSTOP;TSTART;EXTNAME]`],
    [`${TESS_CUBE}[col tstop; tstart; extname]`],
    [TESS_CUBE, "--columns", "TSTOP;TSTART;EXTNAME"],
    [TESS_CUBE, "--hdu", "name of extension", "--columns", "TSTOP;TSTART;EXTNAME"],
    [`${TESS_CUBE}[name of extension]`, "--columns", "TSTOP,TSTART,EXTNAME"],
  ];
  for (const args of variants) {
    const result = await run([...args, "--rows", "3:4"]);
    assert.equal(result.code, 0, `${args.join(" ")}: ${result.stderr}`);
    assert.equal(result.stdout, expected, args.join(" "));
  }
});

test("table --json is --format json, and --rows N reads one row", async () => {
  const a = await run([`${TESS_CUBE}[col TSTART]`, "--rows", "8", "--json"]);
  const b = await run([`${TESS_CUBE}[col TSTART]`, "--rows", "8:8", "--format", "json"]);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(a.stdout, '[\n{"TSTART":1325.4427331}\n]\n');
  assert.equal(b.stdout, a.stdout);
  const tail = await run([`${TESS_CUBE}[col TSTART]`, "--rows", "7:", "--format", "ndjson"]);
  assert.equal(tail.stdout, '{"TSTART":1325.4218998}\n{"TSTART":1325.4427331}\n');
});

test("table rejects bad --rows with exit code 2 and says rows are 1-based, inclusive", async () => {
  for (const rows of ["0:3", "5:2", "4:9", "9", "1:x", "", ":", "-1:2"]) {
    const result = await run([TABLE_ALL, `--rows=${rows}`]);
    assert.equal(result.code, 2, `--rows '${rows}'`);
    assert.equal(result.stdout, "", `--rows '${rows}'`);
    assert.match(result.stderr, /^error: Invalid --rows '.*': .*1-based, inclusive/, `--rows '${rows}'`);
  }
  const beyond = await run([TABLE_ALL, "--rows", "4:9"]);
  assert.equal(beyond.stderr, "error: Invalid --rows '4:9': HDU 1 has 5 rows (1-based, inclusive: 1:5)\n");
});

test("table exits 3 for an unknown column or HDU, and when a file has no table", async () => {
  const column = await run([`${TABLE_ALL}[col FLAG;NOPE]`]);
  assert.equal(column.code, 3);
  assert.equal(column.stdout, "");
  assert.match(column.stderr, /Cannot find column 'NOPE': no such column; columns are FLAG, FLAGS3/);
  const byFlag = await run([TABLE_ALL, "--columns", "NOPE"]);
  assert.equal(byFlag.code, 3);
  assert.equal((await run([`${TABLE_ALL}[7]`])).code, 3);
  assert.equal((await run([`${TABLE_ALL}[EVENTS]`])).code, 3);
  const none = await run([join(ROOT, "testdata/primary_only.fits")]);
  assert.equal(none.code, 3);
  assert.match(none.stderr, /Cannot find a table in .*primary_only\.fits/);
});

test("table refuses an image HDU and extra targets with exit code 2", async () => {
  const image = await run([`${TESS_CUBE}[1]`]);
  assert.equal(image.code, 2);
  assert.match(image.stderr, /Cannot read HDU 1 as a table: it is IMAGE/);
  assert.equal((await run([TESS_CUBE, TABLE_ALL])).code, 2);
  assert.equal((await run([TESS_CUBE, "--format", "tsv"])).code, 2);
});

test("table -o writes the file atomically, infers the format and refuses to overwrite without --force", async () => {
  const files = new Map<string, Uint8Array>();
  const out = join(scratch, "rows.json");
  const written = await run([`${TESS_CUBE}[col TSTART]`, "--rows", "1:2", "-o", out], files);
  assert.equal(written.code, 0, written.stderr);
  assert.equal(written.stdout, "");
  assert.equal(
    new TextDecoder().decode(files.get(out)),
    '[\n{"TSTART":1325.2969},\n{"TSTART":1325.3177333}\n]\n',
  );
  // The file is streamed as the rows are formatted (the rows, then the closing bracket), never joined.
  assert.deepEqual(written.writes, [2]);

  const refused = await run([`${TESS_CUBE}[col TSTOP]`, "-o", out], files);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /the file exists \(pass --force to replace it\)/);
  assert.equal(
    new TextDecoder().decode(files.get(out)),
    '[\n{"TSTART":1325.2969},\n{"TSTART":1325.3177333}\n]\n',
  );

  const forced = await run([
    `${TESS_CUBE}[col TSTOP]`,
    "--rows",
    "1",
    "-o",
    out,
    "--force",
    "--format",
    "csv",
  ], files);
  assert.equal(forced.code, 0, forced.stderr);
  assert.equal(new TextDecoder().decode(files.get(out)), "TSTOP\n1325.3177333\n");
});

test("table streams a 1,000,000-row table in batches of 10,000 rows", async () => {
  const path = join(scratch, "million.fits");
  await writeCountingTable(path, 1_000_000);
  const result = await run([path]);
  assert.equal(result.code, 0, result.stderr);
  // One write for the heading, then whole lines of one batch per write (64 KiB at most, so a few per
  // batch): the rows go out as they are read.
  assert.equal(result.outs[0], "ROW\n");
  const bodies = result.outs.slice(1);
  assert.ok(bodies.length >= 100 && bodies.length <= 300, `${bodies.length} writes`);
  let next = 1;
  for (const text of bodies) {
    assert.ok(text.endsWith("\n"));
    const rows = text.trimEnd().split("\n").map(Number);
    assert.equal(rows[0], next);
    assert.equal(rows.at(-1), next + rows.length - 1);
    assert.equal(
      Math.floor((rows[0] - 1) / 10_000),
      Math.floor((rows.at(-1)! - 1) / 10_000),
      "one batch per write",
    );
    next += rows.length;
  }
  assert.equal(next, 1_000_001);

  const json = await run([path, "--rows", "995001:1000000", "--json"]);
  assert.equal(json.code, 0, json.stderr);
  assert.ok(json.outs.length >= 2, "rows, then the closing bracket");
  const parsed = JSON.parse(json.stdout);
  assert.equal(parsed.length, 5_000);
  assert.deepEqual(parsed[0], { ROW: 995_001 });
  assert.deepEqual(parsed[4_999], { ROW: 1_000_000 });

  const partial = await run([path, "--rows", "9999:20001", "--json"]);
  assert.ok(partial.outs.length >= 1 + 2, "a write per batch at least");
  assert.deepEqual(JSON.parse(partial.stdout).map((row: { ROW: number }) => row.ROW), range(9_999, 20_001));
});

test("table prints only the heading, or [], for a table without rows", async () => {
  const path = join(scratch, "empty.fits");
  await writeCountingTable(path, 0);
  assert.equal((await run([path])).stdout, "ROW\n");
  assert.equal((await run([path, "--json"])).stdout, "[]\n");
  assert.equal((await run([path, "--format", "ndjson"])).stdout, "");
  const rows = await run([path, "--rows", "1:1"]);
  assert.equal(rows.code, 2);
  assert.match(rows.stderr, /HDU 1 has 0 rows \(1-based, inclusive: it has none\)/);
});

test("cloudfits table runs as a program: stdout and exit codes", async () => {
  const bun = process.versions.bun !== undefined;
  const prefix = bun ? ["cli.ts"] : ["run", "-A", "cli.ts"];
  const exec = (args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [...prefix, "table", ...args], { cwd: ROOT }, (error, stdout, stderr) => {
        resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
      });
    });
  const ok = await exec(["testdata/tess_cube.fits[2][col TSTART;DATE-OBS]", "--rows", "1:2"]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(
    ok.stdout,
    "TSTART,DATE-OBS\n1325.2969,2018-07-25T19:00:27.030\n1325.3177333,2018-07-25T19:30:27.030\n",
  );
  const missing = await exec(["testdata/tess_cube.fits[col NOPE]"]);
  assert.equal(missing.code, 3);
  assert.equal(missing.stdout, "");
  assert.match(missing.stderr, /^error: Cannot find column 'NOPE'/);
  const usage = await exec(["testdata/tess_cube.fits", "--rows", "0:1"]);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /1-based, inclusive/);
});

function range(first: number, last: number): number[] {
  return Array.from({ length: last - first + 1 }, (_, i) => first + i);
}
