import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { ExitCode } from '../../lib/exit-codes.js';
import { initCommand, PROBE_FUNCTIONS } from '../../lib/facts/probe.js';
import { MARKER } from '../../lib/facts/probe-format.js';
import { HOST_LAYOUT } from '../../lib/host-layout.js';
import { packageRoot } from '../../lib/paths.js';
import type { StatusReport } from '../../lib/report/status-table.js';
import { readJsonReport, runOctoi } from '../helpers/cli.js';
import { everyRelease, labSuite } from '../helpers/lab.js';
import { readFromPort } from '../helpers/tcp.js';

const helloworld = join(packageRoot(), 'playbooks', 'helloworld.yml');
/** What the README's table of tested releases says, checked against the hosts themselves. */
const systemdOf = { bullseye: 247, bookworm: 252, trixie: 257 } as const;
const NOT_PID1 = 'systemd is not PID 1 (found: sshd); octoi manages systemd socket units';

describe('a mixed fleet: Debian 11, 12 and 13, and a host without systemd (gw04)', { timeout: 600_000 }, () => {
  const suite = labSuite([...everyRelease, { init: 'none' }]);
  const managed = () => suite.lab.hosts.filter((host) => host.init === 'systemd');
  const play = async (name: string) => {
    const json = join(suite.work, `${name}.json`);
    const run = await runOctoi(['play', helloworld, '-i', suite.lab.inventoryPath, '--json', json, '--plain']);
    return { ...run, report: await readJsonReport(json) };
  };

  it('boots each release with the systemd version the README lists, and gw04 with sshd as PID 1', async () => {
    // The probe reads the version from the library's name, without starting systemctl: the same number.
    for (const host of managed()) {
      const version = await suite.lab.exec(host.name, ['systemctl', '--version']);
      assert.match(version.stdout, new RegExp(`^systemd ${systemdOf[host.release]} \\(`), host.name);
      const probed = await suite.lab.exec(host.name, ['sh', '-c', `${PROBE_FUNCTIONS}systemctl() { echo "systemctl $*"; }\n${initCommand(HOST_LAYOUT)}`]);
      assert.equal(probed.stdout, `${MARKER} init\nsystemd\nsystemd ${systemdOf[host.release]}\n`, host.name);
    }
    assert.equal((await suite.lab.exec('gw04', ['cat', '/proc/1/comm'])).stdout, 'sshd\n');
    const groups = (parse(await readFile(suite.lab.inventoryPath, 'utf8')) as { all: { children: Record<string, { hosts: object }> } }).all.children;
    const members = (group: string) => Object.keys(groups[group]?.hosts ?? {});
    assert.deepEqual([members('debian11'), members('debian12'), members('debian13')], [['gw01'], ['gw02', 'gw04'], ['gw03']]);
  });

  it('fails the host without systemd alone, naming what runs as its PID 1, and writes nothing there', async () => {
    const run = await play('not-pid1');
    assert.equal(run.exitCode, ExitCode.hostsFailed, run.stdout + run.stderr);
    assert.equal(run.report.hosts.gw04?.status, 'failed');
    assert.deepEqual(run.report.hosts.gw04?.error, { reason: 'host-unsupported', message: NOT_PID1 });
    assert.match(run.stdout, new RegExp(`^gw04: failed: ${NOT_PID1.replace(/[()]/g, '\\$&')}$`, 'm'));
    for (const host of managed()) {
      assert.equal(run.report.hosts[host.name]?.status, 'changed', host.name);
      assert.equal(await readFromPort(host.address, 13063), 'Hello World\n');
    }
    const left = await suite.lab.exec('gw04', ['sh', '-c', 'ls -A /etc/systemd/system /opt; test -e /var/lib/octoi && echo state']);
    assert.doesNotMatch(left.stdout, /octoi-helloworld|state/);
  });

  it('status and plan fail it with the same words and read the others', async () => {
    const json = join(suite.work, 'status.json');
    const status = await runOctoi(['status', '-i', suite.lab.inventoryPath, '--json', json]);
    assert.equal(status.exitCode, ExitCode.hostsFailed, status.stdout + status.stderr);
    const report = JSON.parse(await readFile(json, 'utf8')) as StatusReport;
    assert.equal(report.hosts.gw04?.status, 'failed');
    assert.equal(report.hosts.gw04?.error, NOT_PID1);
    for (const host of managed()) assert.deepEqual(Object.keys(report.hosts[host.name]?.services ?? {}), ['octoi-helloworld']);

    const plan = await runOctoi(['plan', helloworld, '-i', suite.lab.inventoryPath]);
    assert.equal(plan.exitCode, ExitCode.hostsFailed, plan.stdout + plan.stderr);
    assert.ok((plan.stdout + plan.stderr).includes(NOT_PID1), plan.stdout + plan.stderr);
    assert.match(plan.stdout, /3 hosts \(gw01, gw02, gw03\): in sync/);
  });

  it('fails a Debian 13 host with neither ss nor netstat alone, naming both', async () => {
    const hide = 'for tool in ss netstat; do for dir in /usr/bin /bin /usr/sbin /sbin; do [ -e $dir/$tool ] && mv $dir/$tool $dir/$tool.hidden; done; done; true';
    const show = 'for tool in ss netstat; do for dir in /usr/bin /bin /usr/sbin /sbin; do [ -e $dir/$tool.hidden ] && mv $dir/$tool.hidden $dir/$tool; done; done; true';
    await suite.lab.exec('gw03', ['sh', '-c', hide]);
    try {
      const run = await play('no-listeners');
      assert.equal(run.report.hosts.gw03?.status, 'failed');
      assert.equal(run.report.hosts.gw03?.error?.reason, 'facts-unreadable');
      assert.match(run.report.hosts.gw03?.error?.message ?? '', /neither ss \(iproute2\) nor netstat \(net-tools\) is installed/);
      assert.equal(run.report.hosts.gw01?.status, 'ok');
      assert.equal(run.report.hosts.gw02?.status, 'ok');
    } finally {
      await suite.lab.exec('gw03', ['sh', '-c', show]);
    }
  });
});
