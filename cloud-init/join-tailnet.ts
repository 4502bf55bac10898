// The command that joins a new droplet to the tailnet, run once per droplet over SSH after its first
// boot, with the single-use auth key on stdin. The key is minted per droplet (infra/tailnet.ts), so
// any new droplet gets a fresh one, and it never sits in user-data or on disk beyond this command.
import { TAILNET_TAG } from './shapes.js';
import { shellQuote } from './shell.js';

export interface JoinTailnetInput {
  hostname: string;
  /** `tag:`-prefixed; each needs a tagOwners entry in the tailnet policy. */
  tags: readonly string[];
}

/** The root script; stdin carries the key. */
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
# A node already logged in (a re-run after a partial deploy) keeps its identity: the key is spent.
if tailscale ip -4 >/dev/null 2>&1; then echo 'tailscale: already joined'; exit 0; fi
tailscale up --auth-key="file:$key" --hostname=${shellQuote(input.hostname)} --advertise-tags=${shellQuote(input.tags.join(','))}
`;
}

/** The command the deploy runs as the admin user over SSH, the key on its stdin. */
export function renderJoinTailnetCommand(input: JoinTailnetInput): string {
  return `sudo bash -c ${shellQuote(renderJoinTailnetScript(input))}`;
}
