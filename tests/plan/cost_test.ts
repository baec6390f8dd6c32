import { test } from "node:test";
import assert from "node:assert/strict";
import { isCloudFitsError } from "../../src/errors.ts";
import { exitCodeFor } from "../../src/exit_codes.ts";
import {
  checkPlanCost,
  DEFAULT_MAX_READ,
  describePlan,
  estimateCost,
  exceededLimits,
  measurePlan,
  parseByteCount,
} from "../../src/plan/cost.ts";

const GiB = 2 ** 30;

test("measurePlan counts requests, bytes to read (gaps included) and bytes needed", () => {
  const ranges = [{ offset: 0, length: 4 }, { offset: 8, length: 4 }, { offset: 100_000, length: 4 }];
  assert.deepEqual(measurePlan(ranges), { requests: 2, bytesToRead: 16, bytesNeeded: 12, end: 100_004 });
  assert.deepEqual(measurePlan(ranges, { maxGap: 0 }), {
    requests: 3,
    bytesToRead: 12,
    bytesNeeded: 12,
    end: 100_004,
  });
  assert.deepEqual(measurePlan([]), { requests: 0, bytesToRead: 0, bytesNeeded: 0, end: 0 });
});

test("the estimate uses S3 list prices unless told otherwise", () => {
  const figures = { requests: 1000, bytesToRead: 1e9, bytesNeeded: 1e9 };
  assert.deepEqual(estimateCost(figures), { requests: 0.0004, transfer: 0.09, total: 0.0904 });
  assert.equal(estimateCost(figures, { perThousandRequests: 0.005, perGigabyte: 0 }).total, 0.005);
});

test("the default limits: 1 GiB, 10,000 requests, and 100× over 64 MiB", () => {
  const within = { requests: 10, bytesToRead: DEFAULT_MAX_READ, bytesNeeded: DEFAULT_MAX_READ };
  assert.equal(exceededLimits(within), undefined);
  assert.deepEqual(exceededLimits({ ...within, bytesToRead: GiB + 1 })?.reasons, [
    "more than the 1 GiB read limit",
  ]);
  assert.deepEqual(exceededLimits({ requests: 10_001, bytesToRead: 1, bytesNeeded: 1 })?.advice, [
    "--max-requests 10001",
  ]);
  // 65 MiB read for 0.5 MiB used: refused by default, allowed by any explicit --max-read.
  const amplified = { requests: 1, bytesToRead: 65 * 2 ** 20, bytesNeeded: 2 ** 19 };
  assert.deepEqual(exceededLimits(amplified)?.reasons, ["more than 100× the bytes it needs"]);
  assert.equal(exceededLimits(amplified, { maxRead: GiB }), undefined);
  // Under 64 MiB amplification does not matter: the read is cheap anyway.
  assert.equal(exceededLimits({ requests: 1, bytesToRead: 60 * 2 ** 20, bytesNeeded: 4 }), undefined);
  // 0 lifts every limit.
  assert.equal(
    exceededLimits({ requests: 1e7, bytesToRead: 1e12, bytesNeeded: 1 }, { maxRead: 0 }),
    undefined,
  );
});

test("a refusal is one line with the figures, the cost and the way on, and exits 2", () => {
  const frame = { requests: 6144, bytesToRead: 41_513_066_496, bytesNeeded: 16_777_216 };
  let caught: unknown;
  try {
    checkPlanCost(frame, {}, "HDU 1 of cube.fits");
  } catch (error) {
    caught = error;
  }
  assert.ok(isCloudFitsError(caught, "COST_LIMIT"));
  assert.equal(exitCodeFor(caught), 2);
  assert.equal(
    caught.message,
    "Refusing to read HDU 1 of cube.fits: 6,144 requests, 41.5 GB to read, 16.8 MB needed (2,474×), est. $3.74; " +
      "that is more than the 1 GiB read limit. To go on, raise the limit: --max-read 42G (maxRead, maxRequests in " +
      "the library), or --max-read 0 for no limit",
  );
  assert.ok(!caught.message.includes("\n"));
  assert.doesNotThrow(() => checkPlanCost(frame, { maxRead: parseByteCount("42G") }));
});

test("4.4 million 4-byte requests are refused for their count, and cost $1.78 in GETs", () => {
  const scattered = { requests: 4_438_608, bytesToRead: 17_754_432, bytesNeeded: 17_754_432 };
  assert.deepEqual(exceededLimits(scattered)?.reasons, ["more than 10,000 requests"]);
  assert.equal(estimateCost(scattered).requests.toFixed(2), "1.78");
  assert.match(
    describePlan(scattered),
    /^4,438,608 requests, 17\.8 MB to read, 17\.8 MB needed \(1\.00×\), est\. \$1\.78$/,
  );
});

test("byte counts as people write them", () => {
  assert.equal(parseByteCount("0"), 0);
  assert.equal(parseByteCount("64K"), 64_000);
  assert.equal(parseByteCount("1.5G"), 1.5e9);
  assert.equal(parseByteCount("50GB"), 50e9);
  assert.equal(parseByteCount("1GiB"), GiB);
  assert.equal(parseByteCount("2 ti"), 2 * 2 ** 40);
  for (const bad of ["", "-1", "1X", "G", "1e9"]) {
    assert.throws(() => parseByteCount(bad), (e) => isCloudFitsError(e, "USAGE"), bad);
  }
});
