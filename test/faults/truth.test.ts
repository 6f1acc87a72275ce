import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { ExitCode } from '../../lib/exit-codes.js';
import { readJsonReport, runOctoi } from '../helpers/cli.js';
import {
  killSlowSystemctl,
  play,
  playbookText,
  restoreSystemctl,
  slowDownSystemctl,
  slowSystemctlPid,
  startOctoi,
  waitUntil,
} from '../helpers/faults.js';
import { labSuite } from '../helpers/lab.js';
import { readFromPort } from '../helpers/tcp.js';

const SERVICE = 'octoi-faults-truth';

/**
 * Truth under faults on a lab of 2 hosts: octoi never reports "ok" on what it could not read or
 * did not finish, and work a run made necessary survives any crash until a run verified it.
 */
describe('truth under faults, on a lab of 2 hosts', { timeout: 600_000 }, () => {
  const suite = labSuite(2);
  let backlog = 16;
  const sh = async (host: string, script: string): Promise<string> => {
    const result = await suite.lab.exec(host, ['sh', '-c', script]);
    assert.equal(result.exitCode, 0, `${script}: ${result.stderr}`);
    return result.stdout;
  };
  /** The next version of the service: only its socket's Backlog= changes, which no listener shows. */
  const nextBacklog = async (): Promise<string> => {
    backlog *= 2;
    return suite.file(`backlog-${backlog}.yml`, playbookText([{ name: SERVICE, port: 15401, body: 'echo truth', extra: [`socket: {Backlog: ${backlog}}`] }]));
  };
  /** The backlog of the listening socket itself (ss shows it as Send-Q): changed only when systemd restarts the socket. */
  const socketBacklog = async (host: string): Promise<string> => (await sh(host, `ss -H -tln 'sport = :15401' | awk '{print $3}' | sort -u`)).trim();
  const pendingOn = async (host: string): Promise<string> => sh(host, 'cat /var/lib/octoi/pending 2>/dev/null || true');

  before(async () => {
    assert.equal((await play(suite.lab.inventoryPath, await nextBacklog())).run.exitCode, ExitCode.ok);
  });

  it('a timeout mid-apply stops the remote side before the next step; the report says what ran, what may have, what did not', async () => {
    const file = await nextBacklog();
    await slowDownSystemctl(suite.lab, 'gw01', 'daemon-reload', 6);
    try {
      const { run, report } = await play(suite.lab.inventoryPath, file, '--command-timeout', '2');
      assert.equal(run.exitCode, ExitCode.hostsFailed, run.stdout + run.stderr);
      const gw01 = report.hosts.gw01;
      assert.equal(gw01?.error?.reason, 'timeout');
      assert.equal(gw01?.phase, 'apply', 'the report says how far the host got');
      assert.deepEqual(gw01?.actions.map((action) => `${action.kind} ${action.outcome}`), ['write-file done', 'daemon-reload unknown', 'restart-socket not-run']);
      assert.equal(report.hosts.gw02?.status, 'changed');
      assert.equal(report.hosts.gw02?.phase, 'verify');
      // The slowed reload still finishes on its own; the shell must not go on to restart after it.
      await waitUntil('the slowed daemon-reload ended', async () => (await sh('gw01', 'kill -0 "$(cat /run/octoi-slow-systemctl.pid)" 2>/dev/null && echo running || true')).trim() === '', 30_000);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      assert.equal(await socketBacklog('gw01'), String(backlog / 2), 'the socket was not restarted: it still runs with the old Backlog');
      assert.match(await pendingOn('gw01'), /^restart [0-9a-f]+$/m, 'the restart waits in the pending record');
    } finally {
      await restoreSystemctl(suite.lab, 'gw01');
    }
    const rerun = await play(suite.lab.inventoryPath, file);
    assert.equal(rerun.run.exitCode, ExitCode.ok, rerun.run.stdout);
    const actions = rerun.report.hosts.gw01?.actions ?? [];
    assert.deepEqual(actions.map((action) => action.kind), ['restart-socket'], 'the unit is in sync: only the pending restart is left');
    assert.match(actions[0]?.description ?? '', /pending from an interrupted run/);
    assert.equal(await socketBacklog('gw01'), String(backlog));
    assert.equal(await pendingOn('gw01'), '', 'a verified run clears the record');
    assert.equal((await play(suite.lab.inventoryPath, file)).report.totals.changed, 0);
  });

  it('SIGKILL between daemon-reload and restart: the next run restarts, saying why, even though systemd shows nothing pending', async () => {
    const file = await nextBacklog();
    await slowDownSystemctl(suite.lab, 'gw01', 'restart', 120);
    try {
      const octoi = startOctoi(['play', file, '-i', suite.lab.inventoryPath, '--limit', 'gw01', '--plain']);
      await waitUntil('gw01 waits in restart', async () => (await slowSystemctlPid(suite.lab, 'gw01')) !== null);
      octoi.child.kill('SIGKILL');
      await octoi.done;
      await killSlowSystemctl(suite.lab, 'gw01');
    } finally {
      await restoreSystemctl(suite.lab, 'gw01');
    }
    assert.equal((await sh('gw01', `systemctl show -p NeedDaemonReload --value ${SERVICE}.socket`)).trim(), 'no', 'systemd itself shows nothing left to do');
    assert.equal(await socketBacklog('gw01'), String(backlog / 2));
    const rerun = await play(suite.lab.inventoryPath, file, '--limit', 'gw01');
    assert.equal(rerun.run.exitCode, ExitCode.ok, rerun.run.stdout);
    assert.match(rerun.report.hosts.gw01?.actions.map((action) => action.description).join('\n') ?? '', /restart octoi-faults-truth\.socket \(pending from an interrupted run\)/);
    assert.equal(await socketBacklog('gw01'), String(backlog));
    assert.equal(await readFromPort(suite.lab.host('gw01').address, 15401), 'truth\n');
    await play(suite.lab.inventoryPath, file);
  });

  it('status and play never say ok when systemctl fails on the host', async () => {
    await sh('gw02', `printf '#!/bin/sh\\necho "Failed to connect to bus: No such file or directory" >&2\\nexit 1\\n' > /usr/local/sbin/systemctl && chmod 0755 /usr/local/sbin/systemctl`);
    try {
      const json = join(suite.work, 'status-broken.json');
      const status = await runOctoi(['status', '-i', suite.lab.inventoryPath, '--json', json]);
      assert.equal(status.exitCode, ExitCode.hostsFailed, status.stdout + status.stderr);
      assert.match(status.stdout, /gw02: failed: .*systemctl show failed \(exit code 1\)/);
      const { run, report } = await play(suite.lab.inventoryPath, join(suite.work, `backlog-${backlog}.yml`));
      assert.equal(run.exitCode, ExitCode.hostsFailed);
      assert.equal(report.hosts.gw02?.error?.reason, 'facts-unreadable');
      assert.deepEqual(report.hosts.gw02?.actions, [], 'nothing is planned from facts that could not be read');
      assert.equal(report.hosts.gw01?.status, 'ok');
    } finally {
      await sh('gw02', 'rm -f /usr/local/sbin/systemctl');
    }
  });

  it('a host without sha256sum is failed naming the tool, never rewritten run after run', async () => {
    await sh('gw02', 'mv /usr/bin/sha256sum /usr/bin/sha256sum.hidden');
    try {
      const { run, report } = await play(suite.lab.inventoryPath, join(suite.work, `backlog-${backlog}.yml`));
      assert.equal(run.exitCode, ExitCode.hostsFailed);
      assert.equal(report.hosts.gw02?.error?.reason, 'facts-unreadable');
      assert.match(report.hosts.gw02?.error?.message ?? '', /sha256sum is not installed/);
      assert.equal(report.hosts.gw02?.uploads, 0);
    } finally {
      await sh('gw02', 'mv /usr/bin/sha256sum.hidden /usr/bin/sha256sum');
    }
  });

  it('an interrupt while the input is still being read ends with exit 130 and a JSON report', async () => {
    // `-e @FIFO` holds octoi in its preparation until the test writes to it.
    const fifo = join(suite.work, 'vars.fifo');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
    const json = join(suite.work, 'early.json');
    const octoi = startOctoi(['play', join(suite.work, `backlog-${backlog}.yml`), '-i', suite.lab.inventoryPath, '-e', `@${fifo}`, '--json', json, '--plain']);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    octoi.child.kill('SIGINT');
    await writeFile(fifo, '{}\n');
    const run = await octoi.done;
    assert.equal(run.exitCode, ExitCode.interrupted, run.stdout + run.stderr);
    const report = await readJsonReport(json);
    assert.equal(report.interrupted, true);
    assert.deepEqual(Object.values(report.hosts).map((host) => host.error?.reason), ['interrupted', 'interrupted']);
  });

  it('a login shell that prints text does not disturb a converge', async () => {
    await sh('gw02', `cp /root/.bashrc /root/.bashrc.octoi-test 2>/dev/null; printf 'echo "Welcome to gw02"\\nprintf "\\\\033]0;gw02\\\\007"\\n' >> /root/.bashrc && chsh -s /bin/bash root`);
    try {
      const file = await nextBacklog();
      const { run, report } = await play(suite.lab.inventoryPath, file);
      assert.equal(run.exitCode, ExitCode.ok, run.stdout);
      assert.equal(report.hosts.gw02?.status, 'changed', 'the files go up inside the host shell\'s request, which a greeting before it does not break');
      assert.equal(await readFromPort(suite.lab.host('gw02').address, 15401), 'truth\n');
    } finally {
      await sh('gw02', 'if [ -f /root/.bashrc.octoi-test ]; then mv /root/.bashrc.octoi-test /root/.bashrc; else rm -f /root/.bashrc; fi');
    }
    const rerun = await play(suite.lab.inventoryPath, join(suite.work, `backlog-${backlog}.yml`));
    assert.equal(rerun.run.exitCode, ExitCode.ok, rerun.run.stdout);
  });
});
