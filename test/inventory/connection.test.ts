import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { OctoiError } from '../../lib/diagnostics.js';
import { inventoryConnection, loadInventory, sshArgs } from '../../lib/inventory/index.js';

const scratch = mkdtempSync(join(tmpdir(), 'octoi-connection-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

async function inventoryOf(yaml: string) {
  const file = join(scratch, `inventory-${Math.random().toString(36).slice(2)}.yml`);
  writeFileSync(file, yaml);
  return loadInventory([file]);
}

test('connection variables, the later alias winning', async () => {
  const inventory = await inventoryOf(`
all:
  vars:
    ansible_user: ops
  hosts:
    gw1:2200:
      ansible_host: 192.0.2.1
      ansible_ssh_user: admin
      ansible_ssh_private_key_file: keys/gw1
      ansible_become: "yes"
      ansible_become_user: root
      ansible_ssh_common_args: -o UserKnownHostsFile=/x -oStrictHostKeyChecking=yes
      ansible_ssh_extra_args: '-o "ConnectTimeout 5" -J bastion -p2201 -4A'
    gw2:
      ansible_port: "22"
      ansible_ssh_port: 2222
      ansible_private_key_file: ~/.ssh/id_gw
      ansible_become: no
`);
  assert.deepEqual(inventoryConnection(inventory, 'gw1', { cwd: '/srv/ops', home: '/home/me' }), {
    name: 'gw1',
    host: '192.0.2.1',
    port: 2200,
    user: 'admin',
    identityFile: '/srv/ops/keys/gw1',
    become: true,
    becomeUser: 'root',
    options: [
      { key: 'UserKnownHostsFile', value: '/x' },
      { key: 'StrictHostKeyChecking', value: 'yes' },
      { key: 'ConnectTimeout', value: '5' },
      { key: 'ProxyJump', value: 'bastion' },
      { key: 'Port', value: '2201' },
      { key: 'AddressFamily', value: 'inet' },
      { key: 'ForwardAgent', value: 'yes' },
    ],
  });
  assert.deepEqual(inventoryConnection(inventory, 'gw2', { cwd: '/srv/ops', home: '/home/me' }), {
    name: 'gw2', port: 2222, user: 'ops', identityFile: '/home/me/.ssh/id_gw', become: false, options: [],
  });
});

test('bad values are diagnostics naming the host and the variable', async () => {
  const inventory = await inventoryOf(`
gw:
  hosts:
    gw1:
      ansible_port: abc
      ansible_become: maybe
      ansible_ssh_extra_args: -G
      ansible_host: [a]
`);
  assert.throws(() => inventoryConnection(inventory, 'gw1'), (error: unknown) => {
    assert.ok(error instanceof OctoiError);
    assert.equal(error.kind, 'invalid-input');
    assert.deepEqual(error.diagnostics.map((d) => [d.host, d.field]), [
      ['gw1', 'ansible_host'],
      ['gw1', 'ansible_port'],
      ['gw1', 'ansible_become'],
      ['gw1', 'ansible_ssh_extra_args'],
    ]);
    assert.match(error.diagnostics[1]?.message ?? '', /port number from 1 to 65535, not "abc"/);
    assert.match(error.diagnostics[3]?.message ?? '', /-G is not supported/);
    return true;
  });
});

test('ssh arguments need their values and -o needs Key=Value', () => {
  assert.throws(() => sshArgs(['-J']), /-J needs an argument/);
  assert.throws(() => sshArgs(['-o', 'JustAKey']), /is not Key=Value/);
  assert.throws(() => sshArgs(['bastion']), /unexpected argument/);
  assert.throws(() => sshArgs(['-F']), /-F needs an argument/);
  assert.deepEqual(sshArgs(['-o', 'Key = "a b"']), { options: [{ key: 'Key', value: 'a b' }] });
  assert.deepEqual(sshArgs(['-F', 'first', '-qFlast']), { options: [{ key: 'LogLevel', value: 'QUIET' }], configFile: 'last' });
});

test('-F names the config file (relative to the current directory), and become reads no password from the inventory', async () => {
  const inventory = await inventoryOf(`
all:
  hosts:
    gw1:
      ansible_become: true
      ansible_become_user: app
      octoi_become_password_env: GW_SUDO
      ansible_ssh_common_args: -F lab/ssh_config -o ProxyJump=root@10.0.0.1
    gw2:
      ansible_become: true
      ansible_become_password: hunter2
      ansible_become_method: su
`);
  assert.deepEqual(inventoryConnection(inventory, 'gw1', { cwd: '/srv/ops' }), {
    name: 'gw1',
    become: true,
    becomeUser: 'app',
    becomePasswordEnv: 'GW_SUDO',
    configFile: '/srv/ops/lab/ssh_config',
    options: [{ key: 'ProxyJump', value: 'root@10.0.0.1' }],
  });
  assert.throws(() => inventoryConnection(inventory, 'gw2'), (error: unknown) => {
    assert.ok(error instanceof OctoiError);
    assert.deepEqual(error.diagnostics.map((d) => d.field), ['ansible_become_method', 'ansible_become_password']);
    assert.match(error.diagnostics[1]?.hint ?? '', /octoi_become_password_env/);
    assert.ok(!JSON.stringify(error.diagnostics).includes('hunter2'), 'the password is not repeated');
    return true;
  });
});

test('{{ }} in connection variables is rendered with the host variables, never used literally', async () => {
  const inventory = await inventoryOf(`
all:
  vars:
    site_user: ops
    ssh_port: 2222
    bastion: 10.9.0.1
  children:
    edge:
      vars:
        ansible_user: "{{ site_user }}"
        ansible_ssh_private_key_file: "keys/{{ inventory_hostname }}.key"
        ansible_ssh_common_args: "-o ProxyJump={{ bastion }}"
      hosts:
        gw1:
          addresses: { public: 192.0.2.7 }
          ansible_host: "{{ addresses.public }}"
          ansible_port: "{{ ssh_port }}"
        gw2:
          ansible_host: "{{ gw2_address }}"
          ansible_user: "{{ siteuser }}"
`);
  assert.deepEqual(inventoryConnection(inventory, 'gw1', { cwd: '/srv/ops' }), {
    name: 'gw1',
    host: '192.0.2.7',
    port: 2222,
    user: 'ops',
    identityFile: '/srv/ops/keys/gw1.key',
    options: [{ key: 'ProxyJump', value: '10.9.0.1' }],
  });
  assert.throws(() => inventoryConnection(inventory, 'gw2'), (error: unknown) => {
    assert.ok(error instanceof OctoiError);
    assert.deepEqual(error.diagnostics.map((d) => [d.host, d.field]), [['gw2', 'ansible_user'], ['gw2', 'ansible_host']]);
    const [user, host] = error.diagnostics;
    assert.match(host?.message ?? '', /ansible_host: undefined variable `gw2_address` in `\{\{ gw2_address \}\}`/);
    assert.match(user?.hint ?? '', /did you mean `site_user`/);
    return true;
  });
});

test('ansible.cfg defaults sit below every inventory variable', async () => {
  const inventory = await inventoryOf(`
all:
  hosts:
    gw1: { ansible_ssh_user: admin }
    gw2: {}
`);
  const defaults = { ansible_user: 'cfg-user', ansible_become: true, ansible_ssh_args: '-o ConnectTimeout=3' };
  assert.deepEqual(inventoryConnection(inventory, 'gw1', { defaults }), {
    name: 'gw1', user: 'admin', become: true, options: [{ key: 'ConnectTimeout', value: '3' }],
  });
  assert.equal(inventoryConnection(inventory, 'gw2', { defaults }).user, 'cfg-user');
});

test('a host that is not reached over SSH, or that logs in with a password, carries its refusal', async () => {
  const inventory = await inventoryOf(`
all:
  hosts:
    plain: {}
    viaSsh: { ansible_connection: ssh }
    viaParamiko: { ansible_connection: paramiko }
    viaSmart: { ansible_connection: ansible.builtin.smart }
    controller: { ansible_connection: local }
    container: { ansible_connection: community.docker.docker }
    windows: { ansible_connection: winrm }
    withPassword: { ansible_ssh_pass: hunter2 }
    templated: { kind: local, ansible_connection: "{{ kind }}" }
`);
  for (const host of ['plain', 'viaSsh', 'viaParamiko', 'viaSmart']) assert.equal(inventoryConnection(inventory, host).refusal, undefined, host);
  const refusal = (host: string) => inventoryConnection(inventory, host).refusal;
  assert.equal(refusal('controller')?.field, 'ansible_connection');
  assert.match(refusal('controller')?.message ?? '', /ansible_connection is local: octoi converges hosts over SSH and does not provision the machine it runs on/);
  assert.match(refusal('container')?.message ?? '', /ansible_connection is community\.docker\.docker: octoi reaches hosts over SSH only/);
  assert.match(refusal('windows')?.message ?? '', /winrm/);
  assert.equal(refusal('templated')?.field, 'ansible_connection');
  assert.equal(refusal('withPassword')?.field, 'ansible_ssh_pass');
  assert.match(refusal('withPassword')?.hint ?? '', /ansible_ssh_private_key_file.*ssh-agent/);
  assert.ok(!JSON.stringify(refusal('withPassword')).includes('hunter2'), 'the password is not repeated');
});
