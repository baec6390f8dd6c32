import { test } from "node:test";
import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;

test("aws4fetch is the only runtime dependency", async () => {
  const pkg = JSON.parse(await readFile(join(root, "package.json"), "utf8"));
  assert.deepEqual(Object.keys(pkg.dependencies ?? {}), ["aws4fetch"]);
  const deno = JSON.parse(await readFile(join(root, "deno.json"), "utf8"));
  assert.deepEqual(Object.keys(deno.imports ?? {}), ["aws4fetch"]);
  assert.equal(pkg.dependencies.aws4fetch, deno.imports.aws4fetch.replace("npm:aws4fetch@", ""));
});

test("library code stays browser-safe: no node: imports or runtime globals outside the file source", async () => {
  const offenders: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.name.endsWith(".ts") && !path.endsWith(join("src", "source", "file.ts"))) {
        // Comments and doc examples may mention Deno or Bun; only code counts.
        const text = (await readFile(path, "utf8")).replace(/\/\*[\s\S]*?\*\//g, "").replace(
          /^\s*\/\/.*$/gm,
          "",
        );
        if (/from\s+["']node:|import\(\s*["']node:|\bDeno\.|\bBun\./.test(text)) {
          offenders.push(path.slice(root.length));
        }
      }
    }
  };
  await walk(join(root, "src"));
  assert.deepEqual(offenders, []);
});
