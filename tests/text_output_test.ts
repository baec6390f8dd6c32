/**
 * The bytes of `cutout` and `table` text output (JSON, NDJSON, CSV) for every kind of value: each array
 * type's writer against the definition it replaces (`String`, `JSON.stringify`, float32Text, the
 * spellings of null, −0, NaN, infinities and 64-bit integers), and the whole output pinned byte for
 * byte for every scalar column type of table_all.fits (values as astropy reads them, checked in
 * table_test.ts) and small cutouts of each dtype.
 *
 * @module
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { cutoutJson, cutoutRows, jsonWithData } from "../cli/cutout_output.ts";
import { float32Text } from "../src/float32_text.ts";
import type { TypedArray } from "../src/fits/dtype.ts";
import {
  CSV_NUMBER_STYLE,
  JSON_NUMBER_STYLE,
  type NumberTextStyle,
  numberWriter,
  TextBytes,
} from "../src/text_bytes.ts";
import { runCli } from "./_support/cli_io.ts";

const TABLE_ALL = join(fileURLToPath(new URL("../testdata/", import.meta.url)), "table_all.fits");
const decoder = new TextDecoder();

/** The text of one value by definition: what the writers must print, one string per value. */
function definedText(value: number | bigint, isFloat32: boolean, style: NumberTextStyle): string {
  const quoted = (text: string) => style.quote ? `"${text}"` : text;
  if (typeof value === "bigint") {
    return value >= -(2n ** 53n - 1n) && value <= 2n ** 53n - 1n ? String(value) : quoted(String(value));
  }
  if (Object.is(value, -0)) return "-0.0";
  if (!Number.isFinite(value)) return quoted(String(value));
  return isFloat32 && value !== 0 ? float32Text(value) : String(value);
}

let seed = 2463534242;
function random(): number {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 2 ** 32;
}

const SPECIALS = [
  NaN,
  Infinity,
  -Infinity,
  0,
  -0,
  1,
  -1,
  0.1,
  1e-45,
  3.4028234663852886e38,
  1e21,
  1e-7,
  5e-324,
];

/** Values of every kind an array of the type can hold: extremes, specials, short decimals, random bits. */
function sample(make: (n: number) => TypedArray, n: number): TypedArray {
  const values = make(n);
  const bytes = new Uint8Array(values.buffer);
  for (let i = 0; i < bytes.length; i++) bytes[i] = random() * 256;
  for (let i = 0; i < n; i += 3) {
    if (values instanceof BigInt64Array) values[i] = BigInt(Math.round((random() - 0.5) * 2 ** 55));
    else if (values instanceof BigUint64Array) values[i] = BigInt(Math.round(random() * 2 ** 54));
    else if (values instanceof Float32Array || values instanceof Float64Array) {
      values[i] = random() < 0.5
        ? SPECIALS[Math.floor(random() * SPECIALS.length)]
        : Math.round((random() - 0.5) * 10 ** Math.floor(random() * 12)) / 10 ** Math.floor(random() * 8);
    } else values[i] = Math.round(random() * 300) - 150;
  }
  return values;
}

const ARRAY_TYPES: [string, (n: number) => TypedArray][] = [
  ["int8", (n) => new Int8Array(n)],
  ["uint8", (n) => new Uint8Array(n)],
  ["int16", (n) => new Int16Array(n)],
  ["uint16", (n) => new Uint16Array(n)],
  ["int32", (n) => new Int32Array(n)],
  ["uint32", (n) => new Uint32Array(n)],
  ["int64", (n) => new BigInt64Array(n)],
  ["uint64", (n) => new BigUint64Array(n)],
  ["float32", (n) => new Float32Array(n)],
  ["float64", (n) => new Float64Array(n)],
];

test("each array type's writer prints what the definition prints, JSON and CSV, with nulls", () => {
  for (const [name, make] of ARRAY_TYPES) {
    const values = sample(make, 10_000);
    const nulls = Uint8Array.from({ length: values.length }, () => random() < 0.1 ? 1 : 0);
    for (const style of [JSON_NUMBER_STYLE, CSV_NUMBER_STYLE]) {
      for (const mask of [null, nulls]) {
        const out = new TextBytes(16);
        const write = numberWriter(out, values, mask, style);
        for (let i = 0; i < values.length; i++) {
          write(i);
          out.byte(10);
        }
        const texts = decoder.decode(out.take()).split("\n").slice(0, -1);
        assert.equal(texts.length, values.length);
        texts.forEach((text, i) => {
          const expected = mask?.[i] ? style.nullText : definedText(values[i], name === "float32", style);
          assert.equal(text, expected, `${name} [${i}] ${values[i]}, quote ${style.quote}`);
        });
      }
    }
  }
});

test("TextBytes writes any string as UTF-8 and grows past its first size", () => {
  const out = new TextBytes(4);
  out.text("a,b");
  out.text("é ü 💫 \ud800");
  out.bytes(new TextEncoder().encode("→"));
  out.integer(-9007199254740991);
  out.byte(10);
  assert.equal(decoder.decode(out.take()), "a,bé ü 💫 \ufffd→-9007199254740991\n");
  assert.equal(out.length, 0);
});

test("table output is pinned byte for byte for every scalar column type of table_all.fits", async () => {
  const columns = "BYTE,SHORT,INT,LONG,U16,U32,U64,I8,SCALED,WITHNULL,FLOAT,DOUBLE,FLAG,NAME";
  const rows = [
    `0,-32768,-2147483648,"-9223372036854775808",0,0,0,-128,5,1,"NaN","NaN",true,"alpha"`,
    `1,-1,-1,"-9007199254740993",1,1,"9007199254740993",-1,5.01,null,"Infinity","-Infinity",false,"be ta"`,
    `127,0,0,"9007199254740993",32767,2147483647,"9223372036854775807",0,4.99,3,"-Infinity","Infinity",null,""`,
    `128,1,7,0,32768,2147483648,"9223372036854775808",1,-300,null,-0.0,-0.0,true,"  lead"`,
    `255,32767,2147483647,"9223372036854775807",65535,4294967295,"18446744073709551615",127,322.67,5,0.1,0.3333333333333333,false,"12345678"`,
  ].map((row) => row.split(","));
  const names = columns.split(",");
  const objects = rows.map((cells) => "{" + cells.map((cell, c) => `"${names[c]}":${cell}`).join(",") + "}");
  const csvCell = (cell: string) => cell === "null" ? "" : cell === '""' ? cell : cell.replaceAll('"', "");
  const expected = {
    json: "[\n" + objects.join(",\n") + "\n]\n",
    ndjson: objects.map((line) => line + "\n").join(""),
    csv: columns + "\n" + rows.map((cells) => cells.map(csvCell).join(",") + "\n").join(""),
  };
  for (const [format, text] of Object.entries(expected)) {
    const run = await runCli(["table", TABLE_ALL, "--columns", columns, "--format", format]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, text, format);
  }
});

test("cutout output is pinned byte for byte for each dtype, as JSON, CSV and NDJSON", () => {
  // numpy order: rows 5–6 of the source (axis2), columns 11, 13, 15 (axis1).
  const spec: [number, number, number][] = [[4, 6, 1], [10, 16, 2]];
  const cases: [string, TypedArray, string][] = [
    [
      "float32",
      new Float32Array([0.1, -0, NaN, 3.4028234663852886e38, -Infinity, 1e-45]),
      `0.1,-0.0,NaN,3.4028235e+38,-Infinity,1e-45`,
    ],
    [
      "float64",
      new Float64Array([0.1, -0, Infinity, 1e21, 1000.02, 5e-324]),
      `0.1,-0.0,Infinity,1e+21,1000.02,5e-324`,
    ],
    ["int8", new Int8Array([-128, 0, 127, 1, -1, 7]), `-128,0,127,1,-1,7`],
    ["uint8", new Uint8Array([0, 255, 1, 2, 3, 4]), `0,255,1,2,3,4`],
    ["int16", new Int16Array([-32768, 0, 32767, 1, -1, 7]), `-32768,0,32767,1,-1,7`],
    ["uint16", new Uint16Array([0, 65535, 32768, 1, 2, 3]), `0,65535,32768,1,2,3`],
    ["int32", new Int32Array([-2147483648, 0, 2147483647, 1, -1, 7]), `-2147483648,0,2147483647,1,-1,7`],
    ["uint32", new Uint32Array([0, 4294967295, 2147483648, 1, 2, 3]), `0,4294967295,2147483648,1,2,3`],
    [
      "int64",
      new BigInt64Array([-(2n ** 63n), 2n ** 53n - 1n, 2n ** 53n, -1n, 0n, 42n]),
      `-9223372036854775808,9007199254740991,9007199254740992,-1,0,42`,
    ],
  ];
  const pixels = [[11, 5], [13, 5], [15, 5], [11, 6], [13, 6], [15, 6]];
  for (const [dtype, data, csvValues] of cases) {
    const values = csvValues.split(",");
    // JSON quotes NaN, the infinities and integers beyond 2^53.
    const jsonValues = values.map((text) =>
      /^-?(NaN|Infinity)$/.test(text) || (/^-?\d+$/.test(text) && !Number.isSafeInteger(Number(text)))
        ? `"${text}"`
        : text
    );
    const image = { shape: [2, 3], dtype, data };
    const text = (chunks: Iterable<Uint8Array>) => [...chunks].map((chunk) => decoder.decode(chunk)).join("");
    assert.equal(
      text(cutoutJson(image)),
      `{"shape":[3,2],"numpyShape":[2,3],"dtype":"${dtype}","data":[${jsonValues.join(",")}]}\n`,
      dtype,
    );
    assert.equal(
      text(cutoutRows(image, spec, "csv")),
      "axis1,axis2,value\n" + pixels.map(([x, y], i) => `${x},${y},${values[i]}\n`).join(""),
      dtype,
    );
    assert.equal(
      text(cutoutRows(image, spec, "ndjson")),
      pixels.map(([x, y], i) => `{"axis1":${x},"axis2":${y},"value":${jsonValues[i]}}\n`).join(""),
      dtype,
    );
  }
});

test("a sky cutout's JSON (jsonWithData) spells its values as a pixel cutout's: float32 shortest, NaN as a string", () => {
  const decoder = new TextDecoder();
  const text = (chunks: Iterable<Uint8Array>) => [...chunks].map((chunk) => decoder.decode(chunk)).join("");
  const data = new Float32Array([0.1, Number.NaN, -0, 16777216, 3.4028234663852886e38]);
  const sky = text(jsonWithData({ ra: 1.5, box: { lo: [1, 2] }, dtype: "float32" }, data));
  const pixels = text(cutoutJson({ shape: [5], dtype: "float32", data }));
  assert.match(sky, /^\{"ra":1\.5,"box":\{"lo":\[1,2\]\},"dtype":"float32","data":\[0\.1,"NaN",/);
  assert.equal(sky.slice(sky.indexOf('"data"')), pixels.slice(pixels.indexOf('"data"')));
});
