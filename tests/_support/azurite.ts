/**
 * Azurite's blob service as a child process for tests: started on 127.0.0.1 with a port the OS
 * picks, in a temporary directory, and removed again by `close()`.
 *
 * It runs under `node` from PATH (Azurite 3.37 needs Node ≥ 18), whichever runner hosts the test.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The emulator's well-known development account and key (published by Microsoft). */
export const AZURITE_ACCOUNT = "devstoreaccount1";
export const AZURITE_KEY =
  "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

/** A running Azurite blob service. */
export interface Azurite {
  /** Path-style endpoint: `http://127.0.0.1:<port>/devstoreaccount1`. */
  readonly blobEndpoint: string;
  readonly account: string;
  readonly key: string;
  /** Stop the process and delete its storage directory. */
  close(): Promise<void>;
}

const MAIN = fileURLToPath(new URL("../../node_modules/azurite/dist/src/blob/main.js", import.meta.url));
const START_TIMEOUT_MS = 30_000;

/**
 * Start Azurite's blob service.
 *
 * @returns The running service.
 */
export async function startAzurite(): Promise<Azurite> {
  const location = await mkdtemp(join(tmpdir(), "cloudfits-azurite-"));
  const child = spawn("node", [
    MAIN,
    "--blobHost",
    "127.0.0.1",
    "--blobPort",
    "0",
    "--location",
    location,
    "--silent",
    "--skipApiVersionCheck",
    "--loose",
  ], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`Azurite did not start within ${START_TIMEOUT_MS} ms:\n${output}`)),
        START_TIMEOUT_MS,
      );
      const onData = (chunk: Uint8Array) => {
        output += String(chunk);
        const match = /successfully listens on (http:\/\/\S+)/.exec(output);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      };
      child.stdout?.on("data", onData);
      child.stderr?.on("data", onData);
      child.once("error", (error) => {
        clearTimeout(timer);
        reject(error);
      });
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`Azurite exited with code ${code}:\n${output}`));
      });
    });
    return {
      blobEndpoint: `${url.replace(/\/$/, "")}/${AZURITE_ACCOUNT}`,
      account: AZURITE_ACCOUNT,
      key: AZURITE_KEY,
      close: async () => {
        await stop(child);
        await rm(location, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await stop(child);
    await rm(location, { recursive: true, force: true });
    throw error;
  }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  // SIGKILL: a graceful stop waits for the runners' pooled keep-alive connections to time out, and
  // the storage directory is deleted anyway.
  child.kill("SIGKILL");
  await exited;
}

/** What a service SAS grants, per Microsoft's "Create a service SAS" (version 2020-12-06 and later). */
export interface ServiceSasOptions {
  account: string;
  key: string;
  container: string;
  /** Blob name for a blob SAS (`sr=b`); absent for a container SAS (`sr=c`). */
  blob?: string;
  /** Permissions in Azure's order, e.g. `r`, `rl`, `racwdl`. */
  permissions: string;
  expiry: Date;
  version?: string;
}

/**
 * Compute a service SAS with crypto.subtle: HMAC-SHA256 over the 16-line string to sign, keyed with
 * the decoded account key.
 *
 * @param options Account, key, resource, permissions and expiry.
 * @returns The SAS query string without `?`.
 */
export async function serviceSas(options: ServiceSasOptions): Promise<string> {
  const version = options.version ?? "2021-08-06";
  const expiry = options.expiry.toISOString().replace(/\.\d{3}Z$/, "Z");
  const resource = options.blob === undefined ? "c" : "b";
  const canonical = `/blob/${options.account}/${options.container}${
    options.blob === undefined ? "" : `/${options.blob}`
  }`;
  const stringToSign = [
    options.permissions, // sp
    "", // st
    expiry, // se
    canonical,
    "", // si
    "", // sip
    "", // spr
    version, // sv
    resource, // sr
    "", // snapshot time
    "", // ses
    "", // rscc
    "", // rscd
    "", // rsce
    "", // rscl
    "", // rsct
  ].join("\n");
  const key = await crypto.subtle.importKey(
    "raw",
    Uint8Array.from(atob(options.key), (c) => c.charCodeAt(0)),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const signature = new Uint8Array(
    await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(stringToSign)),
  );
  return new URLSearchParams({
    sv: version,
    se: expiry,
    sr: resource,
    sp: options.permissions,
    sig: btoa(String.fromCharCode(...signature)),
  }).toString();
}
