import { test } from "node:test";
import assert from "node:assert/strict";
import { type CloudFitsErrorCode, isCloudFitsError } from "../../src/errors.ts";
import { describeCompressedImage } from "../../src/fits/compressed.ts";
import { type HeaderValue, parseHeader } from "../../src/fits/header.ts";
import type { Dtype } from "../../src/fits/dtype.ts";
import { decodeImageData, decodeOwnedImageData, type ImageInfo, imageInfo } from "../../src/fits/image.ts";
import { describeHdu, type Hdu } from "../../src/fits/layout.ts";
import { walkHdus } from "../../src/read/walk.ts";
import { buildHeader, formatCard } from "../../src/fits/write.ts";
import { readImageSection } from "../../src/read/image_section.ts";
import { memorySource } from "../../src/source/memory.ts";
import { expected, fixture } from "../_support/fixtures.ts";
import { throwsWith } from "../_support/expect_error.ts";

const FIXTURES_WITH_SECTIONS = [
  "tess_cube",
  "mef_images",
  "dup_extnames",
  "random_groups",
  "exotic_header",
  "checksum_good",
  "no_final_pad",
  "unknown_xtension",
  "primary_only",
];

function imageHdu(bitpix: number, axes: number[], extra: [string, HeaderValue][] = []): Hdu {
  const cards = [
    formatCard("XTENSION", "IMAGE"),
    formatCard("BITPIX", bitpix),
    formatCard("NAXIS", axes.length),
    ...axes.map((n, i) => formatCard(`NAXIS${i + 1}`, n)),
    formatCard("PCOUNT", 0),
    formatCard("GCOUNT", 1),
    ...extra.map(([k, v]) => formatCard(k, v)),
  ];
  return describeHdu(parseHeader(buildHeader(cards)), 1, 2880);
}

/** Compare one decoded element with astropy's JSON: "NaN"/"±Infinity" strings, big integers as strings, -0 kept. */
function sameElement(actual: number | bigint, want: number | string): boolean {
  if (typeof actual === "bigint") return String(actual) === String(want);
  if (want === "NaN") return Number.isNaN(actual);
  if (want === "Infinity") return actual === Infinity;
  if (want === "-Infinity") return actual === -Infinity;
  return Object.is(actual, want);
}

function assertMatches(actual: ArrayLike<number | bigint>, want: (number | string)[], label: string): void {
  assert.equal(actual.length, want.length, `${label}: length`);
  for (let i = 0; i < want.length; i++) {
    assert.ok(sameElement(actual[i], want[i]), `${label}: element ${i} is ${actual[i]}, expected ${want[i]}`);
  }
}

test("imageInfo follows astropy's type rules", () => {
  const cases: [number, [string, HeaderValue][], Dtype][] = [
    [8, [], "uint8"],
    [16, [], "int16"],
    [32, [], "int32"],
    [64, [], "int64"],
    [-32, [], "float32"],
    [-64, [], "float64"],
    [8, [["BZERO", -128]], "int8"],
    [16, [["BSCALE", 1.0], ["BZERO", 32768.0]], "uint16"],
    [32, [["BZERO", 2147483648]], "uint32"],
    [64, [["BZERO", 2n ** 63n]], "uint64"],
    [16, [["BSCALE", 2], ["BZERO", 32768]], "float32"],
    [8, [["BSCALE", 0.5]], "float32"],
    [16, [["BZERO", 0.5]], "float32"],
    [32, [["BSCALE", 1.5]], "float64"],
    [64, [["BZERO", 1]], "float64"],
    [-32, [["BSCALE", 2]], "float32"],
    [-64, [["BZERO", 3]], "float64"],
    // BLANK alone turns integers into floats (NaN marks blanks); unsigned conventions ignore it.
    [8, [["BLANK", 255]], "float32"],
    [16, [["BLANK", -5]], "float32"],
    [32, [["BLANK", -5]], "float64"],
    [64, [["BLANK", -5]], "float64"],
    [32, [["BZERO", 2147483648], ["BLANK", -5]], "uint32"],
    // BLANK on a float image is ignored.
    [-32, [["BLANK", -5]], "float32"],
  ];
  for (const [bitpix, extra, dtype] of cases) {
    const info = imageInfo(imageHdu(bitpix, [3, 2], extra));
    assert.equal(info.dtype, dtype, `BITPIX ${bitpix} ${JSON.stringify(extra, (_, v) => String(v))}`);
    assert.deepEqual(info.shape, [2, 3]);
  }
  const info = imageInfo(imageHdu(64, [1], [["BZERO", 2n ** 63n], ["BLANK", 2n ** 62n + 1n]]));
  assert.equal(info.storedDtype, "int64");
  assert.equal(info.bzero, 2 ** 63);
  assert.equal(info.blank, 2n ** 62n + 1n);
  assert.equal(imageInfo(imageHdu(-32, [1], [["BLANK", 3]])).blank, null);
});

test("imageInfo rejects a BSCALE that is not a number", () => {
  let caught: unknown;
  try {
    imageInfo(imageHdu(16, [1], [["BSCALE", "two"]]));
  } catch (e) {
    caught = e;
  }
  assert.ok(isCloudFitsError(caught, "BAD_HEADER"));
  assert.match((caught as Error).message, /BSCALE "two" of HDU 1 at offset 2880/);
});

function info(storedDtype: Dtype, dtype: Dtype, scaling: Partial<ImageInfo> = {}): ImageInfo {
  return { shape: [], storedDtype, dtype, bscale: 1, bzero: 0, blank: null, ...scaling };
}

test("decodeImageData decodes every stored type from big-endian bytes", () => {
  const be = (values: number[], size: number) => {
    const out = new Uint8Array(values.length * size);
    const view = new DataView(out.buffer);
    values.forEach((v, i) => {
      if (size === 2) view.setInt16(i * 2, v);
      else view.setInt32(i * 4, v);
    });
    return out;
  };
  assert.deepEqual(
    decodeImageData(new Uint8Array([0, 200, 255]), info("uint8", "uint8")),
    new Uint8Array([0, 200, 255]),
  );
  // Odd element counts exercise the tail of the 16-bit swap.
  assert.deepEqual(
    decodeImageData(be([1, -2, 32767], 2), info("int16", "int16")),
    new Int16Array([1, -2, 32767]),
  );
  assert.deepEqual(
    decodeImageData(be([-2147483648, 7], 4), info("int32", "int32")),
    new Int32Array([-2147483648, 7]),
  );
  const f32 = new Uint8Array(8);
  new DataView(f32.buffer).setFloat32(0, -1.5);
  new DataView(f32.buffer).setFloat32(4, -0);
  const decoded32 = decodeImageData(f32, info("float32", "float32"));
  assert.deepEqual(decoded32, new Float32Array([-1.5, -0]));
  assert.ok(Object.is(decoded32[1], -0));
  const f64 = new Uint8Array(16);
  new DataView(f64.buffer).setFloat64(0, Math.PI);
  new DataView(f64.buffer).setFloat64(8, -Infinity);
  assert.deepEqual(decodeImageData(f64, info("float64", "float64")), new Float64Array([Math.PI, -Infinity]));
  const i64 = new Uint8Array(16);
  new DataView(i64.buffer).setBigInt64(0, -(2n ** 63n));
  new DataView(i64.buffer).setBigInt64(8, 2n ** 53n + 1n);
  assert.deepEqual(
    decodeImageData(i64, info("int64", "int64")),
    new BigInt64Array([-(2n ** 63n), 2n ** 53n + 1n]),
  );
});

test("decodeImageData applies the unsigned conventions by flipping the top bit", () => {
  assert.deepEqual(
    decodeImageData(
      new Uint8Array([0x80, 0x00, 0x7f, 0xff, 0x00, 0x00]),
      info("int16", "uint16", { bzero: 32768 }),
    ),
    new Uint16Array([0, 65535, 32768]),
  );
  assert.deepEqual(
    decodeImageData(new Uint8Array([0xff, 0xff, 0xff, 0xff]), info("int32", "uint32", { bzero: 2 ** 31 })),
    new Uint32Array([0x7fffffff]),
  );
  assert.deepEqual(
    decodeImageData(
      new Uint8Array([0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
      info("int64", "uint64"),
    ),
    new BigUint64Array([2n ** 64n - 1n]),
  );
  assert.deepEqual(
    decodeImageData(new Uint8Array([0, 128, 255]), info("uint8", "int8", { bzero: -128 })),
    new Int8Array([-128, 0, 127]),
  );
});

test("decodeImageData scales in float32 exactly as numpy does, and marks BLANK as NaN", () => {
  // astropy: int16 [1, -5, 7] with BSCALE 0.1, BZERO 0.3 → float32 [0.4000000059604645, -0.19999998807907104, 1.0]
  const bytes = new Uint8Array([0, 1, 0xff, 0xfb, 0, 7]);
  assertMatches(
    decodeImageData(bytes, info("int16", "float32", { bscale: 0.1, bzero: 0.3 })),
    [0.4000000059604645, -0.19999998807907104, 1.0],
    "int16 scaled",
  );
  // astropy: int16 [1, -5, 7] with BLANK -5 → float32 [1, NaN, 7]; with BSCALE 2 → [2, NaN, 14]
  assertMatches(decodeImageData(bytes, info("int16", "float32", { blank: -5 })), [1, "NaN", 7], "BLANK");
  assertMatches(
    decodeImageData(bytes, info("int16", "float32", { blank: -5, bscale: 2 })),
    [2, "NaN", 14],
    "both",
  );
  const i64 = new Uint8Array(16);
  new DataView(i64.buffer).setBigInt64(0, 2n ** 53n + 1n);
  new DataView(i64.buffer).setBigInt64(8, -5n);
  // int64 → float64 rounds like numpy (to even), then BLANK compares the stored value exactly.
  assertMatches(decodeImageData(i64, info("int64", "float64", { blank: -5n })), [2 ** 53, "NaN"], "int64");
});

test("decodeImageData does not modify its input; raw mode returns stored values", () => {
  const bytes = new Uint8Array([0x80, 0x00, 0x00, 0x01]);
  const uint16 = info("int16", "uint16", { bzero: 32768 });
  assert.deepEqual(decodeImageData(bytes, uint16, { raw: true }), new Int16Array([-32768, 1]));
  assert.deepEqual(decodeImageData(bytes, uint16), new Uint16Array([0, 32769]));
  assert.deepEqual(bytes, new Uint8Array([0x80, 0x00, 0x00, 0x01]));
});

test("decodeOwnedImageData rejects partial elements and misaligned buffers", () => {
  assert.throws(() => decodeOwnedImageData(new Uint8Array(3), info("int16", "int16")), RangeError);
  assert.throws(
    () => decodeOwnedImageData(new Uint8Array(8).subarray(1, 5), info("int16", "int16")),
    RangeError,
  );
});

for (const name of FIXTURES_WITH_SECTIONS) {
  test(`readImageSection matches astropy on every section of ${name}.fits`, async () => {
    const want = expected(name);
    const source = memorySource(fixture(name), name);
    const { hdus } = await walkHdus(source);
    let checked = 0;
    for (const e of want.hdus) {
      for (const section of e.sections ?? []) {
        const label = `${name} HDU ${e.index} ${JSON.stringify(section.spec)}`;
        const result = await readImageSection(source, hdus[e.index], section.spec);
        assert.deepEqual(result.shape, section.shape, label);
        assert.equal(result.dtype, section.dtype, label);
        assertMatches(result.data, section.data, label);
        checked++;
      }
    }
    assert.ok(checked > 0, `${name} has no sections to check`);
  });
}

test("readImageSection in raw mode returns stored values of the mef_images fixtures", async () => {
  const bytes = fixture("mef_images");
  const source = memorySource(bytes);
  const { hdus } = await walkHdus(source);
  const uint16 = await readImageSection(source, hdus[4], [null, null], { raw: true });
  assert.equal(uint16.dtype, "int16");
  assert.deepEqual(uint16.data, new Int16Array([-32768, -32767, -1, 0, 32766, 32767]));
  const scaled = await readImageSection(source, hdus[9], [0, [0, 2]], { raw: true });
  assert.equal(scaled.dtype, "int16");
  // physical = 100.5 + 0.25 × stored: -2899.5 and -2649.5
  assert.deepEqual(scaled.data, new Int16Array([-12000, -11000]));
});

test("describeCompressedImage reads the Z keywords of the compressed fixtures", async () => {
  const load = async (name: string) => {
    const source = memorySource(fixture(name));
    return { source, hdu: (await walkHdus(source)).hdus[1] };
  };
  const rice = await load("compressed_rice");
  assert.deepEqual(describeCompressedImage(rice.hdu), {
    zbitpix: 16,
    shape: [20, 24],
    tileShape: [8, 8],
    tileCount: 9,
    compression: "RICE_1",
    quantize: null,
    dither0: null,
    parameters: { BLOCKSIZE: 32, BYTEPIX: 2 },
  });
  const gzip = await load("compressed_gzip");
  assert.deepEqual(describeCompressedImage(gzip.hdu), {
    zbitpix: -32,
    shape: [16, 20],
    tileShape: [8, 8],
    tileCount: 6,
    compression: "GZIP_2",
    quantize: "SUBTRACTIVE_DITHER_1",
    dither0: 42,
    parameters: { NOISEBIT: 16 },
  });
  // Decoding is tests/fits/compressed_test.ts's subject; here only that sections now go through it.
  const whole = await readImageSection(rice.source, rice.hdu, []);
  assert.deepEqual(whole.shape, describeCompressedImage(rice.hdu).shape);
});

function compressedHdu(extra: [string, HeaderValue][], rows: number): Hdu {
  const cards: [string, HeaderValue][] = [
    ["XTENSION", "BINTABLE"],
    ["BITPIX", 8],
    ["NAXIS", 2],
    ["NAXIS1", 8],
    ["NAXIS2", rows],
    ["PCOUNT", 0],
    ["GCOUNT", 1],
    ["TFIELDS", 1],
    ["ZIMAGE", true],
    ...extra,
  ];
  return describeHdu(parseHeader(buildHeader(cards.map(([k, v]) => formatCard(k, v)))), 1, 2880);
}

test("describeCompressedImage defaults to row tiles, accepts RICE_ONE and checks the tile count", () => {
  const base: [string, HeaderValue][] = [["ZBITPIX", 32], ["ZNAXIS", 2], ["ZNAXIS1", 100], ["ZNAXIS2", 7]];
  const info = describeCompressedImage(compressedHdu([...base, ["ZCMPTYPE", "RICE_ONE"]], 7));
  assert.equal(info.compression, "RICE_1");
  assert.deepEqual(info.tileShape, [1, 100]);
  assert.equal(info.tileCount, 7);
  const failure = (extra: [string, HeaderValue][], rows: number, code: CloudFitsErrorCode, pattern: RegExp) =>
    throwsWith(() => describeCompressedImage(compressedHdu(extra, rows)), code, pattern);
  failure([...base, ["ZCMPTYPE", "RICE_1"]], 6, "BAD_HEADER", /7 tiles .* NAXIS2 is 6/);
  failure([...base, ["ZCMPTYPE", "LZW_9"]], 7, "UNSUPPORTED", /unknown ZCMPTYPE "LZW_9"/);
  failure([["ZNAXIS", 1], ["ZNAXIS1", 5], ["ZCMPTYPE", "GZIP_1"]], 1, "BAD_HEADER", /ZBITPIX \(missing\)/);
  failure(
    [["ZBITPIX", 16], ["ZNAXIS", 1], ["ZNAXIS1", 5], ["ZTILE1", 0], ["ZCMPTYPE", "GZIP_1"]],
    1,
    "BAD_HEADER",
    /ZTILE1 0/,
  );
  assert.throws(
    () => describeCompressedImage(imageHdu(16, [2])),
    (e: unknown) => isCloudFitsError(e, "USAGE"),
  );
});
