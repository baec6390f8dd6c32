import { CloudFitsError } from "../src/errors.ts";
import type { SourceOptions } from "../src/open_source.ts";
import { openFileSource } from "../src/source/file.ts";
import { wrapSource } from "../src/source/_wrap.ts";
import type { AwsCredentialProvider } from "../src/credentials/aws.ts";
import type { CliIo } from "./io.ts";
import { escapeControl } from "./format.ts";
import { type CommonValues, concurrencyOf } from "./options.ts";
import { RequestPool } from "../src/source/request_pool.ts";

// One credential resolution per environment, however many files a command touches: `main` may run
// many times in one process with different environments, which must not share credentials.
const credentialCaches = new WeakMap<CliIo["env"], Map<string, AwsCredentialProvider>>();

function credentialCacheFor(env: CliIo["env"]): Map<string, AwsCredentialProvider> {
  let cache = credentialCaches.get(env);
  if (!cache) credentialCaches.set(env, cache = new Map());
  return cache;
}

/**
 * The library's source options from the CLI's cloud flags and the process environment.
 *
 * @param values Parsed flags.
 * @param io The process I/O (environment, stderr for --verbose).
 * @param onBytes Told the size of every response (remote) or read (local file), for progress.
 * @returns Options for `openSource`.
 */
export function sourceOptions(
  values: CommonValues,
  io: CliIo,
  onBytes?: (bytes: number) => void,
): SourceOptions {
  const payer = values["request-payer"];
  if (payer !== undefined && payer !== "requester") {
    throw new CloudFitsError("USAGE", `Invalid --request-payer '${payer}': the only value is 'requester'`);
  }
  return {
    env: io.env,
    // Imported when used: a plain https URL needs neither, and each delays the first request.
    readTextFile: async (path) => (await import("node:fs/promises")).readFile(path, "utf8"),
    runProcess: async (command) => {
      const { execFile } = await import("node:child_process");
      return await new Promise((resolve, reject) =>
        execFile(
          "/bin/sh",
          ["-c", command],
          { timeout: 60_000 },
          (error, stdout) => error ? reject(error) : resolve(stdout),
        )
      );
    },
    openFile: onBytes === undefined ? openFileSource : async (path) => {
      const source = await openFileSource(path);
      return wrapSource(source, async (offset, length, options) => {
        const bytes = await source.read(offset, length, options);
        onBytes(bytes.length);
        return bytes;
      });
    },
    profile: values.profile,
    region: values.region,
    endpoint: values["endpoint-url"],
    noSign: values["no-sign-request"],
    requestPayer: payer === "requester",
    credentialCache: credentialCacheFor(io.env),
    // --concurrency caps requests in flight per host for the whole command; otherwise the shared default.
    requestPool: values.concurrency === undefined
      ? undefined
      : new RequestPool({ perHost: concurrencyOf(values) }),
    onRequest: values.verbose || onBytes
      ? (e) => {
        onBytes?.(e.bytes);
        if (!values.verbose) return;
        void io.err(
          `${e.method} ${escapeControl(e.url)} bytes=${e.offset}-${e.offset + e.length - 1} → ${
            e.status || "failed"
          } ${e.bytes} B ${Math.round(e.ms)} ms\n`,
        );
      }
      : undefined,
  };
}
