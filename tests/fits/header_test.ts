import { test } from "node:test";
import assert from "node:assert/strict";
import { throwsWith } from "../_support/expect_error.ts";
import { readdirSync, readFileSync } from "node:fs";
import { findEnd, type HeaderValue, parseHeader } from "../../src/fits/header.ts";

/** Bytes of one character per byte (Latin-1), so tests can place any byte in a card. */
function latin1(text: string): Uint8Array {
  return Uint8Array.from(text, (char) => char.charCodeAt(0));
}

/** Cards padded to 80 columns, without END. */
function cards(...lines: string[]): string {
  return lines.map((line) => line.padEnd(80)).join("");
}

/** A complete header: the cards, END, and padding to whole 2880-byte blocks. */
function header(...lines: string[]): Uint8Array {
  const text = cards(...lines, "END");
  return latin1(text.padEnd(Math.ceil(text.length / 2880) * 2880));
}

test("findEnd finds END only as a whole card on an 80-byte boundary", () => {
  const tricky = cards(
    "SIMPLE  =                    T",
    "EXTEND  =                    T",
    "BACKEND = 'x'",
    "ENDTIME = 5",
    "COMMENT END of nothing", // END inside a card
    "HISTORY                                 END", // END plus spaces, not on a boundary
  );
  assert.equal(findEnd(latin1(tricky)), -1);
  assert.equal(findEnd(latin1(tricky + cards("END"))), 2880);
  // 36 cards fill the first block; END as card 37 makes a two-block header.
  const full = cards(...Array.from({ length: 36 }, (_, i) => `KEY${i} = ${i}`));
  assert.equal(findEnd(latin1(full + cards("END"))), 5760);
  assert.equal(findEnd(latin1(full)), -1);
  assert.equal(findEnd(new Uint8Array(2880)), -1);
  assert.equal(findEnd(new Uint8Array(0)), -1);
  // END followed by bytes that cannot continue a keyword is still END, as for astropy.
  assert.equal(findEnd(latin1(cards("A       = 1", "END     junk"))), 2880);
  assert.equal(findEnd(latin1(cards("A       = 1", "END=5"))), 2880);
  // "END" as the last three bytes could still be a keyword such as ENDTIME: read more first.
  assert.equal(findEnd(latin1(cards("A       = 1") + "END")), -1);
  assert.equal(findEnd(latin1(cards("A       = 1") + "END ")), 2880);
});

test("parseHeader parses the cards before END and keeps the header's bytes", () => {
  const bytes = header(
    "SIMPLE  =                    T / conforms to FITS standard",
    "BITPIX  =                  -32",
    "NAXIS   =                    0",
    "EXTEND  =                    T",
    "ENDTIME = '2020-01-01T00:00:00'",
    "COMMENT   a comment",
  );
  const withData = new Uint8Array(bytes.length + 2880).fill(0x45);
  withData.set(bytes);
  const parsed = parseHeader(withData);
  assert.deepEqual(
    parsed.cards.map((card) => [card.keyword, card.value, card.comment]),
    [
      ["SIMPLE", true, "conforms to FITS standard"],
      ["BITPIX", -32, ""],
      ["NAXIS", 0, ""],
      ["EXTEND", true, ""],
      ["ENDTIME", "2020-01-01T00:00:00", ""],
      ["COMMENT", "  a comment", ""],
    ],
  );
  assert.equal(parsed.cards[1].raw, "BITPIX  =                  -32".padEnd(80));
  assert.deepEqual(parsed.bytes, bytes);
  assert.notEqual(parsed.bytes.buffer, withData.buffer); // a copy, not a view of the caller's buffer
  assert.deepEqual(parsed.warnings, []);
  assert.equal(parsed.offset, 0);
});

test("parseHeader ignores cards after END and takes bytes up to the END block", () => {
  const text = cards("A       = 1", "END", "B       = 2").padEnd(2880) + cards("C       = 3").padEnd(2880);
  const parsed = parseHeader(latin1(text));
  assert.deepEqual(parsed.cards.map((card) => card.keyword), ["A"]);
  assert.equal(parsed.bytes.length, 2880);
  // Bytes that stop right after the END card are accepted; the header's bytes are what was given.
  assert.equal(parseHeader(latin1(cards("A       = 1", "END"))).bytes.length, 160);
});

test("Header lookup is case-insensitive, returns the first card and accepts HIERARCH prefixes", () => {
  const parsed = parseHeader(header(
    "EXTNAME = 'SCI'",
    "EXTNAME = 'ERR'",
    "HISTORY one",
    "HISTORY two",
    "HIERARCH ESO DET CHIP1 ID = 'ccd42' / chip",
    "HIERARCH ESO TEL AIRM START= 1.23",
  ));
  assert.equal(parsed.get("extname"), "SCI");
  assert.equal(parsed.get("ExtName"), "SCI");
  assert.equal(parsed.has("EXTNAME"), true);
  assert.equal(parsed.has("EXTVER"), false);
  assert.equal(parsed.get("EXTVER"), undefined);
  assert.deepEqual(parsed.getAll("history").map((card) => card.value), ["one", "two"]);
  assert.deepEqual(parsed.getAll("NOTHING"), []);
  assert.equal(parsed.getString("ESO DET CHIP1 ID"), "ccd42");
  assert.equal(parsed.getString("HIERARCH ESO DET CHIP1 ID"), "ccd42");
  assert.equal(parsed.getString("eso det chip1 id"), "ccd42");
  assert.equal(parsed.getCard("ESO DET CHIP1 ID")?.comment, "chip");
  assert.equal(parsed.getNumber("ESO TEL AIRM START"), 1.23);
});

test("Header typed getters convert or throw BAD_HEADER naming the keyword, value and offset", () => {
  const parsed = parseHeader(
    header(
      "BITPIX  =                   16",
      "BSCALE  =               2.5D-1",
      "BIGNULL =  9223372036854775807",
      "NAME    = 'M31'",
      "FLAG    =                    T",
      "UNDEF   =",
      "CPLX    = (1, 2)",
    ),
    { offset: 2880, name: "file.fits" },
  );
  assert.equal(parsed.getInteger("BITPIX"), 16);
  assert.equal(parsed.getNumber("BITPIX"), 16);
  assert.equal(parsed.getBigInt("BITPIX"), 16n);
  assert.equal(parsed.getNumber("BSCALE"), 0.25);
  assert.equal(parsed.getBigInt("BIGNULL"), 9223372036854775807n);
  assert.equal(parsed.get("BIGNULL"), 9223372036854775807n);
  assert.equal(parsed.getString("NAME"), "M31");
  assert.equal(parsed.getBoolean("FLAG"), true);
  assert.equal(parsed.get("UNDEF"), null);
  for (const get of ["getString", "getNumber", "getInteger", "getBigInt", "getBoolean"] as const) {
    assert.equal(parsed[get]("UNDEF"), undefined, get);
    assert.equal(parsed[get]("MISSING"), undefined, get);
  }
  assert.deepEqual(parsed.get("CPLX"), [1, 2]);

  const cases: [() => unknown, string][] = [
    [() => parsed.getInteger("BSCALE"), "Cannot read BSCALE = 0.25 at offset 2960 as an integer within 2^53"],
    [
      () => parsed.getInteger("BIGNULL"),
      "Cannot read BIGNULL = 9223372036854775807 at offset 3040 as an integer within 2^53",
    ],
    [
      () => parsed.getNumber("BIGNULL"),
      "Cannot read BIGNULL = 9223372036854775807 at offset 3040 as a number within 2^53",
    ],
    [() => parsed.getNumber("NAME"), "Cannot read NAME = 'M31' at offset 3120 as a number"],
    [() => parsed.getBigInt("BSCALE"), "Cannot read BSCALE = 0.25 at offset 2960 as an integer"],
    [() => parsed.getString("bitpix"), "Cannot read BITPIX = 16 at offset 2880 as a string"],
    [() => parsed.getBoolean("NAME"), "Cannot read NAME = 'M31' at offset 3120 as a logical"],
    [() => parsed.getNumber("CPLX"), "Cannot read CPLX = (1, 2) at offset 3360 as a number"],
  ];
  for (const [fn, message] of cases) {
    const error = throwsWith(fn, "BAD_HEADER", undefined, { label: message });
    assert.equal(error.message, message);
    assert.equal(error.url, "file.fits");
    assert.equal(error.offset, Number(/offset (\d+)/.exec(message)![1]));
  }
});

test("parseHeader merges CONTINUE cards into one card with all images and comments", () => {
  const parsed = parseHeader(header(
    "LONG    = 'abc&'  / first comment",
    "CONTINUE  'it''s&'",
    "CONTINUE  '' / empty end",
    "NEXT    = 1",
  ));
  assert.deepEqual(parsed.cards.map((card) => [card.keyword, card.value, card.comment]), [
    ["LONG", "abcit's", "first comment empty end"],
    ["NEXT", 1, ""],
  ]);
  assert.equal(
    parsed.cards[0].raw,
    cards("LONG    = 'abc&'  / first comment", "CONTINUE  'it''s&'", "CONTINUE  '' / empty end"),
  );
  assert.deepEqual(parsed.warnings, []);
  // The next card's offset accounts for the merged images.
  assert.throws(() => parsed.getString("NEXT"), /at offset 240 /);
});

test("parseHeader keeps text after an escaped quote and a space in a CONTINUE piece (astropy >= 5.3)", () => {
  // astropy 5.2.1 truncated this value after "quotes'"; astropy PR #14598 anchored the piece's pattern.
  const parsed = parseHeader(header(
    "LONGSTR = 'This value is long &'",
    "CONTINUE  'with CONTINUE cards; it keeps ''quotes'' and ends here&'",
    "CONTINUE  '' / the comment",
  ));
  assert.equal(
    parsed.get("LONGSTR"),
    "This value is long with CONTINUE cards; it keeps 'quotes' and ends here",
  );
  assert.equal(parsed.getCard("LONGSTR")?.comment, "the comment");
  assert.deepEqual(parsed.warnings, []);
});

test("parseHeader keeps a CONTINUE card that follows no string on its own, with a warning", () => {
  const parsed = parseHeader(header("NUM     = 5", "CONTINUE  'def'", "COMMENT abc", "CONTINUE  'ghi'"));
  assert.deepEqual(parsed.cards.map((card) => [card.keyword, card.value]), [
    ["NUM", 5],
    ["CONTINUE", "def"],
    ["COMMENT", "abc"],
    ["CONTINUE", "ghi"],
  ]);
  assert.deepEqual(parsed.warnings, [
    "Card 2 (offset 80) is a CONTINUE card that does not follow a string value; kept as its own card",
    "Card 4 (offset 240) is a CONTINUE card that does not follow a string value; kept as its own card",
  ]);
});

test("parseHeader tolerates lowercase keywords and unparsable cards with warnings naming card and offset", () => {
  const parsed = parseHeader(header("SIMPLE  = T", "naxis   = 0", "bad card here", "X1      = abc / cm"), {
    offset: 2880,
  });
  assert.deepEqual(parsed.cards.map((card) => [card.keyword, card.value, card.comment]), [
    ["SIMPLE", true, ""],
    ["NAXIS", 0, ""],
    ["bad card", " here", ""],
    ["X1", "abc", "cm"],
  ]);
  assert.equal(parsed.getInteger("NAXIS"), 0);
  assert.deepEqual(parsed.warnings, [
    "Card 2 (offset 2960) has a lowercase keyword 'naxis'",
    "Card 3 (offset 3040) has no value indicator '= ' in columns 9-10 and follows no known convention; kept as text",
    "Card 4 (offset 3120) has an unparsable value 'abc'; kept as text",
  ]);
});

test("parseHeader decodes bytes outside ASCII as Latin-1, keeps them raw and warns", () => {
  const bytes = header("SIMPLE  = T", "S1      = 'caf\xe9' / na\xefve", "COMMENT \x80\x9f x");
  const parsed = parseHeader(bytes);
  assert.equal(parsed.getString("S1"), "caf\xe9");
  assert.equal(parsed.getCard("S1")?.comment, "na\xefve");
  // 0x80 stays U+0080 (Latin-1), not the euro sign TextDecoder("latin1") would give.
  assert.equal(parsed.get("COMMENT"), "\x80\x9f x");
  assert.equal(parsed.bytes[80 + 14], 0xe9);
  assert.deepEqual(parsed.warnings, [
    "Card 2 (offset 80) contains bytes outside printable ASCII; decoded as Latin-1",
    "Card 3 (offset 160) contains bytes outside printable ASCII; decoded as Latin-1",
  ]);
  const tab = parseHeader(header("V       = 5\t/ x"));
  assert.deepEqual(tab.warnings, [
    "Card 1 (offset 0) contains bytes outside printable ASCII; decoded as Latin-1",
    "Card 1 (offset 0) has an unparsable value '5'; kept as text",
  ]);
});

test("parseHeader accepts an END card with trailing bytes, with a warning", () => {
  const parsed = parseHeader(header("A       = 1", "END     = 5"), { offset: 5760 });
  assert.deepEqual(parsed.cards.map((card) => card.keyword), ["A"]);
  assert.deepEqual(parsed.warnings, ['END card at offset 5840 has trailing bytes "= 5"; ignored']);
});

test("parseHeader without an END card throws TRUNCATED naming the header's offset", () => {
  const bytes = latin1(cards("SIMPLE  = T", "EXTEND  = T", "ENDTIME = 5").padEnd(2880));
  const error = throwsWith(() => parseHeader(bytes, { offset: 8640, name: "cube.fits" }), "TRUNCATED");
  assert.equal(error.message, "Cannot parse header at offset 8640: no END card in 2880 bytes");
  assert.equal(error.offset, 8640);
  assert.equal(error.url, "cube.fits");
  assert.throws(() => parseHeader("END" as unknown as Uint8Array), TypeError);
  assert.throws(() => parseHeader(header("A = 1"), { offset: -1 }), RangeError);
});

test("parseHeader handles a 16-block header of 576 cards", () => {
  const lines = Array.from(
    { length: 575 },
    (_, i) => `K${String(i).padStart(7, "0")}= ${i * 1.5} / card ${i}`,
  );
  const parsed = parseHeader(header(...lines));
  assert.equal(parsed.bytes.length, 16 * 2880);
  assert.equal(parsed.cards.length, 575);
  assert.equal(parsed.getNumber("K0000574"), 861);
  assert.equal(parsed.getCard("K0000100")?.comment, "card 100");
});

/** A card value in the JSON conventions of the fixtures: bigints as strings, non-finite numbers by name. */
function jsonValue(value: HeaderValue): unknown {
  if (typeof value === "bigint") return String(value);
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  return value;
}

test("parseHeader agrees with astropy on every header of every fixture", () => {
  const dir = new URL("../../testdata/", import.meta.url);
  const expectedFiles = readdirSync(dir).filter((name) => name.endsWith(".expected.json"));
  assert.ok(expectedFiles.length > 0, "no fixtures in testdata/");
  let compared = 0;
  for (const name of expectedFiles) {
    const expected = JSON.parse(readFileSync(new URL(name, dir), "utf8"));
    const file = new Uint8Array(readFileSync(new URL(expected.file, dir)));
    for (const hdu of expected.hdus) {
      const where = `${expected.file} HDU ${hdu.index}`;
      const parsed = parseHeader(file.subarray(hdu.hdrLoc), { offset: hdu.hdrLoc, name: expected.file });
      assert.equal(findEnd(file.subarray(hdu.hdrLoc)), hdu.datLoc - hdu.hdrLoc, where);
      assert.equal(parsed.bytes.length, hdu.datLoc - hdu.hdrLoc, where);
      assert.deepEqual(
        parsed.cards.map((card) => ({
          keyword: card.keyword,
          value: jsonValue(card.value),
          comment: card.comment,
        })),
        hdu.cards,
        where,
      );
      compared++;
    }
  }
  assert.ok(compared > 0);
});
