// The tailnet-exit step's SSH half, for real: the step as the program stored it, against a real
// sshd on 127.0.0.1 with a harmless command in place of the leave. A verified host runs the
// command and its verdict is the step's; another host key gets nothing (not even a login
// attempt) and the API removes the device; a closed port or a silent one costs seconds, a
// droplet that drops every packet ssh's three connect timeouts.
import { existsSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT_ENV } from '../../infra/tailnet-exit/contract.js';
import { runOverSsh, SESSION_BUDGET_MS } from '../../infra/tailnet-exit/ssh-session.js';
import { newKeyPair } from '../../lab/droplet/ssh.js';
import { freePort } from '../../lab/ports.js';
import { UnansweredPort } from '../../lab/unanswered-port.js';
import { exitLabPerFile, runStep, STORED_API_KEY } from './exit-step.js';
import { MOCK_NODE_ID } from './program.js';

const context = exitLabPerFile();

const step = (overrides: Record<string, string>) =>
  runStep(context.lab.deleteCommand, { ...context.lab.environment, ...overrides });
let marks = 0;
/** A remote command that leaves a file behind: whether it ran shows on the disk. */
const touching = () => {
  const file = join(context.scratch, `ran-${marks++}`);
  return { file, command: `touch ${file}; echo 'left (test)'` };
};

/** A port that accepts connections and never says a word: a hung sshd, a tarpit. */
async function silentPort(): Promise<{ port: number; close: () => void }> {
  const sockets: net.Socket[] = [];
  const server = net.createServer((socket) => sockets.push(socket));
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port,
    close: () => {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}

describe('the droplet answers with its pinned host key', () => {
  it('runs the command there as the admin, and the API is not asked', async () => {
    const { file, command } = touching();
    const run = await step({ [EXIT_ENV.remoteCommand]: command });
    expect(run.code, run.stderr).toBe(0);
    expect(existsSync(file)).toBe(true);
    expect(run.stdout).toContain('left (test)');
    expect(run.stdout).toMatch(/left the tailnet over SSH/);
    expect(run.stdout).not.toMatch(/fg-session-/);
    expect(context.lab.api.requests).toEqual([]);
    expect(context.lab.api.devices.has(MOCK_NODE_ID)).toBe(true);
  });

  it('fails the step when the command fails, with its message, and the API is not asked', async () => {
    const run = await step({
      [EXIT_ENV.remoteCommand]: "echo 'refusing to delete the standby: (test)' >&2; exit 1",
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('refusing to delete the standby: (test)');
    expect(run.stderr).toMatch(/the leave command on the droplet failed \(exit 1\)/);
    expect(context.lab.api.requests).toEqual([]);
  });

  it('fails the step, API untouched, when the verified host refuses the login', async () => {
    const { file, command } = touching();
    const stranger = newKeyPair('stranger');
    const logged = context.lab.sshd.log().length;
    const run = await step({ [EXIT_ENV.remoteCommand]: command, [EXIT_ENV.privateKey]: stranger.privateKey });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /presented its pinned host key but refused the login as \S+ \(.*Permission denied/,
    );
    expect(existsSync(file)).toBe(false);
    // What sshd logs of a login (the next test finds none of it when the host key is wrong).
    expect(context.lab.sshd.log().slice(logged)).toMatch(/Failed publickey for \S+ from 127\.0\.0\.1/);
    expect(context.lab.api.requests).toEqual([]);
  });
});

describe('no verified session', () => {
  it('another host key: nothing is sent to it, not even a login, and the API removes the device', async () => {
    const { file, command } = touching();
    const logged = context.lab.sshd.log().length;
    const run = await step({
      [EXIT_ENV.remoteCommand]: command,
      [EXIT_ENV.hostKey]: newKeyPair('').publicKey,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(
      /presented a host key other than the droplet’s pinned one, so nothing was sent to it/,
    );
    expect(existsSync(file)).toBe(false);
    // sshd saw a connection end before any user or key was named. Only this step's connections
    // count: sshd may log the end of the previous test's refused login late, after `logged`.
    const since = context.lab.sshd.log().slice(logged);
    const ports = [...since.matchAll(/Connection from 127\.0\.0\.1 port (\d+)/g)].map((m) => m[1]);
    const seen = since
      .split('\n')
      .filter((line) => ports.some((port) => line.includes(`port ${port} `) || line.endsWith(`port ${port}`)))
      .join('\n');
    expect(ports.length).toBeGreaterThan(0);
    expect(seen).toMatch(/Connection (closed|reset) by 127\.0\.0\.1 port \d+ \[preauth\]/);
    expect(seen).not.toMatch(
      new RegExp(`authenticating user|publickey|Accepted|for ${context.lab.sshd.user}\\b`),
    );
    expect(context.lab.api.requests).toEqual([
      { method: 'DELETE', path: `/api/v2/device/${MOCK_NODE_ID}`, caller: 'api-key:0', status: 200 },
    ]);
    expect(context.lab.api.devices.has(MOCK_NODE_ID)).toBe(false);
    expect(run.stdout).toMatch(/whatever only the droplet held .* is gone with it/);
  });

  it('a closed port: the device is removed within a few seconds', async () => {
    const run = await step({ [EXIT_ENV.port]: String(await freePort()) });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/no verified SSH session .* Connection refused/);
    expect(context.lab.api.devices.has(MOCK_NODE_ID)).toBe(false);
    // 3 refused connects, 1 s apart, and the API call.
    expect(run.seconds).toBeLessThan(6);
    console.log(`closed port: step done in ${run.seconds.toFixed(2)} s`);
  });

  it('a droplet that drops every packet: 3 connects time out, then the API, well within a minute', async () => {
    const dropped = await UnansweredPort.start();
    try {
      const run = await step({ [EXIT_ENV.port]: String(dropped.port) });
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toMatch(/no verified SSH session .*Connection timed out/);
      expect(context.lab.api.devices.has(MOCK_NODE_ID)).toBe(false);
      // 3 × 5 s connects, 1 s apart, within the 20 s session bound.
      expect(run.seconds).toBeGreaterThan(15);
      expect(run.seconds).toBeLessThan(SESSION_BUDGET_MS / 1000 + 5);
      console.log(`dropped packets: step done in ${run.seconds.toFixed(2)} s`);
    } finally {
      await dropped.stop();
    }
  }, 60_000);

  it('a port that never answers: given up within the session bound, then the API', async () => {
    const silent = await silentPort();
    try {
      const run = await step({ [EXIT_ENV.port]: String(silent.port) });
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toMatch(/no verified SSH session .*(timed out|no session within)/);
      expect(context.lab.api.devices.has(MOCK_NODE_ID)).toBe(false);
      expect(run.seconds).toBeLessThan(SESSION_BUDGET_MS / 1000 + 5);
      console.log(`silent port: step done in ${run.seconds.toFixed(2)} s`);
    } finally {
      silent.close();
    }
  }, 40_000);

  it('the session bound holds whatever ssh waits for', async () => {
    const silent = await silentPort();
    try {
      const started = performance.now();
      const outcome = await runOverSsh(
        {
          host: '127.0.0.1',
          port: silent.port,
          user: 'nobody',
          hostKey: context.lab.sshd.hostKey,
          privateKey: undefined,
        },
        'true',
        process.stdout,
        1500,
      );
      const seconds = (performance.now() - started) / 1000;
      expect(outcome).toEqual({ kind: 'unverified', reason: 'no session within 1.5 s' });
      expect(seconds).toBeGreaterThanOrEqual(1.4);
      expect(seconds).toBeLessThan(3);
    } finally {
      silent.close();
    }
  });
});

describe('what the step prints', () => {
  it('holds no secret: neither the private key nor the API key', async () => {
    const runs = [
      await step({ [EXIT_ENV.remoteCommand]: 'true' }),
      await step({ [EXIT_ENV.hostKey]: newKeyPair('').publicKey }),
    ];
    const body = context.lab.adminKey.privateKey.split('\n')[1] ?? '';
    expect(body.length).toBeGreaterThan(20);
    for (const run of runs) {
      for (const secret of [body, STORED_API_KEY]) expect(run.stdout + run.stderr).not.toContain(secret);
    }
  });
});
