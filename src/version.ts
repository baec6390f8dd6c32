import packageConfig from "../deno.json" with { type: "json" };

/**
 * The cloudfits version, recorded in every index it writes. It is read from deno.json, the one place
 * that holds it.
 *
 * @example The version is a semantic version string
 * ```ts
 * import assert from "node:assert/strict";
 * import { VERSION } from "@cloudfits/core";
 *
 * assert.match(VERSION, /^\d+\.\d+\.\d+/);
 * ```
 */
export const VERSION: string = packageConfig.version;
