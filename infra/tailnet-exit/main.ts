// The delete step of the standby's tailnet membership, run by `pulumi destroy` (and a droplet
// replacement) on the user's machine before the droplet goes:
//   node --import ./resolve-ts-imports.mjs ./tailnet-exit/main.ts      (in infra/, inputs in EXIT_ENV)
// - the droplet answers with its pinned host key: it runs the leave command there, as the admin,
//   and that command's verdict is the step's (a refusal to lose workspace changes fails destroy);
// - no verified session within the bound (dead, unreachable, or another host key): the standby's
//   device is removed through the Tailscale API instead, and the output says what that loses;
// - the droplet proved its key but refused the login: the step fails, so a live droplet's
//   changes are not thrown away for want of the right SSH key.
import { EXIT_ENV } from './contract.js';
import { apiAccess } from './credentials.js';
import { runOverSsh, type SshTarget } from './ssh-session.js';
import { removeDevice } from './tailscale-api.js';

function required(name: string): string {
  const found = process.env[name];
  if (found === undefined || found.trim() === '') {
    throw new Error(`${name} is not set: this step runs from its Pulumi state (pulumi destroy)`);
  }
  return found;
}

function target(): SshTarget {
  const port = Number(process.env[EXIT_ENV.port] || 22);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`${EXIT_ENV.port} is not a port`);
  const privateKey = process.env[EXIT_ENV.privateKey];
  return {
    host: required(EXIT_ENV.host),
    port,
    user: required(EXIT_ENV.user),
    hostKey: required(EXIT_ENV.hostKey),
    privateKey: privateKey === undefined || privateKey === '' ? undefined : privateKey,
  };
}

async function leave(): Promise<void> {
  const droplet = target();
  const outcome = await runOverSsh(droplet, required(EXIT_ENV.remoteCommand), process.stdout);
  switch (outcome.kind) {
    case 'ran':
      process.stderr.write(outcome.stderr);
      if (outcome.code !== 0) {
        throw new Error(
          `the leave command on the droplet failed (exit ${outcome.code}); its message is above`,
        );
      }
      console.log(`the droplet at ${droplet.host} left the tailnet over SSH`);
      return;
    case 'login-failed':
      throw new Error(
        `the droplet at ${droplet.host} presented its pinned host key but refused the login as ${droplet.user} (${outcome.detail}): ` +
          'load the admin key into ssh-agent (or set sshPrivateKey) and run pulumi destroy again',
      );
    case 'unverified': {
      const nodeId = required(EXIT_ENV.nodeId);
      console.log(
        `no verified SSH session with the droplet at ${droplet.host}:${droplet.port} (${outcome.reason}): ` +
          `removing its device ${nodeId} from the tailnet through the Tailscale API`,
      );
      const access = apiAccess(process.env);
      const removal = await removeDevice(access, nodeId);
      console.log(
        removal === 'removed'
          ? `removed device ${nodeId} from the tailnet (credentials: ${access.credentials.source})`
          : `the Tailscale API has no device ${nodeId} (credentials: ${access.credentials.source}): it was already removed, or these credentials are for another tailnet`,
      );
      console.log(
        'the droplet was unreachable, so the leave command did not run on it: whatever only the droplet held ' +
          '(workspace commits on no remote, uncommitted files) is gone with it',
      );
    }
  }
}

try {
  await leave();
} catch (err) {
  process.stderr.write(`tailnet exit: ${(err as Error).message}\n`);
  process.exitCode = 1;
}
