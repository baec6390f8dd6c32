/**
 * The process entry of `cloudfits` (the compiled binaries, and `cli.ts` run as a program). It sends the
 * command's first reads before anything else loads (first_reads.ts), then loads the command line: a
 * static import of `main.ts` here would evaluate its modules first.
 *
 * @module
 */
import process from "node:process";
import { startFirstReads } from "./first_reads.ts";
import { dropEarlyReads } from "../src/source/range_get.ts";

const args = process.argv.slice(2);
startFirstReads(args);
// No top-level await: `bun build --compile --bytecode` needs a module without it.
import("./main.ts")
  .then(({ main }) => main(args))
  // main reports its own errors; one that escapes it (stderr itself failing) still ends the run.
  .catch(() => 1)
  .then((code) => {
    dropEarlyReads();
    process.exitCode = code;
  });
