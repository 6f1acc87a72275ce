import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import ssh2, { type AnyAuthMethod, type ParsedKey } from 'ssh2';
import type { SshTarget } from './types.js';

export interface AuthOptions {
  /** For encrypted identity files; default: the `OCTOI_SSH_PASSPHRASE` environment variable. */
  passphrase?: string;
  /** ssh-agent socket; default: `SSH_AUTH_SOCK`. */
  agent?: string;
}

interface AuthPlan {
  methods: AnyAuthMethod[];
  /** Identity files that exist but could not be used, and why (never the passphrase). */
  problems: string[];
}

function readKey(file: string): Buffer | null {
  try {
    return readFileSync(file);
  } catch (error) {
    // OpenSSH skips identity files that do not exist, default or configured
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/**
 * Keys parsed earlier in this process, by file content and passphrase (hashed): every host of a
 * fleet uses the same identity, and decrypting it (bcrypt KDF) once per host would cost seconds.
 */
const parsedKeys = new Map<string, ReturnType<typeof ssh2.utils.parseKey>>();

function parseKey(content: Buffer, passphrase: string | undefined): ReturnType<typeof ssh2.utils.parseKey> {
  const id = createHash('sha256').update(content).update(passphrase === undefined ? '\0' : `\x01${passphrase}`).digest('hex');
  let parsed = parsedKeys.get(id);
  if (parsed === undefined) {
    parsed = ssh2.utils.parseKey(content, passphrase);
    parsedKeys.set(id, parsed);
  }
  return parsed;
}

/** Identity files in order, then the agent (unless IdentitiesOnly), as ssh2 auth attempts. */
export function planAuthentication(target: SshTarget, options: AuthOptions): AuthPlan {
  const passphrase = options.passphrase ?? process.env.OCTOI_SSH_PASSPHRASE;
  const methods: AnyAuthMethod[] = [];
  const problems: string[] = [];
  for (const file of target.identityFiles) {
    let content: Buffer | null;
    try {
      content = readKey(file);
    } catch (error) {
      problems.push(`${file}: ${(error as Error).message}`);
      continue;
    }
    if (content === null) continue;
    const parsed = parseKey(content, passphrase);
    if (parsed instanceof Error) {
      const needsPassphrase = /passphrase/i.test(parsed.message) || /decrypt/i.test(parsed.message);
      problems.push(needsPassphrase
        ? `${file} is encrypted and ${passphrase === undefined ? 'no passphrase was given (set OCTOI_SSH_PASSPHRASE)' : 'the passphrase does not open it'}`
        : `${file}: ${parsed.message}`);
      continue;
    }
    const [key] = Array.isArray(parsed) ? (parsed as ParsedKey[]) : [parsed];
    if (key === undefined) {
      problems.push(`${file} holds no private key`);
      continue;
    }
    methods.push({ type: 'publickey', username: target.user, key });
  }
  const agent = options.agent ?? process.env.SSH_AUTH_SOCK;
  if (agent && !target.identitiesOnly) methods.push({ type: 'agent', username: target.user, agent });
  return { methods, problems };
}
