// `pulumi up` and `pulumi destroy` of the lab's stack against the droplet stand-in, with the
// program's own steps (stack.ts): each remote step over real SSH, over a connection that accepts
// only the host key the step pins, each step run again only when its inputs changed since it last
// ran; a local step (the tailnet exit) on the lab host's side, where `pulumi` would run.
import { fileURLToPath } from 'node:url';
import { EXIT_ENV } from '../../infra/tailnet-exit/contract.js';
import { runToEnd } from '../run-to-end.js';
import { COMMAND_STDOUT } from './lab-stack.js';
import { copyTo, type SshResult, type SshTarget, ssh, trustHostKey } from './ssh.js';
import type { DeployStep, RenderedStack } from './stack.js';

/** Pulumi runs the program and its providers in the program's folder. */
const PROGRAM_DIR = fileURLToPath(new URL('../../infra/', import.meta.url));
/** What the user's machine may hold that a destroy step would use: not the lab's. */
const USER_CREDENTIALS = /^(TAILSCALE_|OAUTH_CLIENT_|SSH_AUTH_SOCK$)/;

export class Deployment {
  /** What the host-key command printed: the droplet's own host key, once deployed. */
  #dropletHostKey: string | undefined;
  /** The node's stable ID, the join command's last line. */
  #nodeId: string | undefined;
  /** Each step's identity when it last ran. */
  readonly #ran = new Map<string, string>();

  constructor(
    readonly admin: SshTarget,
    /** Called with a step's name once it has run. */
    readonly onStep: (name: string) => void,
  ) {}

  /** The deployment's steps in order, each one that is new or changed since it last ran. */
  async up(stack: RenderedStack): Promise<void> {
    for (const step of stack.steps) {
      if (this.#ran.get(step.name) === step.identity) continue;
      // A local step only stores its inputs at `pulumi up`.
      if (step.kind === 'local') continue;
      this.#trust(step);
      if (step.kind === 'copy') {
        const result = await copyTo(this.admin, step.source, step.remotePath);
        if (result.code !== 0) throw new Error(`${step.name}: copy failed: ${result.stderr}`);
      } else if (step.create !== undefined) {
        const result = await ssh(this.admin, step.create, { stdin: step.stdin, timeoutMs: 900_000 });
        if (result.code !== 0) {
          throw new Error(`${step.name} failed (${result.code}):\n${result.stdout}\n${result.stderr}`);
        }
        if (step.name.endsWith('-host-key')) this.#dropletHostKey = result.stdout.trim();
        if (step.name.endsWith('-tailnet-join')) this.#nodeId = result.stdout.trim().split('\n').at(-1);
      }
      this.#ran.set(step.name, step.identity);
      this.onStep(step.name);
    }
  }

  /**
   * The delete commands, in reverse order, as `pulumi destroy` runs them before the droplet goes:
   * a remote one over SSH, a local one from the lab host's namespace (the droplet's address is
   * reachable only there) in the program's folder, the mocked stdouts it holds replaced by what
   * the commands really printed.
   */
  async destroy(stack: RenderedStack, hostNs: string): Promise<SshResult[]> {
    const results: SshResult[] = [];
    for (const step of [...stack.steps].reverse()) {
      if (step.kind === 'copy' || step.delete === undefined) continue;
      if (step.kind === 'local') {
        const ours = Object.entries(process.env).filter(([name]) => !USER_CREDENTIALS.test(name));
        const environment = {
          ...Object.fromEntries(ours),
          ...step.environment,
          [EXIT_ENV.hostKey]: this.#dropletHostKey ?? '',
          [EXIT_ENV.nodeId]: this.#nodeId ?? '',
        };
        const argv = ['ip', 'netns', 'exec', hostNs, '/bin/sh', '-c', step.delete];
        results.push(await runToEnd(argv, { cwd: PROGRAM_DIR, env: environment, timeoutMs: 90_000 }));
      } else {
        this.#trust(step);
        results.push(await ssh(this.admin, step.delete));
      }
    }
    return results;
  }

  /** The host key `step` pins, the host-key command's real stdout in place of the mocked one. */
  #trust(step: Extract<DeployStep, { connection: unknown }>): void {
    const pinned = step.connection.hostKey;
    if (pinned === undefined) throw new Error(`${step.name}: the program set no host key to verify`);
    if (pinned.trim() !== COMMAND_STDOUT) trustHostKey(this.admin, pinned);
    else if (this.#dropletHostKey !== undefined) trustHostKey(this.admin, this.#dropletHostKey);
    else throw new Error(`${step.name}: pins a key no step has printed yet`);
  }
}
