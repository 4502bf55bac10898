// The Tailscale API calls of the destroy step, as the @pulumi/tailscale provider makes them: an
// API key as HTTP Basic user, or an OAuth client's bearer token from the client-credentials grant;
// then the removal of one device by its node ID. A device the API no longer knows is gone, which
// is what the step wants. Errors name the credentials' source, never their value.
import type { ApiAccess, Credentials } from './credentials.js';

/** Each request: the step must end well within a minute even if the API hangs. */
const REQUEST_TIMEOUT_MS = 8000;

export type Removal = 'removed' | 'absent';

const RETRY_HINT =
  'set TAILSCALE_API_KEY (or TAILSCALE_OAUTH_CLIENT_ID and TAILSCALE_OAUTH_CLIENT_SECRET) to current credentials and run pulumi destroy again';

async function request(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, { ...init, redirect: 'error', signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  } catch (err) {
    const cause = (err as Error & { cause?: Error }).cause?.message ?? (err as Error).message;
    throw new Error(`the Tailscale API at ${new URL(url).origin} could not be reached: ${cause}`);
  }
}

/** The API's own words for a failure, on one line and short: its JSON `message`, or the text. */
async function said(res: Response): Promise<string> {
  const text = await res.text().catch(() => '');
  let message = text;
  try {
    const body = JSON.parse(text) as { message?: unknown; error?: unknown };
    message = String(body.message ?? body.error ?? text);
  } catch {
    // Not JSON: the text as it came.
  }
  const line = message.replace(/\s+/g, ' ').trim().slice(0, 200);
  return line === '' ? `HTTP ${res.status}` : `HTTP ${res.status}: ${line}`;
}

function refused(credentials: Credentials, detail: string): Error {
  return new Error(`the Tailscale API refused ${credentials.source} (${detail}): ${RETRY_HINT}`);
}

/** The Authorization header: the API key, or a token minted for the OAuth client. */
async function authorization({ baseUrl, credentials }: ApiAccess): Promise<string> {
  if (credentials.kind === 'api-key')
    return `Basic ${Buffer.from(`${credentials.apiKey}:`).toString('base64')}`;
  // RFC 6749 §2.3.1: each part form-encoded, then HTTP Basic.
  const basic = Buffer.from(
    `${encodeURIComponent(credentials.clientId)}:${encodeURIComponent(credentials.clientSecret)}`,
  ).toString('base64');
  const res = await request(`${baseUrl}/api/v2/oauth/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials' }).toString(),
  });
  if (res.status === 400 || res.status === 401) throw refused(credentials, await said(res));
  if (!res.ok) throw new Error(`the Tailscale API's OAuth token endpoint failed (${await said(res)})`);
  const token = ((await res.json().catch(() => ({}))) as { access_token?: unknown }).access_token;
  if (typeof token !== 'string' || token === '') {
    throw new Error('the Tailscale API’s OAuth token endpoint answered without an access token');
  }
  return `Bearer ${token}`;
}

/** Removes the device from its tailnet: `removed`, or `absent` when the API has no such device. */
export async function removeDevice(access: ApiAccess, nodeId: string): Promise<Removal> {
  const res = await request(`${access.baseUrl}/api/v2/device/${encodeURIComponent(nodeId)}`, {
    method: 'DELETE',
    headers: { authorization: await authorization(access) },
  });
  if (res.ok) return 'removed';
  if (res.status === 404) return 'absent';
  const detail = await said(res);
  if (res.status === 401) throw refused(access.credentials, detail);
  if (res.status === 403) {
    throw new Error(
      `the Tailscale API does not let ${access.credentials.source} remove devices (${detail}): it needs write access to devices (the devices:core scope)`,
    );
  }
  throw new Error(`the Tailscale API failed to remove device ${nodeId} (${detail})`);
}
