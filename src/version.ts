/**
 * The cloudfits version, recorded in every index it writes.
 *
 * @example
 * ```ts
 * import { VERSION } from "@cloudfits/core";
 *
 * console.log(VERSION); // "0.1.0"
 * ```
 */
export const VERSION = "0.1.0";
