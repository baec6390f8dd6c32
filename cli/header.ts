import { cardsToJson, headerValueToJson } from "../src/json.ts";
import { uncompressedHeader } from "../src/fits/compressed_header.ts";
import type { Header } from "../src/fits/header.ts";
import type { Hdu } from "../src/fits/layout.ts";
import { CloudFitsError } from "../src/errors.ts";
import { EXIT } from "../src/exit_codes.ts";
import type { CliIo } from "./io.ts";
import { outputFormat, parseCommand } from "./options.ts";
import { escapeControl, renderTable, toJson } from "./format.ts";
import { openCliTarget } from "./open_target.ts";

/**
 * `cloudfits header TARGET[HDU]...`: header cards like astropy's `fitsheader`; `-k KEY,...` prints
 * those keywords as a table across HDUs and files. A tile-compressed image shows its image header and a
 * tile-compressed table its table header, as astropy and funpack show them; `--raw` shows the stored
 * BINTABLE header instead.
 *
 * @param args Arguments after `header`.
 * @param io The process I/O.
 * @returns The exit code.
 */
export async function runHeader(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCommand(args, {
    hdu: { type: "string" },
    keyword: { type: "string", short: "k", multiple: true },
    raw: { type: "boolean" },
  });
  const headerOf = (hdu: Hdu): Header => values.raw ? hdu.header : uncompressedHeader(hdu);
  if (positionals.length === 0) {
    throw new CloudFitsError("USAGE", "Nothing to show: give a FITS file, e.g. file.fits[1]");
  }
  const format = outputFormat(
    values,
    ["json", "text", "tsv"],
    io.isTTY ? "text" : values.keyword ? "tsv" : "text",
  );
  const keywords = ((values.keyword as string[] | undefined) ?? []).flatMap((k) => k.split(",")).map((k) =>
    k.trim().toUpperCase()
  ).filter(Boolean);

  const files: { path: string; hdus: Hdu[]; single: boolean }[] = [];
  for (const text of positionals) {
    // A target that names an HDU by number is walked only that far.
    const opened = await openCliTarget(text, values, io);
    try {
      const named = opened.target.hdu === undefined ? undefined : opened.hdu?.info;
      files.push({
        path: opened.name,
        hdus: named ? [named] : [...opened.fits.hdus],
        single: named !== undefined,
      });
    } finally {
      await opened.close();
    }
  }

  if (keywords.length > 0) {
    const rows = files.flatMap((f) =>
      f.hdus.map((hdu) => ({
        path: f.path,
        index: hdu.index,
        values: keywords.map((k) => headerOf(hdu).get(k)),
      }))
    );
    if (format === "json") {
      await io.out(toJson({
        rows: rows.map((r) => ({
          path: r.path,
          index: r.index,
          ...Object.fromEntries(
            keywords.map((k, i) => [k, r.values[i] === undefined ? null : headerValueToJson(r.values[i]!)]),
          ),
        })),
      }));
    } else {
      const cells = rows.map((r) => [
        r.path,
        String(r.index),
        ...r.values.map((v) => (v === undefined ? "" : Array.isArray(v) ? `(${v.join(", ")})` : String(v))),
      ]);
      await io.out(renderTable(["path", "hdu", ...keywords], cells, format === "text"));
    }
    return EXIT.ok;
  }

  if (format === "json") {
    const perFile = files.map((f) =>
      f.single
        ? { cards: cardsToJson(headerOf(f.hdus[0])) }
        : { hdus: f.hdus.map((h) => ({ index: h.index, cards: cardsToJson(headerOf(h)) })) }
    );
    await io.out(
      toJson(
        perFile.length === 1 ? perFile[0] : { files: files.map((f, i) => ({ path: f.path, ...perFile[i] })) },
      ),
    );
    return EXIT.ok;
  }
  const lines: string[] = [];
  for (const f of files) {
    for (const hdu of f.hdus) {
      if (!f.single || files.length > 1) lines.push(`# HDU ${hdu.index} in ${escapeControl(f.path)}:`);
      for (const card of headerOf(hdu).cards) {
        for (let i = 0; i < card.raw.length; i += 80) {
          lines.push(escapeControl(card.raw.slice(i, i + 80).trimEnd()));
        }
      }
      if (!f.single || files.length > 1) lines.push("");
    }
  }
  await io.out(lines.join("\n") + "\n");
  return EXIT.ok;
}
