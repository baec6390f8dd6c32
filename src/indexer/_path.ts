/**
 * `/`-separated path arithmetic for the indexer (the storage hands out absolute `/`-separated paths),
 * so that the library needs no `node:path`.
 *
 * @module
 */

/** The directory part of a path: `/a/b` → `/a`, `/a` → `/`, `a` → `.`. */
export function dirname(path: string): string {
  const trimmed = path.length > 1 ? path.replace(/\/+$/, "") : path;
  const cut = trimmed.lastIndexOf("/");
  if (cut < 0) return ".";
  return cut === 0 ? "/" : trimmed.slice(0, cut);
}

/** Join segments with single slashes. */
export function join(...parts: string[]): string {
  return parts.filter((p) => p !== "").join("/").replace(/\/{2,}/g, "/");
}

/** The path from directory `from` to `to`, both absolute: `""` when they are equal. */
export function relative(from: string, to: string): string {
  const a = segments(from);
  const b = segments(to);
  // Different roots (Windows drives): nothing relative leads from one to the other.
  if (a[0] !== b[0] && a[0]?.endsWith(":") && b[0]?.endsWith(":")) return to;
  let common = 0;
  while (common < a.length && common < b.length && a[common] === b[common]) common++;
  return [...a.slice(common).map(() => ".."), ...b.slice(common)].join("/");
}

/** The deepest directory that contains every path (all absolute). */
export function commonDirectory(paths: readonly string[]): string {
  const split = paths.map((p) => p.split("/"));
  const first = split[0] ?? [];
  let n = first.length;
  for (const parts of split) {
    let i = 0;
    while (i < n && i < parts.length && parts[i] === first[i]) i++;
    n = i;
  }
  return first.slice(0, n).join("/") || "/";
}

function segments(path: string): string[] {
  return path.split("/").filter((s) => s !== "" && s !== ".");
}
