// The rule of every stack config key: the shape its value must have, what the error says it
// expects, and whether it is a secret. Defaults live only in Pulumi.yaml (the Pulumi CLI applies
// them before the program runs); config.ts reads every key through these rules.
import { isIP } from 'node:net';
import * as v from 'valibot';
import {
  DNS_LABEL,
  EXACT_VERSION,
  isCidr,
  isHostname,
  isPrimaryPath,
  isSingleLine,
  NODE_24_RELEASE,
  NODE_DIST_URL,
  PORT_RANGE,
  SHA256_HEX,
  TAILNET_TAG,
} from '../cloud-init/index.js';
import { MAX_CHECK_INTERVAL_SECONDS, MONITOR_WATCHDOG_SECONDS } from './droplet-settings.js';

/** `host:port` (an IPv6 host in brackets): a TCP endpoint the monitor connects to, as it checks itself. */
function isWitness(value: string): boolean {
  const [, host = '', port = ''] = /^(.+):(\d{1,5})$/.exec(value) ?? [];
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  const validHost = host.startsWith('[') ? isIP(bare) === 6 : isIP(bare) === 4 || isHostname(bare);
  return Number(port) >= 1 && Number(port) <= 65_535 && validHost;
}

/** A config key's rule: a schema from the raw config string to its value, and what it expects. */
interface Rule<T> {
  schema: v.GenericSchema<string, T>;
  expected: string;
  /** A secret: stored encrypted (`pulumi config set --secret`) and never shown. */
  secret: boolean;
}

const rule = <T>(expected: string, schema: v.GenericSchema<string, T>): Rule<T> => ({
  expected,
  schema,
  secret: false,
});

/** Marks a key as a secret: the one place that says which keys are. */
const secret = <T>(inner: Rule<T>): Rule<T> => ({ ...inner, secret: true });

const text = (expected: string, pattern: RegExp) => rule(expected, v.pipe(v.string(), v.regex(pattern)));

/** An integer in [min, max]; `why` explains the bounds in the error. */
const integer = (min: number, max = Number.MAX_SAFE_INTEGER, why = '') =>
  rule(
    (max === Number.MAX_SAFE_INTEGER ? `an integer ≥ ${min}` : `an integer from ${min} to ${max}`) +
      (why === '' ? '' : ` (${why})`),
    v.pipe(v.string(), v.regex(/^-?\d+$/), v.transform(Number), v.minValue(min), v.maxValue(max)),
  );

const boolean = () =>
  rule(
    'true or false',
    v.pipe(
      v.picklist(['true', 'false']),
      v.transform((value) => value === 'true'),
    ),
  );

const oneOf = <const T extends string>(values: readonly [T, ...T[]]) =>
  rule(values.map((value) => `"${value}"`).join(' or '), v.picklist(values));

/** A JSON list of strings (how Pulumi passes `type: array` config), each checked by `item`. */
const list = (expected: string, item: (value: string) => boolean, minItems: number) =>
  rule(
    expected,
    v.pipe(v.string(), v.parseJson(), v.array(v.pipe(v.string(), v.check(item))), v.minLength(minItems)),
  );

/** An optional value: "" (its Pulumi.yaml default) means unset. */
const optional = <T>(inner: Rule<T>): Rule<T | undefined> => ({
  ...inner,
  expected: `empty or ${inner.expected}`,
  schema: v.union([
    v.pipe(
      v.literal(''),
      v.transform(() => undefined),
    ),
    inner.schema,
  ]),
});

/** One OpenSSH public key line: a key type, the base64 key, an optional comment. */
const SSH_KEY_LINE =
  /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-(ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com) [A-Za-z0-9+/]+={0,3}( [^\r\n]*)?$/;
const isModel = (value: string) => /^[a-z0-9][a-z0-9-]*\/\S+$/.test(value);
const isPrivateKey = (value: string) =>
  /^-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]+-----END [A-Z ]*PRIVATE KEY-----\s*$/.test(value);

/** `NAME=value` entries, one per line or comma separated; values cannot hold whitespace or commas. */
function parseEnvEntries(value: string): Record<string, string> | undefined {
  const entries = value.split(/[\s,]+/).filter((entry) => entry !== '');
  const parsed = entries.map((entry) => /^([A-Z_][A-Z0-9_]*)=(.+)$/.exec(entry));
  if (parsed.length === 0 || parsed.some((match) => match === null)) return undefined;
  const names = parsed.map((match) => match?.[1] ?? '');
  if (new Set(names).size !== names.length) return undefined;
  return Object.fromEntries(parsed.map((match) => [match?.[1] ?? '', match?.[2] ?? '']));
}

export const RULES = {
  region: text('a DigitalOcean region slug such as "fra1"', /^[a-z]{3}\d$/),
  dropletSize: text('a DigitalOcean size slug such as "s-1vcpu-2gb"', /^[a-z0-9][a-z0-9-]*$/),
  image: text('a DigitalOcean image slug such as "ubuntu-24-04-x64"', /^[a-z0-9][a-z0-9.-]*$/),
  digitaloceanProject: rule('a DigitalOcean project name', v.pipe(v.string(), v.trim(), v.minLength(1))),
  sshPublicKey: text('one OpenSSH public key line ("ssh-ed25519 AAAA… comment")', SSH_KEY_LINE),
  sshPrivateKey: secret(optional(rule('an OpenSSH private key', v.pipe(v.string(), v.check(isPrivateKey))))),
  sshAllowedCidrs: list('a list of at least one IPv4/IPv6 CIDR such as ["203.0.113.7/32"]', isCidr, 1),
  tailnetHostname: text('a DNS label (lowercase letters, digits, "-")', DNS_LABEL),
  tailnetTags: list(
    'a list of at least one Tailscale tag, each "tag:<name>" (letters, digits, "-")',
    (tag) => TAILNET_TAG.test(tag),
    1,
  ),
  primaryAddress: rule(
    'a tailnet IP address or MagicDNS name',
    v.pipe(
      v.string(),
      v.check((value) => isIP(value) !== 0 || isHostname(value)),
    ),
  ),
  primaryOutsideTailnet: boolean(),
  primaryPort: integer(PORT_RANGE.min, PORT_RANGE.max),
  primaryGatewayToken: secret(
    optional(rule('a single-line token', v.pipe(v.string(), v.check(isSingleLine)))),
  ),
  standbyGatewayToken: secret(
    rule(
      'a single-line token of at least 32 characters (e.g. `openssl rand -hex 32`)',
      v.pipe(v.string(), v.check(isSingleLine), v.minLength(32)),
    ),
  ),
  channel: oneOf(['discord', 'telegram']),
  channelToken: secret(
    rule('a single-line bot token', v.pipe(v.string(), v.minLength(1), v.check(isSingleLine))),
  ),
  channelAllowFrom: list('a list of at least one user id', (id) => /^[A-Za-z0-9_:@.-]+$/.test(id), 1),
  model: rule('"provider/model", e.g. "anthropic/claude-opus-4-6"', v.pipe(v.string(), v.check(isModel))),
  modelFallbacks: list('a list of "provider/model" names', isModel, 0),
  modelApiKeys: secret(
    rule(
      'NAME=value entries (one per line or comma separated), e.g. "ANTHROPIC_API_KEY=sk-ant-…"',
      v.pipe(
        v.string(),
        v.rawTransform(({ dataset, addIssue, NEVER }) => {
          const entries = parseEnvEntries(dataset.value);
          if (entries !== undefined) return entries;
          addIssue();
          return NEVER;
        }),
      ),
    ),
  ),
  workspaceRepo: optional(
    text('a git SSH URL ("git@host:owner/repo.git" or "ssh://…")', /^(ssh:\/\/\S+|[\w.-]+@[\w.-]+:\S+)$/),
  ),
  workspaceDeployKey: secret(
    optional(rule('an OpenSSH private key', v.pipe(v.string(), v.check(isPrivateKey)))),
  ),
  primarySshHost: optional(
    rule(
      'an IP address or DNS name that `pulumi up` reaches the primary at over SSH',
      v.pipe(
        v.string(),
        v.check((value) => isIP(value) !== 0 || isHostname(value)),
      ),
    ),
  ),
  primarySshPort: integer(PORT_RANGE.min, PORT_RANGE.max),
  primarySshUser: optional(text('the user OpenClaw runs as on the primary', /^[a-z_][a-z0-9_-]{0,31}$/)),
  primarySshHostKey: optional(
    text(
      'the primary\'s SSH host key, one line as `ssh-keyscan` prints it without the host ("ssh-ed25519 AAAA…")',
      SSH_KEY_LINE,
    ),
  ),
  primarySshPrivateKey: secret(
    optional(rule('an OpenSSH private key', v.pipe(v.string(), v.check(isPrivateKey)))),
  ),
  primaryWorkspacePath: rule(
    'an absolute path or one starting with ~/ (no "..")',
    v.pipe(v.string(), v.check(isPrimaryPath)),
  ),
  primaryOpenclawConfigPath: rule(
    'an absolute path or one starting with ~/ (no "..")',
    v.pipe(v.string(), v.check(isPrimaryPath)),
  ),
  primaryPushIntervalSeconds: integer(5, 3600),
  openclawVersion: text('an exact version such as "2026.9.6"', EXACT_VERSION),
  nodeVersion: text(
    'an exact Node.js 24 release ≥ 24.16.0 (OpenClaw requires it), e.g. "24.21.0"',
    NODE_24_RELEASE,
  ),
  nodeSha256: text('the 64 hex digit SHA-256 of the Node linux-x64 tarball', SHA256_HEX),
  nodeDistUrl: text("an http(s) URL without a trailing slash, in nodejs.org/dist's layout", NODE_DIST_URL),
  checkIntervalSeconds: integer(
    1,
    MAX_CHECK_INTERVAL_SECONDS,
    `at most half the monitor unit's WatchdogSec=${MONITOR_WATCHDOG_SECONDS}, pinged once per check`,
  ),
  failThreshold: integer(1),
  recoverThreshold: integer(1),
  minActiveSeconds: integer(0),
  promoteOn: oneOf(['down', 'unready']),
  degradedGraceSeconds: integer(0, Number.MAX_SAFE_INTEGER, '0: a degraded primary never counts as failing'),
  falsePromotionDays: integer(0, 36_500, '0: promote after failThreshold failures whatever the link'),
  confirmIntervalSeconds: integer(0, MAX_CHECK_INTERVAL_SECONDS, '0: no confirm burst'),
  minOutageSeconds: integer(0, 600, '0: the count of probes alone decides'),
  witnesses: rule(
    'a list of at most 8 host:port TCP endpoints the standby always reaches, such as ["github.com:22"]',
    v.pipe(v.string(), v.parseJson(), v.array(v.pipe(v.string(), v.check(isWitness))), v.maxLength(8)),
  ),
  standbyMode: oneOf(['warm', 'cold']),
  ownerNotifications: boolean(),
  notifyWebhookUrl: secret(
    optional(text('an http(s) URL without user:password@', /^https?:\/\/[^\s/@?#]+(?:[/?#]\S*)?$/)),
  ),
} as const;

export type ConfigKey = keyof typeof RULES;
export const CONFIG_KEYS = Object.keys(RULES) as ConfigKey[];
/** Keys stored encrypted, whose values never appear in an error, a plain output or a log. */
export const SECRET_KEYS: readonly ConfigKey[] = CONFIG_KEYS.filter((key) => RULES[key].secret);
export type ConfigValues = { [K in ConfigKey]: v.InferOutput<(typeof RULES)[K]['schema']> };
