// A primary URL may carry a token in its query or fragment: status and check-config never show it.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../monitor/src/config.js';
import { initialState } from '../../monitor/src/core/model.js';
import { shownUrl } from '../../monitor/src/shown-url.js';
import { statusOf } from '../../monitor/src/status.js';
import { NOTHING_OBSERVED } from './daemon-fakes.js';

const SECRET = 'query-token-8d21c4';

describe('a URL as the monitor shows it', () => {
  it('is the URL as written when nothing in it can be a secret', () => {
    expect(shownUrl('http://100.64.0.1:18789')).toBe('http://100.64.0.1:18789');
    expect(shownUrl('https://gw.example/base/')).toBe('https://gw.example/base/');
  });

  it('hides credentials, the query and the fragment, keeping origin and path', () => {
    expect(shownUrl(`http://u:${SECRET}@h:1/p`)).toBe('http://h:1/p');
    expect(shownUrl(`http://${SECRET}@h:1/`)).toBe('http://h:1/');
    expect(shownUrl(`https://h/base?token=${SECRET}&a=1`)).toBe('https://h/base?(hidden)');
    expect(shownUrl(`https://h/?${SECRET}`)).toBe('https://h/?(hidden)');
    expect(shownUrl(`https://h/#${SECRET}`)).toBe('https://h/#(hidden)');
  });

  it('is what /status shows as the primary', () => {
    const config = parseConfig({
      primary: { url: `http://100.64.0.1:18789/?token=${SECRET}` },
      gateway: { manager: 'process', command: ['true'], readyUrl: 'http://127.0.0.1:1/readyz' },
      stateFile: '/nonexistent/state.json',
    });
    const observed = NOTHING_OBSERVED;
    const status = statusOf(initialState(1), config, observed, 'h');
    expect(status.primary.url).toBe('http://100.64.0.1:18789/?(hidden)');
    expect(JSON.stringify(status)).not.toContain(SECRET);
  });
});
