import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ExitCode } from '../../lib/exit-codes.js';
import { hostExec } from '../../lib/lab/index.js';
import { packageRoot } from '../../lib/paths.js';
import { readJsonReport, runOctoi } from '../helpers/cli.js';
import { everyRelease, labSuite, type TestLab } from '../helpers/lab.js';

const helloworld = join(packageRoot(), 'playbooks', 'helloworld.yml');

/** The units an SSH login itself starts (logind session, user manager): not octoi's doing. */
const LOGIN_UNITS = /^(session-\d+\.scope|user@\d+\.service|user-runtime-dir@\d+\.service|run-user-\d+\.mount|user-\d+\.slice|user\.slice)\s/;

/**
 * Everything a run could touch on a host: files under the managed trees, the active units (an
 * inactive unit merely loaded, like umount.target at logout, is no change) and every unit file's state.
 */
async function hostSnapshot(lab: TestLab, host: string): Promise<string> {
  const files = await hostExec(lab.dir, host, ['sh', '-c', 'find /etc/systemd/system /opt -printf "%p %m %s %T@\\n" | sort']);
  const units = await hostExec(lab.dir, host, ['systemctl', 'list-units', '--plain', '--no-legend', '--no-pager']);
  const unitFiles = await hostExec(lab.dir, host, ['systemctl', 'list-unit-files', '--plain', '--no-legend', '--no-pager']);
  const unitStates = units.stdout
    .split('\n')
    .filter((line) => !LOGIN_UNITS.test(line))
    .map((line) => line.replace(/^(\S+\s+\S+\s+\S+\s+\S+).*$/, '$1'));
  return [files.stdout, unitStates.join('\n'), unitFiles.stdout].join('\n---\n');
}

describe('safe rollouts on a lab of 3 hosts: Debian 11, 12 and 13', { timeout: 600_000 }, () => {
  const suite = labSuite(everyRelease);
  const file = (name: string, content: string) => suite.file(name, content);
  const octoi = (...args: string[]) => runOctoi([...args, '-i', suite.lab.inventoryPath]);


  it('--check reports the full install and leaves every host byte-for-byte unchanged', async () => {
    const before = await Promise.all(suite.lab.hosts.map((host) => hostSnapshot(suite.lab, host.name)));
    const json = join(suite.work, 'check.json');
    const run = await octoi('play', helloworld, '--check', '--json', json, '--plain');
    assert.equal(run.exitCode, ExitCode.ok, run.stdout + run.stderr);
    const report = await readJsonReport(json);
    for (const host of suite.lab.hosts) {
      const entry = report.hosts[host.name];
      assert.equal(entry?.status, 'changed');
      assert.deepEqual(
        entry?.actions.map((action) => `${action.kind} ${action.outcome}`),
        ['create-directory planned', 'write-file planned', 'write-file planned', 'write-file planned', 'enable-socket planned', 'daemon-reload planned', 'start-socket planned'],
      );
      assert.equal(entry?.uploads, 0);
    }
    const after = await Promise.all(suite.lab.hosts.map((host) => hostSnapshot(suite.lab, host.name)));
    assert.deepEqual(after, before);
  });

  it('plan groups drifted hosts, exits with the drift code, and 0 once converged', async () => {
    const converge = await octoi('play', helloworld, '--plain');
    assert.equal(converge.exitCode, ExitCode.ok, converge.stdout + converge.stderr);
    for (const host of suite.lab.hosts.slice(0, 2)) {
      await hostExec(suite.lab.dir, host.name, ['sh', '-c', 'echo "# edited by hand" >> /opt/octoi-helloworld/octoi-helloworld.sh']);
    }
    const drift = await octoi('plan', helloworld);
    assert.equal(drift.exitCode, ExitCode.changesPending, drift.stdout + drift.stderr);
    assert.match(drift.stdout, /^PLAN\n {2}2 hosts \(gw01, gw02\): octoi-helloworld\.sh script drift\n {2}1 host \(gw03\): in sync$/m);
    assert.match(drift.stdout, /^-# edited by hand$/m, 'the diff shows the line that will go');

    assert.equal((await octoi('play', helloworld, '--plain')).exitCode, ExitCode.ok);
    const clean = await octoi('plan', helloworld);
    assert.equal(clean.exitCode, ExitCode.ok, clean.stdout + clean.stderr);
    assert.match(clean.stdout, /^ {2}3 hosts \(gw01, gw02, gw03\): in sync$/m);
  });

  it('--diff shows the unit change of a port move', async () => {
    const playbook = (port: number) =>
      `- hosts: gateways\n  services:\n    - name: octoi-diff\n      listen: ${port}\n      script:\n        content: "#!/bin/sh\\necho diff\\n"\n`;
    assert.equal((await octoi('play', await file('diff-a.yml', playbook(14101)), '--plain')).exitCode, ExitCode.ok);
    const run = await octoi('play', await file('diff-b.yml', playbook(14102)), '--diff', '--plain');
    assert.equal(run.exitCode, ExitCode.ok, run.stdout + run.stderr);
    assert.match(run.stdout, /^--- gw01:\/etc\/systemd\/system\/octoi-diff\.socket\n\+\+\+ gw01:\/etc\/systemd\/system\/octoi-diff\.socket\n@@ [^\n]+\n(?: [^\n]*\n)*-ListenStream=14101\n\+ListenStream=14102$/m);
    assert.equal((await octoi('play', await file('diff-absent.yml', playbook(14102).replace('listen: 14102', 'listen: 14102\n      state: absent')), '--plain')).exitCode, ExitCode.ok);
  });

  it('--assert-idempotent passes on the example and fails on a playbook that fights itself', async () => {
    const ok = await octoi('play', helloworld, '--assert-idempotent', '--plain');
    assert.equal(ok.exitCode, ExitCode.ok, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /^idempotent: a second pass would change nothing$/m);

    const service = (output: string) =>
      `  services:\n    - name: octoi-fight\n      listen: 14201\n      script:\n        content: "#!/bin/sh\\necho ${output}\\n"\n`;
    const fighting = await file('fight.yml', `- name: first\n  hosts: gateways\n${service('one')}- name: second\n  hosts: gateways\n${service('two')}`);
    const run = await octoi('play', fighting, '--assert-idempotent', '--plain');
    assert.equal(run.exitCode, ExitCode.changesPending, run.stdout + run.stderr);
    assert.match(run.stderr, /^not idempotent: a second pass would still change\n {2}gw01: octoi-fight\.sh script drift/m);
    const absent = `- hosts: gateways\n  services:\n    - name: octoi-fight\n      state: absent\n`;
    assert.equal((await octoi('play', await file('fight-absent.yml', absent), '--plain')).exitCode, ExitCode.ok);
  });

  it('writes JSON-lines events and a JUnit report with one testcase per host and service', async () => {
    const events = join(suite.work, 'events.jsonl');
    const junit = join(suite.work, 'junit.xml');
    const run = await octoi('play', helloworld, '--events', events, '--junit', junit, '--plain');
    assert.equal(run.exitCode, ExitCode.ok, run.stdout + run.stderr);
    const lines = (await readFile(events, 'utf8')).trimEnd().split('\n').map((line) => JSON.parse(line) as { type: string; host?: string });
    assert.equal(lines[0]?.type, 'run-started');
    assert.equal(lines.at(-1)?.type, 'run-finished');
    assert.deepEqual(lines.filter((line) => line.type === 'host-finished').map((line) => line.host).sort(), ['gw01', 'gw02', 'gw03']);
    const xml = await readFile(junit, 'utf8');
    assert.match(xml, /<testsuites name="octoi" tests="3" failures="0" skipped="0"/);
    for (const host of suite.lab.hosts) assert.match(xml, new RegExp(`<testcase classname="${host.name}" name="octoi-helloworld"`));
  });
});

describe('a rolling rollout on a lab of 10 hosts', { timeout: 900_000 }, () => {
  const suite = labSuite(10);

  const rollout = (budget: string) =>
    `- name: canary first\n  hosts: gateways\n  serial: [1, 3, "100%"]\n${budget}  services:\n    - name: octoi-canary\n      listen: 14301\n      script:\n        content: "#!/bin/sh\\necho canary\\n"\n`;

  /** Plays the rollout with `budget`; the canary fails, so the run exits with the host-failure code. */
  const runRollout = async (name: string, budget: string) => {
    const playbook = await suite.file(`${name}.yml`, rollout(budget));
    const json = join(suite.work, `${name}.json`);
    const run = await runOctoi(['play', playbook, '-i', suite.lab.inventoryPath, '--json', json, '--plain']);
    assert.equal(run.exitCode, ExitCode.hostsFailed, run.stdout + run.stderr);
    return { run, report: await readJsonReport(json) };
  };

  it('stops after a canary whose verification fails and leaves the other 9 untouched', async () => {
    // The canary cannot show its listeners: its state cannot be read, so nothing is changed there.
    const canary = suite.lab.hosts[0]!.name;
    await hostExec(suite.lab.dir, canary, ['sh', '-c', 'mv /usr/bin/ss /usr/bin/ss.hidden; mv /usr/bin/netstat /usr/bin/netstat.hidden; mv /bin/netstat /bin/netstat.hidden 2>/dev/null; true']);
    const { run, report } = await runRollout('canary', '  max_fail_percentage: 0\n');
    assert.equal(report.hosts[canary]?.status, 'failed');
    assert.equal(report.hosts[canary]?.error?.reason, 'facts-unreadable');
    assert.match(report.hosts[canary]?.error?.message ?? '', /neither ss \(iproute2\) nor netstat \(net-tools\) is installed/);
    assert.match(report.stoppedBy ?? '', /1 of 1 hosts in the batch failed \(100%\), more than max_fail_percentage 0%/);
    for (const host of suite.lab.hosts.slice(1)) {
      assert.equal(report.hosts[host.name]?.status, 'skipped');
      assert.equal(report.hosts[host.name]?.error?.reason, 'budget-exceeded');
      const files = await hostExec(suite.lab.dir, host.name, ['ls', '/etc/systemd/system']);
      assert.doesNotMatch(files.stdout, /octoi-canary/, `${host.name} was not touched`);
    }
    assert.match(run.stdout, /totals: 0 ok, 0 changed, 1 failed, 0 unreachable, 9 skipped/);
  });

  it('goes on through every batch when the budget allows the failure', async () => {
    const { report } = await runRollout('tolerant', '  max_fail_percentage: 100\n');
    assert.equal(report.hosts[suite.lab.hosts[0]!.name]?.status, 'failed');
    for (const host of suite.lab.hosts.slice(1)) assert.equal(report.hosts[host.name]?.status, 'changed');
    assert.equal(report.stoppedBy, undefined);
  });
});
