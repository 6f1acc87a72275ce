import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ExitCode } from '../../lib/exit-codes.js';
import { hostExec, stopHost } from '../../lib/lab/index.js';
import { packageRoot } from '../../lib/paths.js';
import { readJsonReport, runOctoi } from '../helpers/cli.js';
import { everyRelease, labSuite } from '../helpers/lab.js';
import { connectionCounter, isRefused, readFromPort } from '../helpers/tcp.js';

/** A playbook with one service, written the way a user would write it. */
function servicePlaybook(options: { port: number; output: string; state?: 'present' | 'absent' }): string {
  return [
    '- name: e2e',
    '  hosts: gateways',
    '  services:',
    '    - name: octoi-e2e',
    `      listen: ${options.port}`,
    `      state: ${options.state ?? 'present'}`,
    '      script:',
    '        content: |',
    '          #!/bin/sh',
    `          echo "${options.output}"`,
    '',
  ].join('\n');
}

describe('octoi play on a lab of 3 hosts: Debian 11, 12 and 13', { timeout: 600_000 }, () => {
  const suite = labSuite(everyRelease);
  const play = async (playbook: string, ...extra: string[]) => {
    const json = join(suite.work, `report-${Date.now()}.json`);
    const result = await runOctoi(['play', playbook, '-i', suite.lab.inventoryPath, '--json', json, ...extra]);
    return { ...result, report: result.exitCode === ExitCode.invalidInput ? null : await readJsonReport(json) };
  };
  const writePlaybook = (name: string, content: string) => suite.file(name, content);
  const listeners = async (host: string) => (await hostExec(suite.lab.dir, host, ['ss', '-H', '-tlnp'])).stdout;


  it('converges the example playbook on each release: every port answers and systemd pid 1 listens', async () => {
    const run = await play(join(packageRoot(), 'playbooks', 'helloworld.yml'));
    assert.equal(run.exitCode, ExitCode.ok, run.stdout + run.stderr);
    for (const host of suite.lab.hosts) {
      const osRelease = await hostExec(suite.lab.dir, host.name, ['cat', '/etc/os-release']);
      assert.match(osRelease.stdout, new RegExp(`^VERSION_CODENAME=${host.release}$`, 'm'));
      assert.equal(run.report?.hosts[host.name]?.status, 'changed');
      assert.equal(await readFromPort(host.address, 13063), 'Hello World\n');
      assert.match(await listeners(host.name), /\*:13063\s.*users:\(\("systemd",pid=1,/);
    }
    assert.match(run.stdout, /^RECAP \(3 hosts/m);
  });

  it('changes nothing on a second run and says so', async () => {
    const run = await play(join(packageRoot(), 'playbooks', 'helloworld.yml'));
    assert.equal(run.exitCode, ExitCode.ok, run.stdout + run.stderr);
    for (const host of suite.lab.hosts) {
      const entry = run.report?.hosts[host.name];
      assert.equal(entry?.status, 'ok');
      assert.equal(entry?.changed, 0);
      assert.equal(entry?.uploads, 0);
      assert.deepEqual(entry?.actions, []);
      assert.equal(entry?.execs, 1, 'a host in sync costs one remote command');
    }
    assert.match(run.stdout, /totals: 3 ok, 0 changed, 0 failed, 0 unreachable/);
  });

  it('moves a service to a new port: the socket restarts, the old port closes', async () => {
    const first = await play(await writePlaybook('port-a.yml', servicePlaybook({ port: 14001, output: 'one' })));
    assert.equal(first.exitCode, ExitCode.ok, first.stdout + first.stderr);
    const moved = await play(await writePlaybook('port-b.yml', servicePlaybook({ port: 14002, output: 'one' })));
    assert.equal(moved.exitCode, ExitCode.ok, moved.stdout + moved.stderr);
    for (const host of suite.lab.hosts) {
      const kinds = moved.report?.hosts[host.name]?.actions.map((action) => action.kind);
      assert.deepEqual(kinds, ['write-file', 'daemon-reload', 'restart-socket']);
      assert.equal(await readFromPort(host.address, 14002), 'one\n');
      assert.equal(await isRefused(host.address, 14001), true);
    }
  });

  it('changes only the script: new connections get the new output, no reload', async () => {
    const run = await play(await writePlaybook('script.yml', servicePlaybook({ port: 14002, output: 'two' })));
    assert.equal(run.exitCode, ExitCode.ok, run.stdout + run.stderr);
    for (const host of suite.lab.hosts) {
      const actions = run.report?.hosts[host.name]?.actions ?? [];
      assert.deepEqual(actions.map((action) => action.description), ['~ update /opt/octoi-e2e/octoi-e2e.sh (0755)']);
      assert.equal(await readFromPort(host.address, 14002), 'two\n');
    }
  });

  it('runs to the end when the reader of its output goes away (`octoi play ... | head -1`)', async () => {
    const file = await writePlaybook('piped.yml', servicePlaybook({ port: 14002, output: 'three' }));
    const json = join(suite.work, 'piped.json');
    const child = spawn(process.execPath, [join(packageRoot(), 'bin', 'octoi'), 'play', file, '-i', suite.lab.inventoryPath, '--json', json, '--plain'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.once('data', () => child.stdout.destroy());
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const exitCode = await new Promise((resolve) => child.on('close', resolve));
    assert.equal(exitCode, ExitCode.ok, stderr);
    assert.equal(stderr, '');
    const report = await readJsonReport(json);
    for (const host of suite.lab.hosts) {
      assert.equal(report.hosts[host.name]?.status, 'changed');
      assert.equal(await readFromPort(host.address, 14002), 'three\n');
    }
  });

  it('removes a service cleanly with state: absent', async () => {
    const run = await play(await writePlaybook('absent.yml', servicePlaybook({ port: 14002, output: 'three', state: 'absent' })));
    assert.equal(run.exitCode, ExitCode.ok, run.stdout + run.stderr);
    for (const host of suite.lab.hosts) {
      assert.equal(await isRefused(host.address, 14002), true);
      const files = await hostExec(suite.lab.dir, host.name, ['ls', '/etc/systemd/system', '/opt']);
      assert.doesNotMatch(files.stdout, /octoi-e2e/);
      const unit = await hostExec(suite.lab.dir, host.name, ['systemctl', 'show', '-p', 'LoadState', 'octoi-e2e.socket']);
      assert.equal(unit.stdout.trim(), 'LoadState=not-found');
    }
    const again = await play(join(suite.work, 'absent.yml'));
    assert.equal(again.report?.totals.changed, 0);
  });

  it('rejects invalid playbooks with FILE:LINE:COL before contacting any host', async () => {
    const counter = await connectionCounter();
    try {
      const inventory = await writePlaybook('counter-inventory.yml', `all:\n  hosts:\n    trap:\n      ansible_host: 127.0.0.1\n      ansible_port: ${counter.port}\n`);
      const cases: Array<[string, string, RegExp]> = [
        ['bad-yaml.yml', '- name: x\n  hosts: [all\n', /bad-yaml\.yml:\d+:\d+: error: invalid YAML/],
        ['unknown-key.yml', '- name: x\n  hosts: all\n  services:\n    - name: a\n      listen: 1\n      descripton: d\n      script: { content: "x" }\n', /unknown-key\.yml:6:7: error: unknown key `descripton`.*\n\s+hint: did you mean `description`\?/],
        ['port.yml', '- name: x\n  hosts: all\n  services:\n    - name: a\n      listen: 70000\n      script: { content: "x" }\n', /port\.yml:5:15: error: /],
        ['semicolon.yml', '- name: x\n  hosts: all\n  services:\n    - name: "a;b"\n      listen: 1\n      script: { content: "x" }\n', /semicolon\.yml:4:\d+: error: /],
        ['newline.yml', '- name: x\n  hosts: all\n  services:\n    - name: "a\\nb"\n      listen: 1\n      script: { content: "x" }\n', /newline\.yml:4:\d+: error: /],
      ];
      for (const [name, content, expected] of cases) {
        const file = await writePlaybook(name, content);
        const run = await runOctoi(['play', file, '-i', inventory]);
        assert.equal(run.exitCode, ExitCode.invalidInput, `${name}: ${run.stderr}`);
        assert.match(run.stderr, expected);
      }
      assert.equal(counter.count(), 0, 'no host was contacted');
    } finally {
      await counter.close();
    }
  });

  it('reports a stopped host unreachable while the others converge', async () => {
    const down = suite.lab.hosts[2]!;
    await stopHost(suite.lab.dir, down.name);
    const file = await writePlaybook('after-stop.yml', servicePlaybook({ port: 14003, output: 'three' }));
    const run = await play(file, '--connect-timeout', '5');
    assert.equal(run.exitCode, ExitCode.hostsUnreachable, run.stdout + run.stderr);
    assert.equal(run.report?.hosts[down.name]?.status, 'unreachable');
    assert.equal(run.report?.hosts[down.name]?.unreachable, true);
    for (const host of suite.lab.hosts.slice(0, 2)) {
      assert.equal(run.report?.hosts[host.name]?.status, 'changed');
      assert.equal(await readFromPort(host.address, 14003), 'three\n');
    }
    assert.match(run.stdout, new RegExp(`^${down.name}: unreachable: `, 'm'));
  });
});
