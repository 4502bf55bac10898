// The shapes of the values the standby is built from, each written once. infra/config-rules.ts
// validates the stack config with them (its errors name the key); the renderers use one only where
// quoting cannot keep a value in its place (a comma-joined list, a line of sshd_config).
import { BlockList, isIP } from 'node:net';

/** One DNS label: a Tailscale hostname, a droplet name. */
export const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export const isHostname = (value: string): boolean =>
  value.length <= 253 && value.split('.').every((label) => DNS_LABEL.test(label));

/** A Tailscale ACL tag, as tailcfg.CheckTag has it: a letter, then letters, digits or "-". */
export const TAILNET_TAG = /^tag:[A-Za-z][A-Za-z0-9-]*$/;

/** A Linux login name (useradd's default NAME_REGEX). */
export const LINUX_USER = /^[a-z_][a-z0-9_-]{0,31}$/;

/** An exact release such as 2026.9.6 or 1.2.3-beta.1: never a range. */
export const EXACT_VERSION = /^\d+\.\d+\.\d+(-[0-9A-Za-z.]+)?$/;

/** A Node.js 24 release OpenClaw runs on: 24.16.0 or later. */
export const NODE_24_RELEASE = /^24\.(1[6-9]|[2-9]\d|\d{3,})\.\d+$/;

/** A SHA-256 digest in lowercase hex, as SHASUMS256.txt prints it. */
export const SHA256_HEX = /^[0-9a-f]{64}$/;

/** Base URL of a Node.js dist tree (nodejs.org/dist or a mirror): http(s), no trailing slash. */
export const NODE_DIST_URL = /^https?:\/\/[A-Za-z0-9.:[\]-]+(\/[A-Za-z0-9._~/-]*)?[^/]$/;

export const PORT_RANGE = { min: 1, max: 65535 } as const;

/** An IPv4 or IPv6 network in CIDR notation, e.g. 203.0.113.7/32 or 2001:db8::/48. */
export function isCidr(value: string): boolean {
  const [address = '', prefix, ...rest] = value.split('/');
  const family = isIP(address);
  if (family === 0 || prefix === undefined || rest.length > 0 || !/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}

/** Tailscale's address ranges: its CGNAT IPv4 block and its ULA IPv6 prefix. */
const TAILNET_RANGES = new BlockList();
TAILNET_RANGES.addSubnet('100.64.0.0', 10, 'ipv4');
TAILNET_RANGES.addSubnet('fd7a:115c:a1e0::', 48, 'ipv6');

/**
 * A tailnet IP, or a MagicDNS name: a bare machine name, or a name under ts.net (the tailnet's
 * own domain). Anything else may resolve or route outside the tailnet.
 */
export function isTailnetAddress(value: string): boolean {
  const family = isIP(value);
  if (family !== 0) return TAILNET_RANGES.check(value, family === 4 ? 'ipv4' : 'ipv6');
  return isHostname(value) && (!value.includes('.') || value.endsWith('.ts.net'));
}

/** Fits on one line of a line-oriented file (an env file, a unit, a checksum list). */
export const isSingleLine = (value: string): boolean => !/[\r\n\0]/.test(value);
