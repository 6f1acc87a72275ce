import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { ExitCode } from '../../lib/exit-codes.js';
import { readJsonReport, runOctoi } from '../helpers/cli.js';
import { labSuite } from '../helpers/lab.js';
import { connectionCounter, isRefused, readFromPort } from '../helpers/tcp.js';

const playbook = `- name: per-host variables
  hosts: gateways
  vars: { service: octoi-vars }
  services:
    - name: "{{ service }}"
      description: "{{ service }} on {{ inventory_hostname }}"
      listen: "{{ port }}"
      script:
        content: |
          #!/bin/sh
          echo "{{ prefix }} {{ greeting }} from {{ inventory_hostname }}"
`;

describe('variables in playbooks on a lab of 2 hosts', { timeout: 600_000 }, () => {
  const suite = labSuite(2);
  let varsInventory: string;
  const ports = [14101, 14102];
  const write = async (name: string, content: string) => {
    const file = join(suite.work, name);
    await writeFile(file, content);
    return file;
  };
  const play = async (file: string, ...extra: string[]) => {
    const json = join(suite.work, `report-${Date.now()}.json`);
    const result = await runOctoi(['play', file, '-i', suite.lab.inventoryPath, '-i', varsInventory, '--json', json, ...extra]);
    return { ...result, report: result.exitCode === ExitCode.invalidInput ? null : await readJsonReport(json) };
  };

  before(async () => {
    // A second inventory source gives the lab's hosts their own variables; group_vars/ beside it too.
    const hostVars = suite.lab.hosts.map((host, index) => `    ${host.name}: { port: ${ports[index]}, greeting: greeting-${index + 1} }`).join('\n');
    varsInventory = await write('vars.yml', `all:\n  hosts:\n${hostVars}\n`);
    await mkdir(join(suite.work, 'group_vars'));
    await write(join('group_vars', 'gateways.yml'), 'prefix: hello\n');
  });

  it('gives each host its own port and script output from inventory variables', async () => {
    const run = await play(await write('vars-play.yml', playbook));
    assert.equal(run.exitCode, ExitCode.ok, run.stdout + run.stderr);
    for (const [index, host] of suite.lab.hosts.entries()) {
      assert.equal(run.report?.hosts[host.name]?.status, 'changed');
      assert.equal(await readFromPort(host.address, ports[index]!), `hello greeting-${index + 1} from ${host.name}\n`);
      assert.equal(await isRefused(host.address, ports[1 - index]!), true, 'the other host\'s port stays closed');
    }
    const again = await play(join(suite.work, 'vars-play.yml'));
    assert.equal(again.report?.totals.changed, 0, 'a second run changes nothing');
  });

  it('lets -e override inventory and play variables, later -e winning', async () => {
    const varsFile = await write('extra.yml', 'greeting: from-file\n');
    const run = await play(join(suite.work, 'vars-play.yml'), '-e', `@${varsFile}`, '-e', 'greeting=from-cli prefix=hi');
    assert.equal(run.exitCode, ExitCode.ok, run.stdout + run.stderr);
    for (const [index, host] of suite.lab.hosts.entries()) {
      assert.equal(await readFromPort(host.address, ports[index]!), `hi from-cli from ${host.name}\n`);
    }
  });

  it('fails on a variable one host lacks, naming the host and FILE:LINE:COL, before contacting any host', async () => {
    const file = await write('missing.yml', playbook.replace('listen: "{{ port }}"', 'listen: "{{ port }}"\n      user: { user: "{{ owner }}" }').replace('octoi-vars', 'octoi-missing'));
    const onlyFirst = await write('owner.yml', `all:\n  hosts:\n    ${suite.lab.hosts[0]!.name}: { owner: nobody }\n`);
    const run = await runOctoi(['play', file, '-i', suite.lab.inventoryPath, '-i', varsInventory, '-i', onlyFirst]);
    assert.equal(run.exitCode, ExitCode.invalidInput, run.stdout + run.stderr);
    assert.match(run.stderr, new RegExp(`missing\\.yml:8:21: error: host ${suite.lab.hosts[1]!.name}: undefined variable \`owner\` in \`\\{\\{ owner \\}\\}\``));
    assert.doesNotMatch(run.stderr, new RegExp(`host ${suite.lab.hosts[0]!.name}`));
    const units = await suite.lab.exec(suite.lab.hosts[0]!.name, ['ls', '/etc/systemd/system']);
    assert.doesNotMatch(units.stdout, /octoi-missing/, 'the host that had every variable was not touched either');

    const counter = await connectionCounter();
    try {
      const trap = await write('trap.yml', `all:\n  children:\n    gateways:\n      hosts:\n        trap: { ansible_host: 127.0.0.1, ansible_port: ${counter.port} }\n`);
      const trapped = await runOctoi(['play', join(suite.work, 'vars-play.yml'), '-i', trap]);
      assert.equal(trapped.exitCode, ExitCode.invalidInput, trapped.stderr);
      assert.match(trapped.stderr, /vars-play\.yml:7:15: error: host trap: undefined variable `port` in `\{\{ port \}\}` \(field: plays\[0\]\.services\[0\]\.listen\)\n\s+hint: /);
      assert.equal(counter.count(), 0, 'no host was contacted');
    } finally {
      await counter.close();
    }
  });
});
