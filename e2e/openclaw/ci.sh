#!/usr/bin/env bash
# Real-Gateway end-to-end, as CI runs it: install Node 24 + openclaw into the cache, pack
# the plugin tarball (and a version-bumped copy for the upgrade), then
#   1. ours: `openclaw plugins install <tgz>` into a fresh state dir, start, run the
#      scenario, upgrade in place to the bumped tarball, restart the Gateway (a keyed
#      retry must still replay), roll back to the bundled plugin;
#   2. the reference: the bundled plugin in another fresh state dir, same scenario;
# print the side-by-side table and judge our run. Every Gateway started is stopped by
# run.mjs, also on failure. Three Gateway starts in all.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
out="$(mktemp -d "${TMPDIR:-/tmp}/tfw-e2e-XXXXXX")"
trap 'rm -rf "$out"' EXIT

node24="$(bash e2e/openclaw/install.sh | sed -n 's/^NODE24=//p')"
# The plugin's durable idempotency store needs the Gateway's Node (24, node:sqlite).
"$node24" node_modules/vitest/vitest.mjs run --config packages/adapter-openclaw/vitest.node24.config.ts
[ -f packages/adapter-openclaw/dist/index.js ] || pnpm --filter "@taskflow-webhooks/adapter-openclaw..." build
tarball="$(node scripts/pack.mjs --out "$out/tarballs" packages/adapter-openclaw | tail -n1)"

# The upgrade target: the same package with a higher version, as a newer release would be.
mkdir -p "$out/bump"
tar -xzf "$tarball" -C "$out/bump"
node -e 'const fs = require("fs"); const f = process.argv[1]; const p = JSON.parse(fs.readFileSync(f, "utf8"));
  p.version = `${p.version}-e2e.1`; fs.writeFileSync(f, JSON.stringify(p, null, 2) + "\n");' "$out/bump/package/package.json"
upgrade="$out/tarballs/upgrade.tgz"
tar -czf "$upgrade" -C "$out/bump" package

node e2e/openclaw/run.mjs --install "$tarball" --upgrade "$upgrade" --json "$out/ours.json" --quiet
node e2e/openclaw/run.mjs --json "$out/reference.json" --quiet
node e2e/openclaw/compare.mjs "$out/ours.json" "$out/reference.json"
node e2e/openclaw/assert.mjs "$out/ours.json" "$out/reference.json"
