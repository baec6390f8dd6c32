/**
 * A child process for tests/security/header_claims_test.ts: read a table the way a library user would,
 * with the cost limits lifted, and print the outcome (`ok N` or the error code). Run with a small heap
 * (`--v8-flags=--max-old-space-size=…`), so that allocating what a header merely claims crashes it.
 *
 * Usage: `_claims_child.ts rows|batches FILE`
 *
 * @module
 */
import process from "node:process";
import { readFileSync } from "node:fs";
import { isCloudFitsError } from "../../src/errors.ts";
import { parseHeader } from "../../src/fits/header.ts";
import { describeHdu } from "../../src/fits/layout.ts";
import { readTableRows, streamTableRows } from "../../src/read/table_rows.ts";
import { memorySource } from "../../src/source/memory.ts";

const [mode, path] = process.argv.slice(2);
const bytes = new Uint8Array(readFileSync(path));
// The table's HDU as its header describes it, as a lenient walk (or an index) hands it over: whether
// the data is all there is the reader's to find out.
const hdu = describeHdu(parseHeader(bytes.subarray(2880, 5760)), 1, 2880);
const source = memorySource(bytes, path);
const rowCount = hdu.axes[1];
// The first column only: wide rows and a narrow selection plan one range per row.
const options = { start: 0, stop: rowCount, columns: [1], limits: { maxRead: 0, maxRequests: 0 } };
try {
  let rows = 0;
  if (mode === "rows") rows = (await readTableRows(source, hdu, options)).rowCount;
  else for await (const batch of streamTableRows(source, hdu, options)) rows += batch.rowCount;
  console.log(`ok ${rows}`);
} catch (error) {
  if (!isCloudFitsError(error)) throw error;
  console.log(`${error.code} ${error.message}`);
}
