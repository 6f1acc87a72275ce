import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { stringify } from 'yaml';
import { ExitCode } from '../../lib/exit-codes.js';
import type { StatusReport } from '../../lib/report/status-table.js';
import { readJsonReport, runOctoi } from '../helpers/cli.js';
import { labSuite } from '../helpers/lab.js';
import { isRefused, readFromPort } from '../helpers/tcp.js';

const COUNTER_PORT = 14201;
const ARGV_PORT = 14202;

/** An Accept=no daemon: it takes the listening socket systemd hands it (sd_listen_fds) and counts connections. */
const counterScript = (version: string) => `#!/usr/bin/python3
import os, socket
# sd_listen_fds(3): the sockets start at fd 3, LISTEN_PID names the process they are for.
assert os.environ["LISTEN_PID"] == str(os.getpid()) and os.environ["LISTEN_FDS"] == "1"
server = socket.socket(fileno=3)
count = 0
while True:
    connection, _ = server.accept()
    count += 1
    connection.sendall(("%s|%d|%d|${version}\\n" % (os.environ["GREETING"], count, os.getpid())).encode())
    connection.close()
`;

/** Arguments systemd would split, substitute or unescape unless octoi quotes them exactly. */
const HOSTILE_ARGUMENTS = ['value with spaces', '', '100% %n %%', '$HOME ${USER} $$', ';', '\\;', `q"uo'te`, 'back\\slash\\', '{{ "{{" }} no template', 'é ü'];
const HOSTILE_ARGV = HOSTILE_ARGUMENTS.map((argument) => argument.replace('{{ "{{" }}', '{{'));
const GREETING = `says "hi" to $USER at 100% %n \\back`;
const SECRET = `s3"cr$et \`id\` 'x' \\ end`;

/** Prints its argv and the secret it got from the environment, to the connection (stdout). */
const ARGV_PROGRAM = "import sys, json, os; print(json.dumps([sys.argv[1:], os.environ['TOKEN']]))";

interface Shapes {
  script?: string;
  greeting?: string;
  argvSuffix?: string;
  secret?: string;
  argvPort?: number;
  state?: 'present' | 'absent';
  /** The counter's port served the other way: an instance per connection, each printing its PID. */
  counterPerConnection?: boolean;
}

const INSTANCE_SCRIPT = '#!/bin/sh\necho "instance|$$"\n';

function playbook({ script = counterScript('v1'), greeting = GREETING, argvSuffix = '', secret = SECRET, argvPort = ARGV_PORT, state = 'present', counterPerConnection = false }: Shapes): string {
  const present = state === 'present';
  const counter = counterPerConnection
    ? { name: 'octoi-counter', listen: COUNTER_PORT, accept: true, script: { content: INSTANCE_SCRIPT } }
    : { name: 'octoi-counter', listen: COUNTER_PORT, accept: false, script: { content: script }, environment: { GREETING: `{{ inventory_hostname }} ${greeting}` } };
  return stringify([
    {
      hosts: 'gateways',
      services: [
        present ? counter : { name: 'octoi-counter', state },
        present
          ? { name: 'octoi-argv', listen: argvPort, exec: ['/usr/bin/python3', '-c', ARGV_PROGRAM, ...HOSTILE_ARGUMENTS, `suffix${argvSuffix}`], secret: true, environment: { TOKEN: secret } }
          : { name: 'octoi-argv', state },
      ],
    },
  ]);
}

describe('both shapes of socket activation on a lab of 1 host', { timeout: 600_000 }, () => {
  const suite = labSuite(1);
  const host = () => suite.lab.hosts[0]!;
  const play = async (shapes: Shapes, ...extra: string[]) => {
    const file = await suite.file('shapes.yml', playbook(shapes));
    const json = join(suite.work, `report-${Date.now()}.json`);
    const run = await runOctoi(['play', file, '-i', suite.lab.inventoryPath, '--json', json, '--plain', ...extra]);
    return { ...run, report: await readJsonReport(json), file };
  };
  const onHost = async (...command: string[]) => (await suite.lab.exec(host().name, command)).stdout.trim();
  const mainPid = async () => Number(await onHost('systemctl', 'show', '-p', 'MainPID', '--value', 'octoi-counter.service'));
  const ask = async () => {
    const [greeting, count, pid, version] = (await readFromPort(host().address, COUNTER_PORT)).trimEnd().split('|');
    return { greeting, count: Number(count), pid: Number(pid), version };
  };
  const assertInSync = async (shapes: Shapes) => {
    const again = await play(shapes);
    assert.equal(again.exitCode, ExitCode.ok, again.stdout + again.stderr);
    assert.equal(again.report.hosts[host().name]?.status, 'ok', again.stdout);
    assert.equal(again.report.hosts[host().name]?.execs, 1, 'a re-run is one remote command');
  };

  it('accept: false converges, answers, keeps its state across connections, and re-runs with one command', async () => {
    const run = await play({});
    assert.equal(run.exitCode, ExitCode.ok, run.stdout + run.stderr);
    assert.equal(await mainPid(), 0, 'nothing runs before the first connection');
    const first = await ask();
    const second = await ask();
    assert.equal(first.greeting, `${host().name} ${GREETING}`, 'the environment value arrives unchanged, rendered for the host');
    assert.deepEqual([first.count, second.count], [1, 2], 'one process keeps its state across connections');
    assert.equal(second.pid, first.pid);
    assert.equal(await mainPid(), first.pid, 'the process that answers is NAME.service');
    assert.equal(await onHost('systemctl', 'show', '-p', 'Accept', '--value', 'octoi-counter.socket'), 'no');
    await assertInSync({});

    const statusJson = join(suite.work, 'status.json');
    const status = await runOctoi(['status', '-i', suite.lab.inventoryPath, '--json', statusJson]);
    assert.equal(status.exitCode, ExitCode.ok, status.stdout + status.stderr);
    const report = JSON.parse(await readFile(statusJson, 'utf8')) as StatusReport;
    assert.deepEqual(report.hosts[host().name]?.services['octoi-counter']?.service, { unit: 'octoi-counter.service', active: 'active', mainPid: first.pid });
    assert.match(status.stdout, new RegExp(`octoi-counter .* active pid ${first.pid}$`, 'm'));
  });

  it('restarts the service exactly when its program or environment changes: the PID changes then, and only then', async () => {
    const before = (await ask()).pid;
    // A change of the other service leaves this one running.
    const other = await play({ argvSuffix: '-2' });
    assert.equal(other.exitCode, ExitCode.ok, other.stdout + other.stderr);
    assert.equal(await mainPid(), before, 'another service changed: no restart');
    assert.equal((await ask()).pid, before);

    const script = await play({ script: counterScript('v2'), argvSuffix: '-2' });
    assert.equal(script.exitCode, ExitCode.ok, script.stdout + script.stderr);
    assert.match(script.stdout, /± restart octoi-counter\.service if it runs \(script changed: the running process keeps the old code otherwise\)/);
    assert.doesNotMatch(script.stdout, /daemon-reload/, 'a script needs no reload');
    const afterScript = await mainPid();
    assert.notEqual(afterScript, before);
    const answer = await ask();
    assert.deepEqual([answer.version, answer.count, answer.pid], ['v2', 1, afterScript], 'the new code answers, from a fresh process');
    await assertInSync({ script: counterScript('v2'), argvSuffix: '-2' });
    assert.equal(await mainPid(), afterScript, 'a re-run restarts nothing');

    const environment = await play({ script: counterScript('v2'), argvSuffix: '-2', greeting: 'new $value' });
    assert.equal(environment.exitCode, ExitCode.ok, environment.stdout + environment.stderr);
    assert.match(environment.stdout, /± restart octoi-counter\.service if it runs \(service unit changed/);
    const afterEnvironment = await mainPid();
    assert.notEqual(afterEnvironment, afterScript);
    assert.equal((await ask()).greeting, `${host().name} new $value`);
  });

  it('a failed change rolls an Accept=no daemon back: the previous code answers again, from a new process', async () => {
    const current = { script: counterScript('v2'), argvSuffix: '-2', greeting: 'new $value' };
    const running = (await ask()).pid;
    // Another program holds the port the other service moves to: its socket restart fails after this daemon restarted with v3.
    const busy = 14204;
    await suite.lab.exec(host().name, ['systemd-run', '--quiet', '--unit=occupy-shapes', 'python3', '-m', 'http.server', String(busy), '--bind', '0.0.0.0']);
    try {
      await suite.lab.exec(host().name, ['sh', '-c', `for i in 1 2 3 4 5 6 7 8 9 10; do ss -Htln "sport = :${busy}" | grep -q . && exit 0; sleep 0.3; done`]);
      const failed = await play({ ...current, script: counterScript('v3'), argvPort: busy });
      assert.equal(failed.exitCode, ExitCode.hostsFailed, failed.stdout + failed.stderr);
      assert.match(failed.stdout, /restart octoi-counter\.service if it runs/);
      assert.equal(failed.report.hosts[host().name]?.rollback, 'rolled-back', failed.stdout);
    } finally {
      await suite.lab.exec(host().name, ['systemctl', 'stop', 'occupy-shapes']);
    }
    const answer = await ask();
    assert.equal(answer.version, 'v2', 'the code put back answers');
    assert.notEqual(answer.pid, running);
    assert.equal(answer.count, 1);
    await assertInSync(current);
  });

  it('an exec service receives every argument byte for byte, and a secret environment that no plan, diff or report shows', async () => {
    const [argv, token] = JSON.parse(await readFromPort(host().address, ARGV_PORT)) as [string[], string];
    assert.deepEqual(argv, [...HOSTILE_ARGV, 'suffix-2']);
    assert.equal(token, SECRET, 'quotes, spaces, $, backticks and backslashes arrive unchanged');
    assert.equal(await onHost('stat', '-c', '%a %U %G', '/etc/octoi/octoi-argv.env'), '600 root root');
    assert.doesNotMatch(await onHost('cat', '/etc/systemd/system/octoi-argv@.service'), /s3/, 'the unit only names the environment file');

    const file = await suite.file('secret.yml', playbook({ script: counterScript('v2'), argvSuffix: '-2', greeting: 'new $value', secret: SECRET.replace('s3', 's4') }));
    const json = join(suite.work, 'secret.json');
    const plan = await runOctoi(['plan', file, '-i', suite.lab.inventoryPath, '--json', json]);
    assert.equal(plan.exitCode, ExitCode.changesPending, plan.stdout + plan.stderr);
    assert.match(plan.stdout, /octoi-argv\.env environment changed/);
    assert.match(plan.stdout, /content not shown: the playbook marks it secret/);
    for (const text of [plan.stdout, plan.stderr, await readFile(json, 'utf8')]) assert.doesNotMatch(text, /s[34]\\?"cr/);
  });

  it('refuses a host where the exec program does not exist, before installing anything', async () => {
    const file = await suite.file('missing.yml', stringify([{ hosts: 'gateways', services: [{ name: 'octoi-nothing', listen: 14203, exec: ['/usr/bin/octoi-no-such-program', '--flag'] }] }]));
    const json = join(suite.work, 'missing.json');
    const run = await runOctoi(['play', file, '-i', suite.lab.inventoryPath, '--json', json]);
    assert.equal(run.exitCode, ExitCode.hostsFailed, run.stdout + run.stderr);
    const entry = (await readJsonReport(json)).hosts[host().name];
    assert.equal(entry?.error?.reason, 'refused');
    assert.match(entry?.error?.message ?? '', /octoi-nothing: program \/usr\/bin\/octoi-no-such-program does not exist on this host/);
    assert.equal(await onHost('sh', '-c', 'ls -d /etc/systemd/system/octoi-nothing* 2>/dev/null'), '', 'nothing was installed');
  });

  it('state: absent removes both shapes cleanly, and a re-run changes nothing', async () => {
    const run = await play({ state: 'absent' });
    assert.equal(run.exitCode, ExitCode.ok, run.stdout + run.stderr);
    for (const port of [COUNTER_PORT, ARGV_PORT]) assert.equal(await isRefused(host().address, port), true);
    const left = await onHost('sh', '-c', 'ls -d /etc/systemd/system/octoi-* /opt/octoi-* /etc/octoi 2>/dev/null; systemctl list-units --all --plain --no-legend "octoi-*"');
    assert.equal(left, '', 'no unit, script, environment file, folder or loaded unit is left');
    await assertInSync({ state: 'absent' });
  });

  it('accept: true in place of a running Accept=no daemon stops the daemon, and each connection then has a process of its own', async () => {
    assert.equal((await play({})).exitCode, ExitCode.ok);
    const daemon = (await ask()).pid;
    assert.equal(await mainPid(), daemon);
    const run = await play({ counterPerConnection: true });
    assert.equal(run.exitCode, ExitCode.ok, run.stdout + run.stderr);
    assert.match(run.stdout, /stop octoi-counter\.service/, 'the plan names the daemon it stops');
    assert.equal(await onHost('systemctl', 'show', '-p', 'ActiveState', '--value', 'octoi-counter.service'), 'inactive');
    const [first, second] = [await readFromPort(host().address, COUNTER_PORT), await readFromPort(host().address, COUNTER_PORT)].map((answer) => answer.trim().split('|'));
    assert.equal(first?.[0], 'instance');
    assert.notEqual(first?.[1], second?.[1], 'two connections, two processes');
    assert.ok(![first?.[1], second?.[1]].includes(String(daemon)));
    await assertInSync({ counterPerConnection: true });
  });
});
