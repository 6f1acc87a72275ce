import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { runChecked } from './run-command.js';

/** Creates an ed25519 key pair without passphrase at `path` (and `path.pub`) unless it exists; returns the public key line. */
export async function ensureEd25519Key(path: string, comment: string): Promise<string> {
  if (!existsSync(path)) {
    await runChecked(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', path]);
  }
  return (await readFile(`${path}.pub`, 'utf8')).trim();
}

/** `ADDRESS TYPE BASE64` lines, one per host, from public key lines (`TYPE BASE64 [comment]`). */
export function knownHostsText(entries: readonly { address: string; publicKey: string }[]): string {
  return entries
    .map(({ address, publicKey }) => {
      const [type, key] = publicKey.trim().split(/\s+/);
      return `${address} ${type} ${key}\n`;
    })
    .join('');
}
