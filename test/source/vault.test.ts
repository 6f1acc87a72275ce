/**
 * Ansible Vault: fixtures made by ansible-vault (see test/fixtures/vault/NOTES.md) decrypted by octoi,
 * and a round trip through the real ansible-vault on data octoi did not make. Needs Ansible on PATH.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, describe, test } from 'node:test';
import { PassThrough } from 'node:stream';
import { runInventoryCommand } from '../../lib/cli/inventory.js';
import { parseTemplate, renderTemplate } from '../../lib/template/template.js';
import { OctoiError } from '../../lib/diagnostics.js';
import { ExitCode } from '../../lib/exit-codes.js';
import { inventoryConnection } from '../../lib/inventory/connection.js';
import { ansibleJson, inventoryListJson, loadInventory, loadVaultKeyring, VaultedValue, type VaultPasswordOptions } from '../../lib/inventory/index.js';
import { packageRoot } from '../../lib/paths.js';
import { Ansible } from '../inventory/ansible-oracle.js';

const run = promisify(execFile);
const fixtures = join(packageRoot(), 'test', 'fixtures', 'vault');
const inventoryFile = join(fixtures, 'inventory', 'hosts.yml');
const bothPasswords = { passwordFiles: [join(fixtures, 'password')], vaultIds: [`prod@${join(fixtures, 'password-prod')}`] };
const scratch = mkdtempSync(join(tmpdir(), 'octoi-vault-'));
const ansible = new Ansible();
after(() => {
  ansible.dispose();
  rmSync(scratch, { recursive: true, force: true });
});

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
    const inventory = await loadInventory([inventoryFile], { vault: await loadVaultKeyring(bothPasswords) });
    const connection = inventoryConnection(inventory, 'gw1');
    assert.equal(connection.user, 'deploy');
    assert.equal(connection.port, 2222);
    const vars = inventory.hostVars('gw1');
    assert.equal(vars['gateway_token'], 's3cret-token');
    assert.ok(vars['unused_secret'] instanceof VaultedValue);
    assert.equal(vars['unused_secret'].reveal('unused_secret'), 'never-used');
  });

  test('--list shows !vault values still encrypted, byte for byte as ansible-inventory --list', async () => {
    const inventory = await loadInventory([inventoryFile], { vault: await loadVaultKeyring(bothPasswords) });
    const args = ['--vault-password-file', bothPasswords.passwordFiles[0] as string, '--vault-id', bothPasswords.vaultIds[0] as string];
    const { stdout } = await run('ansible-inventory', ['-i', inventoryFile, '--list', ...args], { env: { ...process.env, ANSIBLE_CONFIG: join(scratch, 'none.cfg') } });
    assert.equal(ansibleJson(inventoryListJson(inventory)), stdout.replace(/\n$/, ''));
  });

  test('octoi inventory --vault-password-file/--vault-id prints --host as ansible-inventory does; without them it names the file', async () => {
    const octoi = async (...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> => {
      const [stdout, stderr] = [new PassThrough(), new PassThrough()];
      const text = { stdout: '', stderr: '' };
      stdout.on('data', (chunk: Buffer) => (text.stdout += chunk.toString()));
      stderr.on('data', (chunk: Buffer) => (text.stderr += chunk.toString()));
      return { code: await runInventoryCommand(argv, stdout, stderr), ...text };
    };
    const args = ['-i', inventoryFile, '--host', 'gw1', '--vault-password-file', bothPasswords.passwordFiles[0] as string, '--vault-id', bothPasswords.vaultIds[0] as string];
    const { stdout } = await run('ansible-inventory', args, { env: { ...process.env, ANSIBLE_CONFIG: join(scratch, 'none.cfg') } });
    assert.deepEqual(await octoi(...args), { code: ExitCode.ok, stdout, stderr: '' });
    const refused = await octoi('-i', inventoryFile, '--host', 'gw1');
    assert.equal(refused.code, ExitCode.invalidInput);
    assert.match(refused.stderr, /group_vars\/gateways\.yml:1:1.*no vault password was given[\s\S]*--vault-password-file FILE/);
  });

  test('without a password only the vaulted variable that is used fails, naming it, its place and the options', async () => {
    const file = join(scratch, 'hosts.yml');
    copyFileSync(inventoryFile, file);
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
    copyFileSync(inventoryFile, file);
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
    const error = await failure(loadInventory([inventoryFile]));
    assert.deepEqual(
      error.diagnostics.map((d) => [d.position?.file, d.message]),
      [[join(fixtures, 'inventory', 'group_vars', 'gateways.yml'), `the file ${join(fixtures, 'inventory', 'group_vars', 'gateways.yml')} is encrypted with Ansible Vault and no vault password was given`]],
    );
  });

  test('a wrong password is an HMAC mismatch, and no error shows a decrypted value', async () => {
    const wrong = join(scratch, 'wrong');
    writeFileSync(wrong, 'not-the-password\n');
    const error = await failure(loadInventory([inventoryFile], { vault: await loadVaultKeyring({ passwordFiles: [wrong] }) }));
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
    const inventory = await loadInventory([inventoryFile], { vault: await loadVaultKeyring({ passwordFiles: [plain], vaultIds: [`prod@${client}`] }) });
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

  test('round trip: what ansible-vault encrypts, octoi decrypts to what ansible-vault decrypt gives', async () => {
    const password = join(scratch, 'round-trip-password');
    writeFileSync(password, randomBytes(12).toString('base64url'));
    const keyring = await loadVaultKeyring({ passwordFiles: [password] });
    // Lengths around the 16-byte block, multi-byte text, and a long value.
    for (const length of [1, 15, 16, 17, 31, 32, 33, 500]) {
      const secret = `é${randomBytes(length).toString('base64').slice(0, length)}`;
      const env = { ...process.env, ANSIBLE_CONFIG: join(scratch, 'none.cfg') };
      const plainFile = join(scratch, `secret-${length}`);
      writeFileSync(plainFile, secret);
      await run('ansible-vault', ['encrypt', '--vault-password-file', password, plainFile], { env });
      const { stdout: decrypted } = await run('ansible-vault', ['decrypt', '--vault-password-file', password, '--output', '-', plainFile], { env });
      assert.equal(keyring.decrypt(readFileSync(plainFile, 'utf8'), 'the round-trip file').toString('utf8'), decrypted);
      assert.equal(decrypted, secret);
    }
  });
});
