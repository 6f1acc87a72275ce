import assert from 'node:assert/strict';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { runInventoryCommand } from '../../lib/cli/inventory.js';
import { ExitCode } from '../../lib/exit-codes.js';
import { capturedOutputs, inventoryCases, inventoryFixtures } from './ansible-oracle.js';

async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const chunks = { stdout: '', stderr: '' };
  stdout.on('data', (chunk: Buffer) => (chunks.stdout += chunk.toString()));
  stderr.on('data', (chunk: Buffer) => (chunks.stderr += chunk.toString()));
  const code = await runInventoryCommand(argv, stdout, stderr);
  return { code, ...chunks };
}

const gateways = inventoryCases().find((c) => c.name === 'yaml-gateways');
const inventory = join(inventoryFixtures, 'yaml-gateways', 'hosts.yml');

test('--list and --graph print what ansible-inventory printed', async () => {
  assert.ok(gateways);
  const expected = capturedOutputs(gateways);
  const list = await run('-i', inventory, '--list');
  assert.equal(list.code, ExitCode.ok);
  assert.deepEqual(JSON.parse(list.stdout), expected.list);
  assert.equal((await run('-i', inventory, '--graph')).stdout, `${expected.graph}\n`);
  assert.equal((await run('-i', inventory, '--graph', 'web')).stdout, '@web:\n  |--gw02\n  |--edge-a.example.com\n  |--edge-b.example.com\n  |--edge-c.example.com\n');
});

test('--host prints one host\'s variables; --list-hosts one host per line', async () => {
  const host = await run('-i', inventory, '--host', 'gw01');
  assert.equal((JSON.parse(host.stdout) as Record<string, unknown>)['role'], 'host_vars');
  const hosts = await run('--inventory', inventory, '--list-hosts', 'gateways:!web', '--limit', 'gw0*');
  assert.equal(hosts.stdout, 'gw01\ngw03\ngw04\ngw06\ngw09\n');
});

test('exit codes: no host matched, invalid input, bad usage', async () => {
  const none = await run('-i', inventory, '--list-hosts', 'nothing');
  assert.equal(none.code, ExitCode.noHostsMatched);
  assert.match(none.stderr, /"nothing" matched no host/);
  assert.equal((await run('-i', inventory, '--host', 'web')).code, ExitCode.invalidInput);
  assert.equal((await run('-i', join(inventoryFixtures, 'missing.yml'), '--list')).code, ExitCode.invalidInput);
  assert.equal((await run('-i', inventory)).code, ExitCode.invalidInput);
  assert.equal((await run('-i', inventory, '--list', '--graph')).code, ExitCode.invalidInput);
  assert.equal((await run('-i', inventory, '--list', '--limit', 'x')).code, ExitCode.invalidInput);
  assert.equal((await run('--bogus')).code, ExitCode.invalidInput);
  assert.equal((await run('-i', inventory, '--graph', 'nogroup')).code, ExitCode.invalidInput);
  assert.match((await run('--help')).stdout, /--list-hosts PATTERN/);
});

test('--host --vars-origin says where each variable comes from, the playbook folder included', async () => {
  const dir = join(inventoryFixtures, 'playbook-vars');
  const result = await run('-i', join(dir, 'inventory', 'hosts.ini'), '--playbook-dir', join(dir, 'playbooks'), '--host', 'w2', '--vars-origin');
  assert.equal(result.code, ExitCode.ok, result.stderr);
  const origins = JSON.parse(result.stdout) as Record<string, { value: unknown; origin: string }>;
  assert.deepEqual(origins['ansible_user'], { value: '{{ deploy_user }}', origin: join(dir, 'playbooks', 'group_vars', 'web', '10-users.yml') });
  assert.deepEqual(origins['v_b'], { value: 'inventory-group_vars-web', origin: join(dir, 'inventory', 'group_vars', 'web.yml') });
  assert.deepEqual(origins['v_c'], { value: 'playbook-group_vars-web-20', origin: join(dir, 'playbooks', 'group_vars', 'web', '20-more.yaml') });
  assert.deepEqual(origins['v_all_only'], { value: 'inventory-ini-all', origin: 'inventory group all' });
  assert.deepEqual(origins['ansible_host'], { value: '{{ w2_address }}', origin: 'inventory host w2' });
  const plain = await run('-i', join(dir, 'inventory', 'hosts.ini'), '--playbook-dir', join(dir, 'playbooks'), '--host', 'w2');
  assert.deepEqual(JSON.parse(plain.stdout), Object.fromEntries(Object.entries(origins).map(([name, { value }]) => [name, value])));
  const misuse = await run('-i', join(dir, 'inventory', 'hosts.ini'), '--list', '--vars-origin');
  assert.equal(misuse.code, ExitCode.invalidInput);
});
