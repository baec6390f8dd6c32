/**
 * A real, signature-verifying S3 for tests: Ceph's RADOS Gateway on loopback, with one monitor and one
 * OSD on the in-memory `memstore` (Ceph 16 has no standalone store for radosgw), all in a temporary
 * directory with free ports (recipe: REFERENCE.md §10). It takes about 15 s to start, so start it once
 * per test file. Needs the Debian packages `radosgw ceph-mon ceph-osd ceph-common` (.ci/run installs
 * them); without them {@linkcode radosgwMissing} says what is missing, and tests skip visibly.
 *
 * @module
 */
import { execFile, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { AwsClient } from "aws4fetch";

const PROGRAMS = ["monmaptool", "ceph-authtool", "ceph-mon", "ceph-osd", "ceph", "radosgw", "radosgw-admin"];

/**
 * Why radosgw cannot run here, or undefined when it can.
 *
 * @returns A sentence naming the missing programs.
 */
export function radosgwMissing(): string | undefined {
  const missing = PROGRAMS.filter((program) => spawnSync("sh", ["-c", `command -v ${program}`]).status !== 0);
  return missing.length === 0
    ? undefined
    : `radosgw tests skipped: ${
      missing.join(", ")
    } not installed (Debian: apt-get install radosgw ceph-mon ceph-osd ceph-common)`;
}

/** A running radosgw with one user. */
export interface Radosgw {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** A client signed as the user, for setting up buckets and objects. */
  client: AwsClient;
  /** Create a bucket; `publicRead` makes it listable and its objects readable anonymously. */
  createBucket(bucket: string, options?: { publicRead?: boolean }): Promise<void>;
  /** Put an object (key as given, encoded here per segment); `publicRead` for anonymous reads. */
  putObject(bucket: string, key: string, body: Uint8Array, options?: { publicRead?: boolean }): Promise<void>;
  /** Stop every daemon and delete the directory. */
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function run(program: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(
      program,
      args,
      { timeout: 60_000 },
      (error, stdout, stderr) =>
        error
          ? reject(new Error(`${program} ${args.join(" ")}: ${error.message}\n${stderr}`))
          : resolve(stdout),
    )
  );
}

/** Encode an S3 key per path segment (`+` as `%2B`), as cloudfits and aws4fetch expect. */
function encodeKey(key: string): string {
  return key.split("/").map((segment) => encodeURIComponent(segment)).join("/");
}

/**
 * Start a monitor, an OSD and radosgw, and create a user.
 *
 * @returns The running gateway.
 */
export async function startRadosgw(): Promise<Radosgw> {
  const directory = mkdtempSync(join(tmpdir(), "cloudfits-radosgw-"));
  for (const sub of ["run", "log", "mon", "osd"]) mkdirSync(join(directory, sub));
  const [monPort, rgwPort] = [await freePort(), await freePort()];
  const fsid = crypto.randomUUID();
  const conf = join(directory, "ceph.conf");
  writeFileSync(
    conf,
    `[global]
fsid = ${fsid}
mon host = [v2:127.0.0.1:${monPort}]
public addr = 127.0.0.1
auth cluster required = none
auth service required = none
auth client required = none
ms mon client mode = crc
ms client mode = crc
ms cluster mode = crc
ms service mode = crc
run dir = ${directory}/run
admin socket = ${directory}/run/$name.asok
log file = ${directory}/log/$name.log
pid file = ${directory}/run/$name.pid
keyring = ${directory}/keyring
mon data = ${directory}/mon/$name
osd data = ${directory}/osd/$name
osd pool default size = 1
osd pool default min size = 1
mon allow pool size one = true
osd pool default pg num = 8
osd pool default pgp num = 8
mon max pg per osd = 1000
osd crush chooseleaf type = 0
mon data avail crit = 0
osd objectstore = memstore
memstore device bytes = 1073741824
[client.rgw]
rgw frontends = beast endpoint=127.0.0.1:${rgwPort}
`,
  );
  const c = ["-c", conf];
  const close = (): Promise<void> => {
    // Only the daemons this gateway started, by the pids they wrote.
    const runDir = join(directory, "run");
    for (const name of readdirSync(runDir).filter((n) => n.endsWith(".pid"))) {
      const pid = Number(readFileSync(join(runDir, name), "utf8").trim());
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
    rmSync(directory, { recursive: true, force: true });
    return Promise.resolve();
  };
  try {
    await run("monmaptool", [
      "--create",
      "--addv",
      "a",
      `[v2:127.0.0.1:${monPort}]`,
      "--fsid",
      fsid,
      join(directory, "monmap"),
    ]);
    await run("ceph-authtool", [
      "--create-keyring",
      join(directory, "keyring"),
      "--gen-key",
      "-n",
      "mon.",
      "--cap",
      "mon",
      "allow *",
    ]);
    await run("ceph-mon", [
      ...c,
      "--mkfs",
      "-i",
      "a",
      "--monmap",
      join(directory, "monmap"),
      "--keyring",
      join(directory, "keyring"),
    ]);
    await run("ceph-mon", [...c, "-i", "a"]);
    const uuid = crypto.randomUUID();
    const id = (await run("ceph", [...c, "osd", "new", uuid])).trim();
    mkdirSync(join(directory, "osd", `osd.${id}`));
    await run("ceph-osd", [...c, "-i", id, "--mkfs", "--osd-uuid", uuid]);
    await run("ceph-osd", [...c, "-i", id]);
    await run("radosgw", [...c, "-n", "client.rgw"]);
    const endpoint = `http://127.0.0.1:${rgwPort}`;
    const deadline = Date.now() + 90_000;
    for (;;) {
      const ok = await fetch(endpoint).then(async (r) => (await r.body?.cancel(), r.ok), () => false);
      if (ok) break;
      if (Date.now() > deadline) throw new Error(`radosgw did not answer on ${endpoint} within 90 s`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const accessKeyId = "CLOUDFITSTESTKEY";
    const secretAccessKey = "cloudfits-test-secret/with+symbols";
    await run("radosgw-admin", [
      ...c,
      "user",
      "create",
      "--uid=cloudfits",
      "--display-name=cloudfits tests",
      `--access-key=${accessKeyId}`,
      `--secret-key=${secretAccessKey}`,
    ]);
    const client = new AwsClient({
      accessKeyId,
      secretAccessKey,
      service: "s3",
      region: "us-east-1",
      retries: 0,
    });
    const send = async (method: string, path: string, body?: Uint8Array, publicRead?: boolean) => {
      const headers: Record<string, string> = publicRead ? { "x-amz-acl": "public-read" } : {};
      const response = await client.fetch(`${endpoint}/${path}`, {
        method,
        headers,
        body: body as Uint8Array<ArrayBuffer> | undefined,
      });
      if (!response.ok) {
        throw new Error(`${method} /${path}: HTTP ${response.status} ${await response.text()}`);
      }
      await response.body?.cancel();
    };
    return {
      endpoint,
      accessKeyId,
      secretAccessKey,
      client,
      createBucket: (bucket, options = {}) => send("PUT", bucket, undefined, options.publicRead),
      putObject: (bucket, key, body, options = {}) =>
        send("PUT", `${bucket}/${encodeKey(key)}`, body, options.publicRead),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
