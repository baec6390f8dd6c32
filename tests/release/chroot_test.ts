/**
 * The binary as a minimal container runs it (Containerfile: distroless `cc`, non-root, no shell),
 * proven without a container engine: a directory holding only the binary and the libraries `ldd`
 * names, plus the `/proc` every container has (a Bun binary reads itself through `/proc/self/exe`),
 * entered with `chroot` as user 65534 with no environment but the credentials. There it re-indexes a
 * bucket prefix on the loopback S3 incrementally and cuts out a section through the index, as a
 * scheduled job would.
 *
 * Needs root (chroot, a private mount namespace for /proc): skipped with a message otherwise.
 */
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, copyFile, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import process from "node:process";
import { compiledBinary } from "../_support/binary.ts";
import { runChild } from "../_support/child.ts";
import { expected, testdataFile } from "../_support/fixtures.ts";
import { s3WithFixtures } from "../_support/s3_fixtures.ts";

/** The first of these paths that exists. */
const tool = (...paths: string[]): string | undefined => paths.find((path) => existsSync(path));
const UNSHARE = tool("/usr/bin/unshare", "/bin/unshare");
const CHROOT = tool("/usr/sbin/chroot", "/usr/bin/chroot", "/sbin/chroot");
const LDD = tool("/usr/bin/ldd", "/bin/ldd");
/** The user and group a distroless `:nonroot` image would use are 65532; any unprivileged id will do. */
const NOBODY = "65534:65534";

const binary = await compiledBinary();

function whyNot(): string | false {
  if (binary.skipped !== undefined) return binary.skipped;
  if (process.platform !== "linux") return "the chroot test runs on Linux only";
  if (process.getuid?.() !== 0) {
    return "SKIPPED: the chroot test needs root (chroot, mount); CI runs it as root";
  }
  if (!UNSHARE || !CHROOT || !LDD) {
    return "SKIPPED: the chroot test needs unshare, chroot and ldd (util-linux, coreutils)";
  }
  try {
    execFileSync(UNSHARE, ["--mount", "true"]);
  } catch {
    return "SKIPPED: this root may not make a mount namespace (a container without CAP_SYS_ADMIN?)";
  }
  return false;
}
const skip = whyNot();
if (skip) console.warn(`chroot_test: ${skip}`);

/** The files `ldd` names for `path`: the loader and the shared libraries (not the kernel's vDSO). */
function sharedLibraries(path: string): string[] {
  const output = execFileSync(LDD!, [path], { encoding: "utf8" });
  return [...output.matchAll(/(?:=>\s*)?(\/\S+)\s+\(0x[0-9a-f]+\)/g)].map((m) => m[1]);
}

/** An image-like root: `/cloudfits`, its libraries at their paths, an empty `/proc`, readable by all. */
async function imageRoot(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), "cloudfits-chroot-"));
  after(() => rm(root, { recursive: true, force: true }));
  await chmod(root, 0o755);
  await copyFile(binary.path!, join(root, "cloudfits"));
  for (const library of sharedLibraries(binary.path!)) {
    await mkdir(join(root, dirname(library)), { recursive: true });
    await copyFile(library, join(root, library)); // follows symbolic links, as COPY in an image would not need
  }
  await mkdir(join(root, "proc"));
  return root;
}

test(
  "in an empty root as an unprivileged user with only credentials: incremental re-index of a bucket prefix, then a cutout",
  { timeout: 120_000, skip },
  async () => {
    const root = await imageRoot();
    const { s3, options } = await s3WithFixtures("cron", ["mef_images.fits", "table_all.fits"]);
    const credentials = { AWS_ACCESS_KEY_ID: s3.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.secretAccessKey };
    const endpoint = ["--endpoint-url", options.endpoint];
    // unshare gives chroot a private mount namespace, so the /proc mount ends with the process.
    const inImage = (args: string[]) =>
      runChild([
        UNSHARE!,
        `--mount-proc=${join(root, "proc")}`,
        CHROOT!,
        `--userspec=${NOBODY}`,
        root,
        "/cloudfits",
        ...args,
      ], {
        cwd: "/",
        env: credentials,
      });
    const index = ["index", "s3://private/cron/", "-o", "s3://private/cron.cfidx", "--json", ...endpoint];

    const first = await inImage(index);
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(pick(JSON.parse(first.stdout)), { indexed: 2, unchanged: 0, failed: [], files: 2 });

    // A new file arrives; the next run reads only it.
    await s3.putObject("private", "cron/primary_only.fits", testdataFile("primary_only.fits"));
    const before = s3.log.length;
    const again = await inImage(index);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(pick(JSON.parse(again.stdout)), { indexed: 1, unchanged: 2, failed: [], files: 3 });
    const reads = s3.log.slice(before).filter((r) =>
      r.method === "GET" && r.path.startsWith("/private/cron/")
    );
    assert.ok(reads.length >= 1, "the new file was read");
    for (const read of reads) assert.match(read.range ?? "", /^bytes=\d+-\d+$/);
    assert.deepEqual([...new Set(reads.map((r) => r.path))], ["/private/cron/primary_only.fits"]);
    assert.deepEqual(s3.log.slice(before).filter((r) => r.method === "PUT").map((r) => r.path), [
      "/private/cron.cfidx",
    ]);
    assert.deepEqual([...new Set(s3.log.map((r) => r.auth))], ["header"], "every request signed");

    // A cutout through the index: the header walk is skipped, the pixels come in one range.
    const cutoutFrom = s3.log.length;
    const cutout = await inImage([
      "cutout",
      "--index",
      "s3://private/cron.cfidx",
      "primary_only.fits[0][29:30,20:20]",
      "--format",
      "json",
      "-o",
      "-",
      ...endpoint,
    ]);
    assert.equal(cutout.code, 0, cutout.stderr);
    const section = expected("primary_only").hdus[0].sections!.find((s) =>
      JSON.stringify(s.shape) === "[1,2]"
    )!;
    assert.deepEqual(JSON.parse(cutout.stdout).data, section.data);
    const pixelReads = s3.log.slice(cutoutFrom).filter((r) => r.path === "/private/cron/primary_only.fits");
    assert.deepEqual(pixelReads.map((r) => r.range), ["bytes=4076-4079"]);
  },
);

/** The fields of the `--json` summary a scheduler watches. */
function pick(summary: Record<string, unknown>): Record<string, unknown> {
  return {
    indexed: summary.indexed,
    unchanged: summary.unchanged,
    failed: summary.failed,
    files: summary.files,
  };
}
