import { test } from "node:test";
import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { dirname, join } from "node:path";

const root = new URL("..", import.meta.url).pathname;

test("aws4fetch is the only runtime dependency", async () => {
  const pkg = JSON.parse(await readFile(join(root, "package.json"), "utf8"));
  assert.deepEqual(Object.keys(pkg.dependencies ?? {}), ["aws4fetch"]);
  const deno = JSON.parse(await readFile(join(root, "deno.json"), "utf8"));
  assert.deepEqual(Object.keys(deno.imports ?? {}), ["aws4fetch"]);
  assert.equal(pkg.dependencies.aws4fetch, deno.imports.aws4fetch.replace("npm:aws4fetch@", ""));
});

test("library code stays browser-safe: no node: imports or runtime globals outside the file source", async () => {
  // The ./file entry point and the siblings it re-exports may use node:.
  const fileEntry = await readFile(join(root, "src", "source", "file.ts"), "utf8");
  const allowed = new Set([
    join("src", "source", "file.ts"),
    ...[...fileEntry.matchAll(/from "\.\/(file_\w+\.ts)"/g)].map((m) => join("src", "source", m[1])),
  ]);
  const offenders: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.name.endsWith(".ts") && !allowed.has(path.slice(root.length))) {
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

test("the browser-safe entry point imports nothing from node: and not the ./file entry, even indirectly", async () => {
  const seen = new Set<string>();
  const offenders: string[] = [];
  const visit = async (file: string): Promise<void> => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = await readFile(join(root, file), "utf8");
    for (const [, specifier] of text.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s+["']([^"']+)["']/gm)) {
      if (specifier.startsWith("node:")) offenders.push(`${file} imports ${specifier}`);
      else if (specifier.startsWith(".")) await visit(join(dirname(file), specifier));
    }
  };
  await visit("mod.ts");
  assert.ok(seen.size > 50, `followed ${seen.size} modules`);
  assert.ok(!seen.has(join("src", "source", "file.ts")), "mod.ts reaches the ./file entry");
  assert.deepEqual(offenders, []);
});
