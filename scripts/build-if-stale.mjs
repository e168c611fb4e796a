// `pnpm start` runs this first: it builds only when a package's dist is missing or older
// than its sources, so a built checkout starts at once and a fresh clone still builds.
// A package is stale when any file under src/ (or its package.json, tsup or tsconfig file,
// or the shared tsconfig.base.json) is newer than the oldest file in its dist/. Test files
// kept under src/ are not built, so editing one does not make its package stale.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

function* files(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else yield path;
  }
}

export function stalePackages(packagesDir = join(root, "packages")) {
  const shared = statSync(join(root, "tsconfig.base.json")).mtimeMs;
  const stale = [];
  for (const name of readdirSync(packagesDir)) {
    const dir = join(packagesDir, name);
    if (!existsSync(join(dir, "package.json")) || !existsSync(join(dir, "src"))) continue;
    const dist = join(dir, "dist");
    const outputs = existsSync(dist) ? [...files(dist)].map((f) => statSync(f).mtimeMs) : [];
    if (outputs.length === 0) {
      stale.push(name);
      continue;
    }
    const sources = [...files(join(dir, "src"))].filter((f) => !/\.test\.[cm]?[jt]s$/.test(f));
    const inputs = [...sources, ...["package.json", "tsup.config.ts", "tsconfig.json"].map((f) => join(dir, f))]
      .filter((f) => existsSync(f))
      .map((f) => statSync(f).mtimeMs);
    if (Math.max(shared, ...inputs) > Math.min(...outputs)) stale.push(name);
  }
  return stale;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const stale = stalePackages();
  if (stale.length > 0) {
    process.stderr.write(`building (changed: ${stale.join(", ")})\n`);
    const build = spawnSync("pnpm", ["build"], { cwd: root, stdio: "inherit" });
    process.exitCode = build.status ?? 1;
  }
}
