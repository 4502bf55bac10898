// The adaptive detector: the run of failing probes asked for grows with the failures seen, so a
// noisy link does not promote beside a healthy primary, while a clean one decides as fast as the
// fixed rule. Plain values through the pure core, and seeded random probe sequences.
import { describe, expect, it } from 'vitest';
import { EVIDENCE_WINDOW, MAX_REQUIRED_FAILURES, suspicion } from '../../monitor/src/core/detector.js';
import type { Policy } from '../../monitor/src/core/model.js';
import { DEFAULTS, Driver, FIXED, prng } from './core-helpers.js';

/** `f` failures spread over the window before a run that ends at probe 1000. */
const evidence = (f: number) => Array.from({ length: f }, (_, i) => 1000 - EVIDENCE_WINDOW + 1 + i);
const required = (policy: Policy, f: number) => suspicion(policy, evidence(f), 1000, 0).required;

/** Probes of a healthy primary behind a link that fails each probe with chance `p`. */
function noisyLink(policy: Policy, p: number, probes: number, seed: number): Driver {
  const d = new Driver(policy, { autoAnswer: true });
  const random = prng(seed);
  for (let i = 0; i < probes; i++) d.probe(random() < p ? 'down' : 'up');
  return d;
}

describe('how many failures in a row the standby needs', () => {
  it('on a clean link, failThreshold at the defaults: as fast as the fixed rule', () => {
    expect(required(DEFAULTS, 0)).toBe(3);
    // Probing 5× as often with a 5× shorter bound asks for the same run.
    expect(required({ ...DEFAULTS, checkIntervalSeconds: 1, falsePromotionDays: 73 }, 0)).toBe(3);
    // At 1 s with the yearly bound, one more: 5× the probes a day, 5× the chances.
    expect(required({ ...DEFAULTS, checkIntervalSeconds: 1 }, 0)).toBe(4);
  });

  it('grows with the failures seen, up to a cap, and is the shortest run that meets the bound', () => {
    let previous = 0;
    for (let f = 0; f <= EVIDENCE_WINDOW; f++) {
      const { required: k, rate } = suspicion(DEFAULTS, evidence(f), 1000, 0);
      expect(k).toBeGreaterThanOrEqual(previous);
      previous = k;
      if (k === MAX_REQUIRED_FAILURES || k === DEFAULTS.failThreshold) continue;
      const perDay = (k: number) => (86_400 / DEFAULTS.checkIntervalSeconds) * rate ** k;
      expect(perDay(k)).toBeLessThanOrEqual(1 / DEFAULTS.falsePromotionDays);
      expect(perDay(k - 1)).toBeGreaterThan(1 / DEFAULTS.falsePromotionDays);
    }
    expect(required(DEFAULTS, 26)).toBe(10); // ~13 % of probes failing: 20 % loss each way
    expect(required(DEFAULTS, EVIDENCE_WINDOW)).toBe(MAX_REQUIRED_FAILURES);
  });

  it('falsePromotionDays 0 is the fixed rule, and failThreshold stays the floor', () => {
    expect(required(FIXED, 100)).toBe(3);
    expect(required({ ...DEFAULTS, failThreshold: 12 }, 26)).toBe(12);
  });

  it('never counts the current run as evidence against itself, nor failures older than the window', () => {
    const recent = [990, 998, 999, 1000];
    // The run is the last 3: one failure of evidence.
    expect(suspicion(DEFAULTS, recent, 1000, 3).evidence).toBe(1);
    expect(suspicion(DEFAULTS, [700, 750, 1000], 1000, 1).evidence).toBe(0);
  });
});

describe('a healthy primary behind a lossy link', () => {
  it('is never abandoned over a day of probes at 13 % failing probes, where the fixed rule flaps', () => {
    for (const seed of [1, 2, 3]) {
      const ours = noisyLink(DEFAULTS, 0.13, 20_000, seed);
      const fixed = noisyLink(FIXED, 0.13, 20_000, seed);
      expect(ours.state.counters.promotions, `seed ${seed}`).toBe(0);
      expect(fixed.state.counters.promotions, `seed ${seed}`).toBeGreaterThan(5);
    }
  });

  it('still detects a real death after the noise, within the run the noise asks for', () => {
    const d = noisyLink(DEFAULTS, 0.13, 2000, 7);
    expect(d.state.role).toBe('standby');
    d.autoAnswer = false;
    let downs = 0;
    while (d.state.role === 'standby' && downs < MAX_REQUIRED_FAILURES) {
      d.probe('down');
      downs++;
    }
    expect(d.state.role).toBe('promoting');
    expect(downs).toBeGreaterThan(DEFAULTS.failThreshold);
    expect(downs).toBeLessThanOrEqual(14);
  });
});

describe('what counts as evidence', () => {
  it('a run that ended in a promotion is an outage, not noise: the next failover is as fast', () => {
    const d = new Driver({ ...DEFAULTS, minActiveSeconds: 0 }, { autoAnswer: true });
    d.probes('uuu ddd');
    expect(d.state.role).toBe('active');
    expect(d.state.recentFailures).toEqual([]);
    d.probes(`${'d'.repeat(30)}uuu`);
    expect(d.state.role).toBe('standby');
    // Failures while active are no evidence either.
    expect(d.state.recentFailures).toEqual([]);
    d.probes('ddd');
    expect(d.state.counters.promotions).toBe(2);
  });

  it('a blip that did not promote is evidence; a held standby records none', () => {
    const d = new Driver(DEFAULTS);
    d.probes('uu dd uu');
    expect(d.state.recentFailures).toEqual([3, 4]);
    // Two failures seen: this run of 3 is not enough any more.
    d.probes('ddd');
    expect(d.state.role).toBe('standby');
    d.send({ type: 'hold' });
    d.probes('uuu ddddd');
    expect(d.state.recentFailures).toEqual([3, 4, 7, 8, 9]);
  });

  it('says in the log how many it asks for and at what failure rate', () => {
    const d = new Driver(DEFAULTS);
    d.probes('dd uu d');
    const logged = d.history
      .at(-1)
      ?.outcome.actions.find((a) => a.type === 'log' && a.event === 'probe-failed');
    expect(logged).toMatchObject({ fields: { failures: 1, threshold: 5, failureRate: 0.029 } });
  });
});
