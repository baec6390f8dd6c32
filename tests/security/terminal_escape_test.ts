/**
 * Issue #15 item 12: header values and file names are printed with their control characters escaped
 * (`\xNN`), so that a hostile file cannot drive the terminal (clear it, retitle it, fake a prompt) or
 * split a line of `ls`/`header` output.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { escapeControl } from "../../cli/format.ts";
import { runCli } from "../_support/cli_io.ts";

const directory = mkdtempSync(join(tmpdir(), "cloudfits-escape-"));
after(() => rmSync(directory, { recursive: true, force: true }));

/** A primary header whose OBJECT value carries an escape sequence (bytes a FITS writer should never write). */
function hostileFile(name: string): string {
  const cards = [
    "SIMPLE  =                    T",
    "BITPIX  =                    8",
    "NAXIS   =                    0",
    "OBJECT  = 'M31\x1b[2J\x1b]0;owned\x07'",
    "END",
  ].map((card) => card.padEnd(80)).join("");
  const bytes = new Uint8Array(2880).fill(0x20);
  for (let i = 0; i < cards.length; i++) bytes[i] = cards.charCodeAt(i);
  const path = join(directory, name);
  writeFileSync(path, bytes);
  return path;
}

// deno-lint-ignore no-control-regex -- the characters a terminal would act on
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/;
const plain = hostileFile("plain.fits");
const named = hostileFile("evil\x1b[31mname\r.fits");

test("escapeControl shows every control character as \\xNN and leaves the rest", () => {
  assert.equal(escapeControl("a\x1b[2Jb\tc\nd\x7f\x9b é"), "a\\x1b[2Jb\\x09c\\x0ad\\x7f\\x9b é");
});

test("header prints an escape sequence in a value as text, in every text form", async () => {
  for (
    const args of [["header", plain], ["header", plain, "-k", "OBJECT"], [
      "header",
      plain,
      "-k",
      "OBJECT",
      "--format",
      "text",
    ]]
  ) {
    const result = await runCli(args);
    assert.equal(result.code, 0, result.stderr);
    assert.ok(!CONTROL.test(result.stdout), `${args.join(" ")}: ${JSON.stringify(result.stdout)}`);
    assert.match(result.stdout, /M31\\x1b\[2J\\x1b\]0;owned\\x07/);
  }
});

test("file names with control characters are escaped in ls, header and error messages", async () => {
  for (const args of [["ls", named], ["header", named, plain], ["ls", named, "--format", "text"]]) {
    const result = await runCli(args);
    assert.equal(result.code, 0, result.stderr);
    assert.ok(!CONTROL.test(result.stdout), `${args[0]}: ${JSON.stringify(result.stdout)}`);
    assert.match(result.stdout, /evil\\x1b\[31mname\\x0d\.fits/);
  }
  const missing = await runCli(["header", join(directory, "gone\x1b[2J.fits")]);
  assert.equal(missing.code, 3);
  assert.ok(!CONTROL.test(missing.stderr), JSON.stringify(missing.stderr));
  assert.match(missing.stderr, /gone\\x1b\[2J\.fits/);
});
