/**
 * The cloudfits version, recorded in every index it writes.
 *
 * @example The version is a semantic version string
 * ```ts
 * import assert from "node:assert/strict";
 * import { VERSION } from "@cloudfits/core";
 *
 * assert.match(VERSION, /^\d+\.\d+\.\d+/);
 * ```
 */
export const VERSION = "0.1.0";
