import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { ExitCode } from '../../lib/exit-codes.js';
import { stopHost } from '../../lib/lab/index.js';
import { packageRoot } from '../../lib/paths.js';
import type { StatusReport } from '../../lib/report/status-table.js';
import { runOctoi } from '../helpers/cli.js';
import { everyRelease, labSuite } from '../helpers/lab.js';
import { readFromPort } from '../helpers/tcp.js';

const HELLOWORLD = join(packageRoot(), 'playbooks', 'helloworld.yml');
const CONNECTIONS = 3;

describe('octoi status on a lab of 3 hosts: Debian 11, 12 and 13', { timeout: 600_000 }, () => {
  const suite = labSuite(everyRelease);
  const status = async (...args: string[]) => {
    const json = join(suite.work, `status-${Date.now()}.json`);
    const result = await runOctoi(['status', '-i', suite.lab.inventoryPath, '--json', json, ...args]);
    const report = JSON.parse(await readFile(json, 'utf8')) as StatusReport;
    return { ...result, report };
  };
  const helloworldOn = (report: StatusReport, host: string) => report.hosts[host]?.services['octoi-helloworld'];

  before(async () => {
    const play = await runOctoi(['play', HELLOWORLD, '-i', suite.lab.inventoryPath]);
    assert.equal(play.exitCode, ExitCode.ok, play.stdout + play.stderr);
  });

  it('shows the playbook\'s service on every host: enabled, active, systemd listening on *:13063', async () => {
    const run = await status(HELLOWORLD);
    assert.equal(run.exitCode, ExitCode.ok, run.stdout + run.stderr);
    for (const host of suite.lab.hosts) {
      assert.equal(run.report.hosts[host.name]?.status, 'ok');
      // Nothing has connected since the play: its verification reads ss, it does not connect.
      assert.deepEqual(helloworldOn(run.report, host.name), {
        enabled: 'enabled', active: 'active', listening: ['*:13063'], accepted: 0, connections: 0, refused: 0, exposure: { score: 0.2, label: 'SAFE' },
      });
      assert.match(run.stdout, new RegExp(`^${host.name}\\s+octoi-helloworld\\s+enabled\\s+active\\s+\\*:13063\\s+0\\s+0\\s+0\\s+0\\.2 SAFE$`, 'm'));
    }
    assert.match(run.stdout, /^3 hosts: 3 ok, 0 unreachable, 0 failed$/m);
  });

  it('finds the same service without a playbook, from the unit files on each host', async () => {
    const run = await status();
    assert.equal(run.exitCode, ExitCode.ok, run.stdout + run.stderr);
    for (const host of suite.lab.hosts) {
      assert.deepEqual(Object.keys(run.report.hosts[host.name]?.services ?? {}), ['octoi-helloworld']);
      assert.deepEqual(helloworldOn(run.report, host.name)?.listening, ['*:13063']);
      assert.equal(helloworldOn(run.report, host.name)?.accepted, 0);
    }
  });

  it(`counts exactly ${CONNECTIONS} more accepted connections on each host but the one left alone`, async () => {
    const [idle, ...busy] = suite.lab.hosts;
    assert.ok(idle && busy.length > 0);
    for (const host of busy) {
      for (let i = 0; i < CONNECTIONS; i += 1) assert.equal(await readFromPort(host.address, 13063), 'Hello World\n');
    }
    const run = await status('--limit', 'all');
    assert.equal(run.exitCode, ExitCode.ok, run.stdout + run.stderr);
    for (const host of busy) assert.equal(helloworldOn(run.report, host.name)?.accepted, CONNECTIONS, host.name);
    assert.equal(helloworldOn(run.report, idle.name)?.accepted, 0);
  });

  it('reads only the hosts --limit names', async () => {
    const [first, second] = suite.lab.hosts;
    assert.ok(first && second);
    const run = await status(HELLOWORLD, '--limit', second.name);
    assert.equal(run.exitCode, ExitCode.ok, run.stdout + run.stderr);
    assert.deepEqual(Object.keys(run.report.hosts), [second.name]);
  });

  it('lists a stopped host as unreachable with its reason and still reads the others', async () => {
    const [, up, down] = suite.lab.hosts;
    assert.ok(up && down);
    await stopHost(suite.lab.dir, down.name);
    const run = await status(HELLOWORLD, '--connect-timeout', '5');
    assert.equal(run.exitCode, ExitCode.hostsUnreachable, run.stdout + run.stderr);
    assert.equal(run.report.hosts[down.name]?.status, 'unreachable');
    assert.ok((run.report.hosts[down.name]?.error ?? '').length > 0, 'an unreachable host says why');
    assert.deepEqual(run.report.hosts[down.name]?.services, {});
    assert.equal(run.report.hosts[up.name]?.status, 'ok');
    assert.equal(helloworldOn(run.report, up.name)?.accepted, CONNECTIONS);
    assert.match(run.stdout, new RegExp(`^${down.name}: unreachable: \\S`, 'm'));
    assert.match(run.stdout, /^3 hosts: 2 ok, 1 unreachable, 0 failed$/m);
  });

  it('exits with the invalid-input and no-host-matched codes', async () => {
    const noInventory = await runOctoi(['status', HELLOWORLD]);
    assert.equal(noInventory.exitCode, ExitCode.invalidInput, noInventory.stderr);
    const twoPlaybooks = await runOctoi(['status', '-i', suite.lab.inventoryPath, HELLOWORLD, HELLOWORLD]);
    assert.equal(twoPlaybooks.exitCode, ExitCode.invalidInput, twoPlaybooks.stderr);
    const noMatch = await runOctoi(['status', '-i', suite.lab.inventoryPath, '--limit', 'no-such-host']);
    assert.equal(noMatch.exitCode, ExitCode.noHostsMatched, noMatch.stderr);
  });
});
