import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ExitCode } from '../../lib/exit-codes.js';
import { assertNoCrash, play, playbookText, restoreSystemctl, slowDownSystemctl, slowSystemctlPid, killSlowSystemctl, startOctoi, waitUntil } from '../helpers/faults.js';
import { labSuite } from '../helpers/lab.js';
import { readFromPort } from '../helpers/tcp.js';

/**
 * Rollback on a lab of 2 hosts: a change that fails after it began puts the previous version back,
 * files byte for byte and units as they were; a controller killed mid-change leaves a host that
 * restores itself within the confirmation window.
 */
describe('rollback, on a lab of 2 hosts', { timeout: 600_000 }, () => {
  const suite = labSuite(2);
  let versions = 0;
  const playbook = (name: string, port: number, body: string, extra: string[] = []): Promise<string> => {
    versions += 1;
    return suite.file(`rollback-${versions}.yml`, playbookText([{ name, port, body, extra }]));
  };
  const sh = async (host: string, script: string): Promise<string> => {
    const result = await suite.lab.exec(host, ['sh', '-c', script]);
    assert.equal(result.exitCode, 0, `${script}: ${result.stderr}`);
    return result.stdout;
  };
  const address = (host: string): string => suite.lab.host(host).address;
  /** Content hashes, modes and unit state of a service on gw01, to compare before and after. */
  const stateOf = (name: string): Promise<string> =>
    sh('gw01', `cd /etc/systemd/system && sha256sum ${name}.socket ${name}@.service /opt/${name}/${name}.sh 2>&1; stat -c '%n %a %U:%G' ${name}.socket /opt/${name}/${name}.sh 2>&1; systemctl is-enabled ${name}.socket; systemctl is-active ${name}.socket; true`);
  /** Holds `port` on gw01 with another program, so a socket there cannot start. */
  const occupy = (port: number): Promise<string> => sh('gw01', `systemd-run --quiet --unit=occupy-${port} python3 -m http.server ${port} --bind 0.0.0.0 && sleep 1 && echo ok`);

  it('a change that fails puts the previous version back: the old port serves, files and units as before', async () => {
    const name = 'rb-move';
    assert.equal((await play(suite.lab.inventoryPath, await playbook(name, 14201, 'echo before'))).run.exitCode, ExitCode.ok);
    const before = await stateOf(name);
    await occupy(14202);
    const { run, report } = await play(suite.lab.inventoryPath, await playbook(name, 14202, 'echo after'));
    assert.equal(run.exitCode, ExitCode.hostsFailed, run.stdout + run.stderr);
    assert.equal(report.hosts.gw01?.status, 'failed');
    assert.equal(report.hosts.gw01?.rollback, 'rolled-back');
    assert.equal(report.hosts.gw01?.error?.reason, 'unit-failed');
    assert.match(report.hosts.gw01?.error?.message ?? '', /restart rb-move\.socket .*failed.*; rolled back to the previous version/);
    assert.match(run.stdout, /gw01 +rolled-back/);
    assert.equal(report.hosts.gw02?.status, 'changed', 'the other host is not rolled back');
    assert.equal(await readFromPort(address('gw01'), 14201), 'before\n', 'the previous version serves again');
    assert.equal(await stateOf(name), before);
    assert.equal(await sh('gw01', 'ls /var/lib/octoi/journal; grep -c armed /var/lib/octoi/pending || true'), '0\n', 'no journal, nothing armed');
    assert.equal(await sh('gw01', 'systemctl list-units --all --no-legend "octoi-rollback-*" | wc -l'), '0\n', 'no switch left');
    await sh('gw01', 'systemctl stop occupy-14202');
  });

  it('a change whose script answers wrongly fails its check and is rolled back: the old answer is served again', async () => {
    const name = 'rb-check';
    const check = ['check: { expect: "good answer" }'];
    const good = await play(suite.lab.inventoryPath, await playbook(name, 14208, 'echo good answer', check), '--limit', 'gw01');
    assert.equal(good.run.exitCode, ExitCode.ok, good.run.stdout);
    assert.ok((good.report.hosts.gw01?.checks ?? []).length > 0, 'the check ran');
    const before = await stateOf(name);
    const { run, report } = await play(suite.lab.inventoryPath, await playbook(name, 14208, 'echo bad answer', check), '--limit', 'gw01');
    assert.equal(run.exitCode, ExitCode.hostsFailed, run.stdout);
    assert.equal(report.hosts.gw01?.error?.reason, 'check-failed');
    assert.equal(report.hosts.gw01?.rollback, 'rolled-back', report.hosts.gw01?.error?.message);
    assert.match(report.hosts.gw01?.error?.message ?? '', /answered 'bad answer\\n'.*rolled back to the previous version/);
    assert.equal(await readFromPort(address('gw01'), 14208), 'good answer\n');
    assert.equal(await stateOf(name), before, 'files byte for byte and the unit as before');
  });

  it('a first deploy that fails leaves nothing behind', async () => {
    const name = 'rb-first';
    await occupy(14203);
    const { run, report } = await play(suite.lab.inventoryPath, await playbook(name, 14203, 'echo first'), '--limit', 'gw01');
    assert.equal(run.exitCode, ExitCode.hostsFailed, run.stdout + run.stderr);
    assert.equal(report.hosts.gw01?.rollback, 'rolled-back');
    assert.equal(await sh('gw01', `ls /etc/systemd/system/${name}* /opt/${name} 2>/dev/null | wc -l; systemctl show -p LoadState,ActiveState ${name}.socket`), '0\nLoadState=not-found\nActiveState=inactive\n');
    assert.doesNotMatch(await sh('gw01', 'cat /var/lib/octoi/owned 2>/dev/null || true'), new RegExp(Buffer.from(`/opt/${name}`).toString('hex')));
    await sh('gw01', 'systemctl stop occupy-14203');
  });

  it('a first deploy that fails its check leaves nothing behind', async () => {
    const name = 'rb-first-check';
    const { run, report } = await play(suite.lab.inventoryPath, await playbook(name, 14209, 'echo wrong', ['check: { expect: right }']), '--limit', 'gw01');
    assert.equal(run.exitCode, ExitCode.hostsFailed, run.stdout);
    assert.equal(report.hosts.gw01?.error?.reason, 'check-failed');
    assert.equal(report.hosts.gw01?.rollback, 'rolled-back', report.hosts.gw01?.error?.message);
    assert.equal(await sh('gw01', `ls /etc/systemd/system/${name}* /opt/${name} 2>/dev/null | wc -l; systemctl show -p LoadState ${name}.socket`), '0\nLoadState=not-found\n');
  });

  it('rollback: false keeps the failed change for debugging', async () => {
    const name = 'rb-kept';
    await occupy(14204);
    const { run, report } = await play(suite.lab.inventoryPath, await playbook(name, 14204, 'echo kept'), '--limit', 'gw01', '--no-rollback');
    assert.equal(run.exitCode, ExitCode.hostsFailed);
    assert.equal(report.hosts.gw01?.rollback, undefined);
    assert.equal(await sh('gw01', `test -f /etc/systemd/system/${name}.socket && echo kept`), 'kept\n');
    await sh('gw01', 'systemctl stop occupy-14204');
  });

  it('a controller killed mid-change leaves a host that rolls itself back within the window; the next run says so', async () => {
    const name = 'rb-switch';
    const first = await playbook(name, 14205, 'echo stable');
    assert.equal((await play(suite.lab.inventoryPath, first, '--limit', 'gw01')).run.exitCode, ExitCode.ok);
    const before = await stateOf(name);
    await slowDownSystemctl(suite.lab, 'gw01', 'restart', 120);
    const octoi = startOctoi(['play', await playbook(name, 14206, 'echo unconfirmed'), '-i', suite.lab.inventoryPath, '--limit', 'gw01', '--plain', '--rollback-window', '8']);
    try {
      await waitUntil('the change reached the restart', async () => (await slowSystemctlPid(suite.lab, 'gw01')) !== null);
      octoi.child.kill('SIGKILL');
      await octoi.done;
      await killSlowSystemctl(suite.lab, 'gw01');
    } finally {
      await restoreSystemctl(suite.lab, 'gw01');
    }
    assert.notEqual(await stateOf(name), before, 'the change was made and not confirmed');
    // The journal goes last, after the sockets were restarted.
    await waitUntil('the host rolled itself back', async () => (await stateOf(name)) === before && (await sh('gw01', 'ls /var/lib/octoi/journal')) === '', 30_000);
    assert.equal(await readFromPort(address('gw01'), 14205), 'stable\n');

    const next = await play(suite.lab.inventoryPath, first, '--limit', 'gw01');
    assertNoCrash(next.run);
    assert.equal(next.run.exitCode, ExitCode.ok, next.run.stdout);
    assert.match(next.report.hosts.gw01?.notices?.join('\n') ?? '', /the host rolled itself back at .*: run [0-9a-f]+ did not confirm its change in time/);
    assert.match(next.run.stdout, /gw01: +note: the host rolled itself back/);
    const after = await play(suite.lab.inventoryPath, first, '--limit', 'gw01');
    assert.equal(after.report.hosts.gw01?.notices, undefined, 'the note is shown once');
  });

  it('a failing canary of serial [1, "100%"] is rolled back and stops the rollout; the other host is untouched', async () => {
    const name = 'rb-canary';
    await occupy(14207);
    const file = await suite.file('rollback-canary.yml', playbookText([{ name, port: 14207, body: 'echo canary' }]).replace('  hosts: gateways\n', '  hosts: gateways\n  serial: [1, "100%"]\n'));
    const { run, report } = await play(suite.lab.inventoryPath, file);
    assert.equal(run.exitCode, ExitCode.hostsFailed, run.stdout);
    assert.equal(report.hosts.gw01?.rollback, 'rolled-back');
    assert.match(report.stoppedBy ?? '', /all 1 hosts of batch 1 failed/);
    assert.equal(report.hosts.gw02?.status, 'skipped');
    assert.equal(await sh('gw02', `ls /etc/systemd/system/${name}* 2>/dev/null | wc -l`), '0\n');
    await sh('gw01', 'systemctl stop occupy-14207');
  });
});
