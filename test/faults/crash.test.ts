import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { ExitCode } from '../../lib/exit-codes.js';
import { readJsonReport } from '../helpers/cli.js';
import {
  assertConverged,
  assertNoCrash,
  assertNoPartialFiles,
  assertRerunConverges,
  killSlowSystemctl,
  managedFiles,
  play,
  playbookText,
  restoreSystemctl,
  slowDownSystemctl,
  slowSystemctlPid,
  startOctoi,
  waitUntil,
  type ManagedFile,
  type OctoiProcess,
} from '../helpers/faults.js';
import { labSuite } from '../helpers/lab.js';
import { isRefused, readFromPort } from '../helpers/tcp.js';

const SERVICE = 'octoi-faults-crash';

describe('octoi itself stopped mid-run, on a lab of 3 hosts', { timeout: 600_000 }, () => {
  const suite = labSuite(3);
  let current: { file: string; files: ManagedFile[] };

  const writeVersion = async (port: number): Promise<{ file: string; files: ManagedFile[] }> => {
    const file = join(suite.work, `port-${port}.yml`);
    await writeFile(file, playbookText([{ name: SERVICE, port, body: `echo port ${port}` }]));
    return { file, files: await managedFiles(file) };
  };
  const names = () => suite.lab.hosts.map((host) => host.name);

  /** Starts a run of `file` with one host at a time, once `host`'s apply waits in `daemon-reload` for `seconds`. */
  const runUntilApplying = async (file: string, host: string, seconds: number) => {
    await slowDownSystemctl(suite.lab, host, 'daemon-reload', seconds);
    const json = join(suite.work, `run-${Date.now()}.json`);
    const octoi = startOctoi(['play', file, '-i', suite.lab.inventoryPath, '--forks', '1', '--json', json, '--plain']);
    await waitUntil(`${host} waits in daemon-reload`, async () => (await slowSystemctlPid(suite.lab, host)) !== null);
    return { octoi, json };
  };

  /** Signals octoi once: it must end on its own with exit 130, a recap and an interrupted report. */
  const interrupt = async (octoi: OctoiProcess, json: string, signal: 'SIGINT' | 'SIGTERM') => {
    const signalledAt = Date.now();
    octoi.child.kill(signal);
    const run = await octoi.done;
    const seconds = (Date.now() - signalledAt) / 1000;
    assertNoCrash(run);
    assert.equal(run.exitCode, ExitCode.interrupted, run.stdout + run.stderr);
    assert.match(run.stderr, new RegExp(`${signal}: no new host starts`));
    assert.match(run.stdout, /^RECAP \(3 hosts/m);
    const report = await readJsonReport(json);
    assert.equal(report.interrupted, true);
    return { run, report, seconds };
  };

  before(async () => {
    current = await writeVersion(15301);
    assert.equal((await play(suite.lab.inventoryPath, current.file)).run.exitCode, ExitCode.ok);
  });

  it('SIGKILL after the files were replaced but before daemon-reload: the next run still reloads, restarts and verifies', async () => {
    const next = await writeVersion(15302);
    const { octoi } = await runUntilApplying(next.file, 'gw01', 120);
    octoi.child.kill('SIGKILL');
    await octoi.done;
    // the remote side dies too (as with a host that lost its session): nothing after the file installs ran
    await killSlowSystemctl(suite.lab, 'gw01');
    await restoreSystemctl(suite.lab, 'gw01');

    await assertConverged(suite.lab, ['gw01'], next.files);
    const stale = await suite.lab.exec('gw01', ['systemctl', 'show', '-p', 'NeedDaemonReload', '--value', `${SERVICE}.socket`]);
    assert.equal(stale.stdout.trim(), 'yes', 'the new unit files wait for a daemon-reload');
    assert.equal(await isRefused(suite.lab.host('gw01').address, 15302), true, 'the new port is not open yet');
    await assertNoPartialFiles(suite.lab, names(), [current.files, next.files]);

    const rerun = await assertRerunConverges(suite.lab, next.file);
    const kinds = rerun.report.hosts.gw01?.actions.map((action) => action.kind) ?? [];
    assert.deepEqual(kinds, ['daemon-reload', 'restart-socket'], 'the pending steps, and only those');
    assert.equal(rerun.report.hosts.gw01?.status, 'changed');
    assert.equal(await readFromPort(suite.lab.host('gw01').address, 15302), 'port 15302\n');
    current = next;
  });

  it('SIGINT: the host in progress finishes, the others are not started, the recap says so (exit 130)', async () => {
    const next = await writeVersion(15303);
    const { octoi, json } = await runUntilApplying(next.file, 'gw01', 2);
    const { report, seconds } = await interrupt(octoi, json, 'SIGINT');
    assert.ok(seconds < 10, `took ${seconds} s after SIGINT`);
    assert.equal(report.hosts.gw01?.status, 'changed');
    for (const host of ['gw02', 'gw03']) {
      assert.equal(report.hosts[host]?.status, 'skipped');
      assert.equal(report.hosts[host]?.error?.reason, 'interrupted');
    }
    await restoreSystemctl(suite.lab, 'gw01');
    await assertConverged(suite.lab, ['gw01'], next.files);
    await assertConverged(suite.lab, ['gw02', 'gw03'], current.files);
    await assertRerunConverges(suite.lab, next.file);
    current = next;
  });

  it('SIGTERM: a host still busy after the grace period is cut off and reported interrupted (exit 130)', async () => {
    const next = await writeVersion(15304);
    const { octoi, json } = await runUntilApplying(next.file, 'gw02', 120);
    const { report, seconds } = await interrupt(octoi, json, 'SIGTERM');
    assert.ok(seconds >= 4 && seconds < 15, `took ${seconds} s after SIGTERM, with a grace period of 5 s`);
    assert.equal(report.hosts.gw01?.status, 'changed');
    assert.equal(report.hosts.gw02?.status, 'failed');
    assert.equal(report.hosts.gw02?.error?.reason, 'interrupted');
    assert.equal(report.hosts.gw03?.error?.reason, 'interrupted');
    await killSlowSystemctl(suite.lab, 'gw02');
    await restoreSystemctl(suite.lab, 'gw02');
    await assertNoPartialFiles(suite.lab, names(), [current.files, next.files]);
    await assertRerunConverges(suite.lab, next.file);
  });
});
