// The first input of every monitor run: the persisted state meets the gateway's real state, and
// the gateway wins. A running gateway is serving whatever the file says; a gone one may have
// written to the workspace, so what it was doing ends as a demotion that pushes it back.
import type { Action, Active, Outcome, Policy, State } from './model.js';
import { resumeAfterRestart } from './push-retry.js';
import { demote, drillReport, enter } from './transitions.js';

export function reconcile(policy: Policy, prev: State, gatewayRunning: boolean, now: number): Outcome {
  const started: Action = {
    type: 'log',
    level: 'info',
    event: 'monitor-start',
    fields: { role: prev.role, gatewayRunning },
  };
  const drill = prev.role === 'standby' || prev.role === 'held' ? undefined : prev.drill;
  const s = {
    ...prev,
    // What the primary was before the restart is unknown now: the next probe tells.
    primary: { health: 'unknown', failing: [], since: now },
    failures: 0,
    successes: 0,
    lastDrill: drill
      ? { ...drillReport(drill, prev.lastDrill), error: 'monitor restarted during the drill' }
      : prev.lastDrill,
  } satisfies State;
  if (gatewayRunning) {
    // Whatever the file says, a running gateway is serving: keep it, never start a second one.
    if (s.role === 'active') {
      const { drill: _interrupted, retryAt: _dropped, ...serving } = s;
      return { state: { ...serving, attempts: 0 }, actions: [started] };
    }
    const { shared, log } = enter(s, 'active', now, 'monitor started with the gateway running');
    // A demotion interrupted by the restart was active before: its active time and hold-down carry over.
    const activeSince = (s.role === 'demoting' ? s.activeSince : undefined) ?? now;
    const holdDownUntil =
      (s.role === 'demoting' ? s.holdDownUntil : undefined) ?? activeSince + policy.minActiveSeconds;
    const state: Active = { ...shared, role: 'active', activeSince, holdDownUntil, attempts: 0 };
    return { state, actions: [started, log] };
  }
  if (s.role === 'standby' || s.role === 'held') {
    return { state: resumeAfterRestart(s, now), actions: [started] };
  }
  // The gateway is gone but may have written to the workspace: finish a demotion to push it back.
  const { drill: _interrupted, ...stopped } = s;
  const o = demote(stopped, now, 'monitor started with the gateway stopped');
  return { ...o, actions: [started, ...o.actions] };
}
