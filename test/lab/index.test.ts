import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { OctoiError } from '../../lib/diagnostics.js';
import { cgroup2Mount } from '../../lib/lab/cgroup.js';
import { recipeHash } from '../../lib/lab/image.js';
import { labDown, labStatus, labUp, stopHost } from '../../lib/lab/index.js';
import { labId } from '../../lib/lab/names.js';
import { runCommand } from '../../lib/lab/run-command.js';
import { requireRootForLab, startLab, type TestLab } from '../helpers/lab.js';

/** Everything of a lab that could outlive `down`, found on the machine rather than in the lab's own record. */
async function leftovers(dir: string): Promise<string[]> {
  const id = labId(dir);
  const found: string[] = [];
  for (const line of (await readFile('/proc/self/mounts', 'utf8')).split('\n')) {
    if (line.includes(dir) || line.includes(`octoi-${id}`)) found.push(`mount: ${line}`);
  }
  for (const line of (await runCommand(['ip', 'netns', 'list'])).stdout.split('\n')) {
    if (line.includes(`octoi-${id}`)) found.push(`netns: ${line}`);
  }
  for (const line of (await runCommand(['ip', '-o', 'link'])).stdout.split('\n')) {
    if (line.includes(`octoi-${id}`) || line.includes(`oc${id}-`)) found.push(`link: ${line}`);
  }
  if (existsSync(join(await cgroup2Mount(), `octoi-${id}`))) found.push(`cgroup: octoi-${id}`);
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const [status, cgroup, environ] = await Promise.all(
      ['status', 'cgroup', 'environ'].map((file) => readFile(`/proc/${pid}/${file}`, 'utf8').catch(() => '')),
    );
    // A zombie is already dead; only the machine's PID 1 can reap it, and it owns no resources.
    if (/^State:\s+Z/m.test(status ?? '')) continue;
    if (cgroup?.includes(`/octoi-${id}`) || environ?.includes(`OCTOI_HOST_DIR=${dir}/`)) {
      found.push(`process ${pid}: ${/^Name:\s+(.*)$/m.exec(status ?? '')?.[1]}`);
    }
  }
  if (existsSync(dir) && (await readdir(dir)).length > 0) found.push(`files in ${dir}: ${(await readdir(dir)).join(' ')}`);
  return found;
}

function readBanner(address: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: address, port });
    let text = '';
    socket.setTimeout(15_000, () => socket.destroy(new Error(`no answer from ${address}:${port}`)));
    socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
  });
}

describe('a lab of three hosts', () => {
  let lab: TestLab;
  const names = ['gw01', 'gw02', 'gw03'];

  before(async () => {
    lab = await startLab(3);
  });
  after(async () => {
    await lab?.down();
  });

  it('boots gw01..gw03 with real systemd as PID 1 and lists them in the inventory', async () => {
    assert.deepEqual(lab.hosts.map((h) => h.name), names);
    const inventory = await readFile(lab.inventoryPath, 'utf8');
    for (const host of lab.hosts) {
      assert.match(inventory, new RegExp(`ansible_host: ${host.address.replaceAll('.', '\\.')}`));
      assert.equal((await readFile(`/proc/${host.pid}/comm`, 'utf8')).trim(), 'systemd');
      const state = await lab.exec(host.name, ['systemctl', 'is-system-running', '--wait']);
      assert.equal(state.stdout.trim(), 'running', `${host.name}: ${state.stdout}${state.stderr}`);
    }
  });

  it('lets root log into every host over SSH with the lab key and strict host-key checking', async () => {
    for (const host of lab.hosts) {
      const result = await lab.ssh(host.name, 'hostname; id -u; ip -4 route');
      assert.equal(result.exitCode, 0, result.stderr);
      const [name, uid, ...routes] = result.stdout.trim().split('\n');
      assert.equal(name, host.name);
      assert.equal(uid, '0');
      assert.ok(routes.every((route) => !route.startsWith('default')), `no default route: ${routes.join('; ')}`);
    }
  });

  it('refuses a password login and any key but the lab key', async () => {
    const address = lab.host('gw01').address;
    const result = await runCommand([
      'ssh', '-F', '/dev/null', '-o', 'BatchMode=yes', '-o', 'PubkeyAuthentication=no',
      '-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${lab.knownHostsPath}`, `root@${address}`, 'true',
    ]);
    assert.equal(result.exitCode, 255);
    assert.match(result.stderr, /Permission denied \(publickey\)/);
  });

  it('works unchanged with Ansible, host-key checking on', { timeout: 180_000 }, async () => {
    const which = await runCommand(['sh', '-c', 'command -v ansible']);
    assert.equal(which.exitCode, 0, 'ansible is not installed (Debian package ansible-core)');
    const result = await runCommand(['ansible', '-i', lab.inventoryPath, 'gateways', '-m', 'ping', '-o'], {
      env: { ...process.env, ANSIBLE_HOST_KEY_CHECKING: 'True', ANSIBLE_NOCOLOR: '1' },
      timeoutMs: 170_000,
    });
    assert.equal(result.exitCode, 0, result.stdout + result.stderr);
    for (const name of names) assert.match(result.stdout, new RegExp(`${name} \\| SUCCESS`));
  });

  it('gives every host its own SSH host key', async () => {
    const keys = await Promise.all(lab.hosts.map((h) => lab.exec(h.name, ['cat', '/etc/ssh/ssh_host_ed25519_key.pub'])));
    const blobs = keys.map((k) => k.stdout.split(' ')[1]);
    assert.equal(new Set(blobs).size, 3);
    const knownHosts = await readFile(lab.knownHostsPath, 'utf8');
    lab.hosts.forEach((host, i) => assert.ok(knownHosts.includes(`${host.address} ssh-ed25519 ${blobs[i]}`)));
    const others = await lab.exec('gw01', ['sh', '-c', 'ls /etc/ssh/ssh_host_*']);
    assert.deepEqual(others.stdout.trim().split('\n').sort(), ['/etc/ssh/ssh_host_ed25519_key', '/etc/ssh/ssh_host_ed25519_key.pub']);
  });

  it('serves a socket unit enabled by hand to a client in the machine', async () => {
    const script = [
      'mkdir -p /opt/labtest',
      `printf '#!/bin/sh\\necho "hello from $(hostname)"\\n' > /opt/labtest/script`,
      'chmod 0755 /opt/labtest/script',
      `printf '[Socket]\\nListenStream=13063\\nAccept=yes\\n[Install]\\nWantedBy=sockets.target\\n' > /etc/systemd/system/labtest.socket`,
      `printf '[Service]\\nExecStart=-/opt/labtest/script\\nStandardInput=socket\\nStandardError=null\\nDynamicUser=true\\n' > /etc/systemd/system/labtest@.service`,
      'systemctl enable --now labtest.socket',
      'ss -tlnpH',
    ].join(' && ');
    const setup = await lab.ssh('gw02', script);
    assert.equal(setup.exitCode, 0, setup.stderr);
    assert.match(setup.stdout, /\*:13063 .*users:\(\("systemd",pid=1,/);
    assert.equal(await readBanner(lab.host('gw02').address, 13063), 'hello from gw02\n');
  });

  it('keeps each host’s files to itself', async () => {
    const write = await lab.exec('gw01', ['sh', '-c', 'echo mine > /etc/systemd/system/only-gw01.conf']);
    assert.equal(write.exitCode, 0, write.stderr);
    assert.equal((await lab.exec('gw01', ['cat', '/etc/systemd/system/only-gw01.conf'])).stdout, 'mine\n');
    for (const other of ['gw02', 'gw03']) {
      const read = await lab.exec(other, ['test', '-e', '/etc/systemd/system/only-gw01.conf']);
      assert.equal(read.exitCode, 1, `${other} sees gw01's file`);
    }
  });

  it('keeps /sys and /proc/sys read-only inside hosts', async () => {
    const sysctl = await lab.exec('gw01', ['sh', '-c', 'echo 1 > /proc/sys/net/ipv4/ip_forward']);
    assert.notEqual(sysctl.exitCode, 0);
    assert.match(sysctl.stderr, /Read-only file system/);
    const sys = await lab.exec('gw01', ['sh', '-c', 'echo 1 > /sys/kernel/uevent_helper || mkdir /sys/octoi']);
    assert.notEqual(sys.exitCode, 0);
  });

  it('raises fs.inotify.max_user_instances while up', async () => {
    const limit = Number(await readFile('/proc/sys/fs/inotify/max_user_instances', 'utf8'));
    assert.ok(limit >= 8192, `limit is ${limit}`);
  });

  it('says so when asked to come up again, and boots a stopped host again', async () => {
    const lines: string[] = [];
    const again = await labUp({ dir: lab.dir, hosts: 3, onProgress: (line) => lines.push(line) });
    assert.deepEqual(lines, [`lab ${lab.dir} is already up with 3 hosts`]);
    assert.deepEqual(again.hosts, lab.hosts);

    await stopHost(lab.dir, 'gw03');
    const status = await labStatus(lab.dir);
    assert.deepEqual(status.map((h) => [h.name, h.state, h.sshReady]), [
      ['gw01', 'running', true],
      ['gw02', 'running', true],
      ['gw03', 'stopped', false],
    ]);
    const restarted = await labUp({ dir: lab.dir, hosts: 3 });
    assert.equal(restarted.hosts.length, 3);
    assert.notEqual(restarted.hosts[2]?.pid, lab.hosts[2]?.pid);
    const login = await lab.ssh('gw03', 'hostname');
    assert.equal(login.stdout.trim(), 'gw03', login.stderr);
  });
});

describe('lab teardown and neighbours', () => {
  const dirs: string[] = [];
  before(() => requireRootForLab());
  after(async () => {
    for (const dir of dirs) {
      await labDown({ dir });
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('runs two labs from two folders side by side and leaves nothing behind after a host was killed', async () => {
    const dirA = await mkdtemp(join(tmpdir(), 'octoi-lab-a-'));
    const dirB = await mkdtemp(join(tmpdir(), 'octoi-lab-b-'));
    dirs.push(dirA, dirB);
    const a = await labUp({ dir: dirA, hosts: 2 });
    const b = await labUp({ dir: dirB, hosts: 1 });
    const subnet = (address: string) => address.split('.').slice(0, 3).join('.');
    assert.notEqual(subnet(a.hosts[0]?.address ?? ''), subnet(b.hosts[0]?.address ?? ''));
    assert.notEqual(labId(dirA), labId(dirB));
    assert.ok((await labStatus(dirB)).every((h) => h.sshReady));

    process.kill(a.hosts[1]?.pid ?? 0, 'SIGKILL');
    await labDown({ dir: dirA });
    assert.deepEqual(await leftovers(dirA), []);
    assert.ok((await labStatus(dirB)).every((h) => h.sshReady), 'the other lab is untouched');
    await labDown({ dir: dirA });
    assert.deepEqual(await leftovers(dirA), [], 'down twice');

    const bPids = b.hosts.map((h) => h.pid);
    await labDown({ dir: dirB });
    assert.deepEqual(await leftovers(dirB), []);
    for (const pid of bPids) assert.equal(existsSync(`/proc/${pid}/cmdline`) && (await readFile(`/proc/${pid}/cmdline`, 'utf8')) !== '', false);
  });

  it('takes down a lab with a bastion: the inner network, its namespace and its unreachable route go too', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'octoi-lab-bastion-'));
    dirs.push(dir);
    const lab = await labUp({ dir, hosts: 1, behindBastion: 1 });
    assert.deepEqual(lab.hosts.map((h) => h.name), ['gw01', 'bastion', 'gw02']);
    const inner = lab.hosts[2]?.address.split('.').slice(0, 3).join('.') ?? '';
    const unreachable = async () => (await runCommand(['ip', '-4', 'route', 'show', 'type', 'unreachable'])).stdout;
    assert.match(await unreachable(), new RegExp(`^unreachable ${inner.replaceAll('.', '\\.')}\\.0/24`, 'm'));
    assert.ok((await labStatus(dir)).every((h) => h.sshReady), 'status sees sshd behind the bastion too');
    await labDown({ dir });
    assert.deepEqual(await leftovers(dir), []);
    assert.doesNotMatch(await unreachable(), new RegExp(`${inner.replaceAll('.', '\\.')}\\.0/24`));
  });

  it('reports a host that fails to boot with the tail of its console log', async () => {
    // An image cache whose image is an empty folder: the host dies mounting /proc into it.
    const cache = await mkdtemp(join(tmpdir(), 'octoi-image-'));
    const dir = await mkdtemp(join(tmpdir(), 'octoi-lab-broken-'));
    dirs.push(dir, cache);
    await mkdir(join(cache, await recipeHash(), 'rootfs'), { recursive: true });
    const started = Date.now();
    await assert.rejects(labUp({ dir, hosts: 1, imageCacheDir: cache }), (error: unknown) => {
      assert.ok(error instanceof OctoiError);
      assert.equal(error.kind, 'lab');
      assert.equal(error.diagnostics[0]?.host, 'gw01');
      assert.match(error.diagnostics[0]?.message ?? '', /did not answer on .*; console:\n[^]*mount point does not exist/);
      assert.match(error.diagnostics[0]?.hint ?? '', /console\.log/);
      return true;
    });
    assert.ok(Date.now() - started < 30_000, 'a dead host is reported at once, not after the boot timeout');
    await labDown({ dir });
    assert.deepEqual(await leftovers(dir), []);
  });
});
