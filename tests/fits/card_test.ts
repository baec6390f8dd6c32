import { test } from "node:test";
import assert from "node:assert/strict";
import { mergeContinuedCards, parseCard } from "../../src/fits/card.ts";

/** Parse a card and return [keyword, value, comment], as astropy's `Card.fromstring` would give them. */
function kvc(image: string): [string, unknown, string] {
  const card = parseCard(image);
  return [card.keyword, card.value, card.comment];
}

test("parseCard reads strings with '' escapes, significant leading and insignificant trailing spaces", () => {
  assert.deepEqual(kvc("STR     = 'it''s   '            / comment here   "), ["STR", "it's", "comment here"]);
  assert.deepEqual(kvc("E1      = '        '"), ["E1", "", ""]);
  assert.deepEqual(kvc("E2      = ''"), ["E2", "", ""]);
  assert.deepEqual(kvc("E3      = '  lead'"), ["E3", "  lead", ""]);
  assert.deepEqual(kvc("Q       = 'x'' / odd"), ["Q", "x'", "odd"]); // astropy's reading of an odd quote
  assert.deepEqual(kvc("S       = 'a'/no space"), ["S", "a", "no space"]);
  assert.deepEqual(kvc("S       = 'a' / it's a ' quote"), ["S", "a", "it's a ' quote"]);
  assert.deepEqual(kvc("S       = 'a / b' / c"), ["S", "a / b", "c"]);
  assert.deepEqual(kvc("S       = 'a&'"), ["S", "a&", ""]); // no CONTINUE follows: the & stays
});

test("parseCard reads logicals, integers, floats with D exponents and complex values", () => {
  assert.deepEqual(kvc("SIMPLE  =                    T / conforms"), ["SIMPLE", true, "conforms"]);
  assert.deepEqual(kvc("FREE    = F"), ["FREE", false, ""]);
  assert.deepEqual(kvc("D1      = 1.0D+03 / d exp"), ["D1", 1000, "d exp"]);
  assert.deepEqual(kvc("D2      = 1.5d3"), ["D2", 1500, ""]);
  assert.deepEqual(kvc("D3      = 1.5 E 3"), ["D3", 1500, ""]);
  assert.deepEqual(kvc("D4      = +.5"), ["D4", 0.5, ""]);
  assert.deepEqual(kvc("D5      = 1."), ["D5", 1, ""]);
  assert.deepEqual(kvc("D6      = -1.25E-2"), ["D6", -0.0125, ""]);
  assert.deepEqual(kvc("I1      = 00012"), ["I1", 12, ""]);
  assert.deepEqual(kvc("I2      = - 5"), ["I2", -5, ""]);
  assert.deepEqual(kvc("I3      = 5/c"), ["I3", 5, "c"]);
  assert.deepEqual(kvc("C1      = (1.5, -2) / cplx"), ["C1", [1.5, -2], "cplx"]);
  assert.deepEqual(kvc("C2      = ( 1D2 ,3 )"), ["C2", [100, 3], ""]);
});

test("parseCard keeps integers exact: bigint beyond 2^53 and beyond 2^63", () => {
  assert.equal(parseCard("I       = 9007199254740991").value, Number.MAX_SAFE_INTEGER);
  assert.equal(parseCard("I       = -9007199254740991").value, -Number.MAX_SAFE_INTEGER);
  assert.equal(parseCard("I       = 9007199254740993").value, 9007199254740993n);
  assert.equal(parseCard("I       = -9223372036854775808").value, -9223372036854775808n);
  assert.equal(parseCard("I       = 18446744073709551615").value, 18446744073709551615n);
  assert.equal(parseCard("I       = 123456789012345678901234567890").value, 123456789012345678901234567890n);
  assert.equal(parseCard("I       = 000000000000000000000042").value, 42);
});

test("parseCard gives -0 for a negative zero float but 0 for a negative zero integer", () => {
  assert.ok(Object.is(parseCard("Z       = -0.0").value, -0));
  assert.ok(Object.is(parseCard("Z       = -0").value, 0));
  assert.ok(Object.is(parseCard("Z       = -0E5").value, -0));
});

test("parseCard gives null for a keyword without a value, keeping the comment", () => {
  assert.deepEqual(kvc("UNDEF   =  / undefined"), ["UNDEF", null, "undefined"]);
  assert.deepEqual(kvc("UNDEF   ="), ["UNDEF", null, ""]);
});

test("parseCard gives commentary cards the text of columns 9-80", () => {
  assert.deepEqual(kvc("COMMENT   hello there   "), ["COMMENT", "  hello there", ""]);
  assert.deepEqual(kvc("HISTORY this is history / not a comment"), [
    "HISTORY",
    "this is history / not a comment",
    "",
  ]);
  assert.deepEqual(kvc("        blank keyword text"), ["", "blank keyword text", ""]);
  assert.deepEqual(kvc(""), ["", "", ""]);
  assert.deepEqual(kvc("COMMENT = 'x'"), ["COMMENT", "= 'x'", ""]);
  assert.equal(parseCard("COMMENT x").kind, "commentary");
});

test("parseCard drops the HIERARCH prefix, keeps the keyword's case and accepts a moved '='", () => {
  const eso = parseCard("HIERARCH ESO DET CHIP1 ID = 'x' / c");
  assert.deepEqual([eso.keyword, eso.value, eso.comment, eso.issues], ["ESO DET CHIP1 ID", "x", "c", []]);
  assert.deepEqual(kvc("HIERARCH ESO TEL AIRM START= 1.23 / airmass"), [
    "ESO TEL AIRM START",
    1.23,
    "airmass",
  ]);
  assert.deepEqual(kvc("HIERARCH eso lower = 5"), ["eso lower", 5, ""]);
  assert.deepEqual(parseCard("HIERARCH eso lower = 5").issues, []);
});

test("parseCard keeps record-valued keyword cards as plain strings", () => {
  assert.deepEqual(kvc("DP1     = 'AXIS.1: 1' / distortion"), ["DP1", "AXIS.1: 1", "distortion"]);
});

test("parseCard upper-cases lowercase keywords and reports them", () => {
  const card = parseCard("naxis   = 5 / lc");
  assert.deepEqual([card.keyword, card.value, card.comment], ["NAXIS", 5, "lc"]);
  assert.deepEqual(card.issues, ["has a lowercase keyword 'naxis'"]);
  assert.deepEqual(parseCard("history text").issues, ["has a lowercase keyword 'history'"]);
});

test("parseCard accepts a value indicator before column 9 and reports it", () => {
  const card = parseCard("KEY=    5");
  assert.deepEqual([card.keyword, card.value, card.kind], ["KEY", 5, "value"]);
  assert.deepEqual(card.issues, ["has its value indicator in column 4, not 9"]);
  assert.deepEqual(parseCard("BAD.KEY = 1").issues, ["has an illegal keyword 'BAD.KEY'"]);
});

test("parseCard keeps invalid cards and unparsable values as text, with an issue", () => {
  const invalid = parseCard("bad card here");
  assert.deepEqual([invalid.keyword, invalid.value, invalid.comment, invalid.kind], [
    "bad card",
    " here",
    "",
    "invalid",
  ]);
  assert.equal(invalid.issues.length, 1);
  assert.match(invalid.issues[0], /no value indicator/);
  assert.deepEqual(kvc("NOEQ    'x'"), ["NOEQ", "'x'", ""]);

  const unparsable = parseCard("X1      = abc / cm");
  assert.deepEqual([unparsable.value, unparsable.comment, unparsable.kind], ["abc", "cm", "unparsable"]);
  assert.deepEqual(unparsable.issues, ["has an unparsable value 'abc'; kept as text"]);
  for (const text of ["'unterminated", "1.2.3", "T F", "1 2", "(1,2", "1.0E", "t", "NaN", "'a\tb'"]) {
    const card = parseCard(`X       = ${text}`);
    assert.equal(card.kind, "unparsable", text);
    assert.equal(card.value, text);
  }
});

test("parseCard keeps Latin-1 characters in strings and comments", () => {
  assert.deepEqual(kvc("S1      = 'caf\xe9' / na\xefve"), ["S1", "caf\xe9", "na\xefve"]);
});

test("parseCard pads short images and ignores characters past column 80", () => {
  assert.equal(parseCard("A       = 1").raw, "A       = 1".padEnd(80));
  assert.equal(parseCard("A       = 1".padEnd(80) + "B       = 2").raw.length, 80);
  assert.throws(() => parseCard(42 as unknown as string), TypeError);
});

test("mergeContinuedCards joins pieces and comments as astropy does", () => {
  const first = parseCard("LONG4   = 'abc&  ' / c1");
  const merged = mergeContinuedCards(first, [
    parseCard("CONTINUE  'd''ef   &' / c2"),
    parseCard("CONTINUE  '&' / c3"),
  ]);
  assert.equal(merged.keyword, "LONG4");
  assert.equal(merged.value, "abcd'ef");
  assert.equal(merged.comment, "c1 c2 c3");
  assert.equal(merged.raw.length, 240);
  assert.ok(merged.raw.startsWith("LONG4   = 'abc&  ' / c1"));
  assert.equal(merged.raw.slice(80, 88), "CONTINUE");
  assert.deepEqual(merged.issues, []);
});

test("mergeContinuedCards reports pieces without a string and strings without '&'", () => {
  const merged = mergeContinuedCards(parseCard("L       = 'abc&' /"), [
    parseCard("CONTINUE  / only comment"),
    parseCard("CONTINUE  'x'"),
  ]);
  assert.equal(merged.value, "abcx");
  assert.equal(merged.comment, "only comment");
  assert.deepEqual(merged.issues, [
    "has CONTINUE card +1 without a string value",
    "has CONTINUE card +2 after a piece that does not end with '&'",
  ]);
});
