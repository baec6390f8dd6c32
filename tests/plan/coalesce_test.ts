import { test } from "node:test";
import assert from "node:assert/strict";
import { coalesceRanges, planRequests } from "../../src/plan/coalesce.ts";

test("ranges closer than the request cost share a request, and each piece knows where it goes", () => {
  const requests = [
    ...planRequests([{ offset: 100, length: 4 }, { offset: 110, length: 4 }, { offset: 200, length: 2 }], {
      maxGap: 10,
    }),
  ];
  assert.deepEqual(requests, [
    {
      offset: 100,
      length: 14,
      pieces: [{ offset: 100, length: 4, at: 0 }, { offset: 110, length: 4, at: 4 }],
    },
    { offset: 200, length: 2, pieces: [{ offset: 200, length: 2, at: 8 }] },
  ]);
});

test("a request cost of zero sends one request per range unless they touch", () => {
  const ranges = [{ offset: 0, length: 4 }, { offset: 4, length: 4 }, { offset: 9, length: 1 }];
  assert.deepEqual([...planRequests(ranges, { maxGap: 0 })].map(({ offset, length }) => [offset, length]), [
    [0, 8],
    [9, 1],
  ]);
});

test("a range longer than maxSpan is cut into parallel requests, and its pieces follow the cuts", () => {
  const requests = [...planRequests([{ offset: 10, length: 25 }], { maxSpan: 10 })];
  assert.deepEqual(requests.map(({ offset, length }) => [offset, length]), [[10, 10], [20, 10], [30, 5]]);
  assert.deepEqual(requests.map((r) => r.pieces), [
    [{ offset: 10, length: 10, at: 0 }],
    [{ offset: 20, length: 10, at: 10 }],
    [{ offset: 30, length: 5, at: 20 }],
  ]);
});

test("touching ranges stop merging at maxSpan, so no request holds more than maxSpan bytes", () => {
  const ranges = Array.from({ length: 100 }, (_, i) => ({ offset: i * 4, length: 4 }));
  const requests = [...planRequests(ranges, { maxSpan: 64 })];
  assert.equal(requests.length, Math.ceil(400 / 64));
  assert.ok(requests.every((r) => r.length <= 64));
  assert.equal(requests.reduce((n, r) => n + r.pieces.length, 0), 100);
});

test("overlapping ranges are fetched once and delivered twice", () => {
  const requests = [...planRequests([{ offset: 0, length: 10 }, { offset: 5, length: 10 }])];
  assert.deepEqual(requests, [{
    offset: 0,
    length: 15,
    pieces: [{ offset: 0, length: 10, at: 0 }, { offset: 5, length: 10, at: 10 }],
  }]);
});

test("ranges out of order and bad options are refused", () => {
  assert.throws(() => [...planRequests([{ offset: 10, length: 1 }, { offset: 0, length: 1 }])], RangeError);
  assert.throws(() => [...planRequests([], { maxSpan: 0 })], RangeError);
  assert.throws(() => coalesceRanges([], { maxGap: -1 }), RangeError);
});

test("planning is lazy: each request is planned from the ranges it needs, not from the whole list", () => {
  let listed = 0;
  function* many(): Generator<{ offset: number; length: number }> {
    for (let i = 0; i < 1_000_000; i++, listed++) yield { offset: i * 1000, length: 4 };
  }
  const requests = planRequests(many(), { maxGap: 0 });
  assert.deepEqual(requests.next().value, {
    offset: 0,
    length: 4,
    pieces: [{ offset: 0, length: 4, at: 0 }],
  });
  assert.equal(listed, 1, "one range past the first request was looked at");
  let count = 1;
  for (const request of requests) count += request.pieces.length;
  assert.equal(count, 1_000_000);
  assert.equal(listed, 1_000_000);
});

test("coalesceRanges sorts first and returns bare spans", () => {
  assert.deepEqual(
    coalesceRanges([{ offset: 1e6, length: 5 }, { offset: 20, length: 10 }, { offset: 0, length: 10 }]),
    [
      { offset: 0, length: 30 },
      { offset: 1e6, length: 5 },
    ],
  );
});
