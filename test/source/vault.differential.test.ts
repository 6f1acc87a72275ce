/**
 * Ansible Vault against the real ansible-vault and ansible-inventory: the vault fixtures list and
 * show as Ansible shows them, and a round trip on data octoi did not make. Needs Ansible on PATH.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, describe, test } from 'node:test';
import { ExitCode } from '../../lib/exit-codes.js';
import { ansibleJson, inventoryListJson, loadInventory, loadVaultKeyring } from '../../lib/inventory/index.js';
import { bothPasswordArgs, bothPasswords, octoiInventory, vaultedInventory } from './vault-fixtures.js';

const run = promisify(execFile);
const scratch = mkdtempSync(join(tmpdir(), 'octoi-vault-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
const env = { ...process.env, ANSIBLE_CONFIG: join(scratch, 'none.cfg') };

describe('Ansible Vault against Ansible', () => {
  test('--list shows !vault values still encrypted, byte for byte as ansible-inventory --list', async () => {
    const inventory = await loadInventory([vaultedInventory], { vault: await loadVaultKeyring(bothPasswords) });
    const { stdout } = await run('ansible-inventory', ['-i', vaultedInventory, '--list', ...bothPasswordArgs], { env });
    assert.equal(ansibleJson(inventoryListJson(inventory)), stdout.replace(/\n$/, ''));
  });

  test('octoi inventory --vault-password-file/--vault-id prints --host as ansible-inventory does', async () => {
    const args = ['-i', vaultedInventory, '--host', 'gw1', ...bothPasswordArgs];
    const { stdout } = await run('ansible-inventory', args, { env });
    assert.deepEqual(await octoiInventory(...args), { code: ExitCode.ok, stdout, stderr: '' });
  });

  test('round trip: what ansible-vault encrypts, octoi decrypts to what ansible-vault decrypt gives', async () => {
    const password = join(scratch, 'round-trip-password');
    writeFileSync(password, randomBytes(12).toString('base64url'));
    const keyring = await loadVaultKeyring({ passwordFiles: [password] });
    // Lengths around the 16-byte block, multi-byte text, and a long value.
    for (const length of [1, 15, 16, 17, 31, 32, 33, 500]) {
      const secret = `é${randomBytes(length).toString('base64').slice(0, length)}`;
      const plainFile = join(scratch, `secret-${length}`);
      writeFileSync(plainFile, secret);
      await run('ansible-vault', ['encrypt', '--vault-password-file', password, plainFile], { env });
      const { stdout: decrypted } = await run('ansible-vault', ['decrypt', '--vault-password-file', password, '--output', '-', plainFile], { env });
      assert.equal(keyring.decrypt(readFileSync(plainFile, 'utf8'), 'the round-trip file').toString('utf8'), decrypted);
      assert.equal(decrypted, secret);
    }
  });
});
