#!/usr/bin/env node
// Packs workspace packages into installable tarballs (what `npm publish` would ship):
//   node scripts/pack.mjs [--out <dir>] [--lint] (--all | <package dir>...)
// --all packs every publishable (not private) package under packages/; --lint runs
// publint --strict and attw (node16 profile) on each tarball as it will be published.
// Every tarball must carry the LICENSE.
// Runs `pnpm pack` in each package (workspace: ranges become real versions), writes the
// tarballs to --out (default dist-tarballs/, gitignored) and prints one absolute path per
// line. Build first (the root `pack:*` scripts do). A package that ships an OpenClaw
// plugin manifest must be self-contained: its packed package.json may list no runtime
// `dependencies` (the Gateway installs a local tarball without fetching them).
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const args = process.argv.slice(2);
let out = path.join(root, "dist-tarballs");
let lint = false;
const dirs = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--out") out = path.resolve(args[++i] ?? usage("missing value for --out"));
  else if (args[i] === "--lint") lint = true;
  else if (args[i] === "--all") dirs.push(...publishablePackages());
  else if (args[i].startsWith("-")) usage(`unknown option ${args[i]}`);
  else dirs.push(path.resolve(root, args[i]));
}
if (dirs.length === 0) usage("name at least one package directory");
fs.mkdirSync(out, { recursive: true });

for (const dir of dirs) {
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
  const before = new Set(fs.readdirSync(out));
  execFileSync("pnpm", ["pack", "--pack-destination", out], { cwd: dir, stdio: ["ignore", "ignore", "inherit"] });
  const made = fs.readdirSync(out).filter((f) => f.endsWith(".tgz") && !before.has(f));
  const expected = `${pkg.name.replace(/^@/, "").replace("/", "-")}-${pkg.version}.tgz`;
  const file = path.join(out, made.includes(expected) ? expected : (made[0] ?? expected));
  if (!fs.existsSync(file)) fail(`${pkg.name}: pnpm pack wrote no tarball to ${out}`);
  const packed = JSON.parse(execFileSync("tar", ["-xzOf", file, "package/package.json"], { encoding: "utf8" }));
  if (fs.existsSync(path.join(dir, "openclaw.plugin.json"))) {
    const deps = Object.keys(packed.dependencies ?? {});
    if (deps.length > 0) fail(`${pkg.name}: an OpenClaw plugin tarball must bundle its runtime dependencies; found ${deps.join(", ")}`);
    const listed = execFileSync("tar", ["-tzf", file], { encoding: "utf8" }).split("\n");
    for (const need of ["package/openclaw.plugin.json", ...(packed.openclaw?.extensions ?? []).map((e) => path.posix.join("package", e))]) {
      if (!listed.includes(need)) fail(`${pkg.name}: tarball lacks ${need}`);
    }
  }
  const listed = execFileSync("tar", ["-tzf", file], { encoding: "utf8" }).split("\n");
  if (!listed.includes("package/LICENSE")) fail(`${pkg.name}: tarball lacks LICENSE`);
  if (lint) {
    const bin = (name) => path.join(root, "node_modules", ".bin", name);
    execFileSync(bin("publint"), ["run", "--strict", file], { stdio: ["ignore", "ignore", "inherit"] });
    execFileSync(bin("attw"), [file, "--profile", "node16", "--format", "table-flipped"], { stdio: ["ignore", "ignore", "inherit"] });
  }
  console.log(file);
}

function publishablePackages() {
  const base = path.join(root, "packages");
  return fs
    .readdirSync(base)
    .map((name) => path.join(base, name))
    .filter((dir) => fs.existsSync(path.join(dir, "package.json")))
    .filter((dir) => !JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")).private)
    .sort();
}

function usage(message) {
  console.error(`pack.mjs: ${message}\nusage: node scripts/pack.mjs [--out <dir>] [--lint] (--all | <package dir>...)`);
  process.exit(2);
}
function fail(message) {
  console.error(`pack.mjs: ${message}`);
  process.exit(1);
}
