/**
 * Build the `cloudfits` binaries with `bun build --compile`, minified and with bytecode: 2.7 MB more
 * per binary for a faster start (the benchmark's `--version`: 45 ms instead of 59), as ES modules split
 * into chunks so that a command's code is loaded only when it runs (bench/startup.ts). Stripping breaks a
 * Bun binary (it loses the embedded program), so the runtime's ~105 MB stay.
 *
 * - `deno task compile`: this machine's binary, `dist/cloudfits` (what the tests and benchmarks run).
 * - `deno task compile:all`: every release target, `dist/cloudfits-VERSION-TARGET[.exe]`, and
 *   `dist/SHA256SUMS` in `sha256sum` format. Bun fetches each target's runtime from the npm registry.
 * - `deno task compile:deno`: `deno compile --target` builds, `dist/cloudfits-VERSION-TARGET-deno[.exe]`,
 *   where Deno's runtime download (dl.deno.land) is reachable (the release workflow); SHA256SUMS
 *   then lists them too.
 *
 * Every build carries its target (`--version` prints it) and never autoloads `.env` or `bunfig.toml`
 * from the working directory.
 *
 * @module
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const DIST = join(ROOT, "dist");

/** The release targets, in Bun's names without `bun-`. */
export const TARGETS = [
  "linux-x64",
  "linux-arm64",
  "linux-x64-musl",
  "darwin-x64",
  "darwin-arm64",
  "windows-x64",
] as const;

/** A release target. */
export type Target = typeof TARGETS[number];

/** `deno compile --target` triples of the targets Deno builds (it has no musl build). */
const DENO_TARGETS: Partial<Record<Target, string>> = {
  "linux-x64": "x86_64-unknown-linux-gnu",
  "linux-arm64": "aarch64-unknown-linux-gnu",
  "darwin-x64": "x86_64-apple-darwin",
  "darwin-arm64": "aarch64-apple-darwin",
  "windows-x64": "x86_64-pc-windows-msvc",
};

/** What a Deno build may do: never `-A`, no subprocesses, no FFI. */
const DENO_PERMISSIONS = ["--allow-read", "--allow-write", "--allow-net", "--allow-env", "--allow-sys"];

/** The version in deno.json, the one place that holds it. */
export async function packageVersion(): Promise<string> {
  return JSON.parse(await readFile(join(ROOT, "deno.json"), "utf8")).version;
}

/** The file name of a release binary: `cloudfits-0.1.0-linux-x64`, `cloudfits-0.1.0-windows-x64.exe`. */
export function binaryName(version: string, target: string): string {
  return `cloudfits-${version}-${target}${target.startsWith("windows-") ? ".exe" : ""}`;
}

/** This machine's target, or undefined where there is no release build for it. */
export function hostTarget(): Target | undefined {
  const arch = process.arch === "x64" || process.arch === "arm64" ? process.arch : undefined;
  const os = process.platform === "win32" ? "windows" : process.platform;
  // glibc reports its version; musl does not.
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  const musl = os === "linux" && report?.header !== undefined && !report.header.glibcVersionRuntime;
  const target = `${os}-${arch}${musl ? "-musl" : ""}`;
  return (TARGETS as readonly string[]).includes(target) ? target as Target : undefined;
}

/**
 * How the release build bundles (bench/startup.ts bundles the same way to weigh what a command loads):
 * minified ES modules split into chunks, so that a command's code is read and evaluated only when it runs
 * (one CommonJS file, the default with --bytecode, holds every module's functions at its top level).
 */
export const BUNDLE_FLAGS: readonly string[] = ["--minify", "--format=esm", "--splitting"];

/**
 * The arguments of `bun` that build one target into `outfile`.
 *
 * @param target The target, or undefined for this machine.
 * @param outfile Where the binary goes (Bun adds `.exe` for Windows if it is missing).
 * @param entry The program (bench/startup.ts builds its floor binary with the same flags).
 * @returns `["build", "--compile", …, entry, "--outfile", outfile]`.
 */
export function bunBuildArgs(target: Target | undefined, outfile: string, entry = "cli/bin.ts"): string[] {
  return [
    "build",
    "--compile",
    "--bytecode",
    ...BUNDLE_FLAGS,
    "--no-compile-autoload-dotenv",
    "--no-compile-autoload-bunfig",
    ...(target ? [`--target=bun-${target}`] : []),
    "--define",
    `CLOUDFITS_BUILD_TARGET=${
      JSON.stringify(target ?? hostTarget() ?? `${process.platform}-${process.arch}`)
    }`,
    entry,
    "--outfile",
    outfile,
  ];
}

/** Run a program in the repository; reject with its error output when it fails. */
function run(program: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) =>
    execFile(
      program,
      args,
      { cwd: ROOT, maxBuffer: 16 << 20 },
      (error, _stdout, stderr) =>
        error
          ? reject(new Error(`${program} ${args.join(" ")} failed: ${stderr || error.message}`))
          : resolve(),
    )
  );
}

/** Build into a temporary name, then rename, so that a concurrent reader never sees half a binary. */
async function buildAtomically(path: string, build: (temporary: string) => Promise<void>): Promise<void> {
  await mkdir(join(path, ".."), { recursive: true });
  const extension = path.endsWith(".exe") ? ".exe" : "";
  const temporary = `${path}.${process.pid}.${Date.now()}.partial${extension}`;
  try {
    await build(temporary);
    await rename(temporary, path);
  } finally {
    await rm(temporary, { force: true });
  }
}

/**
 * Build one binary with Bun.
 *
 * @param target The target, or undefined for this machine.
 * @param path Where the binary goes.
 */
export async function compileWithBun(target: Target | undefined, path: string): Promise<void> {
  const bun = join(ROOT, "node_modules/.bin", process.platform === "win32" ? "bun.exe" : "bun");
  await buildAtomically(path, (temporary) => run(bun, bunBuildArgs(target, temporary)));
}

/** Build one binary with `deno compile` (it downloads the target's runtime from dl.deno.land). */
async function compileWithDeno(triple: string, path: string): Promise<void> {
  const deno = join(ROOT, "node_modules/.bin", process.platform === "win32" ? "deno.exe" : "deno");
  await buildAtomically(path, (temporary) =>
    run(deno, [
      "compile",
      ...DENO_PERMISSIONS,
      "--no-prompt",
      "--target",
      triple,
      "--output",
      temporary,
      "cli/bin.ts",
    ]));
}

/** The SHA-256 of a file, in hex, read as a stream (binaries are ~100 MB). */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Uint8Array);
  return hash.digest("hex");
}

/**
 * Write `SHA256SUMS` (the format of `sha256sum`: hash, two spaces, name) for the release binaries of
 * `version` in `dir`, sorted by name.
 *
 * @returns The file's text.
 */
export async function writeChecksums(dir: string, version: string): Promise<string> {
  const names = (await readdir(dir))
    .filter((name) => name.startsWith(`cloudfits-${version}-`) && !name.includes(".partial")).sort();
  const lines = [];
  for (const name of names) lines.push(`${await sha256File(join(dir, name))}  ${name}\n`);
  const text = lines.join("");
  await writeFile(join(dir, "SHA256SUMS"), text);
  return text;
}

async function main(args: string[]): Promise<void> {
  const version = await packageVersion();
  const started = performance.now();
  const report = async (path: string): Promise<void> => {
    const size = (await stat(path)).size;
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.log(`${(size / 1e6).toFixed(1).padStart(6)} MB  ${path.slice(ROOT.length)}  (${seconds} s)`);
  };
  if (args.length === 0) {
    const path = join(DIST, "cloudfits");
    await compileWithBun(undefined, path);
    return report(path);
  }
  if (args.includes("--all")) {
    // One after another: each build takes a core and ~1 GB, and Bun caches each runtime once.
    for (const target of TARGETS) {
      const path = join(DIST, binaryName(version, target));
      await compileWithBun(target, path);
      await report(path);
    }
  }
  if (args.includes("--deno")) {
    for (const [target, triple] of Object.entries(DENO_TARGETS)) {
      const path = join(DIST, binaryName(version, `${target}-deno`));
      await compileWithDeno(triple, path);
      await report(path);
    }
  }
  await writeChecksums(DIST, version);
  console.log(`dist/SHA256SUMS`);
}

if (import.meta.main) {
  main(process.argv.slice(2)).catch((error) => {
    console.error(`error: ${error.message}`);
    process.exitCode = 1;
  });
}
