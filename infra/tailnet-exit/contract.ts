// What the program hands the tailnet-exit step (../tailnet-exit.ts) and the step's script
// (main.ts) reads: the names of its environment variables, in one place for both sides. The
// program stores them in the step's state at `pulumi up`; `pulumi destroy` runs the script from
// the checkout with them, so a name changed here must keep reading what older states hold.

export const EXIT_ENV = {
  /** The droplet's public address and SSH port. */
  host: 'FG_EXIT_HOST',
  port: 'FG_EXIT_PORT',
  /** The admin login. */
  user: 'FG_EXIT_USER',
  /** `ssh-ed25519 AAAA…`: the droplet's own host key, the only one the session accepts. */
  hostKey: 'FG_EXIT_HOST_KEY',
  /** The admin's private key (a secret); absent: the user's ssh-agent. */
  privateKey: 'FG_EXIT_PRIVATE_KEY',
  /** What runs on the droplet: the leave script (cloud-init/leave-tailnet.ts). */
  remoteCommand: 'FG_EXIT_REMOTE_COMMAND',
  /** The standby's stable node ID, which the API removes when the droplet cannot be reached. */
  nodeId: 'FG_EXIT_NODE_ID',
  /** The Tailscale provider's config as of the last `pulumi up` (tailscale:apiKey, …). */
  apiKey: 'FG_EXIT_TAILSCALE_API_KEY',
  oauthClientId: 'FG_EXIT_TAILSCALE_OAUTH_CLIENT_ID',
  oauthClientSecret: 'FG_EXIT_TAILSCALE_OAUTH_CLIENT_SECRET',
  baseUrl: 'FG_EXIT_TAILSCALE_BASE_URL',
} as const;

/** The script, relative to infra/: the working directory Pulumi gives the program and its providers. */
export const EXIT_SCRIPT = './tailnet-exit/main.ts';
