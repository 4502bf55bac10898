// The Tailscale API credentials of the destroy step: those the @pulumi/tailscale provider takes
// (an API key, or an OAuth client's ID and secret), from where they are current first. At
// `pulumi destroy` the program does not run, so the stack's config is known only as the last
// `pulumi up` stored it; the environment is what the user has now. A rotated key exported in the
// shell therefore wins over the one stored, and a value `file:<path>` is read from that file, as
// the provider does.
import { readFileSync } from 'node:fs';
import { EXIT_ENV } from './contract.js';

const DEFAULT_BASE_URL = 'https://api.tailscale.com';

export type Credentials =
  | { kind: 'api-key'; apiKey: string; source: string }
  | { kind: 'oauth'; clientId: string; clientSecret: string; source: string };

export interface ApiAccess {
  baseUrl: string;
  credentials: Credentials;
}

type Env = Record<string, string | undefined>;

/** The value, read from its file for `file:<path>`; undefined when unset or empty. */
function value(env: Env, name: string): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  if (!raw.startsWith('file:')) return raw;
  try {
    return readFileSync(raw.slice('file:'.length), 'utf8').trim() || undefined;
  } catch (err) {
    throw new Error(`${name} names a file that cannot be read: ${(err as Error).message}`);
  }
}

function first(env: Env, names: string[]): string | undefined {
  for (const name of names) {
    const found = value(env, name);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** The environment's own credentials, under the provider's variable names (OAUTH_* are its older names). */
function current(env: Env): Credentials | undefined {
  const apiKey = value(env, 'TAILSCALE_API_KEY');
  if (apiKey !== undefined)
    return { kind: 'api-key', apiKey, source: 'TAILSCALE_API_KEY from the environment' };
  const clientId = first(env, ['TAILSCALE_OAUTH_CLIENT_ID', 'OAUTH_CLIENT_ID']);
  const clientSecret = first(env, ['TAILSCALE_OAUTH_CLIENT_SECRET', 'OAUTH_CLIENT_SECRET']);
  if (clientId === undefined || clientSecret === undefined) return undefined;
  return { kind: 'oauth', clientId, clientSecret, source: 'the OAuth client from the environment' };
}

/** The provider's config as the last `pulumi up` stored it in the step. */
function stored(env: Env): Credentials | undefined {
  const apiKey = value(env, EXIT_ENV.apiKey);
  if (apiKey !== undefined)
    return { kind: 'api-key', apiKey, source: 'tailscale:apiKey as of the last pulumi up' };
  const clientId = value(env, EXIT_ENV.oauthClientId);
  const clientSecret = value(env, EXIT_ENV.oauthClientSecret);
  if (clientId === undefined || clientSecret === undefined) return undefined;
  return {
    kind: 'oauth',
    clientId,
    clientSecret,
    source: 'tailscale:oauthClientId and tailscale:oauthClientSecret as of the last pulumi up',
  };
}

/** Where to reach the API and as whom; throws, naming what to set, when there is nothing to use. */
export function apiAccess(env: Env): ApiAccess {
  const credentials = current(env) ?? stored(env);
  if (credentials === undefined) {
    throw new Error(
      'no Tailscale API credentials: set TAILSCALE_API_KEY, or TAILSCALE_OAUTH_CLIENT_ID and TAILSCALE_OAUTH_CLIENT_SECRET ' +
        '(an OAuth client with the devices:core scope), and run pulumi destroy again',
    );
  }
  // A URL, never `file:` (the provider reads only credentials from files).
  const baseUrl = env.TAILSCALE_BASE_URL || env[EXIT_ENV.baseUrl] || DEFAULT_BASE_URL;
  return { baseUrl: baseUrl.replace(/\/+$/, ''), credentials };
}
