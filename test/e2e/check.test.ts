/**
 * Checks on a lab with a bastion: each service is asked, from the controller through the host's
 * own SSH connection, whether it answers as its check expects; gw03 and gw04 sit behind the
 * bastion, on a network the machine has no route to.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ExitCode } from '../../lib/exit-codes.js';
import type { JsonReport } from '../../lib/report/json.js';
import { readJsonReport, runOctoi } from '../helpers/cli.js';
import { labSuite } from '../helpers/lab.js';

const GATEWAYS = ['gw01', 'gw02', 'gw03', 'gw04'];

/** One service on every address, one on the hosts' loopback only: the machine cannot reach that one but through the host. */
function playbook(greeting: string, check = '{ expect: { regex: "Hello World" }, timeout: 5 }'): string {
  const service = (name: string, listen: string) => `    - name: ${name}
      listen: ${listen}
      script:
        content: |
          #!/bin/sh
          echo "${greeting}"
      check: ${check}
`;
  return `- hosts: gateways\n  services:\n${service('octoi-check', '14501')}${service('octoi-check-local', '["127.0.0.1:14502", "[::1]:14502"]')}`;
}

const checksOf = (report: JsonReport, host: string) => (report.hosts[host]?.checks ?? []).map((check) => `${check.service} ${check.address} ${check.outcome}`);

describe('checks on a lab of 2 hosts and 2 behind a bastion', { timeout: 900_000 }, () => {
  const suite = labSuite(2, 2);
  const octoi = async (args: string[]) => {
    const json = join(suite.work, `report-${Date.now()}.json`);
    const run = await runOctoi([...args, '-i', suite.lab.inventoryPath, '--json', json, '--plain']);
    return { ...run, report: run.exitCode === ExitCode.invalidInput ? null : await readJsonReport(json) };
  };

  it('--check lists the checks a run would make, one per declared address, and makes none', async () => {
    const run = await octoi(['play', await suite.file('good.yml', playbook('Hello World')), '--check']);
    assert.equal(run.exitCode, ExitCode.ok, run.stdout + run.stderr);
    for (const host of GATEWAYS) {
      assert.deepEqual(checksOf(run.report!, host), ['octoi-check *:14501 planned', 'octoi-check-local 127.0.0.1:14502 planned', 'octoi-check-local [::1]:14502 planned']);
    }
    assert.match(run.stdout, /^gw01: {3}\? check octoi-check \*:14501: expect \/Hello World\/ \(planned\)$/m);
    const plan = await runOctoi(['plan', join(suite.work, 'good.yml'), '-i', suite.lab.inventoryPath, '--limit', 'gw03']);
    assert.equal(plan.exitCode, ExitCode.changesPending, plan.stdout + plan.stderr);
    assert.match(plan.stdout, /^gw03: {3}\? check octoi-check-local \[::1\]:14502: expect \/Hello World\/ \(planned\)$/m);
  });

  it('a good change passes its checks on every address, behind the bastion too', async () => {
    const events = join(suite.work, 'good.jsonl');
    const junit = join(suite.work, 'good.xml');
    const run = await octoi(['play', join(suite.work, 'good.yml'), '--events', events, '--junit', junit]);
    assert.equal(run.exitCode, ExitCode.ok, run.stdout + run.stderr);
    for (const host of GATEWAYS) {
      assert.equal(run.report!.hosts[host]?.status, 'changed');
      assert.deepEqual(checksOf(run.report!, host), [
        'octoi-check 127.0.0.1:14501 passed', 'octoi-check [::1]:14501 passed', 'octoi-check-local 127.0.0.1:14502 passed', 'octoi-check-local [::1]:14502 passed',
      ]);
      assert.ok(run.report!.hosts[host].checks!.every((check) => check.bytes === 'Hello World\n'.length));
    }
    assert.match(run.stdout, /^ {2}gw03 {2}changed {6}\d+ changes, 4 checks passed, /m);
    const finished = (await readFile(events, 'utf8')).trimEnd().split('\n').map((line) => JSON.parse(line) as { type: string; host?: string; checks?: unknown[] })
      .filter((event) => event.type === 'host-finished');
    assert.deepEqual(finished.map((event) => event.checks?.length), [4, 4, 4, 4]);
    const xml = await readFile(junit, 'utf8');
    assert.match(xml, /failures="0"/);
    assert.match(xml, /✓ check octoi-check-local 127\.0\.0\.1:14502: \/Hello World\/ \(12 bytes, /);
  });

  it('a script that prints the wrong thing fails its checks with what came back', async () => {
    const junit = join(suite.work, 'bad.xml');
    // Kept for the tests below: without --no-rollback the hosts would serve the previous version again.
    const run = await octoi(['play', await suite.file('bad.yml', playbook('Hello Wrold')), '--junit', junit, '--no-rollback']);
    assert.equal(run.exitCode, ExitCode.hostsFailed, run.stdout + run.stderr);
    for (const host of GATEWAYS) {
      const entry = run.report!.hosts[host]!;
      assert.equal(entry.status, 'failed');
      assert.equal(entry.error?.reason, 'check-failed');
      assert.deepEqual(entry.actions.map((action) => `${action.kind} ${action.outcome}`), ['write-file done', 'write-file done'], 'the new scripts are in place');
      assert.equal(entry.failed, 4);
      for (const check of entry.checks!) {
        assert.equal(check.failure, 'closed');
        const [, address, port] = /^\[?([^\]]+)\]?:(\d+)$/.exec(check.address)!;
        assert.match(check.message!, new RegExp(`^port ${port} on ${address!.replaceAll('.', '\\.')} answered 'Hello Wrold\\\\n' \\(12 bytes\\) and closed the connection after \\d+\\.\\d s; expected /Hello World/$`));
      }
      assert.match(entry.error.message, /^octoi-check: port 14501 on 127\.0\.0\.1 answered 'Hello Wrold\\n' \(12 bytes\)/);
    }
    assert.match(await readFile(junit, 'utf8'), /<testcase classname="gw04" name="octoi-check-local" time="[0-9.]+"><failure type="check-failed" message="port 14502 on 127\.0\.0\.1 answered &#39;Hello Wrold\\n&#39;/);
  });

  it('octoi check exits 2 while a service answers wrong, 0 once all answer, and changes nothing', async () => {
    const good = join(suite.work, 'good.yml');
    const wrong = await octoi(['check', good, '--limit', 'gw01:gw03']);
    assert.equal(wrong.exitCode, ExitCode.hostsFailed, wrong.stdout + wrong.stderr);
    assert.deepEqual(Object.keys(wrong.report!.hosts), ['gw01', 'gw03']);
    assert.equal(wrong.report!.hosts['gw03']?.error?.reason, 'check-failed');

    assert.equal((await octoi(['play', good])).exitCode, ExitCode.ok);
    const before = await Promise.all(GATEWAYS.map((host) => suite.lab.exec(host, ['sh', '-c', 'find /etc/systemd/system /opt /var/lib/octoi -printf "%p %m %s %T@\\n" | sort'])));
    const right = await octoi(['check', good]);
    assert.equal(right.exitCode, ExitCode.ok, right.stdout + right.stderr);
    for (const host of GATEWAYS) {
      const entry = right.report!.hosts[host]!;
      assert.deepEqual([entry.status, entry.execs, entry.uploads, entry.actions], ['ok', 1, 0, []]);
      assert.equal(entry.checks?.filter((check) => check.outcome === 'passed').length, 4);
    }
    const after = await Promise.all(GATEWAYS.map((host) => suite.lab.exec(host, ['sh', '-c', 'find /etc/systemd/system /opt /var/lib/octoi -printf "%p %m %s %T@\\n" | sort'])));
    assert.deepEqual(after.map((result) => result.stdout), before.map((result) => result.stdout));
  });

  it('octoi check refuses a playbook that declares no check', async () => {
    const none = await suite.file('none.yml', '- hosts: gateways\n  services:\n    - name: octoi-check\n      listen: 14501\n      script: { content: "#!/bin/sh\\n" }\n');
    const refused = await runOctoi(['check', none, '-i', suite.lab.inventoryPath]);
    assert.equal(refused.exitCode, ExitCode.invalidInput);
    assert.match(refused.stderr, /no service of .*none\.yml declares a check for the targeted hosts/);
  });

  it('a check that gets no answer fails at its timeout', async () => {
    const silent = await suite.file('silent.yml', playbook('Hello World', '{ send: "hello?\\n", expect: "never", timeout: 1 }').replaceAll('echo "Hello World"', 'sleep 30'));
    const run = await octoi(['play', silent, '--limit', 'gw02', '--no-rollback']);
    assert.equal(run.exitCode, ExitCode.hostsFailed, run.stdout + run.stderr);
    const checks = run.report!.hosts['gw02']!.checks!;
    assert.deepEqual(checks.map((check) => check.failure), ['timeout', 'timeout', 'timeout', 'timeout']);
    assert.match(checks[0]!.message!, /^port 14501 on 127\.0\.0\.1 answered nothing \(0 bytes\) after 1\.\d s; expected "never" within 1 s$/);
    assert.equal((await octoi(['play', join(suite.work, 'good.yml'), '--limit', 'gw02'])).exitCode, ExitCode.ok, 'a good script again');
  });

  it('a host whose sshd forbids TCP forwarding fails its checks, saying so', async () => {
    const sshd = (change: string) => suite.lab.exec('gw02', ['sh', '-c', `${change} && systemctl restart ssh.service`]);
    await sshd("printf 'AllowTcpForwarding no\\n' >> /etc/ssh/sshd_config");
    try {
      const run = await octoi(['check', join(suite.work, 'good.yml'), '--limit', 'gw02']);
      assert.equal(run.exitCode, ExitCode.hostsFailed, run.stdout + run.stderr);
      const entry = run.report!.hosts['gw02']!;
      assert.equal(entry.error?.reason, 'check-failed');
      assert.deepEqual(entry.checks!.map((check) => check.failure), ['forwarding-forbidden', 'forwarding-forbidden', 'forwarding-forbidden', 'forwarding-forbidden']);
      assert.match(entry.checks![0]!.message!, /^port 14501 on 127\.0\.0\.1: the host's sshd refuses to forward the connection \(open failed\): TCP forwarding is off there \(AllowTcpForwarding no\?\)$/);
      assert.match(run.stdout, /^gw02: {3}hint: checks connect through SSH as `ssh -W` does: allow it for octoi's login user in the host's sshd_config \(AllowTcpForwarding local/m);
    } finally {
      await sshd("sed -i '/^AllowTcpForwarding no$/d' /etc/ssh/sshd_config");
    }
    assert.equal((await octoi(['check', join(suite.work, 'good.yml'), '--limit', 'gw02'])).exitCode, ExitCode.ok, 'forwarding allowed again');
  });
});
