// Whether a failed request failed because of this machine rather than the peer: out of file
// descriptors, memory, socket buffers or ephemeral ports. Such a request was never made, so it
// says nothing about the peer; a standby that took it for "primary down" would promote beside a
// healthy primary.
import { closeSync, openSync } from 'node:fs';

/**
 * Error codes that name a shortage on this machine. EADDRNOTAVAIL is what connect() gives when the
 * local ephemeral ports are exhausted (the monitor never binds an address of its own); EAI_MEMORY
 * is the resolver's ENOMEM.
 */
const LOCAL_SHORTAGES = new Set(['EMFILE', 'ENFILE', 'ENOMEM', 'ENOBUFS', 'EADDRNOTAVAIL', 'EAI_MEMORY']);

/** The code of a local shortage named by the error itself, else undefined. */
export function shortageCode(err: unknown): string | undefined {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code !== undefined && LOCAL_SHORTAGES.has(code) ? code : undefined;
}

/**
 * Whether this process can have one more file descriptor now; the shortage's code when not.
 * Asked after a failure whose own code hides the cause: glibc's resolver, unable to open
 * /etc/hosts or a socket, answers "not found" (ENOTFOUND) for a name that exists.
 */
export function descriptorShortage(): string | undefined {
  try {
    closeSync(openSync('/dev/null', 'r'));
    return undefined;
  } catch (err) {
    return shortageCode(err);
  }
}

/** The local shortage behind a failed request, named by the error or found on asking; else undefined. */
export function localShortage(err: unknown): string | undefined {
  return shortageCode(err) ?? descriptorShortage();
}
