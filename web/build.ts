/**
 * `deno task web`: bundle the page for browsers into `web/dist/` (index.html and app.js) with Bun's
 * bundler, which both toolchains here have (`deno bundle` needs a download).
 *
 * @module
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";

const web = import.meta.dirname!;
const dist = join(web, "dist");
const bun = join(web, "..", "node_modules", ".bin", "bun");
mkdirSync(dist, { recursive: true });
execFileSync(bun, [
  "build",
  "--target=browser",
  "--minify",
  // A classic script, so that index.html also works opened from disk (browsers refuse module scripts
  // from file:), there to pick local files.
  "--format=iife",
  "--sourcemap=linked",
  "--outdir",
  dist,
  join(web, "app.ts"),
], { stdio: "inherit" });
copyFileSync(join(web, "index.html"), join(dist, "index.html"));
console.log(`wrote ${join(dist, "index.html")} and app.js`);
