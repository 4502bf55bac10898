// The value shapes are written once and used by infra's config rules and by the renderers' guards.
import { describe, expect, it } from 'vitest';
import {
  DNS_LABEL,
  EXACT_VERSION,
  isCidr,
  isTailnetAddress,
  NODE_24_RELEASE,
  renderFirstBootScript,
  SHA256_HEX,
  TAILNET_TAG,
} from '../../cloud-init/index.js';
import { RULES } from '../../infra/config-rules.js';
import { userDataInput } from './fixture.js';

const { admin, sshAllowedFrom, gatewayPort, tailscale, node, openclaw, standbyMode } = userDataInput;
const firstBootWithTag = (tag: string) =>
  renderFirstBootScript({
    standbyMode,
    adminUser: admin.name,
    sshAllowedFrom,
    gatewayPort,
    tailscale: { hostname: tailscale.hostname, tags: [tag] },
    node,
    openclaw,
  });
const configAccepts = (key: keyof typeof RULES, raw: string) =>
  RULES[key].schema['~run']({ value: raw }, {}).issues === undefined;

describe('value shapes', () => {
  it.each([
    ['tag:openclaw-standby', true],
    ['tag:Server2', true],
    ['tag:9lives', false], // Tailscale's CheckTag: a tag name starts with a letter
    ['tag:', false],
    ['tag:a_b', false],
    ['server', false],
  ])('a Tailscale tag %s: %s, for the stack config and the first-boot script alike', (tag, valid) => {
    expect(TAILNET_TAG.test(tag)).toBe(valid);
    expect(configAccepts('tailnetTags', JSON.stringify([tag]))).toBe(valid);
    if (valid) expect(() => firstBootWithTag(tag)).not.toThrow();
    else expect(() => firstBootWithTag(tag)).toThrow(/tailscale tag/);
  });

  it.each([
    [DNS_LABEL, 'openclaw-standby', 'Standby'],
    [EXACT_VERSION, '2026.9.6', '^2026.9.6'],
    [NODE_24_RELEASE, '24.16.0', '24.15.9'],
    [SHA256_HEX, 'ab'.repeat(32), 'AB'.repeat(32)],
  ])('%s accepts %s and refuses %s', (shape, good, bad) => {
    expect(shape.test(good)).toBe(true);
    expect(shape.test(bad)).toBe(false);
  });

  it('CIDRs need a prefix in range', () => {
    expect(['203.0.113.7/32', '2001:db8::/48', '0.0.0.0/0'].every(isCidr)).toBe(true);
    expect(['203.0.113.7', '10.0.0.0/33', '2001:db8::/129', 'x/8'].some(isCidr)).toBe(false);
  });

  it('tailnet addresses are Tailscale’s ranges and MagicDNS names', () => {
    for (const address of [
      '100.64.0.1',
      '100.127.255.254',
      'fd7a:115c:a1e0::1',
      'primary',
      'p.tail1.ts.net',
    ]) {
      expect(isTailnetAddress(address), address).toBe(true);
    }
    for (const address of ['100.128.0.1', '10.0.0.1', 'fd7a:115c:a1e1::1', 'primary.example.com']) {
      expect(isTailnetAddress(address), address).toBe(false);
    }
  });
});
