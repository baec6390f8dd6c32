/**
 * float32Text against its definition (the shortest decimal that reads back as the same float32, the
 * closest one when several are as short) on tricky values and a large sample, and against numpy's
 * printing of the same float32 values.
 *
 * @module
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { float32Text } from "../src/float32_text.ts";

const python = "/usr/bin/python3";
const hasNumpy = existsSync(python) &&
  await new Promise<boolean>((resolve) =>
    execFile(python, ["-c", "import numpy"], (error) => resolve(!error))
  );

const bits = new Uint32Array(1);
const single = new Float32Array(bits.buffer);
const fromBits = (pattern: number) => {
  bits[0] = pattern;
  return single[0];
};

/** A deterministic sample of float32 bit patterns (xorshift32), every exponent alike. */
function samplePatterns(count: number, seed = 2463534242): number[] {
  const out: number[] = [];
  let x = seed;
  for (let i = 0; i < count; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out.push(x >>> 0);
  }
  return out;
}

/** Powers of two with their neighbours (where the rounding interval is lopsided), and 2^24 ± k. */
function edgePatterns(): number[] {
  const out: number[] = [1, 2, 0x007fffff, 0x00800000, 0x7f7fffff, 0x7f7ffffe];
  for (let exponent = 1; exponent < 255; exponent++) {
    const power = exponent << 23;
    out.push(power - 1, power, power + 1);
  }
  for (let k = 0; k < 64; k++) {
    bits[0] = 0;
    single[0] = 16777216 + 2 * k;
    out.push(bits[0]);
  }
  return out;
}

/** Whether some decimal of `digits` significant digits reads back as `value`: the nearest, or its neighbour. */
function fitsIn(value: number, digits: number): boolean {
  const nearest = Number(value.toPrecision(digits));
  if (Math.fround(nearest) === value) return true;
  // Next to a power of two the interval is lopsided: the neighbour on the far side may fit.
  const unit = 10 ** (Math.floor(Math.log10(Math.abs(nearest))) - digits + 1);
  return Math.fround(Number((nearest < value ? nearest + unit : nearest - unit).toPrecision(digits))) ===
    value;
}

/** Significant digits of a decimal text. */
function significantDigits(text: string): number {
  return text.replace(/^-/, "").replace(/e.*$/, "").replace(".", "").replace(/^0+/, "").replace(/0+$/, "")
    .length;
}

test("float32Text prints the tricky values as numpy does, in JavaScript's number syntax", () => {
  const cases: [number, string][] = [
    [fromBits(1), "1e-45"], // the smallest subnormal
    [fromBits(0x007fffff), "1.1754942e-38"], // the largest subnormal
    [fromBits(0x00800000), "1.1754944e-38"], // the smallest normal
    [fromBits(0x7f7fffff), "3.4028235e+38"], // the largest float32
    [0.1, "0.1"],
    [1 / 3, "0.33333334"],
    [16777217, "16777216"],
    [123456789, "123456790"],
    [1e21, "1e+21"],
    [1e-7, "1e-7"],
    [1.5e-6, "0.0000015"],
    [-2.5, "-2.5"],
    [0, "0"],
    [NaN, "NaN"],
    [-Infinity, "-Infinity"],
  ];
  for (const [value, text] of cases) assert.equal(float32Text(Math.fround(value)), text, String(value));
});

test("float32Text reads back as the same float32 and no shorter decimal does, spelled as JavaScript spells numbers, on 200,000 values", () => {
  let checked = 0;
  for (const pattern of [...edgePatterns(), ...samplePatterns(200_000)]) {
    const value = fromBits(pattern);
    if (!Number.isFinite(value) || value === 0) continue;
    const text = float32Text(value);
    assert.equal(Math.fround(Number(text)), value, `bits 0x${pattern.toString(16)}: ${text}`);
    // Spelled as JavaScript spells numbers: a decimal of nine digits or fewer reads back to a float64
    // that String prints with the same digits.
    assert.equal(String(Number(text)), text, `bits 0x${pattern.toString(16)}`);
    const digits = significantDigits(text);
    assert.ok(
      digits === 1 || !fitsIn(value, digits - 1),
      `bits 0x${pattern.toString(16)}: ${text} is not the shortest`,
    );
    checked++;
  }
  assert.ok(checked > 190_000);
});

test(
  "float32Text gives numpy's decimal (the closest of the shortest, ties to even) for 100,000 float32",
  { skip: !hasNumpy && "needs numpy" },
  async () => {
    const patterns = [...edgePatterns(), ...samplePatterns(100_000, 88172645)].filter((pattern) => {
      const value = fromBits(pattern);
      return Number.isFinite(value);
    });
    const script = `import sys, numpy as np
values = np.array([int(x, 16) for x in sys.stdin.read().split()], dtype=np.uint32).view(np.float32)
print("\\n".join(str(v) for v in values))`;
    const printed = await new Promise<string>((resolve, reject) => {
      const child = execFile(python, ["-c", script], { maxBuffer: 64 << 20 }, (error, stdout) => {
        if (error) reject(error);
        else resolve(stdout);
      });
      child.stdin!.end(patterns.map((pattern) => pattern.toString(16)).join(" "));
    });
    const numpy = printed.trimEnd().split("\n");
    assert.equal(numpy.length, patterns.length);
    patterns.forEach((pattern, i) => {
      // Same decimal: numpy writes `16777216.0` and `1e-45` where JavaScript writes `16777216` and `1e-45`.
      assert.equal(
        Number(float32Text(fromBits(pattern))),
        Number(numpy[i]),
        `bits 0x${pattern.toString(16)}`,
      );
    });
  },
);
