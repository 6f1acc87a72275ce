/**
 * Real-world SSH on the lab: hosts behind a bastion (ProxyJump over one shared connection), a
 * non-root login user with become (sudo, with and without a password), --limit leaving a host
 * untouched, and host keys that are unknown or changed.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import { resolveTargets } from '../../lib/run/targets.js';
import { ExitCode } from '../../lib/exit-codes.js';
import { loadInventory } from '../../lib/inventory/index.js';
import { runCommand } from '../../lib/lab/run-command.js';
import { packageRoot } from '../../lib/paths.js';
import { SessionPool } from '../../lib/run/session-pool.js';
import { readJsonReport, runOctoi } from '../helpers/cli.js';
import { labSuite } from '../helpers/lab.js';
import { generateKey } from '../helpers/sshd.js';
import { readFromPort } from '../helpers/tcp.js';

type HostVars = Record<string, unknown>;

function servicePlaybook(name: string, port: number): string {
  return `- name: ${name}\n  hosts: gateways\n  services:\n    - name: ${name}\n      listen: ${port}\n      script:\n        content: |\n          #!/bin/sh\n          echo "${name}"\n`;
}

/** Peer addresses of the established connections to port 22 as the host's own `ss` shows them. */
function sshPeers(ssOutput: string): string[] {
  return ssOutput.trim().split('\n').filter(Boolean).map((line) => line.trim().split(/\s+/)[3]?.replace(/:\d+$/, '') ?? '');
}

describe('octoi over real-world SSH on a lab with a bastion', { timeout: 900_000 }, () => {
  // gw01 (become without a password) runs Debian 11's sudo; gw02 (sudo password) and the bastion's side, Debian 13's.
  const suite = labSuite([{ release: 'bullseye' }, { release: 'trixie' }], 2);
  let labVars: Record<string, HostVars>;
  const helloworld = join(packageRoot(), 'playbooks', 'helloworld.yml');

  const file = async (name: string, content: string): Promise<string> => {
    const path = join(suite.work, name);
    await writeFile(path, content);
    return path;
  };
  /** An inventory of lab hosts in group gateways, each with the lab's connection variables and `vars` on top. */
  const inventory = (name: string, hosts: Record<string, HostVars>): Promise<string> =>
    file(name, stringify({ all: { children: { gateways: { hosts: Object.fromEntries(
      Object.entries(hosts).map(([host, vars]) => [host, { ...labVars[host], ...vars }]),
    ) } } } }));
  const play = async (playbook: string, inventoryPath: string, extra: string[] = [], env: NodeJS.ProcessEnv = {}) => {
    const json = join(suite.work, `report-${Date.now()}.json`);
    const events = join(suite.work, `events-${Date.now()}.jsonl`);
    const result = await runOctoi(['play', playbook, '-i', inventoryPath, '--json', json, '--events', events, ...extra], { env });
    const ran = result.exitCode !== ExitCode.invalidInput;
    return {
      ...result,
      report: ran ? await readJsonReport(json) : null,
      files: ran ? (await readFile(json, 'utf8')) + (await readFile(events, 'utf8')) : '',
    };
  };
  /** Addresses sshd accepted a login from, in order, as the host's journal tells. */
  const logins = async (host: string, user = 'root'): Promise<string[]> => {
    const journal = await suite.lab.exec(host, ['journalctl', '-q', '--no-pager', '-o', 'cat', '-u', 'ssh.service']);
    return [...journal.stdout.matchAll(new RegExp(`^Accepted publickey for ${user} from (\\S+)`, 'gm'))].map((match) => match[1] ?? '');
  };
  const controller = (): string => `${suite.lab.host('gw01').address.split('.').slice(0, 3).join('.')}.1`;
  /** What a host serves on a port, asked from the bastion (which reaches both networks). */
  const served = async (host: string, port: number): Promise<string> =>
    (await suite.lab.exec('bastion', ['nc', '-w', '5', suite.lab.host(host).address, String(port)])).stdout;

  before(async () => {
    const written = parse(await readFile(suite.lab.inventoryPath, 'utf8')) as { all: { children: { gateways: { hosts: Record<string, HostVars> } } } };
    labVars = written.all.children.gateways.hosts;
  });

  it('puts gw03 and gw04 on a second network that only the bastion reaches', async () => {
    assert.deepEqual(suite.lab.hosts.map((host) => [host.name, host.behindBastion ?? false]), [
      ['gw01', false], ['gw02', false], ['bastion', false], ['gw03', true], ['gw04', true],
    ]);
    const inner = suite.lab.host('gw03').address;
    const route = await runCommand(['ip', '-4', 'route', 'get', inner]);
    assert.notEqual(route.exitCode, 0, `the machine has a route to ${inner}: ${route.stdout}`);
    await assert.rejects(readFromPort(inner, 22, 5000), { code: 'EHOSTUNREACH' });
    const addresses = await suite.lab.exec('bastion', ['ip', '-4', '-o', 'addr', 'show']);
    assert.match(addresses.stdout, new RegExp(`eth0\\s+inet ${suite.lab.host('bastion').address.replaceAll('.', '\\.')}/24`));
    assert.match(addresses.stdout, new RegExp(`eth1\\s+inet ${inner.split('.').slice(0, 3).join('\\.')}\\.254/24`));
    assert.equal((await suite.lab.exec('bastion', ['cat', '/proc/sys/net/ipv4/ip_forward'])).stdout.trim(), '0', 'the bastion routes nothing');
    const routes = await suite.lab.exec('gw03', ['ip', '-4', 'route']);
    assert.doesNotMatch(routes.stdout, /default/);
  });

  it('lets Ansible ping the hosts behind the bastion with the same inventory', { timeout: 180_000 }, async () => {
    const result = await runCommand(['ansible', '-i', suite.lab.inventoryPath, 'behind_bastion', '-m', 'ping', '-o'], {
      // No ControlPersist: its lingering masters would hold connections to the bastion after the test.
      env: { ...process.env, ANSIBLE_HOST_KEY_CHECKING: 'True', ANSIBLE_NOCOLOR: '1', ANSIBLE_SSH_ARGS: '-o ControlMaster=no' },
      timeoutMs: 170_000,
    });
    assert.equal(result.exitCode, 0, result.stdout + result.stderr);
    for (const name of ['gw03', 'gw04']) assert.match(result.stdout, new RegExp(`${name} \\| SUCCESS`));
  });

  it('converges the hosts behind the bastion through one bastion connection', async () => {
    const before = await logins('bastion');
    const run = await play(helloworld, suite.lab.inventoryPath, ['--limit', 'behind_bastion']);
    assert.equal(run.exitCode, ExitCode.ok, run.stdout + run.stderr);
    assert.deepEqual(Object.keys(run.report?.hosts ?? {}), ['gw03', 'gw04']);
    assert.deepEqual((await logins('bastion')).slice(before.length), [controller()], 'one login to the bastion, from the machine');
    for (const name of ['gw03', 'gw04']) {
      assert.equal(run.report?.hosts[name]?.status, 'changed');
      assert.equal(await served(name, 13063), 'Hello World\n');
    }
  });

  it('holds one connection to the bastion while sessions to both hosts behind it are open', async () => {
    const hosts = ['gw03', 'gw04'];
    const pool = new SessionPool(await resolveTargets(await loadInventory([suite.lab.inventoryPath]), hosts), {});
    const before = await logins('bastion');
    try {
      const sessions = await Promise.all(hosts.map((host) => pool.get(host)));
      assert.deepEqual(await Promise.all(sessions.map(async (session) => (await session.exec('hostname')).stdout)), ['gw03\n', 'gw04\n']);
      const inbound = await suite.lab.exec('bastion', ['ss', '-Htn', 'state', 'established', '( sport = :22 )']);
      assert.deepEqual(sshPeers(inbound.stdout), [controller()], inbound.stdout);
      const outbound = await suite.lab.exec('bastion', ['ss', '-Htn', 'state', 'established', '( dport = :22 )']);
      assert.deepEqual(sshPeers(outbound.stdout).sort(), hosts.map((host) => suite.lab.host(host).address).sort(), outbound.stdout);
      assert.equal((await logins('bastion')).length - before.length, 1);
    } finally {
      await pool.closeAll();
    }
  });

  it('converges as the user deploy with become: files are root-owned, no upload waits in a folder of the login user', async () => {
    const deploy = { ansible_user: 'deploy', ansible_become: true };
    const path = await inventory('deploy.yml', { gw01: deploy, gw03: deploy });
    const playbook = await file('become.yml', servicePlaybook('reach-become', 14101));
    const run = await play(playbook, path);
    assert.equal(run.exitCode, ExitCode.ok, run.stdout + run.stderr);
    for (const host of ['gw01', 'gw03']) {
      assert.equal(run.report?.hosts[host]?.status, 'changed');
      const files = await suite.lab.exec(host, ['stat', '-c', '%U:%G %a %n', '/etc/systemd/system/reach-become.socket',
        '/etc/systemd/system/reach-become@.service', '/opt/reach-become', '/opt/reach-become/reach-become.sh']);
      assert.equal(files.stdout, [
        'root:root 644 /etc/systemd/system/reach-become.socket',
        'root:root 644 /etc/systemd/system/reach-become@.service',
        'root:root 755 /opt/reach-become',
        'root:root 755 /opt/reach-become/reach-become.sh',
        '',
      ].join('\n'), files.stderr);
      assert.equal(await served(host, 14101), 'reach-become\n');
      assert.ok((await logins(host, 'deploy')).length > 0, 'logged in as deploy');
      const staging = await suite.lab.exec(host, ['sh', '-c', 'ls -d /tmp/octoi-upload.* 2>/dev/null; true']);
      assert.equal(staging.stdout, '', 'the files go up inside the request to the root shell, never through a staging folder');
    }
    const again = await play(playbook, path);
    assert.equal(again.exitCode, ExitCode.ok, again.stdout + again.stderr);
    for (const host of ['gw01', 'gw03']) assert.equal(again.report?.hosts[host]?.status, 'ok');
  });

  it('fails as deploy without become: the login user may not write the units', async () => {
    const path = await inventory('no-become.yml', { gw01: { ansible_user: 'deploy' } });
    const run = await play(await file('no-become-play.yml', servicePlaybook('reach-nobecome', 14102)), path);
    assert.equal(run.exitCode, ExitCode.hostsFailed, run.stdout + run.stderr);
    assert.match(run.report?.hosts['gw01']?.error?.message ?? '', /the login user on gw01 cannot take octoi's lock in \/run\/octoi: changing a host needs root/);
    assert.match(run.stdout + run.stderr, /or use become/);
  });

  it('becomes root with the sudo password from an environment variable, which shows nowhere', async () => {
    const password = (await readFile(suite.lab.sudoPasswordPath, 'utf8')).trim();
    const path = await inventory('password.yml', {
      gw02: { ansible_user: 'deploy-pw', ansible_become: true, octoi_become_password_env: 'OCTOI_E2E_SUDO' },
    });
    const playbook = await file('password-play.yml', servicePlaybook('reach-password', 14103));

    const unset = await play(playbook, path);
    assert.equal(unset.exitCode, ExitCode.invalidInput, unset.stdout + unset.stderr);
    assert.match(unset.stderr, /OCTOI_E2E_SUDO.* is not set/);

    const wrong = await play(playbook, path, [], { OCTOI_E2E_SUDO: 'not-the-password' });
    assert.equal(wrong.exitCode, ExitCode.hostsFailed, wrong.stdout + wrong.stderr);
    assert.equal(wrong.report?.hosts['gw02']?.error?.reason, 'auth', 'a wrong sudo password is an authentication failure');
    assert.match(wrong.report?.hosts['gw02']?.error?.message ?? '', /sudo on gw02 refused to run commands as root/);
    for (const text of [wrong.stdout, wrong.stderr, wrong.files]) assert.ok(!text.includes('not-the-password'));

    const run = await play(playbook, path, ['--diff'], { OCTOI_E2E_SUDO: password });
    assert.equal(run.exitCode, ExitCode.ok, run.stdout + run.stderr);
    assert.equal(run.report?.hosts['gw02']?.status, 'changed');
    for (const text of [run.stdout, run.stderr, run.files]) assert.ok(!text.includes(password), 'the password is not in the output or reports');
    const owner = await suite.lab.exec('gw02', ['stat', '-c', '%U:%G %a', '/opt/reach-password/reach-password.sh']);
    assert.equal(owner.stdout, 'root:root 755\n');
    assert.equal(await readFromPort(suite.lab.host('gw02').address, 14103), 'reach-password\n');
  });

  it("--limit 'gateways:!gw02' leaves gw02 untouched, byte for byte", async () => {
    const snapshot = (host: string) => suite.lab.exec(host, ['sh', '-c', [
      'find /etc /opt /usr/local /root /home /tmp /var/tmp -xdev -printf "%p %y %m %U:%G %s\\n" | sort',
      'find /etc/systemd /opt -xdev -type f -exec sha256sum {} + | sort',
      'systemctl list-unit-files --no-legend --no-pager | sort',
    ].join('; ')]);
    const before = await snapshot('gw02');
    const loginsBefore = await logins('gw02');
    const run = await play(await file('limit.yml', servicePlaybook('reach-limit', 14104)), suite.lab.inventoryPath, ['--limit', 'gateways:!gw02']);
    assert.equal(run.exitCode, ExitCode.ok, run.stdout + run.stderr);
    assert.deepEqual(Object.keys(run.report?.hosts ?? {}), ['gw01', 'gw03', 'gw04']);
    assert.equal(await served('gw01', 14104), 'reach-limit\n');
    const after = await snapshot('gw02');
    assert.equal(after.stdout, before.stdout);
    assert.match(before.stdout, /\/etc\/systemd\/system/, 'the snapshot lists the unit folder');
    assert.deepEqual(await logins('gw02'), loginsBefore, 'no SSH login on gw02');
    assert.equal((await suite.lab.exec('gw02', ['systemctl', 'show', '-p', 'LoadState', 'reach-limit.socket'])).stdout, 'LoadState=not-found\n');
  });

  it('fails closed on an unknown host key with its fingerprint and the line to add; --accept-new records it', async () => {
    const address = suite.lab.host('gw01').address;
    const labLine = (await readFile(suite.lab.knownHostsPath, 'utf8')).split('\n').find((line) => line.startsWith(`${address} `)) ?? '';
    const fingerprint = /SHA256:\S+/.exec((await runCommand(['ssh-keygen', '-l', '-E', 'sha256', '-F', address, '-f', suite.lab.knownHostsPath])).stdout)?.[0];
    assert.ok(labLine && fingerprint, 'the lab knows gw01');
    const knownHosts = await file('known_hosts.new', '');
    const path = await inventory('unknown-key.yml', {
      gw01: { ansible_ssh_common_args: `-o UserKnownHostsFile=${knownHosts} -o StrictHostKeyChecking=yes` },
    });

    const refused = await play(helloworld, path);
    assert.equal(refused.exitCode, ExitCode.hostsUnreachable, refused.stdout + refused.stderr);
    const message = `${refused.stdout}${refused.stderr}`;
    assert.ok(message.includes(fingerprint), message);
    assert.ok(message.includes(labLine), `the line to add: ${message}`);
    assert.equal(await readFile(knownHosts, 'utf8'), '', 'nothing is recorded without --accept-new');

    const accepted = await play(helloworld, path, ['--accept-new']);
    assert.equal(accepted.exitCode, ExitCode.ok, accepted.stdout + accepted.stderr);
    assert.equal(await readFile(knownHosts, 'utf8'), `${labLine}\n`);
  });

  it('always fails on a changed host key, --accept-new or not', async () => {
    const lines = (await readFile(suite.lab.knownHostsPath, 'utf8')).split('\n');
    const keyOf = (host: string) => lines.find((line) => line.startsWith(`${suite.lab.host(host).address} `))?.split(' ').slice(1).join(' ');
    const swapped = `${suite.lab.host('gw01').address} ${keyOf('gw02')}\n`;
    const knownHosts = await file('known_hosts.swapped', swapped);
    const path = await inventory('changed-key.yml', {
      gw01: { ansible_ssh_common_args: `-o UserKnownHostsFile=${knownHosts} -o StrictHostKeyChecking=yes` },
    });
    for (const extra of [[], ['--accept-new']]) {
      const run = await play(helloworld, path, extra);
      assert.equal(run.exitCode, ExitCode.hostsUnreachable, run.stdout + run.stderr);
      assert.match(run.report?.hosts['gw01']?.error?.message ?? '', /host key of .* has CHANGED/);
      assert.equal(run.report?.hosts['gw01']?.error?.reason, 'host-key');
    }
    assert.equal(await readFile(knownHosts, 'utf8'), swapped, 'known_hosts is never rewritten');
  });

  it('--accept-new treats a known host answering with another key type as changed, as an impostor would', async () => {
    // The lab's hosts have only an ed25519 key: known_hosts holding only an ECDSA key for gw01 is the
    // case of a host known by one key type and a machine that answers with another.
    const ecdsa = generateKey(join(suite.work, 'other_ecdsa_key'), 'ecdsa').split(' ');
    const known = `${suite.lab.host('gw01').address} ${ecdsa[0]} ${ecdsa[1]}\n`;
    const knownHosts = await file('known_hosts.other-type', known);
    const path = await inventory('other-type.yml', {
      gw01: { ansible_ssh_common_args: `-o UserKnownHostsFile=${knownHosts} -o StrictHostKeyChecking=yes` },
    });
    const run = await play(helloworld, path, ['--accept-new']);
    assert.equal(run.exitCode, ExitCode.hostsUnreachable, run.stdout + run.stderr);
    assert.equal(run.report?.hosts['gw01']?.error?.reason, 'host-key');
    assert.match(run.report?.hosts['gw01']?.error?.message ?? '', /CHANGED: it sent only ssh-ed25519 .* holds ecdsa-sha2-nistp256/);
    assert.equal(await readFile(knownHosts, 'utf8'), known, 'the other key is not recorded');
  });
});
