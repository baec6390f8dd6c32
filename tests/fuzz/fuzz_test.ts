/**
 * The bounded fuzz run of CI, the replay of saved regression inputs, and tests of the harness itself
 * (so that a broken oracle cannot pass silently). Set FUZZ_SEED to run other cases; a failure prints
 * the seed, the case and the command that replays it.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import process from "node:process";
import { CloudFitsError, isCloudFitsError } from "../../src/errors.ts";
import { findEnd } from "../../src/fits/header.ts";
import { decodeIndex } from "../../src/read/index.ts";
import { encodeIndex } from "../../src/index_format/encode.ts";
import { walkHdus } from "../../src/read/walk.ts";
import { readTableRows } from "../../src/read/table_rows.ts";
import { memorySource } from "../../src/source/memory.ts";
import { caseRng, FITS_MUTATORS, mutateFits, repairIndexCrcs, Rng } from "./_mutate.ts";
import {
  caseFileName,
  checkInput,
  createTargets,
  describeFailure,
  type Guard,
  guardedSource,
  GuardViolation,
  loadFixtures,
  parseCaseFileName,
  replayCase,
  runTarget,
  type Target,
} from "./_targets.ts";

const SEED = Number(process.env.FUZZ_SEED ?? 20250801);
/**
 * Cases per target in CI, 100,000 in all: 30,000 for the header parser; fewer where each case does more
 * (a walk, then reads; the index inflates header text, which is slow under Bun), about half a minute
 * per runtime on two cores. The long run does 1,000,000 of each.
 */
const CI_CASES: Record<string, number> = {
  header: 30000,
  walk: 25000,
  table: 20000,
  image: 20000,
  index: 5000,
};
const REGRESSIONS = new URL("../../testdata/fuzz/", import.meta.url);

const targets = await createTargets();
console.log(`fuzz seed ${SEED} (replay or vary with FUZZ_SEED=N)`);

for (const target of targets) {
  const cases = CI_CASES[target.name];
  test(`fuzz ${target.name}: ${cases} mutated inputs, FUZZ_SEED=${SEED}`, { timeout: 120_000 }, async () => {
    const summary = await runTarget(target, SEED, cases);
    assert.equal(
      summary.failures.length,
      0,
      `FUZZ_SEED=${SEED}\n${summary.failures.map(describeFailure).join("\n\n")}`,
    );
    assert.equal(summary.cases, cases);
    // The mutations must reach the code under test: many cases get all the way through, and the rest
    // fail with typed errors at more than one stage.
    const outcomes = JSON.stringify(summary.outcomes);
    assert.ok((summary.outcomes.ok ?? 0) >= cases * 0.05, `too few cases succeed: ${outcomes}`);
    assert.ok(Object.keys(summary.outcomes).length >= 3, `too few distinct outcomes: ${outcomes}`);
  });
}

test("fuzz regression table-20250801-501.fits: a zero-width table claiming 10^15 rows is refused, not allocated", async () => {
  const source = memorySource(new Uint8Array(readFileSync(new URL("table-20250801-501.fits", REGRESSIONS))));
  const { hdus } = await walkHdus(source);
  await assert.rejects(readTableRows(source, hdus[2]), (error) => {
    assert.ok(isCloudFitsError(error, "BAD_HEADER"), String(error));
    assert.match((error as Error).message, /0 bytes wide/);
    return true;
  });
  // A few rows of the same table are still readable.
  const rows = await readTableRows(source, hdus[2], { start: 0, stop: 3 });
  assert.equal(rows.rowCount, 3);
});

test("fuzz regressions: every saved input in testdata/fuzz passes its target and is listed", async () => {
  const names = readdirSync(REGRESSIONS).filter((name) => name !== "README.md").sort();
  const readme = readFileSync(new URL("README.md", REGRESSIONS), "utf8");
  for (const name of names) {
    assert.ok(readme.includes(name), `testdata/fuzz/README.md does not describe ${name}`);
    const parsed = parseCaseFileName(name);
    assert.ok(parsed, `${name} is not named <target>-<seed>-<case>.<ext>`);
    const target = targets.find((t) => t.name === parsed.target);
    assert.ok(target, `${name}: unknown target ${parsed.target}`);
    const bytes = new Uint8Array(readFileSync(new URL(name, REGRESSIONS)));
    assert.ok(bytes.length <= 100_000, `${name} is larger than 100 KB`);
    const { rng } = replayCase(target, parsed.seed, parsed.caseIndex);
    const result = await checkInput(target, bytes, rng);
    assert.ok("outcome" in result, `${name}: ${"message" in result ? result.message : ""}`);
  }
});

test("fuzz cases are reproducible from (seed, target, case) alone", () => {
  for (const target of targets) {
    const a = replayCase(target, 7, 123).input;
    const b = replayCase(target, 7, 123).input;
    const c = replayCase(target, 7, 124).input;
    assert.deepEqual(a.bytes, b.bytes);
    assert.deepEqual(a.steps, b.steps);
    assert.ok(a.steps.length > 0);
    assert.ok(a.seedName !== c.seedName || a.steps.join() !== c.steps.join() || !sameBytes(a.bytes, c.bytes));
  }
  assert.notEqual(caseRng(1, "walk", 0).next(), caseRng(2, "walk", 0).next());
  assert.notEqual(caseRng(1, "walk", 0).next(), caseRng(1, "table", 0).next());
  assert.equal(caseFileName(targets[1], 5, 6), "walk-5-6.fits");
  assert.deepEqual(parseCaseFileName("walk-5-6.fits"), { target: "walk", seed: 5, caseIndex: 6 });
  assert.equal(parseCaseFileName("notes.txt"), undefined);
});

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function fakeTarget(exercise: Target["exercise"]): Target {
  return {
    name: "fake",
    extension: "bin",
    generate: () => ({ bytes: new Uint8Array(1), seedName: "x", steps: [] }),
    exercise,
  };
}

test("the oracle accepts typed errors and flags any other exception, a hang and a bad read", async () => {
  const rng = new Rng(1);
  const bytes = new Uint8Array(10);
  const typed = fakeTarget(() => Promise.reject(new CloudFitsError("BAD_HEADER", "Cannot parse card 3")));
  assert.deepEqual(await checkInput(typed, bytes, rng), { outcome: "BAD_HEADER" });
  assert.deepEqual(await checkInput(fakeTarget(() => Promise.resolve("ok")), bytes, rng), { outcome: "ok" });

  const crash = await checkInput(
    fakeTarget(() => Promise.reject(new TypeError("x is undefined"))),
    bytes,
    rng,
  );
  assert.ok(
    "kind" in crash && crash.kind === "exception" && crash.message.includes("TypeError: x is undefined"),
  );

  const hang = await checkInput(fakeTarget(() => new Promise(() => {})), bytes, rng, 50);
  assert.deepEqual(hang, { kind: "hang", message: "no result within 50 ms" });

  // A read past the object, swallowed by the code under test, is still reported.
  const swallowed = await checkInput(
    fakeTarget(async (input, _rng, guard) => {
      await guardedSource(input, guard).read(0, 1 << 20).catch(() => undefined);
      return "ok";
    }),
    bytes,
    rng,
  );
  assert.ok("kind" in swallowed && swallowed.kind === "violation", JSON.stringify(swallowed));
});

test("a mutator that throws fails its own case, named by seed and number; the run goes on", async () => {
  const target: Target = {
    ...fakeTarget(() => Promise.resolve("ok")),
    generate: (rng) => {
      if (rng.int(3) === 0) throw new RangeError("Offset is outside the bounds of the DataView");
      return { bytes: new Uint8Array(1), seedName: "x", steps: ["none"] };
    },
  };
  const summary = await runTarget(target, 42, 30, { maxFailures: 100 });
  assert.equal(summary.cases, 30);
  assert.ok(summary.failures.length > 0 && summary.failures.length < 30);
  for (const failure of summary.failures) {
    assert.equal(failure.kind, "mutator");
    assert.match(describeFailure(failure), /FUZZ_SEED=42 case \d+[\s\S]*RangeError: Offset is outside/);
  }
  assert.equal(summary.outcomes.ok, 30 - summary.failures.length);
});

test("guarded sources refuse oversized, unsafe and (strict) out-of-file reads, and can hide the size", async () => {
  const guard: Guard = { violations: [], reads: 0, bytesRead: 0 };
  const source = guardedSource(new Uint8Array(100), guard, { strict: true, size: 200 });
  assert.equal((await source.read(150, 50)).length, 50); // zeros beyond the backing bytes
  await assert.rejects(source.read(150, 51), GuardViolation);
  await assert.rejects(source.read(-1, 1), GuardViolation);
  await assert.rejects(source.read(0.5, 1), GuardViolation);
  assert.equal(guard.violations.length, 3);
  assert.deepEqual([guard.reads, guard.bytesRead], [4, 50]);

  const loose = guardedSource(new Uint8Array(100), guard);
  assert.equal((await loose.read(90, 16384)).length, 10); // short at the end, within the 64 KiB floor
  await assert.rejects(loose.read(0, 65537), GuardViolation);

  const remote = guardedSource(new Uint8Array(100), guard, { hideSize: true });
  assert.equal(remote.size, undefined);
  await remote.read(0, 10);
  assert.equal(remote.size, 100);
});

test("repairIndexCrcs makes a damaged index pass its CRCs, so the structural checks run", async () => {
  const fixture = loadFixtures().get("primary_only.fits")!;
  const { hdus } = await walkHdus(memorySource(fixture));
  const index = await encodeIndex([{ path: "p.fits", size: fixture.length, hdus }], { createdMs: 5 });
  const damaged = index.slice();
  new DataView(damaged.buffer).setBigInt64(40, 1234n, true); // createdMs
  await assert.rejects(decodeIndex(damaged.slice()), /fixed header fails its CRC-32C/);
  assert.equal((await decodeIndex(repairIndexCrcs(damaged))).createdMs, 1234);

  // A leaf byte: the leaf CRC (inside the DIRECTORY), the DIRECTORY CRC and the table CRC all need repair.
  const leafDamaged = index.slice();
  const leavesStart = new DataView(index.buffer).getUint32(32, true);
  assert.equal(leafDamaged[leavesStart], 1); // the leaf's file count
  leafDamaged[leavesStart] = 2;
  await assert.rejects(
    (await decodeIndex(leafDamaged.slice())).findFile("p.fits"),
    /leaf 0 at offset \d+ fails its CRC-32C/,
  );
  await assert.rejects(
    (await decodeIndex(repairIndexCrcs(leafDamaged))).findFile("p.fits"),
    (e: unknown) => isCloudFitsError(e, "BAD_INDEX") && /holds 2 files, the directory says 1/.test(e.message),
  );
});

test("FITS mutators change what they claim to", () => {
  const fixture = loadFixtures().get("table_all.fits")!;
  const donors = [fixture];
  const rng = new Rng(3);
  const truncated = FITS_MUTATORS.truncate(fixture.slice(), rng, donors);
  assert.ok(truncated.length <= fixture.length);
  const withValue = FITS_MUTATORS.structuralValue(fixture.slice(), new Rng(11), donors);
  assert.notDeepEqual(withValue, fixture);
  assert.equal(findEnd(fixture.subarray(0, 2880)), 2880);
  assert.equal(findEnd(FITS_MUTATORS.removeEnd(fixture.slice(0, 2880), rng, donors)), -1);
  const mutated = mutateFits(fixture, new Rng(9), donors);
  assert.ok(mutated.steps.length >= 1 && mutated.steps.every((s) => s in FITS_MUTATORS));
});
