/**
 * The example script of examples/ run as its user runs it: a child process of the built package,
 * on a lab of 2 hosts, one of them reached as a non-root user with become.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import { ExitCode } from '../../lib/exit-codes.js';
import { packageRoot } from '../../lib/paths.js';
import { runNodeScript, type CliResult } from '../helpers/cli.js';
import { labSuite } from '../helpers/lab.js';
import { readFromPort } from '../helpers/tcp.js';

const PORT = 14201;
const playbookText = `- name: example
  hosts: gateways
  services:
    - name: octoi-example
      listen: ${PORT}
      script:
        content: |
          #!/bin/sh
          echo "hello from {{ inventory_hostname }}"
`;

function rollout(...args: string[]): Promise<CliResult> {
  return runNodeScript(join(packageRoot(), 'dist', 'examples', 'rollout.js'), args);
}

describe('examples/rollout.ts on a lab of 2 hosts', { timeout: 600_000 }, () => {
  const suite = labSuite(2);
  let inventory: string;
  let playbook: string;

  before(async () => {
    // gw02 logs in as deploy and becomes root: the script gets become from resolveTargets, not by hand.
    const written = parse(await readFile(suite.lab.inventoryPath, 'utf8')) as { all: { children: { gateways: { hosts: Record<string, Record<string, unknown>> } } } };
    const gw02 = written.all.children.gateways.hosts['gw02'];
    assert.ok(gw02);
    Object.assign(gw02, { ansible_user: 'deploy', ansible_become: true });
    inventory = await suite.file('inventory.yml', stringify(written));
    playbook = await suite.file('example.yml', playbookText);
  });

  it('validates, plans, applies and prints the hosts and the services they now serve', async () => {
    const run = await rollout(playbook, inventory);
    assert.equal(run.exitCode, ExitCode.ok, run.stdout + run.stderr);
    assert.equal(run.stderr, '');
    const lines = run.stdout.split('\n');
    assert.equal(lines[0], 'plan: 2 of 2 hosts to change');
    assert.match(lines[1] ?? '', /^ {2}gw01: .*octoi-example/);
    assert.match(lines[2] ?? '', /^ {2}gw02: .*octoi-example/);
    assert.deepEqual(lines.slice(3, 6), ['gw01: changed', 'gw02: changed', 'applied: 2 changed, 0 ok, 0 failed, 0 unreachable']);
    for (const host of ['gw01', 'gw02']) {
      assert.match(run.stdout, new RegExp(`^${host}\\s+octoi-example\\s+enabled\\s+active\\s+\\*:${PORT}\\s`, 'm'));
      assert.equal(await readFromPort(suite.lab.host(host).address, PORT), `hello from ${host}\n`);
    }
    assert.match(run.stdout, /^2 hosts: 2 ok, 0 unreachable, 0 failed$/m);
    const owners = await suite.lab.exec('gw02', ['stat', '-c', '%U:%G %n', '/etc/systemd/system/octoi-example.socket', '/opt/octoi-example/octoi-example.sh']);
    assert.equal(owners.stdout, 'root:root /etc/systemd/system/octoi-example.socket\nroot:root /opt/octoi-example/octoi-example.sh\n');
    const journal = await suite.lab.exec('gw02', ['journalctl', '-q', '--no-pager', '-o', 'cat', '-u', 'ssh.service']);
    assert.match(journal.stdout, /^Accepted publickey for deploy from /m, 'gw02 was reached as deploy');
  });

  it('plans nothing and changes nothing the second time', async () => {
    const run = await rollout(playbook, inventory);
    assert.equal(run.exitCode, ExitCode.ok, run.stdout + run.stderr);
    assert.deepEqual(run.stdout.split('\n').slice(0, 4), ['plan: 0 of 2 hosts to change', 'gw01: ok', 'gw02: ok', 'applied: 0 changed, 2 ok, 0 failed, 0 unreachable']);
  });

  it('prints the diagnostics of an invalid playbook with file:line:col and field, and contacts no host', async () => {
    const invalid = await suite.file('invalid.yml', playbookText.replace(`listen: ${PORT}`, 'listen: 70000'));
    const run = await rollout(invalid, inventory);
    assert.equal(run.exitCode, ExitCode.invalidInput, run.stdout + run.stderr);
    assert.equal(run.stdout, '');
    assert.equal(run.stderr, `${invalid}:5:15: error: \`listen\` 70000 is out of range 1-65535 (field: plays[0].services[0].listen)\n`);
  });
});
