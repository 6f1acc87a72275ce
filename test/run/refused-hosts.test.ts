/**
 * Hosts octoi will not reach (another connection type, a login password, a key file that is not
 * there) fail on their own, named with the reason, without being contacted; the other hosts of the
 * run are reached as usual (a real sshd on loopback).
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runOctoi } from '../helpers/cli.js';
import { startSshd, type Sshd } from '../helpers/sshd.js';

/**
 * A host that was logged in on and read: `ok` where PID 1 is systemd, else failed for that reason
 * alone (the machine running the tests need not boot with systemd).
 */
function wasRead(entry: { status: string; error?: string } | undefined): boolean {
  return entry?.status === 'ok' || /^systemd is not PID 1/.test(entry?.error ?? '');
}

describe('hosts refused for their connection settings', () => {
  let sshd: Sshd;
  const dir = mkdtempSync(join(tmpdir(), 'octoi-refused-'));
  before(async () => {
    sshd = await startSshd();
    writeFileSync(join(dir, 'known_hosts'), `${sshd.hostKeyLine}\n`);
  });
  after(async () => {
    await sshd?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('fail one by one with their reason while the reachable host is read', async () => {
    const inventory = join(dir, 'inventory.yml');
    writeFileSync(inventory, `all:
  vars:
    ansible_user: root
    ansible_host: 127.0.0.1
    ansible_port: ${sshd.port}
    ansible_ssh_private_key_file: ${sshd.clientKeyPath}
    ansible_ssh_common_args: -o UserKnownHostsFile=${join(dir, 'known_hosts')} -o IdentitiesOnly=yes
  hosts:
    reachable: {}
    templated: { loopback: 127.0.0.1, ansible_host: "{{ loopback }}" }
    controller: { ansible_connection: local }
    windows: { ansible_connection: winrm }
    password: { ansible_password: hunter2 }
    lostkey: { ansible_ssh_private_key_file: ${join(dir, 'no-such-key')} }
`);
    const report = join(dir, 'status.json');
    const env = { HOME: dir, SSH_AUTH_SOCK: '', ANSIBLE_CONFIG: join(dir, 'none.cfg') };
    const result = await runOctoi(['status', '-i', inventory, '--json', report], { cwd: dir, env });
    assert.equal(result.exitCode, 2, result.stderr + result.stdout);
    const { hosts } = JSON.parse(readFileSync(report, 'utf8')) as { hosts: Record<string, { status: string; error?: string }> };
    assert.ok(wasRead(hosts['reachable']), JSON.stringify(hosts['reachable']));
    assert.ok(wasRead(hosts['templated']), JSON.stringify(hosts['templated']));
    const failures = Object.fromEntries(Object.entries(hosts).filter(([, entry]) => !wasRead(entry)).map(([host, entry]) => [host, [entry.status, entry.error]]));
    assert.deepEqual(Object.keys(failures).sort(), ['controller', 'lostkey', 'password', 'windows']);
    assert.equal(failures['controller']?.[0], 'failed');
    assert.match(failures['controller']?.[1] ?? '', /ansible_connection is local/);
    assert.match(failures['windows']?.[1] ?? '', /ansible_connection is winrm: octoi reaches hosts over SSH only/);
    assert.match(failures['password']?.[1] ?? '', /ansible_password is set: octoi does not log in with passwords/);
    assert.match(failures['lostkey']?.[1] ?? '', new RegExp(`private key file ${join(dir, 'no-such-key')} .*does not exist`));
    assert.ok(!readFileSync(report, 'utf8').includes('hunter2'));
    assert.ok(!result.stdout.includes('hunter2') && !result.stderr.includes('hunter2'));
  });

  it('ansible.cfg gives the login user, key and host key policy the inventory leaves out', async () => {
    const project = join(dir, 'project');
    mkdirSync(project);
    const knownHosts = join(project, 'known_hosts');
    writeFileSync(join(project, 'hosts.yml'), `all:
  hosts:
    viacfg: { ansible_host: 127.0.0.1, ansible_port: ${sshd.port}, ansible_ssh_common_args: -o UserKnownHostsFile=${knownHosts} }
`);
    writeFileSync(join(project, 'ansible.cfg'), `[defaults]
inventory = hosts.yml
remote_user = root
private_key_file = ${sshd.clientKeyPath}
host_key_checking = False
`);
    const env = { HOME: dir, SSH_AUTH_SOCK: '', ANSIBLE_CONFIG: undefined };
    const report = join(project, 'status.json');
    const result = await runOctoi(['status', '--json', report], { cwd: project, env });
    const { hosts } = JSON.parse(readFileSync(report, 'utf8')) as { hosts: Record<string, { status: string; error?: string }> };
    assert.ok(wasRead(hosts['viacfg']), result.stderr + result.stdout);
    assert.match(result.stderr, /host_key_checking is False: octoi treats it as --accept-new/);
    assert.equal(readFileSync(knownHosts, 'utf8').split(' ')[0], `[127.0.0.1]:${sshd.port}`, 'the new key was recorded');
    writeFileSync(join(project, 'known_hosts'), `[127.0.0.1]:${sshd.port} ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n`);
    const changed = await runOctoi(['status'], { cwd: project, env });
    assert.equal(changed.exitCode, 3, 'a changed key still fails');
  });
});
