/**
 * Ansible Vault: fixtures made by ansible-vault (see test/fixtures/vault/NOTES.md) decrypted by octoi.
 * vault.differential.test.ts compares with the real ansible-vault and ansible-inventory.
 */
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { parseTemplate, renderTemplate } from '../../lib/template/template.js';
import { OctoiError } from '../../lib/diagnostics.js';
import { ExitCode } from '../../lib/exit-codes.js';
import { inventoryConnection } from '../../lib/inventory/connection.js';
import { loadInventory, loadVaultKeyring, VaultedValue, type VaultPasswordOptions } from '../../lib/inventory/index.js';
import { bothPasswords, octoiInventory, vaultedInventory, vaultFixtures } from './vault-fixtures.js';

const scratch = mkdtempSync(join(tmpdir(), 'octoi-vault-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

async function failure(promise: Promise<unknown>): Promise<OctoiError> {
  const error = await promise.then(() => assert.fail('succeeded'), (caught: unknown) => caught);
  assert.ok(error instanceof OctoiError, String(error));
  return error;
}

function script(name: string, body: string): string {
  const path = join(scratch, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

describe('Ansible Vault', () => {
  test('an inventory with a vaulted group_vars file and inline !vault values (1.1 and 1.2 with a vault id)', async () => {
    const inventory = await loadInventory([vaultedInventory], { vault: await loadVaultKeyring(bothPasswords) });
    const connection = inventoryConnection(inventory, 'gw1');
    assert.equal(connection.user, 'deploy');
    assert.equal(connection.port, 2222);
    const vars = inventory.hostVars('gw1');
    assert.equal(vars['gateway_token'], 's3cret-token');
    assert.ok(vars['unused_secret'] instanceof VaultedValue);
    assert.equal(vars['unused_secret'].reveal('unused_secret'), 'never-used');
  });

  test('octoi inventory --host without a vault password names the file and the options', async () => {
    const refused = await octoiInventory('-i', vaultedInventory, '--host', 'gw1');
    assert.equal(refused.code, ExitCode.invalidInput);
    assert.match(refused.stderr, /group_vars\/gateways\.yml:1:1.*no vault password was given[\s\S]*--vault-password-file FILE/);
  });

  test('without a password only the vaulted variable that is used fails, naming it, its place and the options', async () => {
    const file = join(scratch, 'hosts.yml');
    copyFileSync(vaultedInventory, file);
    const inventory = await loadInventory([file]);
    assert.equal(inventory.hostVars('gw1')['ansible_host'], '127.0.0.1');
    const error = await failure(Promise.resolve().then(() => inventoryConnection(inventory, 'gw1')));
    assert.equal(error.diagnostics.length, 1);
    const [diagnostic] = error.diagnostics;
    assert.equal(diagnostic?.field, 'ansible_user');
    assert.equal(diagnostic?.host, 'gw1');
    assert.match(diagnostic?.message ?? '', new RegExp(`the variable ansible_user \\(!vault value at ${file}:5:28\\) is encrypted with Ansible Vault and no vault password was given`));
    assert.match(diagnostic?.hint ?? '', /--vault-password-file FILE or --vault-id \[LABEL@\]FILE/);
  });

  test('templates decrypt a !vault value when they read it, also inside a mapping; unread ones never', async () => {
    const file = join(scratch, 'hosts.yml');
    copyFileSync(vaultedInventory, file);
    const render = async (text: string, vault: VaultPasswordOptions = bothPasswords): Promise<ReturnType<typeof renderTemplate>> => {
      const vars = (await loadInventory([file], { vault: await loadVaultKeyring(vault) })).hostVars('gw1');
      const parsed = parseTemplate(text);
      assert.ok(parsed.template);
      return renderTemplate(parsed.template, new Map(Object.entries({ ...vars, nested: { user: vars['ansible_user'] } })));
    };
    assert.deepEqual(await render('{{ ansible_user }}@{{ nested.user | upper }}'), { text: 'deploy@DEPLOY' });
    assert.deepEqual(await render('{{ ansible_host }}', {}), { text: '127.0.0.1' });
    const { problem } = await render('{{ nested.user }}', {});
    assert.equal(problem?.kind, 'invalid');
    assert.match(problem?.kind === 'invalid' ? problem.message : '', /^the variable nested\.user \(!vault value at .*hosts\.yml:5:28\) is encrypted with Ansible Vault and no vault password was given$/);
  });

  test('a vaulted vars file without a password fails the load, naming the file', async () => {
    const error = await failure(loadInventory([vaultedInventory]));
    assert.deepEqual(
      error.diagnostics.map((d) => [d.position?.file, d.message]),
      [[join(vaultFixtures, 'inventory', 'group_vars', 'gateways.yml'), `the file ${join(vaultFixtures, 'inventory', 'group_vars', 'gateways.yml')} is encrypted with Ansible Vault and no vault password was given`]],
    );
  });

  test('a wrong password is an HMAC mismatch, and no error shows a decrypted value', async () => {
    const wrong = join(scratch, 'wrong');
    writeFileSync(wrong, 'not-the-password\n');
    const error = await failure(loadInventory([vaultedInventory], { vault: await loadVaultKeyring({ passwordFiles: [wrong] }) }));
    assert.match(error.diagnostics[0]?.message ?? '', /HMAC verification failed with every vault password given \(vault ids: default\)/);
    const inline = await loadInventory([join(scratch, 'hosts.yml')], { vault: await loadVaultKeyring({ passwordFiles: [wrong] }) });
    const used = await failure(Promise.resolve().then(() => inventoryConnection(inline, 'gw1')));
    for (const text of [...error.diagnostics, ...used.diagnostics].flatMap((d) => [d.message, d.hint ?? ''])) {
      assert.doesNotMatch(text, /deploy|s3cret|never-used|octoi-fixture-password|not-the-password/);
    }
  });

  test('passwords from an executable script, a -client script given --vault-id LABEL, and refusals', async () => {
    const plain = script('password.sh', "printf 'octoi-fixture-password\\r\\n'");
    const client = script('vault-client.sh', '[ "$1 $2" = "--vault-id prod" ] && echo prod-fixture-password');
    const inventory = await loadInventory([vaultedInventory], { vault: await loadVaultKeyring({ passwordFiles: [plain], vaultIds: [`prod@${client}`] }) });
    assert.equal(inventoryConnection(inventory, 'gw1').user, 'deploy');
    assert.equal((inventory.hostVars('gw1')['unused_secret'] as VaultedValue).reveal('unused_secret'), 'never-used');
    const empty = join(scratch, 'empty');
    writeFileSync(empty, ' \n');
    const refusals: [Parameters<typeof loadVaultKeyring>[0], RegExp][] = [
      [{ passwordFiles: [join(scratch, 'missing')] }, /the vault password file .*missing was not found/],
      [{ passwordFiles: [empty] }, /gave an empty password/],
      [{ passwordFiles: [script('fails.sh', 'exit 3')] }, /the vault password script .*fails\.sh failed \(exit code 3\)/],
      [{ vaultIds: ['prod@prompt'] }, /does not prompt for vault passwords/],
    ];
    for (const [options, message] of refusals) {
      const error = await failure(loadVaultKeyring(options));
      assert.match(error.diagnostics[0]?.message ?? '', message);
    }
  });
});
