/**
 * The compiled `cloudfits` binary for end-to-end tests: built once with `deno task compile`'s own
 * command (`bun build --compile`, with `.env` and `bunfig.toml` autoloading off), and reused while
 * `dist/cloudfits` is newer than every source file it is built from.
 *
 * @module
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** The binary, or why there is none. */
export type CompiledBinary =
  | { path: string; built: boolean; skipped?: undefined }
  | { path?: undefined; skipped: string };

/**
 * The arguments of the `compile` task in deno.json, after `bun`.
 *
 * @returns The task's arguments, e.g. `["build", "--compile", …, "--outfile", "dist/cloudfits"]`.
 */
export async function compileTaskArgs(): Promise<string[]> {
  const config = JSON.parse(await readFile(join(ROOT, "deno.json"), "utf8"));
  const task = String(config.tasks?.compile ?? "");
  const [program, ...args] = task.trim().split(/\s+/);
  if (program.split("/").at(-1) !== "bun") {
    throw new Error(`deno.json's compile task does not run bun: '${task}'`);
  }
  return args;
}

/**
 * Build `dist/cloudfits` with the compile task (into a temporary name, then renamed, so that a
 * concurrent run never sees half a binary), unless it is newer than every source file.
 *
 * @returns The binary's path and whether it was built now, or the reason it is unavailable.
 */
export async function compiledBinary(): Promise<CompiledBinary> {
  const bun = join(ROOT, "node_modules/.bin", process.platform === "win32" ? "bun.exe" : "bun");
  if (!existsSync(bun)) {
    return { skipped: `bun is not installed (${bun}): the compiled binary is not tested` };
  }
  const args = await compileTaskArgs();
  const outIndex = args.indexOf("--outfile") + 1;
  if (outIndex === 0 || outIndex >= args.length) throw new Error("deno.json's compile task has no --outfile");
  const path = join(ROOT, args[outIndex]);
  if (await isNewerThanSources(path)) return { path, built: false };

  await mkdir(join(path, ".."), { recursive: true });
  const temporary = `${path}.${process.pid}.${Date.now()}.partial`;
  const buildArgs = args.with(outIndex, temporary);
  try {
    await new Promise<void>((resolve, reject) =>
      execFile(
        bun,
        buildArgs,
        { cwd: ROOT, maxBuffer: 16 << 20 },
        (error, _stdout, stderr) =>
          error ? reject(new Error(`bun ${buildArgs.join(" ")} failed: ${stderr}`)) : resolve(),
      )
    );
    await rename(temporary, path);
  } finally {
    await rm(temporary, { force: true });
  }
  return { path, built: true };
}

/** Whether `path` exists and is newer than cli.ts, cli/, src/, deno.json and package.json. */
async function isNewerThanSources(path: string): Promise<boolean> {
  let built: number;
  try {
    built = (await stat(path)).mtimeMs;
  } catch {
    return false;
  }
  const sources = ["cli.ts", "deno.json", "package.json"].map((name) => join(ROOT, name));
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
