/**
 * The layers of docs/architecture.md, checked on the module graph that `deno info --json` reports
 * (type-only imports included): no import cycle between files or between folders, and each folder
 * imports only the layers below it.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { join, relative } from "node:path";

const root = join(import.meta.dirname!, "..");
const deno = join(root, "node_modules", ".bin", "deno");

/** The `deno info --json` module list of an entry point: one `deno info` run per entry for all tests. */
const modulesOf = new Map(
  ["mod.ts", "cli.ts", "src/source/file.ts", "web/app.ts"].map((entry) => {
    const info = JSON.parse(execFileSync(deno, ["info", "--json", entry], { cwd: root, encoding: "utf8" }));
    return [entry, info.modules as { specifier: string; dependencies?: unknown[] }[]];
  }),
);

/** Every project module reachable from the entry points, with its project imports (code and types). */
function moduleGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const modules of modulesOf.values()) {
    for (const module of modules) {
      if (!module.specifier.startsWith("file://") || module.specifier.includes("/node_modules/")) continue;
      const name = relative(root, new URL(module.specifier).pathname);
      const deps = (module.dependencies ?? []) as {
        code?: { specifier?: string };
        type?: { specifier?: string };
      }[];
      const imports = deps.flatMap((d) => [d.code?.specifier, d.type?.specifier])
        .filter((s): s is string => s?.startsWith("file://") ?? false)
        .map((s) => relative(root, new URL(s).pathname))
        .filter((s) => !s.split("/").includes("node_modules"));
      graph.set(name, [...new Set(imports)]);
    }
  }
  return graph;
}

/** Strongly connected components with more than one member (or a self-import): the cycles. */
function cycles(graph: Map<string, string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || graph.get(v)?.includes(v)) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

/** The unit a module belongs to: its folder under src/ (src/fits, …), or itself for top-level files. */
function unitOf(module: string): string {
  const parts = module.split("/");
  if (parts[0] === "cli" || parts[0] === "web") return parts[0];
  if (parts[0] === "src" && parts.length > 2) return `src/${parts[1]}`;
  return module;
}

const graph = moduleGraph();

test("no import cycle between files", () => {
  assert.ok(graph.size > 50, `${graph.size} modules`);
  assert.deepEqual(cycles(graph), []);
});

test("no import cycle between folders", () => {
  const units = new Map<string, string[]>();
  for (const [module, imports] of graph) {
    const unit = unitOf(module);
    const targets = units.get(unit) ?? [];
    for (const target of imports.map(unitOf)) {
      if (target !== unit && !targets.includes(target)) targets.push(target);
    }
    units.set(unit, targets);
  }
  assert.deepEqual(cycles(units), []);
});

test("each layer imports only the layers below it", () => {
  // src/fits and src/gzip decode bytes; src/plan is pure; src/read fetches through the ByteSource interface only.
  const allowed: Record<string, RegExp> = {
    "src/fits": /^src\/(fits\/|errors\.ts$|_bytes\.ts$)/,
    "src/gzip": /^src\/(gzip\/|errors\.ts$|_bytes\.ts$)/,
    "src/plan": /^src\/(plan\/|fits\/|errors\.ts$|_bytes\.ts$)/,
    "src/index_format": /^src\/(index_format\/|fits\/|gzip\/|errors\.ts$|_bytes\.ts$|version\.ts$)/,
    "src/source": /^src\/(source\/|credentials\/|gzip\/|errors\.ts$|_bytes\.ts$|url\.ts$|version\.ts$)/,
    "src/credentials": /^src\/(credentials\/|source\/|errors\.ts$|_bytes\.ts$|url\.ts$)/,
    "src/wcs": /^src\/(wcs\/|fits\/|errors\.ts$)/,
    // Sky geometry, TPF and light-curve encoding: pure, on top of the parsers, the WCS engine and the canvas.
    "src/sky": /^src\/(sky\/|wcs\/|fits\/|errors\.ts$|_bytes\.ts$|png_canvas\.ts$)/,
    "src/read":
      /^src\/(read\/|plan\/|fits\/|gzip\/|source\/types\.ts$|source\/memory\.ts$|index_format\/|errors\.ts$|_bytes\.ts$)/,
    // The page is a library user: the public API, and the JSON and PNG helpers the CLI uses too.
    web: /^(web\/|mod\.ts$|src\/)/,
  };
  const violations: string[] = [];
  for (const [module, imports] of graph) {
    const rule = allowed[unitOf(module)];
    for (const target of imports) if (rule && !rule.test(target)) violations.push(`${module} → ${target}`);
  }
  assert.deepEqual(violations, []);
});

test("library code imports node: builtins only in the local-file source", () => {
  for (const entry of ["mod.ts", "web/app.ts"]) {
    const offenders = modulesOf.get(entry)!.filter((module) => module.specifier.startsWith("node:"));
    assert.deepEqual(offenders, [], `${entry} must stay browser-safe`);
  }
  const fileSource = modulesOf.get("src/source/file.ts")!;
  assert.ok(
    fileSource.some((module) => module.specifier === "node:fs/promises"),
    "the check sees node: imports",
  );
});

/** The modules of cli.ts's graph, by specifier. */
const cliModules = new Map(modulesOf.get("cli.ts")!.map((module) => [module.specifier, module]));
const project = (specifier: string) => relative(root, new URL(specifier).pathname);

/** A module's imports that load code (type-only imports load nothing), static and dynamic. */
function codeImports(specifier: string): { code?: { specifier?: string }; isDynamic?: boolean }[] {
  return (cliModules.get(specifier)?.dependencies ?? []) as {
    code?: { specifier?: string };
    isDynamic?: boolean;
  }[];
}

/** What evaluating a module evaluates: its static imports, transitively (project-relative paths). */
function staticClosure(entry: string): string[] {
  const loaded = new Set<string>();
  const pending = [new URL(`../${entry}`, import.meta.url).href];
  while (pending.length > 0) {
    const specifier = pending.pop()!;
    if (loaded.has(specifier)) continue;
    loaded.add(specifier);
    for (const dep of codeImports(specifier)) {
      const code = dep.code?.specifier;
      if (!dep.isDynamic && code?.startsWith("file://")) pending.push(code);
    }
  }
  return [...loaded].map(project);
}

test("the CLI starts without loading its commands: each is a dynamic import, bundled all the same", () => {
  const startup = staticClosure("cli.ts");
  // The process entry sends the first request before it loads the command line (cli/first_reads.ts).
  assert.deepEqual(staticClosure("cli/bin.ts").sort(), [
    "cli/bin.ts",
    "cli/first_reads.ts",
    "src/errors.ts",
    "src/read/read_ahead.ts",
    "src/source/range_get.ts",
    "src/url.ts",
  ]);
  const dynamic = codeImports(new URL("../cli/commands.ts", import.meta.url).href)
    .filter((dep) => dep.isDynamic).map((dep) => project(dep.code!.specifier!));
  assert.ok(
    dynamic.includes("cli/cutout.ts") && dynamic.includes("cli/ls.ts"),
    "the commands are in the graph",
  );
  for (const command of dynamic) assert.ok(!startup.includes(command), `${command} loads at start-up`);
  const library = startup.filter((name) => /^src\/(open|read|plan|fits|wcs|sky|indexer)/.test(name));
  assert.deepEqual(library, [], "no reader code loads before a command runs");
});

test("a read command loads only what its run needs: the rest is a dynamic import where it is used", () => {
  // Code that only some runs need, by what needs it.
  const onDemand: Record<string, RegExp> = {
    "S3, GCS and Azure (a cloud location)":
      /^src\/(cloud_source\.ts|source\/(s3|gcs|azure)[a-z_]*\.ts|credentials\/)|\/node_modules\/aws4fetch\//,
    "the index reader (--index)": /^src\/(open_index\.ts|read\/index|index_format\/|find\.ts)/,
    "index writing (index, merge)": /^src\/(indexer\/|remote_objects\.ts)/,
    "gzip inflate (a .fits.gz file)": /^src\/(source\/gzip\.ts|gzip\/inflate\.ts)/,
    "tile codecs (a compressed HDU)":
      /^src\/fits\/(tiles\/(decode_tile|hcompress|rice|plio|gzip|dither)\.ts|compressed_table_decode\.ts)/,
    "WCS and sky geometry (--ra/--dec)": /^src\/(wcs\/(?!angles\.ts)|sky\/|sky_cutout\.ts|light_curve\.ts)/,
  };
  const tableReading = /^src\/(read\/table_|fits\/table_decode\.ts|fits\/table_values\.ts)/;
  // Each output's encoder (cutout and table): loaded once the format is known.
  const encoders =
    /^(src\/(png|png_canvas|text_bytes|float32_text|ascii_digits|cutout_file)\.ts|cli\/(cutout_png|cutout_output|table_text)\.ts)/;
  const everything = [...cliModules.keys()].filter((s) => s.startsWith("file://")).map(project);
  for (const [need, pattern] of Object.entries({ ...onDemand, tableReading, encoders })) {
    assert.ok(everything.some((name) => pattern.test(name)), `the check sees ${need} in the graph`);
  }
  const commands: Record<string, RegExp[]> = {
    "cli/cutout.ts": [...Object.values(onDemand), tableReading, encoders],
    "cli/header.ts": [...Object.values(onDemand), tableReading, encoders],
    "cli/ls.ts": [...Object.values(onDemand), tableReading, encoders],
    "cli/plan.ts": [...Object.values(onDemand), tableReading, encoders],
    "cli/table.ts": [...Object.values(onDemand), encoders],
  };
  for (const [command, patterns] of Object.entries(commands)) {
    const loaded = staticClosure(command);
    assert.ok(loaded.includes("src/open.ts"), `${command}: the walk sees the reader`);
    const eager = loaded.filter((name) => patterns.some((pattern) => pattern.test(name)));
    assert.deepEqual(eager, [], `${command} loads code its run may not need`);
  }
});
