// A configured URL as the monitor shows it (status, check-config). Credentials are refused at
// config load (config.ts), but a query or a fragment may still carry a token (`?token=…`): both
// are hidden, while the origin and path stay, so an operator can still tell where a probe goes.

/** The URL as written, or, with credentials, a query or a fragment, its origin and path and a mark for each hidden part. */
export function shownUrl(url: string): string {
  const u = new URL(url);
  if (u.username === '' && u.password === '' && u.search === '' && u.hash === '') return url;
  return `${u.origin}${u.pathname}${u.search ? '?(hidden)' : ''}${u.hash ? '#(hidden)' : ''}`;
}
