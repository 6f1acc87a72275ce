import {
  checkHostKey,
  fingerprintSha256,
  hostKeyAlgorithmsFor,
  hostKeyFromBlob,
  hostKeyName,
  knownHostsLine,
  knownKeys,
  type KnownHostsCache,
  type KnownHostsLineRef,
} from './known-hosts.js';
import { SshError } from './errors.js';
import type { SshTarget } from './types.js';

function lookupName(target: SshTarget): string {
  return target.hostKeyAlias ?? hostKeyName(target.hostname, target.port);
}

/** Every name known_hosts may hold this host under: its alias, and its address with the port. */
function knownNames(target: SshTarget): string[] {
  return [...new Set([lookupName(target), hostKeyName(target.hostname, target.port)])];
}

function allKnownHostsFiles(target: SshTarget): string[] {
  return [...target.knownHostsFiles, ...(target.globalKnownHostsFiles ?? [])];
}

function formatLines(lines: readonly KnownHostsLineRef[]): string {
  return lines.map((ref) => `${ref.file}:${ref.line}`).join(', ');
}

/** Host key algorithms for this target, the types known_hosts holds for it first. */
export function hostKeyAlgorithmsForTarget(knownHosts: KnownHostsCache, target: SshTarget): string[] {
  return hostKeyAlgorithmsFor(knownHosts, allKnownHostsFiles(target), lookupName(target));
}

/**
 * Decides whether to trust the key a server presented. Returns the failure, or null to go on.
 * A changed or revoked key always fails; an unknown key is accepted (and recorded) only with
 * `accept-new`, or accepted unrecorded with `no`.
 */
export function verifyHostKey(knownHosts: KnownHostsCache, target: SshTarget, blob: Buffer): SshError | null {
  const name = lookupName(target);
  let key;
  try {
    key = hostKeyFromBlob(blob);
  } catch (error) {
    return new SshError('host-key-unknown', target.name, `${name} sent a malformed host key: ${(error as Error).message}`);
  }
  const fingerprint = fingerprintSha256(key);
  const check = checkHostKey(knownHosts, allKnownHostsFiles(target), name, key);
  switch (check.status) {
    case 'match':
      return null;
    case 'revoked':
      return new SshError('host-key-revoked', target.name,
        `the host key of ${name} (${key.type} ${fingerprint}) is marked @revoked at ${formatLines(check.lines)}`,
        'a revoked key is never trusted; give the host a new key and add it to known_hosts');
    case 'mismatch':
      return new SshError('host-key-changed', target.name,
        `the host key of ${name} has CHANGED: it sent ${key.type} ${fingerprint}, known_hosts holds another key at ${formatLines(check.lines)}`,
        `this may be an attack; if the host was really reinstalled, verify the new fingerprint and remove the old line (ssh-keygen -R '${name}'); octoi never replaces a known key, not even with --accept-new`);
    case 'unknown': {
      const line = knownHostsLine(name, key);
      const known = knownNames(target).flatMap((known) => knownKeys(knownHosts, allKnownHostsFiles(target), known));
      if (target.strictHostKeyChecking === 'accept-new' && known.length > 0) {
        // A host known by any key is not new: a machine answering with only another key type is
        // exactly what an impostor without the real key would do.
        return new SshError('host-key-changed', target.name,
          `the host key of ${name} has CHANGED: it sent only ${key.type} ${fingerprint}, known_hosts holds ${[...new Set(known.map((ref) => ref.keyType))].join(', ')} for it at ${formatLines(known)}`,
          `--accept-new trusts only hosts with no entry at all; if the host really has a new key type, verify its fingerprint on the host (ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub) and add this line:\n    ${line}`);
      }
      if (target.strictHostKeyChecking === 'accept-new') {
        // with no user known_hosts file (UserKnownHostsFile none) there is nowhere to record it
        if (target.knownHostsFiles[0]) knownHosts.append(target.knownHostsFiles[0], line);
        return null;
      }
      if (target.strictHostKeyChecking === 'no') return null;
      const others = check.otherKeyTypes.length > 0 ? ` (known_hosts holds only ${check.otherKeyTypes.join(', ')} keys for it)` : '';
      const file = target.knownHostsFiles[0] ?? '~/.ssh/known_hosts';
      return new SshError('host-key-unknown', target.name,
        `the host key of ${name} is not known${others}: ${key.type} key fingerprint is ${fingerprint}`,
        `verify the fingerprint on the host (ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub), then add this line to ${file}:\n    ${line}\n  or run with --accept-new to trust keys of new hosts on first use`);
    }
  }
}
