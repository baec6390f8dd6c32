import { CloudFitsError } from "../src/errors.ts";
import type { CliIo } from "./io.ts";

/**
 * Placeholder until the command lands.
 *
 * @param _args Arguments.
 * @param _io The process I/O.
 * @returns Never; throws.
 */
export function runDemo(_args: string[], _io: CliIo): Promise<number> {
  return Promise.reject(new CloudFitsError("UNSUPPORTED", "This command is not available yet"));
}
