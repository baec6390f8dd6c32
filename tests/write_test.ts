import { test } from "node:test";
import assert from "node:assert/strict";
import { buildHeader, formatCard } from "../src/fits/write.ts";
import { parseHeader } from "../src/fits/header.ts";

test("formatCard writes fixed-format cards that the parser reads back", () => {
  const cards = [
    formatCard("SIMPLE", true, "conforms to FITS standard"),
    formatCard("BITPIX", -32),
    formatCard("NAXIS", 0),
    formatCard("OBJECT", "O'Neil's star", "quoted"),
    formatCard("CRPIX1", 1024.5),
    formatCard("BIG", 9223372036854775807n),
    formatCard("UNDEF", null, "no value"),
    formatCard("Z", [1.5, -2]),
    formatCard("HISTORY", "made by a test"),
  ];
  for (const card of cards) assert.equal(card.length, 80);
  assert.equal(cards[1].slice(0, 30), "BITPIX  =                  -32");
  assert.equal(cards[0].slice(29, 30), "T");
  const bytes = buildHeader(cards);
  assert.equal(bytes.length, 2880);
  const header = parseHeader(bytes);
  assert.equal(header.get("OBJECT"), "O'Neil's star");
  assert.equal(header.get("CRPIX1"), 1024.5);
  assert.equal(header.get("BIG"), 9223372036854775807n);
  assert.equal(header.get("UNDEF"), null);
  assert.deepEqual(header.get("Z"), [1.5, -2]);
  assert.equal(header.get("HISTORY"), "made by a test");
  assert.deepEqual(header.warnings, []);
});
