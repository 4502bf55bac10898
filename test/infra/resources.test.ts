import { beforeAll, describe, expect, it } from 'vitest';
import { AUTH_KEY_EXPIRY_SECONDS } from '../../infra/tailnet.js';
import {
  dependsOn,
  MOCK_AUTH_KEY,
  MOCK_DROPLET_HOST_KEY,
  MOCK_NODE_ID,
  MOCK_PROVISIONING_KEY,
  MOCK_PUBLIC_IP,
  onlyResourceOfType,
  type ProgramRun,
  type RecordedResource,
  runProgram,
  STACK,
  TYPES,
} from './program.js';

let run: ProgramRun;
beforeAll(async () => {
  run = await runProgram();
});

describe('the standby droplet', () => {
  it('is created from the stack config with monitoring, tags and the admin SSH key', () => {
    const droplet = onlyResourceOfType(run, TYPES.droplet);
    const sshKey = onlyResourceOfType(run, TYPES.sshKey);
    expect(droplet.inputs).toMatchObject({
      name: 'openclaw-standby',
      region: 'fra1',
      size: 's-1vcpu-2gb',
      image: 'ubuntu-24-04-x64',
      monitoring: true,
      tags: ['failover-gateway', 'openclaw-standby', 'openclaw-standby-firewall-5c1d7e2'],
      sshKeys: ['3b:16:bf:e4:8b:00:8b:b8:59:8c:a9:d3:f0:19:45:fa'],
    });
    expect(sshKey.inputs.publicKey).toBe(STACK.sshPublicKey);
  });

  it('is deleted before its replacement is created, so two standbys never run at once', () => {
    expect(onlyResourceOfType(run, TYPES.droplet).registration.deletebeforereplace).toBe(true);
  });

  it('boots with user-data that holds no tailnet key: the key goes over SSH once, as a secret', () => {
    const droplet = onlyResourceOfType(run, TYPES.droplet);
    expect(String(droplet.inputs.userData)).toMatch(/^#cloud-config\n/);
    expect(String(droplet.inputs.userData)).not.toContain(MOCK_AUTH_KEY);
    const join = run.resources.find((r) => r.name.endsWith('-tailnet-join'));
    expect(join?.inputs.stdin).toBe(MOCK_AUTH_KEY);
    expect(join?.secretInputs.has('stdin')).toBe(true);
    expect(String(join?.inputs.create)).not.toContain(MOCK_AUTH_KEY);
  });

  it('is assigned to the configured DigitalOcean project', () => {
    const assignment = onlyResourceOfType(run, TYPES.projectResources);
    expect(assignment.inputs).toEqual({ project: 'project-0001', resources: ['do:droplet:4242'] });
  });

  it('has its SSH key, firewall and project assignment inside the StandbyDroplet component', () => {
    const component = onlyResourceOfType(run, TYPES.standbyDroplet);
    const urn = `urn:pulumi:dev::failover-gateway::${TYPES.standbyDroplet}::${component.name}`;
    for (const type of [TYPES.droplet, TYPES.sshKey, TYPES.firewall, TYPES.tag, TYPES.projectResources]) {
      expect(onlyResourceOfType(run, type).registration.parent).toBe(urn);
    }
  });
});

describe('the cloud firewall', () => {
  it('applies from the droplet’s creation: by a tag of its own, created before the droplet', () => {
    const firewall = onlyResourceOfType(run, TYPES.firewall);
    const tag = onlyResourceOfType(run, TYPES.tag);
    const droplet = onlyResourceOfType(run, TYPES.droplet);
    // No name: the provider adds a random suffix, so no other stack's droplet carries the tag.
    expect(tag.inputs).toEqual({});
    expect(firewall.inputs).not.toHaveProperty('dropletIds');
    expect(firewall.inputs.tags).toEqual(['openclaw-standby-firewall-5c1d7e2']);
    expect(droplet.inputs.tags).toContain('openclaw-standby-firewall-5c1d7e2');
    const firewallUrn = `urn:pulumi:dev::failover-gateway::${TYPES.standbyDroplet}$${TYPES.firewall}::${firewall.name}`;
    expect(droplet.registration.dependenciesList).toContain(firewallUrn);
  });

  it('admits SSH from the configured CIDRs and nothing else inbound', () => {
    const firewall = onlyResourceOfType(run, TYPES.firewall);
    expect(firewall.inputs.inboundRules).toEqual([
      { protocol: 'tcp', portRange: '22', sourceAddresses: ['203.0.113.7/32', '2001:db8:1::/48'] },
    ]);
  });

  it('lets the standby reach DNS, HTTP(S), git over SSH and tailnet peers', () => {
    const outbound = onlyResourceOfType(run, TYPES.firewall).inputs.outboundRules as {
      protocol: string;
      portRange?: string;
    }[];
    expect(outbound.map((rule) => `${rule.protocol}/${rule.portRange ?? '*'}`)).toEqual([
      'tcp/22',
      'tcp/53',
      'tcp/80',
      'tcp/443',
      'udp/1-65535',
      'icmp/*',
    ]);
  });

  it("opens the witnesses' ports outbound, so that the self-check can reach them", async () => {
    const run = await runProgram({ witnesses: JSON.stringify(['github.com:22', '[2001:db8::1]:8443']) });
    const outbound = onlyResourceOfType(run, TYPES.firewall).inputs.outboundRules as { portRange?: string }[];
    expect(outbound.map((rule) => rule.portRange)).toContain('8443');
  });

  it('opens a git remote on a custom SSH port outbound', async () => {
    const custom = await runProgram({ workspaceRepo: 'ssh://git@git.example.test:2222/me/workspace.git' });
    const outbound = onlyResourceOfType(custom, TYPES.firewall).inputs.outboundRules as {
      portRange?: string;
    }[];
    expect(outbound.map((rule) => rule.portRange)).toContain('2222');
  });
});

describe('the tailnet auth key', () => {
  it('is single use, pre-authorized, tagged and short-lived', () => {
    const key = onlyResourceOfType(run, TYPES.tailnetKey);
    expect(key.inputs).toMatchObject({
      reusable: false,
      ephemeral: false,
      preauthorized: true,
      tags: ['tag:openclaw-standby'],
      expiry: AUTH_KEY_EXPIRY_SECONDS,
      recreateIfInvalid: 'never',
    });
    expect(AUTH_KEY_EXPIRY_SECONDS).toBeLessThanOrEqual(24 * 3600);
  });

  it('uses the configured tags', async () => {
    const tagged = await runProgram({ tailnetTags: JSON.stringify(['tag:standby', 'tag:openclaw']) });
    expect(onlyResourceOfType(tagged, TYPES.tailnetKey).inputs.tags).toEqual(['tag:standby', 'tag:openclaw']);
  });
});

describe('the standby device in the tailnet', () => {
  it('has its tags set through the API on the node the join named', async () => {
    expect(onlyResourceOfType(run, TYPES.deviceTags).inputs).toEqual({
      deviceId: MOCK_NODE_ID,
      tags: ['tag:openclaw-standby'],
    });
    const join = run.resources.find((r) => r.name.endsWith('-tailnet-join'));
    const tags = onlyResourceOfType(run, TYPES.deviceTags);
    expect(tags.registration.dependenciesList.some((urn) => urn.endsWith(`::${join?.name}`))).toBe(true);
    const retagged = await runProgram({ tailnetTags: JSON.stringify(['tag:standby']) });
    expect(onlyResourceOfType(retagged, TYPES.deviceTags).inputs.tags).toEqual(['tag:standby']);
  });
});

describe('the deployment over SSH', () => {
  const logins = () => run.resources.filter((r) => r.type === TYPES.command || r.type === TYPES.copyToRemote);
  const commandNamed = (suffix: string) => {
    const found = logins().find((resource) => resource.name.endsWith(suffix));
    if (found === undefined) throw new Error(`no SSH step named *${suffix}`);
    return found;
  };
  const after = (resource: RecordedResource, suffix: string) => dependsOn(resource, commandNamed(suffix));

  it('waits for cloud-init, patiently: a new droplet refuses logins until cloud-init made the admin', () => {
    const firstBoot = commandNamed('-first-boot');
    expect(firstBoot.type).toBe(TYPES.command);
    expect(firstBoot.inputs.create).toContain('cloud-init status --wait');
    expect(firstBoot.inputs).not.toHaveProperty('delete');
    expect(firstBoot.inputs.connection).toMatchObject({ dialErrorLimit: 40, perDialTimeout: 15 });
    // Replaced with the droplet, and deleted before it: it depends on the droplet's address.
    expect(firstBoot.inputs.triggers).toEqual(['4242']);
    expect(firstBoot.inputs.connection).toMatchObject({ host: MOCK_PUBLIC_IP, user: 'failover-admin' });
  });

  it('stages the monitor bundle after cloud-init, then pushes the files and runs the deploy script', () => {
    const bundle = commandNamed('-monitor-bundle');
    const push = commandNamed('-push');
    expect(bundle.type).toBe(TYPES.copyToRemote);
    expect(bundle.inputs.remotePath).toBe('/var/lib/failover-gateway/staging/openclaw-failover.mjs');
    expect(after(commandNamed('-host-key'), '-first-boot')).toBe(true);
    expect(after(bundle, '-host-key')).toBe(true);
    expect(push.inputs.create).toBe('bash -s');
    expect(String(push.inputs.stdin)).toContain('sudo bash "$deploy" </dev/null');
    expect(after(push, '-monitor-bundle')).toBe(true);
  });

  it('verifies the host key of every login: the provisioning key first, then the droplet’s own', () => {
    const pinned = (resource: RecordedResource) =>
      (resource.inputs.connection as { hostKey?: string }).hostKey;
    const provisioning = MOCK_PROVISIONING_KEY.publicKeyOpenssh;
    expect(
      Object.fromEntries(
        logins().map((login) => [login.name.replace(/^openclaw-standby-deploy/, ''), pinned(login)]),
      ),
    ).toEqual({
      '-first-boot': provisioning,
      '-host-key': provisioning,
      '-tailnet-join': MOCK_DROPLET_HOST_KEY,
      '-tailnet-leave': MOCK_DROPLET_HOST_KEY,
      '-monitor-bundle': MOCK_DROPLET_HOST_KEY,
      '-push': MOCK_DROPLET_HOST_KEY,
    });
    // The logins that carry a secret come after the rotation (the push after the bundle and join).
    expect(after(commandNamed('-tailnet-join'), '-host-key')).toBe(true);
    const rotation = commandNamed('-host-key');
    expect(rotation.inputs.triggers).toEqual(commandNamed('-tailnet-join').inputs.triggers);
  });

  it('delivers the provisioning host key in user-data, which Pulumi then keeps secret', () => {
    const droplet = onlyResourceOfType(run, TYPES.droplet);
    expect(droplet.secretInputs.has('userData')).toBe(true);
    expect(String(droplet.inputs.userData)).toContain('b3BlbnNzaC1rZXktdjEAAAAABG5vbmUmockprovisioningkey');
    expect(onlyResourceOfType(run, TYPES.privateKey).inputs).toEqual({ algorithm: 'ED25519' });
  });

  it('uses the ssh-agent unless a private key is configured, which stays secret', async () => {
    expect(commandNamed('-push').inputs.connection).not.toHaveProperty('privateKey');
    const privateKey = '-----BEGIN OPENSSH PRIVATE KEY-----\nYWRtaW4ta2V5\n-----END OPENSSH PRIVATE KEY-----';
    const withKey = await runProgram({ sshPrivateKey: privateKey });
    const push = withKey.resources.find((resource) => resource.name.endsWith('-push'));
    expect(push?.inputs.connection).toMatchObject({ privateKey });
    expect(push?.secretInputs.has('connection')).toBe(true);
  });
});

describe('stack outputs', () => {
  it('name the droplet, its address, its tailnet hostname and how to reach the monitor', () => {
    expect(run.outputs).toEqual({
      dropletName: { value: 'openclaw-standby', secret: false },
      publicIp: { value: MOCK_PUBLIC_IP, secret: false },
      tailnetHostname: { value: 'openclaw-standby', secret: false },
      sshCommand: { value: `ssh failover-admin@${MOCK_PUBLIC_IP}`, secret: false },
      statusCommand: { value: 'openclaw-failover status', secret: false },
      sshKnownHostsLine: { value: `${MOCK_PUBLIC_IP} ${MOCK_DROPLET_HOST_KEY}`, secret: false },
    });
  });
});
