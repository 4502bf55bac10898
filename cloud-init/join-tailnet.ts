// The command that joins a new droplet to the tailnet, run once per droplet over SSH after its first
// boot, with the single-use auth key on stdin. The key is minted per droplet (infra/tailnet.ts), so
// any new droplet gets a fresh one, and it never sits in user-data or on disk beyond this command.
// Its stdout is the node's stable ID, by which infra keeps the device's tags (in place, through
// the Tailscale API) when the tag list changes later.
import { TAILNET_TAG } from './shapes.js';
import { shellQuote } from './shell.js';

export interface JoinTailnetInput {
  hostname: string;
  /** `tag:`-prefixed; each needs a tagOwners entry in the tailnet policy. */
  tags: readonly string[];
}

/** The root script; stdin carries the key; stdout is the node's stable ID and nothing else. */
export function renderJoinTailnetScript(input: JoinTailnetInput): string {
  // The tags are joined with commas: a comma inside one would advertise another tag.
  for (const tag of input.tags) {
    if (!TAILNET_TAG.test(tag)) throw new Error(`tailscale tag ${JSON.stringify(tag)} is not tag:<name>`);
  }
  return `#!/bin/bash
set -euo pipefail
umask 077
key=$(mktemp)
trap 'rm -f "$key"' EXIT
cat >"$key"
# A node already logged in (a re-run after a partial deploy, or a new key minted for new tags)
# keeps its identity: its tags are set through the API, not by a new login.
if tailscale ip -4 >/dev/null 2>&1; then
  echo 'tailscale: already joined' >&2
else
  tailscale up --auth-key="file:$key" --hostname=${shellQuote(input.hostname)} --advertise-tags=${shellQuote(input.tags.join(','))} >&2
fi
tailscale status --json | python3 -c 'import json, sys; print(json.load(sys.stdin)["Self"]["ID"])'
`;
}

/** The command the deploy runs as the admin user over SSH, the key on its stdin. */
export function renderJoinTailnetCommand(input: JoinTailnetInput): string {
  return `sudo bash -c ${shellQuote(renderJoinTailnetScript(input))}`;
}
