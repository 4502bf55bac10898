#!/usr/bin/env bash
# The one set-up step of every npm script the README names (test, drill, bench): runs a command
# with everything it needs, set up on first use: the Debian packages (scripts/debian-packages.sh),
# Node 24 first on PATH and OPENCLAW_BIN set (scripts/toolchain.sh, cached), and the npm
# dependencies, the monitor bundle (the drill, bench and droplet lab run it; under a second), and with --droplet-image the droplet lab's image. This is what lets them work on a fresh machine whose system Node is older.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
droplet_image=false
if [[ ${1:-} == --droplet-image ]]; then droplet_image=true; shift; fi
"$root/scripts/debian-packages.sh"
eval "$("$root/scripts/toolchain.sh")"
installed="$root/node_modules/.package-lock.json"
if [[ ! -f "$installed" || "$root/package-lock.json" -nt "$installed" ]]; then
  echo "toolchain: installing npm dependencies (npm ci)" >&2
  (cd "$root" && npm ci --no-audit --no-fund --loglevel=error >&2)
fi
(cd "$root" && npm run --silent build -w openclaw-failover >&2)
if $droplet_image; then
  # The droplet lab's image (about 4 min and 2 GB once), cached beside the toolchain.
  FG_DROPLET_IMAGE=$("$root/lab/droplet/build-image.sh" "$FAILOVER_GATEWAY_CACHE_DIR" "$NODE_DIR" "$NODE_VERSION")
  export FG_DROPLET_IMAGE
fi
exec "$@"
