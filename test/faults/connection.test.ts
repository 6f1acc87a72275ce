import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { ExitCode } from '../../lib/exit-codes.js';
import {
  assertConverged,
  inventoryWith,
  labHostVars,
  managedFiles,
  play,
  playbookText,
  type ExtraHost,
  type ManagedFile,
  type PlayRun,
} from '../helpers/faults.js';
import { labSuite } from '../helpers/lab.js';

/** Accepts TCP and never answers: a host whose sshd hangs before the SSH banner. */
async function silentServer(): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(address !== null && typeof address !== 'string');
  return {
    port: address.port,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

describe('connection faults on a lab of 2 hosts: the good hosts converge, the bad one is named', { timeout: 300_000 }, () => {
  const suite = labSuite(2);
  let playbook: string;
  let files: ManagedFile[];

  /** One run with the lab's hosts and `extra`: the lab's hosts converge whatever `extra` does. */
  const runWith = async (name: string, extra: ExtraHost, ...options: string[]): Promise<PlayRun> => {
    const inventory = await inventoryWith(suite.lab, join(suite.work, `${name}.yml`), [extra]);
    const outcome = await play(inventory, playbook, '--connect-timeout', '3', ...options);
    for (const host of suite.lab.hosts) assert.ok(['ok', 'changed'].includes(outcome.report.hosts[host.name]?.status ?? ''), `${host.name}: ${outcome.run.stdout}`);
    await assertConverged(suite.lab, suite.lab.hosts.map((host) => host.name), files);
    return outcome;
  };

  before(async () => {
    playbook = join(suite.work, 'playbook.yml');
    await writeFile(playbook, playbookText([{ name: 'octoi-faults-conn', port: 15101, body: 'echo connection' }]));
    files = await managedFiles(playbook);
  });

  it('a host that accepts TCP but never completes the handshake times out within the connect timeout', async () => {
    const silent = await silentServer();
    try {
      const vars = { ...(await labHostVars(suite.lab, 'gw01')), ansible_host: '127.0.0.1', ansible_port: silent.port };
      const { run, report, seconds } = await runWith('silent', { name: 'hung', vars });
      assert.equal(run.exitCode, ExitCode.hostsUnreachable, run.stdout + run.stderr);
      assert.equal(report.hosts.hung?.status, 'unreachable');
      assert.equal(report.hosts.hung?.error?.reason, 'timeout');
      assert.ok(seconds < 15, `took ${seconds} s with a 3 s connect timeout`);
      assert.match(run.stdout, /^hung: unreachable: /m);
    } finally {
      await silent.close();
    }
  });

  it('an unused address inside the lab subnet is reported unreachable', async () => {
    const subnet = suite.lab.hosts[0]!.address.replace(/\.\d+$/, '');
    const vars = { ...(await labHostVars(suite.lab, 'gw01')), ansible_host: `${subnet}.250` };
    const { run, report, seconds } = await runWith('unused', { name: 'ghost', vars }, '--connect-timeout', '10');
    assert.equal(run.exitCode, ExitCode.hostsUnreachable, run.stdout + run.stderr);
    assert.equal(report.hosts.ghost?.status, 'unreachable');
    // the neighbour lookup fails after about 3 s, before the connect timeout
    assert.equal(report.hosts.ghost?.error?.reason, 'unreachable');
    assert.match(report.hosts.ghost?.error?.message ?? '', /EHOSTUNREACH/);
    assert.ok(seconds < 15, `took ${seconds} s`);
  });

  it('a key the host does not accept is reported as auth', async () => {
    const wrongKey = join(suite.work, 'wrong_ed25519');
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', wrongKey]);
    const vars = { ...(await labHostVars(suite.lab, 'gw02')), ansible_ssh_private_key_file: wrongKey };
    const { run, report } = await runWith('wrong-key', { name: 'locked', vars });
    assert.equal(run.exitCode, ExitCode.hostsUnreachable, run.stdout + run.stderr);
    assert.equal(report.hosts.locked?.error?.reason, 'auth');
    assert.match(report.hosts.locked?.error?.message ?? '', /authentication .* failed/);
  });

  it('an unknown host key fails closed by default and shows its fingerprint', async () => {
    const empty = join(suite.work, 'empty_known_hosts');
    await writeFile(empty, '');
    const vars = { ...(await labHostVars(suite.lab, 'gw02')), ansible_ssh_common_args: `-o UserKnownHostsFile=${empty}` };
    const { run, report } = await runWith('unknown-key', { name: 'stranger', vars });
    assert.equal(run.exitCode, ExitCode.hostsUnreachable, run.stdout + run.stderr);
    assert.equal(report.hosts.stranger?.error?.reason, 'host-key');
    const keygen = await suite.lab.exec('gw02', ['ssh-keygen', '-l', '-E', 'sha256', '-f', '/etc/ssh/ssh_host_ed25519_key.pub']);
    const fingerprint = keygen.stdout.split(' ')[1] ?? '(none)';
    assert.match(fingerprint, /^SHA256:/);
    assert.ok(report.hosts.stranger?.error?.message.includes(fingerprint), report.hosts.stranger?.error?.message);
    assert.equal(await readFile(empty, 'utf8'), '', 'nothing was recorded without --accept-new');
  });

  it('the good hosts stayed converged through every fault: a re-run changes nothing', async () => {
    const rerun = await play(suite.lab.inventoryPath, playbook);
    assert.equal(rerun.run.exitCode, ExitCode.ok, rerun.run.stdout + rerun.run.stderr);
    assert.equal(rerun.report.totals.changed, 0);
  });
});
