#!/usr/bin/env bash
# Runs a command with the project's toolchain, setting it up on first use: Node 24 first on PATH
# and OPENCLAW_BIN set (scripts/toolchain.sh, cached), and the npm dependencies installed.
# This is what lets `npm test` and `npm run drill` work on a machine whose system Node is older.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
eval "$("$root/scripts/toolchain.sh")"
installed="$root/node_modules/.package-lock.json"
if [[ ! -f "$installed" || "$root/package-lock.json" -nt "$installed" ]]; then
  echo "toolchain: installing npm dependencies (npm ci)" >&2
  (cd "$root" && npm ci --no-audit --no-fund --loglevel=error >&2)
fi
exec "$@"
