export { humanBytes } from "../src/_bytes.ts";

/**
 * Make text safe to print on a terminal: every control character (C0 including tab and newline, DEL,
 * C1) is shown as `\xNN`, so that a header value or a file name cannot move the cursor, retitle the
 * window or split a line. Every text printer of the CLI passes what it did not write itself through it.
 *
 * @param text Text from a file, a listing or an error message.
 * @returns The text with its control characters escaped.
 */
export function escapeControl(text: string): string {
  return text.replace(
    // deno-lint-ignore no-control-regex -- matching control characters is the point
    /[\x00-\x1f\x7f-\x9f]/g,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`,
  );
}

/**
 * Render rows as a table: aligned columns for people on a terminal, TSV with a header row for pipes.
 *
 * @param headings Column names.
 * @param rows Cell texts.
 * @param aligned True for a terminal.
 * @returns The text, ending in a newline.
 */
export function renderTable(
  headings: readonly string[],
  rows: readonly string[][],
  aligned: boolean,
): string {
  rows = rows.map((row) => row.map(escapeControl));
  headings = headings.map(escapeControl);
  if (!aligned) return [headings, ...rows].map((row) => row.join("\t")).join("\n") + "\n";
  const widths = headings.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (row: readonly string[]) => row.map((cell, i) => cell.padEnd(widths[i])).join("  ").trimEnd();
  return [line(headings), ...rows.map(line)].join("\n") + "\n";
}

/**
 * Stringify JSON compactly with two additions to `JSON.stringify`: bigints become decimal strings, and
 * negative zero stays `-0.0` (astropy's JSON keeps it, and it parses back to -0).
 *
 * @param value The value.
 * @returns JSON text with a trailing newline.
 */
export function toJson(value: unknown): string {
  return stringify(value) + "\n";
}

function stringify(value: unknown): string {
  if (typeof value === "number") return Object.is(value, -0) ? "-0.0" : JSON.stringify(value);
  if (typeof value === "bigint") return `"${value}"`;
  if (Array.isArray(value)) {
    return `[${value.map((v) => (v === undefined ? "null" : stringify(v))).join(",")}]`;
  }
  if (value !== null && typeof value === "object") {
    const parts: string[] = [];
    for (const [key, v] of Object.entries(value)) {
      if (v !== undefined) parts.push(`${JSON.stringify(key)}:${stringify(v)}`);
    }
    return `{${parts.join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}
