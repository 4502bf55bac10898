// The droplet lab's stack values: what a user would `pulumi config set`, pointed at the lab's
// network and stand-ins, what the mocked providers answer, and the image the set-up step built.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GUEST_IP, LAB_HOST_IP, PRIMARY_TAILNET_IP } from './network.js';

/** The Node dist stand-in's port on the lab host. */
export const DIST_PORT = 8080;
export const PRIMARY_PORT = 18789;

/** The image built by the set-up step (lab/droplet/build-image.sh), named by FG_DROPLET_IMAGE. */
export function dropletImage(): string {
  const image = process.env.FG_DROPLET_IMAGE;
  if (!image || !existsSync(join(image, 'ready'))) {
    throw new Error('FG_DROPLET_IMAGE is not set to a built droplet image: run the tests through `npm test`');
  }
  return image;
}

/**
 * What the mocked providers answer for every command's stdout. The engine hands a command's real
 * stdout to whatever uses it; the lab does the same by putting what the host-key command printed
 * where this stands (DropletLab.deploy).
 */
export const COMMAND_STDOUT = 'lab:stdout-of-the-command';

/** An OpenSSH ed25519 key pair, as tls.PrivateKey answers it. */
export interface LabKeyPair {
  privateKey: string;
  publicKey: string;
}

/** What the mocked providers answer: the droplet's address, the minted tailnet key, the host key. */
export function providerOutputs(
  authKey: string,
  provisioningHostKey: LabKeyPair,
): Record<string, Record<string, unknown>> {
  return {
    'digitalocean:index/droplet:Droplet': { ipv4Address: GUEST_IP, dropletUrn: 'do:droplet:lab' },
    'tailscale:index/tailnetKey:TailnetKey': { key: authKey },
    'tls:index/privateKey:PrivateKey': {
      privateKeyOpenssh: provisioningHostKey.privateKey,
      publicKeyOpenssh: provisioningHostKey.publicKey,
    },
    'command:remote:Command': { stdout: COMMAND_STDOUT },
  };
}

/** Values a real user sets, here pointing at the lab: the primary on the lab's tailnet link. */
export function labStack(publicKey: string, privateKey: string, image: string): Record<string, string> {
  const [sha256 = ''] = readFileSync(
    join(image, 'node-dist', nodeDistVersion(image), 'SHASUMS256.txt'),
    'utf8',
  ).split(' ');
  return {
    region: 'fra1',
    digitaloceanProject: 'lab',
    sshPublicKey: publicKey,
    sshPrivateKey: privateKey,
    sshAllowedCidrs: JSON.stringify([`${LAB_HOST_IP}/32`]),
    primaryAddress: PRIMARY_TAILNET_IP,
    primaryPort: String(PRIMARY_PORT),
    channel: 'telegram',
    channelToken: '1000001:lab-standby-bot-token',
    channelAllowFrom: JSON.stringify(['4242']),
    model: 'anthropic/claude-opus-4-6',
    modelApiKeys: 'ANTHROPIC_API_KEY=sk-ant-lab',
    standbyGatewayToken: randomBytes(32).toString('hex'),
    primaryGatewayToken: randomBytes(32).toString('hex'),
    // Short timings so a scenario takes seconds; all of them are pushed in place.
    checkIntervalSeconds: '1',
    failThreshold: '2',
    recoverThreshold: '2',
    minActiveSeconds: '5',
    nodeSha256: sha256,
    nodeDistUrl: `http://${LAB_HOST_IP}:${DIST_PORT}`,
  };
}

function nodeDistVersion(image: string): string {
  return (
    execFileSync('ls', [join(image, 'node-dist')], { encoding: 'utf8' })
      .trim()
      .split('\n')[0] ?? ''
  );
}
