/**
 * A single-node Slurm on this machine for the tests (REFERENCE §10): its own munge key and munged
 * socket, a slurm.conf with state and spool directories under a temporary directory and ports picked
 * free on loopback, then `slurmctld -D` and `slurmd -D` in the background. Needs Debian `slurm-wlm`
 * and `munge`, and root (slurmd launches jobs as their user).
 *
 * @module
 */
import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { availableParallelism, hostname, tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import type { ChildProcess } from "node:child_process";
import { runChild, startChild } from "./child.ts";

/** A running single-node Slurm. */
export interface Slurm {
  /** Environment for `sbatch`, `sinfo`…: this process's, with `SLURM_CONF` pointing at the config. */
  env: Record<string, string | undefined>;
  /** Its temporary directory (job output may go here). */
  dir: string;
  /** Stop the daemons and remove the directory. */
  stop(): Promise<void>;
}

/** A free TCP port on loopback. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Start munged, slurmctld and slurmd, and wait until the node is idle.
 *
 * @returns The cluster, or why it cannot run here (the caller skips with that message).
 */
export async function startSlurm(): Promise<Slurm | { reason: string }> {
  if (process.platform !== "linux" || process.getuid?.() !== 0) {
    return { reason: "a single-node Slurm needs Linux and root" };
  }
  for (const program of ["munged", "slurmctld", "slurmd", "sbatch", "sinfo"]) {
    if ((await runChild(["sh", "-c", `command -v ${program}`])).code !== 0) {
      return { reason: `${program} is not installed (Debian: apt-get install slurm-wlm munge)` };
    }
  }
  const dir = await mkdtemp(join(tmpdir(), "cloudfits-slurm-"));
  const daemons: ChildProcess[] = [];
  const stop = async () => {
    for (const daemon of daemons.reverse()) {
      if (daemon.exitCode === null && daemon.pid) process.kill(-daemon.pid, "SIGTERM");
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    for (const sub of ["state", "spool", "munge"]) await mkdir(join(dir, sub));
    await chmod(dir, 0o755);
    const key = join(dir, "munge.key");
    await writeFile(key, crypto.getRandomValues(new Uint8Array(1024)), { mode: 0o400 });
    const socket = join(dir, "munge", "munge.socket");
    const munged = startChild([
      "munged",
      "--foreground",
      "--force",
      `--socket=${socket}`,
      `--key-file=${key}`,
      `--pid-file=${join(dir, "munge", "munged.pid")}`,
      `--seed-file=${join(dir, "munge", "seed")}`,
      `--log-file=${join(dir, "munged.log")}`,
    ]);
    daemons.push(munged.child);
    const host = hostname().split(".")[0];
    const config = join(dir, "slurm.conf");
    await writeFile(
      config,
      [
        "ClusterName=cloudfits",
        `SlurmctldHost=${host}(127.0.0.1)`,
        `SlurmctldPort=${await freePort()}`,
        `SlurmdPort=${await freePort()}`,
        "AuthType=auth/munge",
        "CredType=cred/munge",
        `AuthInfo=socket=${socket}`,
        "SlurmUser=root",
        "SlurmdUser=root",
        `StateSaveLocation=${join(dir, "state")}`,
        `SlurmdSpoolDir=${join(dir, "spool")}`,
        `SlurmctldPidFile=${join(dir, "slurmctld.pid")}`,
        `SlurmdPidFile=${join(dir, "slurmd.pid")}`,
        `SlurmctldLogFile=${join(dir, "slurmctld.log")}`,
        `SlurmdLogFile=${join(dir, "slurmd.log")}`,
        "ProctrackType=proctrack/linuxproc",
        "TaskPlugin=task/none",
        "SelectType=select/cons_tres",
        "JobAcctGatherType=jobacct_gather/none",
        "MpiDefault=none",
        "ReturnToService=2",
        `NodeName=${host} NodeAddr=127.0.0.1 CPUs=${availableParallelism()} State=UNKNOWN`,
        "PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP",
        "",
      ].join("\n"),
    );
    const env = { ...process.env, SLURM_CONF: config };
    for (const daemon of ["slurmctld", "slurmd"]) {
      daemons.push(startChild([daemon, "-D", "-f", config], { env, cwd: dir }).child);
    }
    for (let attempt = 0; attempt < 60; attempt++) {
      const state = await runChild(["sinfo", "--noheader", "--format=%t"], { env });
      if (state.code === 0 && state.stdout.trim() === "idle") return { env, dir, stop };
      if (daemons.some((daemon) => daemon.exitCode !== null)) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    await stop();
    return { reason: "slurmctld or slurmd did not come up (see their logs when run by hand)" };
  } catch (error) {
    await stop();
    return { reason: `cannot start Slurm: ${(error as Error).message}` };
  }
}
