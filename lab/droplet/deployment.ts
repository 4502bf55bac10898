// `pulumi up` and `pulumi destroy` of the lab's stack against the droplet stand-in, with the
// program's own steps (stack.ts): each step over real SSH, over a connection that accepts only the
// host key the step pins, each step run again only when its inputs changed since it last ran.
import { COMMAND_STDOUT } from './lab-stack.js';
import { copyTo, type SshResult, type SshTarget, ssh, trustHostKey } from './ssh.js';
import type { DeployStep, RenderedStack } from './stack.js';

export class Deployment {
  /** What the host-key command printed: the droplet's own host key, once deployed. */
  #dropletHostKey: string | undefined;
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
      }
      this.#ran.set(step.name, step.identity);
      this.onStep(step.name);
    }
  }

  /** The delete commands, in reverse order, as `pulumi destroy` runs them before the droplet goes. */
  async destroy(stack: RenderedStack): Promise<SshResult[]> {
    const results: SshResult[] = [];
    for (const step of [...stack.steps].reverse()) {
      if (step.kind === 'command' && step.delete !== undefined) {
        this.#trust(step);
        results.push(await ssh(this.admin, step.delete));
      }
    }
    return results;
  }

  /** The host key `step` pins, the host-key command's real stdout in place of the mocked one. */
  #trust(step: DeployStep): void {
    const pinned = step.connection.hostKey;
    if (pinned === undefined) throw new Error(`${step.name}: the program set no host key to verify`);
    if (pinned.trim() !== COMMAND_STDOUT) trustHostKey(this.admin, pinned);
    else if (this.#dropletHostKey !== undefined) trustHostKey(this.admin, this.#dropletHostKey);
    else throw new Error(`${step.name}: pins a key no step has printed yet`);
  }
}
