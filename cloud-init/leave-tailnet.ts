// The delete step of the standby's deploy: run over SSH when `pulumi destroy` (or a replacement)
// is about to delete the droplet, it logs the standby out of the tailnet. Before that it refuses
// to go on while the workspace holds changes that exist only on this droplet (commits a failed
// push-back left, or files a serving standby wrote), since deleting the droplet would lose them.
import { DROPLET_PATHS, MONITOR_USER } from './paths.js';
import { shellQuote } from './shell.js';

export interface LeaveTailnetInput {
  /** The workspace checkout; absent, or a repository with no remote, means nothing to check. */
  workspace: string;
}

/** The root script: exit 1 naming what would be lost, else `tailscale logout`. */
export function renderLeaveTailnetScript(input: LeaveTailnetInput): string {
  const ws = shellQuote(input.workspace);
  return `#!/bin/bash
set -euo pipefail
ws=${ws}
# Read-only: no index refresh (--no-optional-locks), root reading the monitor's checkout.
g() { git --no-optional-locks -c safe.directory="$ws" -C "$ws" "$@"; }
# Only a checkout of the workspace repository is guarded. Without one (no workspaceRepo) the
# folder is the droplet's alone by the user's choice; OpenClaw's own git init there has no remote.
if [[ -d $ws/.git && -n $(g remote) ]]; then
  # On no remote-tracking branch: never pushed anywhere (the upstream, or a failover/ branch).
  unpushed=$(g log --branches --not --remotes --format='  %h %ad %s' --date=iso-strict)
  uncommitted=$(g status --porcelain --untracked-files=all | sed 's/^/  /')
  if [[ -n $unpushed || -n $uncommitted ]]; then
    {
      echo "refusing to delete the standby: its workspace $ws holds changes that exist only on this droplet"
      if [[ -n $unpushed ]]; then echo "commits on no remote:"; echo "$unpushed"; fi
      if [[ -n $uncommitted ]]; then echo "uncommitted files (is the standby serving?):"; echo "$uncommitted"; fi
      echo "wait for the monitor to push them ('openclaw-failover status' shows unpushed), push them by hand,"
      echo "or discard them (sudo -u ${MONITOR_USER} git -C $ws reset --hard @{upstream}, then clean -fd);"
      echo "then run pulumi destroy again"
    } >&2
    exit 1
  fi
fi
tailscale logout
`;
}

/** The command the deploy runs as the admin user over SSH when the droplet goes. */
export function renderLeaveTailnetCommand(): string {
  return `sudo bash -c ${shellQuote(renderLeaveTailnetScript({ workspace: DROPLET_PATHS.workspace }))}`;
}
