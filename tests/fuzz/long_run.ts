/**
 * The long fuzz run: every target (or one), N cases each, from a seed; prints progress and failures,
 * and can save the input of one case for a regression fixture.
 *
 * Usage:
 *   deno run -A tests/fuzz/long_run.ts [--cases 1000000] [--seed N] [--target header|walk|table|image|index]
 *   deno run -A tests/fuzz/long_run.ts --target walk --seed N --case K --save testdata/fuzz/
 *   bun tests/fuzz/long_run.ts …   (same arguments)
 *
 * Exit code 1 when any case fails.
 *
 * @module
 */
import { writeFileSync } from "node:fs";
import process from "node:process";
import { parseArgs } from "node:util";
import {
  caseFileName,
  checkInput,
  createTargets,
  describeFailure,
  replayCase,
  runTarget,
} from "./_targets.ts";

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    cases: { type: "string", default: "1000000" },
    seed: { type: "string" },
    target: { type: "string" },
    case: { type: "string" },
    save: { type: "string" },
    "max-failures": { type: "string", default: "20" },
  },
});

const seed = Number(values.seed ?? process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const targets = (await createTargets()).filter((t) =>
  values.target === undefined || t.name === values.target
);
if (targets.length === 0) throw new RangeError(`Unknown target ${values.target}`);

if (values.case !== undefined) {
  // Replay one case: run it, print the result, optionally save its input.
  const caseIndex = Number(values.case);
  for (const target of targets) {
    const { input, rng } = replayCase(target, seed, caseIndex);
    const result = await checkInput(target, input.bytes, rng);
    console.log(
      `${target.name} seed ${seed} case ${caseIndex}: ${input.seedName} ${input.steps.join(" > ")}`,
    );
    console.log(JSON.stringify(result, null, 2));
    if (values.save !== undefined) {
      const path = `${values.save.replace(/\/?$/, "/")}${caseFileName(target, seed, caseIndex)}`;
      writeFileSync(path, input.bytes);
      console.log(`saved ${path}`);
    }
  }
} else {
  const cases = Number(values.cases);
  console.log(`fuzz seed ${seed}, ${cases} cases per target`);
  let failed = 0;
  for (const target of targets) {
    const started = performance.now();
    const summary = await runTarget(target, seed, cases, {
      maxFailures: Number(values["max-failures"]),
      onProgress(done) {
        if (done % 10000 === 0) {
          const seconds = ((performance.now() - started) / 1000).toFixed(0);
          const rss = (process.memoryUsage().rss / 2 ** 20).toFixed(0);
          console.log(`${target.name}: ${done} cases, ${seconds} s, resident ${rss} MiB`);
        }
      },
    });
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `${target.name}: seed ${seed}, ${summary.cases} cases in ${seconds.toFixed(1)} s, outcomes ${
        JSON.stringify(summary.outcomes)
      }`,
    );
    for (const failure of summary.failures) console.log(describeFailure(failure));
    failed += summary.failures.length;
  }
  if (failed > 0) {
    console.log(`${failed} failing cases (seed ${seed})`);
    process.exitCode = 1;
  }
}
