#!/usr/bin/env bash
# Real-Gateway end-to-end, as CI runs it: install Node 24 + openclaw into the cache, run
# the scenario against our plugin and against the bundled reference, print the
# side-by-side table, then judge our run. Every Gateway started is stopped by run.mjs,
# also on failure.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
out="$(mktemp -d "${TMPDIR:-/tmp}/tfw-e2e-XXXXXX")"
trap 'rm -rf "$out"' EXIT

bash e2e/openclaw/install.sh
[ -f packages/adapter-openclaw/dist/index.js ] || pnpm --filter @taskflow-webhooks/adapter-openclaw build

node e2e/openclaw/run.mjs --plugin-dir "$root/packages/adapter-openclaw" --json "$out/ours.json" --quiet
node e2e/openclaw/run.mjs --json "$out/reference.json" --quiet
node e2e/openclaw/compare.mjs "$out/ours.json" "$out/reference.json"
node e2e/openclaw/assert.mjs "$out/ours.json" "$out/reference.json"
