// The primary's half of the workspace sync: a script its systemd user timer runs every few
// seconds (primary-side.ts installs it). It commits what OpenClaw wrote in the workspace, merges
// what the standby pushed back after a failover, and pushes, so the standby's promotion-time pull
// is at most one interval behind the primary. It never force-pushes and never waits for a
// password or a host-key answer; every network call is bounded.
import { shellQuote } from './shell.js';

/** Each fetch and push gives up after this long; the timer's next run tries again. */
export const WORKSPACE_PUSH_GIT_TIMEOUT_SECONDS = 60;

/** A path on the primary: absolute, or `~/…` for the SSH user's home. */
export function isPrimaryPath(value: string): boolean {
  return /^(\/|~\/)[^\0\n\r]*$/.test(value) && !value.split('/').includes('..');
}

/** The path as a bash word: `~/x` becomes `"$HOME"/x` (a quoted `~` would not expand). */
export function primaryPathWord(path: string): string {
  if (!isPrimaryPath(path))
    throw new Error(`${JSON.stringify(path)} must be an absolute path or start with ~/`);
  return path.startsWith('~/') ? `"$HOME"/${shellQuote(path.slice(2))}` : shellQuote(path);
}

/**
 * The script, for the workspace at `workspacePath`. Exit 0: nothing to do, or pushed; exit 1 with
 * one line on stderr saying what to do (a merge conflict with the standby's changes, no upstream,
 * the remote unreachable). Stdout names what it pushed or merged, for the journal.
 */
export function renderWorkspacePushScript(workspacePath: string): string {
  return `#!/bin/bash
# Installed by failover-gateway: commits and pushes the OpenClaw workspace for the standby.
set -euo pipefail
ws=${primaryPathWord(workspacePath)}
export GIT_TERMINAL_PROMPT=0
# Unattended: never ask for a password or a host key (an unknown host fails instead).
export GIT_SSH_COMMAND=\${GIT_SSH_COMMAND:-"ssh -o BatchMode=yes -o ConnectTimeout=15"}
fail() { echo "workspace-push: $*" >&2; exit 1; }
g() { git -C "$ws" -c user.name=openclaw-failover -c user.email="openclaw-failover@$(hostname)" "$@"; }
net() { timeout --kill-after=5 ${WORKSPACE_PUSH_GIT_TIMEOUT_SECONDS} git -C "$ws" "$@"; }

[[ -d $ws/.git ]] || fail "$ws is not a git clone of the workspace repository"
[[ ! -e $(g rev-parse --git-path MERGE_HEAD) ]] ||
  fail "a merge is in progress in $ws: finish it (git commit) or abort it (git merge --abort); nothing pushed"
branch=$(g symbolic-ref --short -q HEAD) || fail "HEAD is detached in $ws: check out the branch the standby pulls"
remote=$(g config "branch.$branch.remote") || fail "branch $branch has no upstream: git -C $ws push -u origin $branch"
merge=$(g config "branch.$branch.merge")
tracking=refs/remotes/$remote/\${merge#refs/heads/}

g add -A
# --no-verify: an unattended commit must not stop at a hook that expects a person.
g diff --cached --quiet || g commit -q --no-verify -m "primary workspace at $(date -u +%Y-%m-%dT%H:%M:%SZ)"

# The standby pushes back to the tracked branch, or to a failover/ branch when the primary had
# moved on meanwhile: both are merged here, never overwritten.
net fetch -q --prune "$remote" "+$merge:$tracking" "+refs/heads/failover/*:refs/remotes/$remote/failover/*" ||
  fail "fetching $merge from $remote failed; the next run retries"
for ref in "$tracking" $(g for-each-ref --format='%(refname)' "refs/remotes/$remote/failover/"); do
  g merge-base --is-ancestor "$ref" HEAD && continue
  count=$(g rev-list --count "HEAD..$ref")
  if ! g merge -q --no-edit --no-verify "$ref"; then
    g merge --abort || true
    fail "the standby's changes in $ref conflict with this workspace: merge it by hand in $ws; nothing pushed"
  fi
  echo "merged $count commit(s) from \${ref#refs/remotes/}"
done
ahead=$(g rev-list --count "$tracking..HEAD")
if ((ahead > 0)); then
  # Never forced: a rejection (the remote moved since the fetch) is merged by the next run.
  net push -q "$remote" "HEAD:$merge" || fail "pushing to $remote $merge failed; the next run retries"
  echo "pushed $ahead commit(s) to $remote $merge, now at $(g rev-parse --short HEAD)"
fi
`;
}
