/**
 * The compiled `cloudfits` binary for end-to-end tests: built once as `deno task compile` builds it
 * (tools/compile.ts), and reused while `dist/cloudfits` is newer than every source file it is built from.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { compileWithBun } from "../../tools/compile.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** The binary, or why there is none. */
export type CompiledBinary =
  | { path: string; built: boolean; skipped?: undefined }
  | { path?: undefined; skipped: string };

/**
 * Build `dist/cloudfits` for this machine, unless it is newer than every source file.
 *
 * @returns The binary's path and whether it was built now, or the reason it is unavailable.
 */
export async function compiledBinary(): Promise<CompiledBinary> {
  const bun = join(ROOT, "node_modules/.bin", process.platform === "win32" ? "bun.exe" : "bun");
  if (!existsSync(bun)) {
    return { skipped: `bun is not installed (${bun}): the compiled binary is not tested` };
  }
  const path = join(ROOT, "dist", process.platform === "win32" ? "cloudfits.exe" : "cloudfits");
  if (await isNewerThanSources(path)) return { path, built: false };
  await compileWithBun(undefined, path);
  return { path, built: true };
}

/** Whether `path` exists and is newer than cli.ts, cli/, src/, tools/compile.ts, deno.json and package.json. */
async function isNewerThanSources(path: string): Promise<boolean> {
  let built: number;
  try {
    built = (await stat(path)).mtimeMs;
  } catch {
    return false;
  }
  const sources = ["cli.ts", "tools/compile.ts", "deno.json", "package.json"].map((name) => join(ROOT, name));
  for (const dir of ["cli", "src"]) {
    for (const entry of await readdir(join(ROOT, dir), { recursive: true, withFileTypes: true })) {
      if (entry.isFile()) sources.push(join(entry.parentPath, entry.name));
    }
  }
  for (const source of sources) {
    if ((await stat(source)).mtimeMs >= built) return false;
  }
  return true;
}
