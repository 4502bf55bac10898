// The provisioning host key: made by the stack, delivered in user-data, served by the droplet's
// sshd from its first boot so the deploy's first logins verify the host, and replaced by a key the
// droplet makes itself at the first login (cloud-init/host-key.ts). It lives in the stack's state
// as a secret; on the droplet, only root can read it (user-data and the metadata guard).
import * as pulumi from '@pulumi/pulumi';
import * as tls from '@pulumi/tls';

export interface ProvisioningHostKey {
  /** OpenSSH private key file text (a secret output). */
  privateKey: pulumi.Output<string>;
  /** `ssh-ed25519 AAAA…`, what the first logins pin. */
  publicKey: pulumi.Output<string>;
}

export function provisioningHostKey(name: string): ProvisioningHostKey {
  const key = new tls.PrivateKey(name, { algorithm: 'ED25519' });
  // The provider marks it secret too; said here so no change of provider can make it plain.
  return { privateKey: pulumi.secret(key.privateKeyOpenssh), publicKey: key.publicKeyOpenssh };
}
