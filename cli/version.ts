import process from "node:process";
import { VERSION } from "../src/version.ts";

/** Set by `bun build --define` in tools/compile.ts: the release target of a compiled binary. */
declare const CLOUDFITS_BUILD_TARGET: string | undefined;

/** What `Deno.build` tells, where the program runs under Deno. */
type DenoBuild = { target: string; standalone?: boolean };

/**
 * The `--version` line: the version, the runtime and the target it was built for, e.g.
 * `cloudfits 0.1.0 (bun 1.4.5, linux-x64-musl, compiled)`.
 *
 * @returns The line, without a newline.
 *
 * @example Under `deno test` the runtime is Deno, and nothing was compiled
 * ```ts
 * import assert from "node:assert/strict";
 * import { versionLine } from "./version.ts";
 *
 * assert.match(versionLine(), /^cloudfits \d+\.\d+\.\d+\S* \((deno|bun) [^,]+, [\w-]+\)$/);
 * ```
 */
export function versionLine(): string {
  const deno = (globalThis as { Deno?: { build: DenoBuild } }).Deno?.build;
  const runtime = process.versions.bun
    ? `bun ${process.versions.bun}`
    : process.versions.deno
    ? `deno ${process.versions.deno}`
    : `node ${process.versions.node}`;
  const compiledTarget = typeof CLOUDFITS_BUILD_TARGET === "string"
    ? CLOUDFITS_BUILD_TARGET
    : deno?.standalone
    ? deno.target
    : undefined;
  const target = compiledTarget ??
    `${process.platform === "win32" ? "windows" : process.platform}-${process.arch}`;
  return `cloudfits ${VERSION} (${runtime}, ${target}${compiledTarget ? ", compiled" : ""})`;
}
