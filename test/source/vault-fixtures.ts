import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { runInventoryCommand } from '../../lib/cli/inventory.js';
import { packageRoot } from '../../lib/paths.js';

/** Made by ansible-vault, see test/fixtures/vault/NOTES.md. */
export const vaultFixtures = join(packageRoot(), 'test', 'fixtures', 'vault');
export const vaultedInventory = join(vaultFixtures, 'inventory', 'hosts.yml');
export const bothPasswords = { passwordFiles: [join(vaultFixtures, 'password')], vaultIds: [`prod@${join(vaultFixtures, 'password-prod')}`] };
export const bothPasswordArgs = ['--vault-password-file', bothPasswords.passwordFiles[0] as string, '--vault-id', bothPasswords.vaultIds[0] as string];

/** `octoi inventory ARGV` in this process, with what it printed. */
export async function octoiInventory(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const [stdout, stderr] = [new PassThrough(), new PassThrough()];
  const text = { stdout: '', stderr: '' };
  stdout.on('data', (chunk: Buffer) => (text.stdout += chunk.toString()));
  stderr.on('data', (chunk: Buffer) => (text.stderr += chunk.toString()));
  return { code: await runInventoryCommand(argv, stdout, stderr), ...text };
}
