// What the `status` verb prints: text that came from the primary must not reach the terminal raw.
import { type AddressInfo, createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../lab/ports.js';
import { parseConfig } from '../../monitor/src/config.js';
import { initialState } from '../../monitor/src/core/model.js';
import { statusOf } from '../../monitor/src/status.js';
import { formatStatus, showStatus } from '../../monitor/src/status-client.js';
import { NOTHING_OBSERVED } from './daemon-fakes.js';

const config = parseConfig({
  primary: { url: 'http://100.64.0.1:18789' },
  gateway: { manager: 'process', command: ['true'], readyUrl: 'http://127.0.0.1:1/readyz' },
  stateFile: '/nonexistent/state.json',
});

describe('the status verb', () => {
  it('shows control characters from the primary as \\xNN, never as themselves', () => {
    const state = initialState(1_000_000);
    const hostile = {
      ...state,
      primary: {
        health: 'degraded' as const,
        failing: ['telegram\u001b]0;owned\u0007', '\u001b[2Jx'],
        since: 1,
      },
    };
    const text = formatStatus(
      JSON.parse(
        JSON.stringify(
          statusOf(
            hostile,
            config,
            {
              ...NOTHING_OBSERVED,
              lastProbe: { health: 'degraded', failing: [], detail: 'HTTP 503 \u009b1m', latencyMs: 3 },
            },
            'h',
          ),
        ),
      ),
    );
    // biome-ignore lint/suspicious/noControlCharactersInRegex: asserting their absence
    expect(text.replace(/\n/g, '')).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    expect(text).toContain('failing: telegram\\x1b]0;owned\\x07, \\x1b[2Jx');
    expect(text).toContain('HTTP 503 \\x9b1m');
  });
});

describe('the status verb on the detector', () => {
  it('says how many failures in a row it needs and why', () => {
    const state = {
      ...initialState(1_000_000),
      recentFailures: [150, 170, 190],
      counters: { ...initialState(0).counters, probes: { up: 197, degraded: 0, down: 3 } },
    };
    const text = formatStatus(JSON.parse(JSON.stringify(statusOf(state, config, NOTHING_OBSERVED, 'h'))));
    expect(text).toContain(
      'detector    3 failures in the last 200 probes: 5 in a row needed (at least failThreshold 3, a false promotion at most once in 365 days; a failing run confirmed every 1 s)',
    );
    expect(text).toContain('(promote at 5 over at least 8 s, demote at 3)');
  });
});

describe('the verbs when the monitor does not answer', () => {
  it('tell a monitor that is not running from an endpoint that is full', async () => {
    const closed = `127.0.0.1:${await freePort()}`;
    await expect(showStatus(closed, false)).rejects.toThrow(
      /not reachable .*ECONNREFUSED.*is openclaw-failover running/,
    );
    // A full endpoint: Node accepts the connection past maxConnections and closes it at once.
    const full = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => full.listen(0, '127.0.0.1', resolve));
    try {
      const listen = `127.0.0.1:${(full.address() as AddressInfo).port}`;
      await expect(showStatus(listen, false)).rejects.toThrow(/did not answer .*at most 32 connections/);
    } finally {
      await new Promise((resolve) => full.close(resolve));
    }
  });
});

describe('the status verb on the workspace', () => {
  const withWorkspace = parseConfig({
    primary: { url: 'http://100.64.0.1:18789' },
    gateway: { manager: 'process', command: ['true'], readyUrl: 'http://127.0.0.1:1/readyz' },
    stateFile: '/nonexistent/state.json',
    workspace: { path: '/var/lib/openclaw/workspace' },
  });
  const textOf = (
    cfg: typeof config,
    workspace: { fetchedAt?: number; newestCommitAt?: number; lastError?: string },
  ) =>
    formatStatus(
      JSON.parse(
        JSON.stringify(statusOf(initialState(1_000_000), cfg, { ...NOTHING_OBSERVED, workspace }, 'h')),
      ),
    );

  it('says how old the copy a promotion would serve is, and why it is not fresher', () => {
    const now = Date.now() / 1000;
    const text = textOf(withWorkspace, {
      fetchedAt: now - 30,
      newestCommitAt: now - 300,
      lastError: 'fatal: unreachable',
    });
    expect(text).toMatch(
      /^workspace {3}newest fetched commit made \S+ \(5m ago\), fetched 30s ago; fetching fails: fatal: unreachable$/m,
    );
    expect(textOf(withWorkspace, {})).toMatch(/^workspace {3}nothing fetched yet$/m);
    expect(textOf(config, {})).not.toMatch(/^workspace/m);
  });
});
