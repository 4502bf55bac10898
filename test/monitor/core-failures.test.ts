import { describe, expect, it } from 'vitest';
import { activeDriver, DEFAULTS, Driver, effects, promotingDriver, sigs } from './core-helpers.js';

describe('failure during promotion', () => {
  it('promote-failed stays promoting with a retry time and notifies', () => {
    const d = promotingDriver();
    const t = d.now;
    const o = d.send({ type: 'promote-failed', error: 'unit failed' });
    expect(o.state.role).toBe('promoting');
    expect(o.state.since).toBe(t - 5);
    expect(o.state.attempts).toBe(1);
    expect(o.state.retryAt).toBe(t + 10);
    expect(o.state.counters.startFailures).toBe(1);
    expect(o.actions).toEqual([
      { type: 'log', level: 'error', event: 'start-failed', fields: { attempt: 1, error: 'unit failed' } },
      {
        type: 'notify',
        event: 'start-failed',
        message: 'starting the standby gateway failed (attempt 1): unit failed',
      },
    ]);
    expect(o.state.transitions).toHaveLength(1);
  });

  it('promote-refused (the primary runs the standby bot) waits and asks again, without counting a start failure', () => {
    const d = promotingDriver();
    const t = d.now;
    const reason = "the primary runs this standby's telegram bot (id 42, account default)";
    const o = d.send({ type: 'promote-refused', cause: 'duplicate-bot', reason });
    expect(o.state).toMatchObject({ role: 'promoting', start: 'failed', attempts: 1, retryAt: t + 10 });
    expect(o.state).toHaveProperty('lastError', reason);
    expect(o.state.counters.startFailures).toBe(0);
    expect(o.actions).toEqual([
      {
        type: 'log',
        level: 'error',
        event: 'promotion-refused',
        fields: { attempt: 1, error: reason, cause: 'duplicate-bot' },
      },
      { type: 'notify', event: 'duplicate-bot', message: `not promoting (attempt 1): ${reason}` },
    ]);
    d.probe('down');
    d.probe('down');
    const retry = d.probe('down');
    expect(retry.actions.filter((a) => a.type === 'promote')).toEqual([
      { type: 'promote', reason: 'retrying the start', attempt: 2 },
    ]);
    expect(retry.state).toMatchObject({ start: 'in-flight' });
    expect(retry.state).not.toHaveProperty('lastError');
    expect(retry.state).not.toHaveProperty('retryAt');
  });

  it('a refused promotion ends in standby once the primary is healthy again', () => {
    const d = promotingDriver();
    d.send({ type: 'promote-refused', cause: 'isolated', reason: 'cut off' });
    for (let i = 0; i < DEFAULTS.recoverThreshold - 1; i++) d.probe('up');
    const back = d.probe('up');
    expect(back.state.role).toBe('standby');
    expect(back.state).not.toHaveProperty('lastError');
  });

  it('retries only when a probe arrives at or after retryAt with the primary still failing', () => {
    const d = promotingDriver();
    const t = d.now;
    d.send({ type: 'promote-failed', error: 'e' });
    expect(effects(d.probe('down').actions)).toEqual([]); // t
    expect(effects(d.probe('down').actions)).toEqual([]); // t+5
    expect(d.now).toBe(t + 10);
    const r = d.probe('down');
    expect(r.actions.filter((a) => a.type === 'promote')).toEqual([
      { type: 'promote', reason: 'retrying the start', attempt: 2 },
    ]);
    expect(effects(r.actions)).toEqual(['promote']);
    expect(r.state.role).toBe('promoting');
    expect(r.state.retryAt).toBeUndefined();
    expect(r.state.attempts).toBe(1);
    // In flight again: no further promote however long it takes.
    d.advance(1000);
    expect(effects(d.probe('down').actions)).toEqual([]);
    expect(effects(d.probe('down').actions)).toEqual([]);
  });

  it('a probe arriving late (after retryAt) retries once', () => {
    const d = promotingDriver();
    d.send({ type: 'promote-failed', error: 'e' });
    d.advance(500);
    expect(effects(d.probe('down').actions)).toEqual(['promote']);
    expect(effects(d.probe('down').actions)).toEqual([]);
  });

  it('without a probe, nothing is retried: the retry rides on the probe clock', () => {
    const d = promotingDriver();
    d.send({ type: 'promote-failed', error: 'e' });
    d.advance(500);
    expect(effects(d.send({ type: 'promoted' }).actions)).toEqual(['notify:active']);
  });

  it('the start backoff doubles with the attempts and is capped at 300 s', () => {
    const d = promotingDriver();
    const delays: number[] = [];
    for (let i = 1; i <= 8; i++) {
      const o = d.send({ type: 'promote-failed', error: `e${i}` });
      expect(o.state.attempts).toBe(i);
      expect(o.actions[1]).toMatchObject({
        message: `starting the standby gateway failed (attempt ${i}): e${i}`,
      });
      delays.push((o.state.retryAt ?? 0) - d.now);
      d.now = o.state.retryAt ?? d.now;
      const r = d.probe('down');
      expect(r.actions.find((a) => a.type === 'promote')).toEqual({
        type: 'promote',
        reason: 'retrying the start',
        attempt: i + 1,
      });
    }
    expect(delays).toEqual([10, 20, 40, 80, 160, 300, 300, 300]);
    expect(d.state.counters.startFailures).toBe(8);
    const ok = d.send({ type: 'promoted' });
    expect(ok.state.role).toBe('active');
    expect(ok.state.attempts).toBe(0);
    expect(ok.state.retryAt).toBeUndefined();
    expect(ok.state.counters.promotions).toBe(1);
  });

  it('the backoff scales with the check interval', () => {
    const d = promotingDriver({ ...DEFAULTS, checkIntervalSeconds: 0.1 });
    const o = d.send({ type: 'promote-failed', error: 'e' });
    expect((o.state.retryAt ?? 0) - d.now).toBeCloseTo(0.2, 9);
  });

  it('below recoverThreshold healthy probes, the primary still counts as failing: the start is retried', () => {
    const d = promotingDriver();
    d.send({ type: 'promote-failed', error: 'e' });
    d.advance(10);
    const o = d.probe('up');
    expect(o.state.successes).toBe(1);
    expect(effects(o.actions)).toEqual(['promote']);
  });

  it('the primary recovering while waiting for the retry returns to standby', () => {
    const d = promotingDriver();
    d.send({ type: 'promote-failed', error: 'e' });
    expect(d.probes('uu')).toEqual(['promoting', 'promoting']);
    const o = d.probe('up');
    expect(o.state.role).toBe('standby');
    expect(o.state.reason).toBe('primary recovered before the start succeeded');
    // A standby carries no attempts: none carry over to the next promotion.
    expect(o.state).not.toHaveProperty('attempts');
    expect(o.state.retryAt).toBeUndefined();
    expect(o.state.failures).toBe(0);
    expect(sigs(o.actions)).toEqual(['log:transition', 'notify:standby']);
    expect(d.count('promote')).toBe(1);
    // And it watches the primary again from scratch.
    expect(d.probes('dd')).toEqual(['standby', 'standby']);
    expect(d.probes('d')).toEqual(['promoting']);
  });

  it('a primary that recovered during the failed start returns to standby at the next probe', () => {
    const d = promotingDriver();
    d.probes('uuu');
    d.send({ type: 'promote-failed', error: 'e' });
    expect(d.state.role).toBe('promoting');
    expect(d.probes('u')).toEqual(['standby']);
    expect(d.count('promote')).toBe(1);
  });

  it('a late promoted after giving up is ignored', () => {
    const d = promotingDriver();
    d.send({ type: 'promote-failed', error: 'e' });
    d.probes('uuu');
    const o = d.send({ type: 'promoted' });
    expect(o.state).toBe(d.history.at(-2)?.outcome.state);
    expect(sigs(o.actions)).toEqual(['log:unexpected-input']);
  });
});

describe('gateway died while active', () => {
  it('primary failing: restarts it (promoting + promote) and notifies gateway-died', () => {
    const d = activeDriver();
    d.probes('dd');
    const promotions = d.state.promotions;
    const o = d.probe('down', { gatewayRunning: false });
    expect(o.state.role).toBe('promoting');
    expect(o.state.reason).toBe('standby gateway stopped while active');
    expect(o.actions).toEqual([
      { type: 'notify', event: 'gateway-died', message: 'the standby gateway stopped while active' },
      {
        type: 'log',
        level: 'info',
        event: 'transition',
        fields: { from: 'active', to: 'promoting', reason: 'standby gateway stopped while active' },
      },
      { type: 'promote', reason: 'restarting the stopped standby gateway', attempt: 1 },
    ]);
    // A restart is not a new failover: no flap-damping entry, no promotion counted.
    expect(o.state.promotions).toEqual(promotions);
    expect(o.state.counters.promotions).toBe(1);
    const t = d.now;
    const back = d.send({ type: 'promoted' });
    expect(back.state.role).toBe('active');
    expect(back.state.activeSince).toBe(t);
    expect(back.state.holdDownUntil).toBe(t + 120);
  });

  it('primary up: demotes at once, hold-down or not, so the workspace is pushed back', () => {
    const d = activeDriver();
    const o = d.probe('up', { gatewayRunning: false });
    expect(d.now - 5).toBeLessThan(d.state.holdDownUntil ?? 0);
    expect(o.state.role).toBe('demoting');
    expect(o.actions[2]).toEqual({
      type: 'demote',
      reason: 'standby gateway stopped while the primary is up',
    });
    expect(sigs(o.actions)).toEqual(['log:primary-health', 'log:transition', 'demote', 'notify:demoting']);
  });

  it('promoteOn "down": a degraded primary counts as up', () => {
    const d = activeDriver();
    expect(d.probe('degraded', { gatewayRunning: false }).state.role).toBe('demoting');
  });

  it('promoteOn "unready": a degraded primary counts as failing', () => {
    const d = activeDriver({ ...DEFAULTS, promoteOn: 'unready' });
    const o = d.probe('degraded', { failing: ['discord'], gatewayRunning: false });
    expect(o.state.role).toBe('promoting');
    expect(effects(o.actions)).toEqual(['notify:gateway-died', 'promote']);
  });

  it('is also noticed while waiting to retry a failed stop', () => {
    const d = activeDriver();
    d.advance(200);
    d.probes('uuu');
    d.send({ type: 'demote-failed', error: 'x' });
    expect(d.probe('up', { gatewayRunning: false }).state.role).toBe('demoting');
  });

  it('gatewayRunning true or absent is business as usual', () => {
    const d = activeDriver();
    expect(d.probe('down', { gatewayRunning: true }).state.role).toBe('active');
    expect(d.probe('up', { gatewayRunning: true }).state.role).toBe('active');
    expect(d.probe('down').state.role).toBe('active');
  });

  it('gatewayRunning false outside active is ignored', () => {
    const standby = new Driver(DEFAULTS);
    expect(standby.probes('uu', { gatewayRunning: false })).toEqual(['standby', 'standby']);
    const promoting = promotingDriver();
    expect(effects(promoting.probe('down', { gatewayRunning: false }).actions)).toEqual([]);
    expect(promoting.state.role).toBe('promoting');
  });
});
