/**
 * Golden values hold each float32 as its exact float64 (`0.10000000149011612`), while cloudfits prints
 * float32 in its shortest round-trip form (`0.1`). These helpers compare printed output with such
 * golden values: a printed number matches a golden float32 when it reads back as that float32.
 *
 * @module
 */

/**
 * `got` with every number that reads back (through `Math.fround`) as the float32 at the same place of
 * `want` replaced by that float32's exact value, so that `assert.deepEqual(asGolden(got, want), want)`
 * checks everything else exactly.
 *
 * @param got Parsed output (numbers, strings, arrays, objects).
 * @param want The golden value of the same shape.
 * @returns `got`, with float32 spellings aligned to `want`.
 */
export function asGolden(got: unknown, want: unknown): unknown {
  if (typeof got === "number" && typeof want === "number") {
    return Math.fround(want) === want && Math.fround(got) === want ? want : got;
  }
  if (Array.isArray(got) && Array.isArray(want)) return got.map((value, i) => asGolden(value, want[i]));
  if (got !== null && want !== null && typeof got === "object" && typeof want === "object") {
    const wanted = want as Record<string, unknown>;
    return Object.fromEntries(Object.entries(got).map(([key, value]) => [key, asGolden(value, wanted[key])]));
  }
  return got;
}
